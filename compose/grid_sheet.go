package compose

import (
	"context"
	"errors"
	"fmt"
	"image"

	"camviz/analysis"
	"camviz/cam"
	"camviz/imgio"
	"camviz/render"
)

// gridExportSide bounds an exported grid cell's long side.
const gridExportSide = 1024

// GridExport draws the comparison grid req of sel on work (the working
// copy of photo) for saving: every cell captioned, under a title line,
// with its facts.
func GridExport(ctx context.Context, a *analysis.Analysis, photo *Photo, work *image.NRGBA, req GridRequest, sel Selection) (image.Image, Facts, error) {
	base := imgio.Downscale(work, gridExportSide)
	g, err := DrawGrid(ctx, a, base, req, sel, nil, nil)
	if err != nil {
		return nil, Facts{}, err
	}
	if len(g.Cells) == 0 {
		return nil, Facts{}, errors.New("the grid has no cells")
	}
	face, err := render.NewFace(max(14, float64(base.Bounds().Dx())/30))
	if err != nil {
		return nil, Facts{}, err
	}
	defer face.Close()
	var tiles []image.Image
	for _, c := range g.Cells {
		var img image.Image = c.Image
		lines := []string{c.Title}
		if c.Err != "" || c.Image == nil {
			img = base
			lines = append(lines, "failed: "+c.Err)
		} else {
			if g.Req.Kind == GridClasses {
				lines = append(lines, fmt.Sprintf("class %d", c.Class))
			} else {
				lines = append(lines, ShortLayer(c.Layer))
			}
			if c.Flags != 0 {
				lines = append(lines, c.Flags.String())
			}
		}
		t, err := render.Caption(img, lines, render.CaptionOptions{Face: face})
		if err != nil {
			return nil, Facts{}, err
		}
		tiles = append(tiles, t)
	}
	sheet := tile(tiles, 8)
	lut, err := render.Colormap(g.Colormap)
	if err != nil {
		return nil, Facts{}, err
	}
	var bar *render.BarOptions
	if g.Norm != cam.Raw { // raw cells each span their own ±max: one bar cannot label them
		bar = &render.BarOptions{LUT: lut, Range: render.Unit()}
	}
	what := fmt.Sprintf("class %d “%s” p=%.3f · %s per cell", sel.Class, a.Model.Label(sel.Class), a.Probs[sel.Class], normName(g.Norm))
	if g.Req.Kind == GridClasses {
		what = fmt.Sprintf("%s · shared scale %.4g", g.Cells[0].Method.Display, g.Scale)
	}
	head := []string{fmt.Sprintf("%s — %s · model %s · %s", photo.Name, what, a.Model.Name, a.Input.Mode)}
	out, err := render.Compose(sheet, render.ComposeOptions{Bar: bar, Caption: head, CaptionAbove: true})
	if err != nil {
		return nil, Facts{}, err
	}
	facts, err := gridFacts(a, photo, sel, g)
	return out, facts, err
}

// gridFacts describes a saved grid: the selection it was made for and
// each cell.
func gridFacts(a *analysis.Analysis, pic *Photo, sel Selection, g *Grid) (Facts, error) {
	meth, err := a.Model.Method(sel.Method)
	if err != nil {
		return Facts{}, err
	}
	facts := NewFacts(a, pic, sel, meth, "", g.Scale, 0)
	facts.Compare = nil
	facts.Norm = g.Norm.String()
	facts.Colormap = g.Colormap
	if g.Req.Kind == GridMethods {
		facts.Method, facts.MethodName = "", ""
	}
	for _, c := range g.Cells {
		facts.Grid = append(facts.Grid, CellFacts{Method: c.Method.Name, Layer: c.Layer, Class: c.Class,
			Label: a.Model.Label(c.Class), Prob: a.Probs[c.Class], Flags: c.Flags.String(), Error: c.Err})
	}
	return facts, nil
}
