package compose

import (
	"context"
	"fmt"
	"image"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

// GridKind says what a comparison grid varies.
type GridKind int

const (
	// GridMethods: one cell per method, same class and layer.
	GridMethods GridKind = iota
	// GridClasses: one cell per class, same method and layer, on one
	// shared scale.
	GridClasses
)

// GridRequest asks for a comparison grid.
type GridRequest struct {
	Kind GridKind
	// Methods for GridMethods; nil = every method that applies (the slow
	// ones only with Slow).
	Methods []string
	// Classes for GridClasses; nil = the top 5.
	Classes []int
	Slow    bool
}

// GridCell is one picture of a grid.
type GridCell struct {
	Method  analysis.Method
	Class   int
	Layer   string
	Title   string
	Image   *image.RGBA // nil until computed (or on error)
	Flags   cam.Flags
	Err     string
	Elapsed time.Duration
}

// Grid is several maps of one picture side by side.
type Grid struct {
	Req      GridRequest
	Sel      Selection
	Analysis *analysis.Analysis
	Cells    []GridCell
	Norm     cam.Mode // how every cell is normalised
	Scale    float32  // the shared scale of a class grid
	Colormap string
	Range    render.Range
	Done     bool
}

// PlanGrid lists a grid's cells (without pictures).
func PlanGrid(a *analysis.Analysis, req GridRequest, sel Selection) ([]GridCell, cam.Mode) {
	var cells []GridCell
	if req.Kind == GridClasses {
		classes := req.Classes
		if classes == nil {
			for _, p := range a.Top(5) {
				classes = append(classes, p.Class)
			}
		}
		meth, err := a.Model.Method(sel.Method)
		for _, k := range classes {
			c := GridCell{Method: meth, Class: k, Title: fmt.Sprintf("%s  p=%.3f", a.Model.Label(k), a.Probs[k])}
			if err != nil {
				c.Err = err.Error()
			}
			cells = append(cells, c)
		}
		return cells, cam.Shared
	}
	want := map[string]bool{}
	for _, m := range req.Methods {
		want[m] = true
	}
	for _, m := range a.Model.Methods() {
		if !m.Applies || (req.Methods == nil && m.Slow && !req.Slow) || (req.Methods != nil && !want[m.Name]) {
			continue
		}
		cells = append(cells, GridCell{Method: m, Class: sel.Class, Title: m.Display})
	}
	norm := cam.MinMax
	if sel.Norm == cam.Raw {
		norm = cam.Raw
	}
	return cells, norm
}

// DrawGrid computes the cells' maps and composes them on base. cell
// hears of each finished cell.
func DrawGrid(ctx context.Context, a *analysis.Analysis, base image.Image, req GridRequest, sel Selection,
	progress func(done, total int, label string), cell func(i int, c GridCell)) (*Grid, error) {
	cells, norm := PlanGrid(a, req, sel)
	sel.Compare = Compare{}
	// A raw grid comes only from a raw selection, whose colour map is
	// already the signed default; every cell keeps the grid's.
	g := &Grid{Req: req, Sel: sel, Analysis: a, Cells: cells, Norm: norm, Colormap: sel.EffectiveColormap(), Range: render.Unit()}
	sel.Colormap = g.Colormap
	maps := make([]*analysis.LayerMap, len(cells))
	for i := range cells {
		if cells[i].Err != "" {
			continue
		}
		if progress != nil {
			progress(i, len(cells), cells[i].Title)
		}
		req := sel.MapRequest() // the selection's layers and options, where the cell's method takes them
		req.Method, req.Class = cells[i].Method.Name, cells[i].Class
		lm, err := a.Map(ctx, req)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			cells[i].Err = oneLine(err.Error())
			continue
		}
		maps[i] = lm
		cells[i].Layer, cells[i].Elapsed = lm.Layer, lm.Elapsed
		if norm != cam.Shared { // drawn at once; shared cells wait for their scale
			drawCell(ctx, a, base, sel, &cells[i], lm, norm, 0)
			if cell != nil {
				cell(i, cells[i])
			}
		}
	}
	if norm == cam.Shared {
		var ms []cam.Map
		for _, lm := range maps {
			if lm != nil {
				ms = append(ms, lm.Map)
			}
		}
		g.Scale = cam.SharedScale(ms...)
		for i, lm := range maps {
			if lm == nil {
				continue
			}
			drawCell(ctx, a, base, sel, &cells[i], lm, norm, g.Scale)
			if cell != nil {
				cell(i, cells[i])
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g.Done = true
	return g, nil
}

// drawCell composes a grid cell's picture, or says why it failed.
func drawCell(ctx context.Context, a *analysis.Analysis, base image.Image, sel Selection, c *GridCell, lm *analysis.LayerMap, norm cam.Mode, scale float32) {
	v, err := Cell(ctx, a, base, sel, c.Method, lm, norm, scale)
	if err != nil {
		c.Err = oneLine(err.Error())
		return
	}
	c.Image, c.Flags = v.Image, v.Flags
}
