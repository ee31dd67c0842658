package app

import (
	"context"
	"errors"
	"image"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
)

// fieldKey names a post-processed display field.
type fieldKey struct {
	a                      *analysis.Analysis
	method, layer, options string
	class                  int
	norm                   cam.Mode
	scale                  float32
	w, h                   int
}

// fieldCache keeps the last few display fields, so opacity, colour map
// and blend changes only redraw. Its one owner is the Session (under mu),
// and its one rule: it holds fields of the current analysis only, is
// emptied when another analysis becomes current (commitAnalysisLocked),
// and keeps the last fieldCacheSize fields.
type fieldCache struct {
	keys []fieldKey
	vals []analysis.Picture
}

const fieldCacheSize = 12

func (c *fieldCache) get(k fieldKey) (analysis.Picture, bool) {
	for i, x := range c.keys {
		if x == k {
			return c.vals[i], true
		}
	}
	return analysis.Picture{}, false
}

func (c *fieldCache) put(k fieldKey, p analysis.Picture) {
	if len(c.keys) >= fieldCacheSize {
		c.keys, c.vals = c.keys[1:], c.vals[1:]
	}
	c.keys = append(c.keys, k)
	c.vals = append(c.vals, p)
}

// placeCached is place through the session's display field cache.
func (s *Session) placeCached(a *analysis.Analysis, base image.Image, lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error) {
	b := base.Bounds()
	k := fieldKey{a, lm.Method, lm.Layer, lm.Options, lm.Class, norm, scale, b.Dx(), b.Dy()}
	s.mu.Lock()
	p, ok := s.fields.get(k)
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := compose.PlaceOn(a, base, lm, norm, scale)
	if err != nil {
		return analysis.Picture{}, err
	}
	s.mu.Lock()
	if s.analysis == a {
		s.fields.put(k, p)
	}
	s.mu.Unlock()
	return p, nil
}

// runMap computes the current selection's map(s) and commits the view.
func (s *Session) runMap(ctx context.Context, gen uint64) {
	s.mu.Lock()
	a, sel, pic := s.analysis, s.sel, s.pic
	if a == nil || pic == nil {
		s.endMapLocked(gen)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	meth, err := a.Model.Method(sel.Method)
	if err == nil {
		s.setBusy(s.mapLane, gen, Progress{Lane: LaneMap, Label: "Computing " + meth.Display + "…", Cancellable: meth.Slow})
		err = s.drawAndCommit(ctx, gen, a, pic, sel, meth)
	}
	if err == nil {
		return
	}
	s.mu.Lock()
	current := s.mapLane.Current(gen)
	if current {
		s.viewErr = oneLine(err.Error())
		delete(s.busy, LaneMap)
		s.endMapLocked(gen)
	}
	s.mu.Unlock()
	if current {
		s.fail(err)
	}
}

// endMapLocked notes that the map job gen is over.
func (s *Session) endMapLocked(gen uint64) {
	if s.mapRun == gen {
		s.mapRun = 0
	}
}

// drawAndCommit computes sel's maps, draws them on pic and commits the
// view. A display-only change that arrived meanwhile was not submitted
// (the request model's rule): the view is drawn again for it from the
// kept maps before it is committed.
func (s *Session) drawAndCommit(ctx context.Context, gen uint64, a *analysis.Analysis, pic *picture, sel compose.Selection, meth analysis.Method) error {
	var elapsed time.Duration
	for {
		v, err := s.drawView(ctx, gen, a, pic.disp, sel, meth)
		if ctx.Err() != nil {
			return nil // superseded or cancelled: whoever did it owns the state
		}
		if err != nil {
			return err
		}
		elapsed += v.Elapsed
		v.Elapsed, v.Photo = elapsed, pic.Photo
		s.mu.Lock()
		if !s.mapLane.Current(gen) || s.analysis != a {
			s.mu.Unlock()
			return nil
		}
		if cur := s.sel; viewPart(cur) != viewPart(sel) && mapPart(cur) == mapPart(sel) {
			sel = cur
			s.mu.Unlock()
			continue
		}
		delete(s.busy, LaneMap)
		s.endMapLocked(gen)
		s.commitViewLocked(v)
		s.viewErr, s.status = "", ""
		s.mu.Unlock()
		s.changed()
		return nil
	}
}

// markCancelledLocked marks the partial picture on screen as cancelled:
// what the user stopped is not shown as final, nor as still running.
func (s *Session) markCancelledLocked() {
	if v := s.view; v != nil && v.Partial && !v.Cancelled {
		c := *v
		c.Cancelled = true
		s.view = &c
	}
}

// commitViewLocked puts v on screen and shows it to the test hook with the
// selection current at that moment (which a stale view would not match).
func (s *Session) commitViewLocked(v *compose.View) {
	s.view = v
	if s.onCommit != nil {
		s.onCommit(v, s.sel)
	}
}

// drawView computes the map(s) sel asks for and draws them on base.
func (s *Session) drawView(ctx context.Context, gen uint64, a *analysis.Analysis, base image.Image, sel compose.Selection, meth analysis.Method) (*compose.View, error) {
	start := time.Now()
	req := sel.MapRequest()
	mapOf := func(k int, what string) (*analysis.LayerMap, error) {
		r := req
		r.Class = k
		if meth.Slow {
			r.Progress = s.slowProgress(ctx, gen, a, base, sel, meth, what)
		}
		return a.Map(ctx, r)
	}
	place := func(lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error) {
		return s.placeCached(a, base, lm, norm, scale)
	}
	v, computed, err := compose.Compose(ctx, a, base, sel, meth, mapOf, place)
	if err != nil {
		return nil, err
	}
	if computed > 0 {
		v.Elapsed = time.Since(start)
	}
	return v, nil
}

// partialEvery throttles the drawing of a slow method's partial maps.
const partialEvery = 200 * time.Millisecond

// slowProgress reports a slow method's batches and, for ScoreCAM, draws
// the map so far.
func (s *Session) slowProgress(ctx context.Context, gen uint64, a *analysis.Analysis, base image.Image, sel compose.Selection, meth analysis.Method, what string) func(done, total int, partial *cam.Map) {
	var last time.Time
	return func(done, total int, partial *cam.Map) {
		label := meth.Display
		if what != "" {
			label += " (" + what + ")"
		}
		s.setBusy(s.mapLane, gen, Progress{Lane: LaneMap, Label: label, Done: done, Total: total, Cancellable: true})
		if partial == nil || what != "" || done == total || time.Since(last) < partialEvery || ctx.Err() != nil {
			return
		}
		last = time.Now()
		s.drawPartial(gen, a, base, sel, meth, partial, done, total)
	}
}

// drawPartial shows a slow method's map so far, drawn with the display
// current now (a display change does not wait for the result).
func (s *Session) drawPartial(gen uint64, a *analysis.Analysis, base image.Image, sel compose.Selection, meth analysis.Method, partial *cam.Map, done, total int) {
	s.mu.Lock()
	if cur := s.sel; mapPart(cur) == mapPart(sel) {
		sel = cur
	}
	s.mu.Unlock()
	v, err := compose.Partial(a, base, sel, meth, *partial, done, total)
	if err != nil {
		return
	}
	s.mu.Lock()
	ok := s.mapLane.Current(gen) && s.analysis == a
	if ok {
		s.commitViewLocked(v)
	}
	s.mu.Unlock()
	if ok {
		s.changed()
	}
}

// errNoView is returned when there is nothing to export yet.
var errNoView = errors.New("there is no map to save yet: open a picture and wait for its map")

func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}
