package app

import (
	"context"

	"camviz/compose"
	"camviz/imgio"
)

// SetGrid shows a comparison grid (nil hides it and stops its work).
func (s *Session) SetGrid(req *compose.GridRequest) {
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

func (s *Session) runGrid(ctx context.Context, gen uint64) {
	s.mu.Lock()
	a, sel, pic, req := s.analysis, s.sel, s.pic, s.gridReq
	s.mu.Unlock()
	if a == nil || pic == nil || req == nil {
		return
	}
	base := imgio.Downscale(pic.disp, s.opts.GridSide)
	cells, norm := compose.PlanGrid(a, *req, sel)
	sel.Compare = compose.Compare{}
	live := &compose.Grid{Req: *req, Sel: sel, Analysis: a, Cells: cells, Norm: norm, Colormap: sel.EffectiveColormap()}
	publish := func(g *compose.Grid) {
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
	g, err := compose.DrawGrid(ctx, a, base, *req, sel,
		func(done, total int, label string) {
			s.setBusy(s.gridLane, gen, Progress{Lane: LaneGrid, Label: "Grid: " + label, Done: done, Total: total})
		},
		func(i int, c compose.GridCell) {
			next := *live
			next.Cells = append([]compose.GridCell(nil), live.Cells...)
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
