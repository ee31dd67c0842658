package app

import (
	"context"
	"fmt"
	"image"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/imgio"
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
	Sel      compose.Selection
	Analysis *analysis.Analysis
	Cells    []GridCell
	Norm     cam.Mode // how every cell is normalised
	Scale    float32  // the shared scale of a class grid
	Colormap string
	Range    render.Range
	Done     bool
}

// SetGrid shows a comparison grid (nil hides it and stops its work).
func (s *Session) SetGrid(req *GridRequest) {
	s.mu.Lock()
	s.gridReq = req
	if req == nil {
		s.gridLane.Cancel()
		s.grid = nil
		delete(s.busy, LaneGrid)
	} else {
		s.submitGridLocked(false)
	}
	s.mu.Unlock()
	s.changed()
}

// submitGridLocked (re)starts the grid. A display-only change (display)
// never cancels a running grid, whose maps it does not change (the
// session's request rule, session_request.go): the grid is drawn again
// from the kept maps once it is done.
func (s *Session) submitGridLocked(display bool) {
	if _, running := s.busy[LaneGrid]; display && running {
		s.gridRedraw = true
		return
	}
	s.gridRedraw = false
	s.gridLane.Submit(s.runGrid)
}

// gridWants reports whether a selection change changes the grid.
func gridWants(old, next compose.Selection) bool {
	return old.Method != next.Method || old.Class != next.Class || old.Layer != next.Layer ||
		old.Norm != next.Norm || old.Colormap != next.Colormap || old.Alpha != next.Alpha ||
		old.Options != next.Options || old.ExtraLayers != next.ExtraLayers
}

// gridPlan lists a grid's cells (without pictures).
func gridPlan(a *analysis.Analysis, req GridRequest, sel compose.Selection) ([]GridCell, cam.Mode) {
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

// gridCells computes the cells' maps and composes them on base. cell
// hears of each finished cell.
func gridCells(ctx context.Context, a *analysis.Analysis, base image.Image, req GridRequest, sel compose.Selection,
	progress func(done, total int, label string), cell func(i int, c GridCell)) (*Grid, error) {
	cells, norm := gridPlan(a, req, sel)
	sel.Compare = compose.Compare{}
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
func drawCell(ctx context.Context, a *analysis.Analysis, base image.Image, sel compose.Selection, c *GridCell, lm *analysis.LayerMap, norm cam.Mode, scale float32) {
	v, err := compose.Cell(ctx, a, base, sel, c.Method, lm, norm, scale)
	if err != nil {
		c.Err = oneLine(err.Error())
		return
	}
	c.Image, c.Flags = v.Image, v.Flags
}

func (s *Session) runGrid(ctx context.Context, gen uint64) {
	s.mu.Lock()
	a, sel, pic, req := s.analysis, s.sel, s.pic, s.gridReq
	s.mu.Unlock()
	if a == nil || pic == nil || req == nil {
		return
	}
	base := imgio.Downscale(pic.disp, s.opts.GridSide)
	cells, norm := gridPlan(a, *req, sel)
	sel.Compare = compose.Compare{}
	live := &Grid{Req: *req, Sel: sel, Analysis: a, Cells: cells, Norm: norm, Colormap: sel.EffectiveColormap()}
	publish := func(g *Grid) {
		s.mu.Lock()
		ok := s.gridLane.Current(gen) && s.analysis == a
		if ok {
			s.grid = g
		}
		s.mu.Unlock()
		if ok {
			s.changed()
		}
	}
	publish(live)
	g, err := gridCells(ctx, a, base, *req, sel,
		func(done, total int, label string) {
			s.setBusy(s.gridLane, gen, Progress{Lane: LaneGrid, Label: "Grid: " + label, Done: done, Total: total})
		},
		func(i int, c GridCell) {
			next := *live
			next.Cells = append([]GridCell(nil), live.Cells...)
			next.Cells[i] = c
			live = &next
			publish(live)
		})
	s.mu.Lock()
	s.setBusyLocked(s.gridLane, gen, Progress{Lane: LaneGrid})
	s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil && s.gridLane.Current(gen) {
			s.fail(err)
		}
		return
	}
	publish(g)
	s.mu.Lock()
	if s.gridRedraw && s.gridLane.Current(gen) {
		s.submitGridLocked(false) // the display changed while it ran
	}
	s.mu.Unlock()
}
