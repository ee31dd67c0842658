// Package testfix holds the fixtures that the tests of several packages
// build the same way: the small test photo, an analysis of a model on an
// input, a font face. Paths are as seen from a package folder (one level
// below the repository root), like npytest's.
//
// It may import the engine's packages (analysis, imgio, render) but never
// ui or Fyne, so that every package's tests, app's too, can use it.
// analysis's own tests cannot (it imports analysis) and keep their copy.
package testfix

import (
	"context"
	"image"
	"image/draw"
	"testing"

	"camviz/analysis"
	"camviz/imgio"
	"camviz/render"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
)

// Chelsea is the test photo.
const Chelsea = "../testdata/images/chelsea.png"

// SmallChelsea is the test photo scaled bilinearly to 150×100, so that
// the golden PNGs drawn on it stay small.
func SmallChelsea(t testing.TB) *image.NRGBA {
	t.Helper()
	src, _, err := imgio.DecodeFile(Chelsea, imgio.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dst := image.NewNRGBA(image.Rect(0, 0, 150, 100))
	xdraw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// Analysis loads the model at model (no labels) and analyses the input
// file at input (an image or a .npy tensor, no resize mode), failing t on
// any error.
func Analysis(t testing.TB, model, input string) *analysis.Analysis {
	t.Helper()
	m := load(t, model)
	in, err := m.OpenInput(input, "")
	if err != nil {
		t.Fatal(err)
	}
	return analyze(t, m, in)
}

// ImageAnalysis is Analysis of a decoded picture, named name.
func ImageAnalysis(t testing.TB, model, name string, img *image.NRGBA) *analysis.Analysis {
	t.Helper()
	m := load(t, model)
	in, err := m.ImageInput(name, img, "")
	if err != nil {
		t.Fatal(err)
	}
	return analyze(t, m, in)
}

func load(t testing.TB, model string) *analysis.Model {
	t.Helper()
	m, err := analysis.LoadModel(model, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func analyze(t testing.TB, m *analysis.Model, in *analysis.Input) *analysis.Analysis {
	t.Helper()
	a, err := m.Analyze(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Face is render's face at size points, closed when t ends.
func Face(t testing.TB, size float64) font.Face {
	t.Helper()
	f, err := render.NewFace(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
