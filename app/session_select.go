package app

import (
	"errors"
	"fmt"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
)

// Requests that change the selection; each one kicks the lanes whose
// result it changes.

// update changes the selection and recomputes the picture if needed.
func (s *Session) update(f func(sel *compose.Selection) error) error {
	s.mu.Lock()
	old := s.sel
	next := old
	if err := f(&next); err != nil {
		s.mu.Unlock()
		return err
	}
	s.sel = next
	// Requests are queued under the lock, so a job that started before
	// this change can no longer commit once the change is visible.
	s.applyLocked(old)
	if s.gridReq != nil && gridWants(old, next) {
		s.submitGridLocked(Changes(old, next) == ChangeDisplay)
	}
	s.mu.Unlock()
	if next != old {
		s.changed()
	}
	return nil
}

func (s *Session) needAnalysis() (*analysis.Analysis, error) {
	if s.analysis == nil {
		return nil, errors.New("no picture is analysed yet")
	}
	return s.analysis, nil
}

// SetClass picks the target class (class A while comparing).
func (s *Session) SetClass(k int) error {
	return s.update(func(sel *compose.Selection) error {
		a, err := s.needAnalysis()
		if err != nil {
			return err
		}
		if err := a.CheckClass(k); err != nil {
			return err
		}
		sel.Class = k
		if sel.Compare.On {
			sel.Compare.A = k
		}
		return nil
	})
}

// StepClass moves the target class delta places along the ranking (+1:
// the next less probable class).
func (s *Session) StepClass(delta int) error {
	s.mu.Lock()
	a, cur := s.analysis, s.sel.Class
	s.mu.Unlock()
	if a == nil {
		return errors.New("no picture is analysed yet")
	}
	rank := a.Ranking()
	i := 0
	for j, k := range rank {
		if k == cur {
			i = j
		}
	}
	i = min(max(i+delta, 0), len(rank)-1)
	return s.SetClass(rank[i])
}

// SetMethod picks the CAM method; one that does not apply is refused with
// the reason.
func (s *Session) SetMethod(name string) error {
	return s.update(func(sel *compose.Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		if _, err := s.model.Method(name); err != nil {
			return err
		}
		sel.Method = name
		return nil
	})
}

// SetLayer picks the layer ("" = the model's default).
func (s *Session) SetLayer(name string) error {
	return s.update(func(sel *compose.Selection) error {
		if s.model == nil {
			return errors.New("no model is loaded")
		}
		if name != "" {
			if _, err := s.model.Net.Layer(name); err != nil {
				return err
			}
		}
		sel.Layer = name
		return nil
	})
}

// SetNorm picks the normalisation: per map, shared with the top-5, or
// signed raw values.
func (s *Session) SetNorm(m cam.Mode) error {
	return s.update(func(sel *compose.Selection) error {
		if _, ok := m.Info(); !ok {
			return fmt.Errorf("unknown normalisation %v", m)
		}
		sel.Norm = m
		return nil
	})
}

// SetColormap picks the colour map ("" = automatic).
func (s *Session) SetColormap(name string) error {
	return s.update(func(sel *compose.Selection) error {
		if name != "" {
			if _, err := compose.ParseOverlayOptions(name, 0.5, cam.MinMax); err != nil {
				return err
			}
		}
		sel.Colormap = name
		return nil
	})
}

// SetAlpha sets the heat map's opacity (0–1).
func (s *Session) SetAlpha(alpha float64) error {
	return s.update(func(sel *compose.Selection) error {
		if !(alpha >= 0 && alpha <= 1) {
			return fmt.Errorf("opacity %v is outside 0–1", alpha)
		}
		sel.Alpha = alpha
		return nil
	})
}

// SetOverlay shows or hides the heat map (the photo stays).
func (s *Session) SetOverlay(on bool) {
	_ = s.update(func(sel *compose.Selection) error { sel.Overlay = on; return nil })
}

// ToggleOverlay flips SetOverlay.
func (s *Session) ToggleOverlay() {
	_ = s.update(func(sel *compose.Selection) error { sel.Overlay = !sel.Overlay; return nil })
}

// SetCompare turns the two-class comparison on or off. Turning it on
// compares the target class (A) with the next one in the ranking (B).
func (s *Session) SetCompare(on bool) {
	_ = s.update(func(sel *compose.Selection) error {
		if on && !sel.Compare.On {
			sel.Compare.A = sel.Class
			if a := s.analysis; a != nil && (sel.Compare.B == sel.Class || a.CheckClass(sel.Compare.B) != nil) {
				rank := a.Ranking()
				sel.Compare.B = rank[0]
				if rank[0] == sel.Class && len(rank) > 1 {
					sel.Compare.B = rank[1]
				}
			}
		}
		sel.Compare.On = on
		return nil
	})
}

// SetCompareClasses picks classes A and B.
func (s *Session) SetCompareClasses(a, b int) error {
	return s.update(func(sel *compose.Selection) error {
		an, err := s.needAnalysis()
		if err != nil {
			return err
		}
		if err := errors.Join(an.CheckClass(a), an.CheckClass(b)); err != nil {
			return err
		}
		sel.Compare.A, sel.Compare.B = a, b
		if sel.Compare.On {
			sel.Class = a
		}
		return nil
	})
}

// SetBlend sets the blend position (0 = A, 1 = B).
func (s *Session) SetBlend(t float64) error {
	return s.update(func(sel *compose.Selection) error {
		if !(t >= 0 && t <= 1) {
			return fmt.Errorf("blend position %v is outside 0–1", t)
		}
		sel.Compare.T = t
		return nil
	})
}

// SetContrast shows the signed A − B map instead of the blend.
func (s *Session) SetContrast(on bool) {
	_ = s.update(func(sel *compose.Selection) error { sel.Compare.Contrast = on; return nil })
}

// CancelMap stops a slow map; the picture shown stays as it was.
func (s *Session) CancelMap() {
	s.mu.Lock()
	_, was := s.busy[LaneMap]
	s.stopMapLocked()
	if was {
		s.status = "Cancelled."
		s.markCancelledLocked()
	}
	s.mu.Unlock()
	s.changed()
}

// kickLocked recomputes everything that depends on the analysis.
func (s *Session) kickLocked() {
	s.submitMapLocked()
	if s.gridReq != nil {
		s.submitGridLocked(false)
	}
}
