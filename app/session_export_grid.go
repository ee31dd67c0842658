package app

import (
	"context"
	"errors"
	"fmt"
	"image"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/imgio"
	"camviz/render"
)

// Saving the comparison grid.

// gridExportSide bounds an exported grid cell's long side.
const gridExportSide = 1024

// drawGridExport draws the comparison grid for saving.
func (s *Session) drawGridExport(ctx context.Context) (image.Image, compose.Facts, error) {
	s.mu.Lock()
	a, sel, pic, req := s.analysis, s.sel, s.pic, s.gridReq
	s.mu.Unlock()
	if a == nil || pic == nil {
		return nil, compose.Facts{}, errNoView
	}
	if req == nil {
		return nil, compose.Facts{}, errors.New("there is no comparison grid to save: open the Grid tab first")
	}
	base := imgio.Downscale(pic.img, gridExportSide)
	g, err := gridCells(ctx, a, base, *req, sel, nil, nil)
	if err != nil {
		return nil, compose.Facts{}, err
	}
	if len(g.Cells) == 0 {
		return nil, compose.Facts{}, errors.New("the grid has no cells")
	}
	face, err := render.NewFace(max(14, float64(base.Bounds().Dx())/30))
	if err != nil {
		return nil, compose.Facts{}, err
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
				lines = append(lines, compose.ShortLayer(c.Layer))
			}
			if c.Flags != 0 {
				lines = append(lines, c.Flags.String())
			}
		}
		t, err := render.Caption(img, lines, render.CaptionOptions{Face: face})
		if err != nil {
			return nil, compose.Facts{}, err
		}
		tiles = append(tiles, t)
	}
	sheet := compose.Tile(tiles, 8)
	lut, err := render.Colormap(g.Colormap)
	if err != nil {
		return nil, compose.Facts{}, err
	}
	var bar *render.BarOptions
	if g.Norm != cam.Raw { // raw cells each span their own ±max: one bar cannot label them
		bar = &render.BarOptions{LUT: lut, Range: render.Unit()}
	}
	what := fmt.Sprintf("class %d “%s” p=%.3f · %s per cell", sel.Class, a.Model.Label(sel.Class), a.Probs[sel.Class], compose.NormName(g.Norm))
	if g.Req.Kind == GridClasses {
		what = fmt.Sprintf("%s · shared scale %.4g", g.Cells[0].Method.Display, g.Scale)
	}
	head := []string{fmt.Sprintf("%s — %s · model %s · %s", pic.Name, what, a.Model.Name, a.Input.Mode)}
	out, err := render.Compose(sheet, render.ComposeOptions{Bar: bar, Caption: head, CaptionAbove: true})
	if err != nil {
		return nil, compose.Facts{}, err
	}
	facts, err := gridFacts(a, pic.Photo, sel, g)
	return out, facts, err
}

// gridFacts describes a saved grid: the selection it was made for and
// each cell.
func gridFacts(a *analysis.Analysis, pic *compose.Photo, sel compose.Selection, g *Grid) (compose.Facts, error) {
	meth, err := a.Model.Method(sel.Method)
	if err != nil {
		return compose.Facts{}, err
	}
	facts := compose.NewFacts(a, pic, sel, meth, "", g.Scale, 0)
	facts.Compare = nil
	facts.Norm = g.Norm.String()
	facts.Colormap = g.Colormap
	if g.Req.Kind == GridMethods {
		facts.Method, facts.MethodName = "", ""
	}
	for _, c := range g.Cells {
		facts.Grid = append(facts.Grid, compose.CellFacts{Method: c.Method.Name, Layer: c.Layer, Class: c.Class,
			Label: a.Model.Label(c.Class), Prob: a.Probs[c.Class], Flags: c.Flags.String(), Error: c.Err})
	}
	return facts, nil
}
