package app

import (
	"camviz/cam"
	"camviz/compose"
)

// The session's request model. Every request says what it changes
// (Changes):
//
//   - ChangeMaps: the layer maps the picture is made of (method, class,
//     layer, resize mode, method options, the classes compared, whether
//     the top-5 share a scale). The map lane computes them; the request
//     supersedes the running map job.
//   - ChangeDisplay: only how kept maps are drawn (opacity, colour map,
//     normalisation between min-max and raw, blend position, contrast).
//   - ChangeNone: nothing the session draws (the heat-map toggle, the
//     caption, hover: the window's own).
//
// The rule: a request that does not change the maps never cancels a job
// whose result it does not change. While a map job runs, a display
// change is not submitted: the job draws its partial pictures and its
// result with the display current at that moment (see runMap). With the
// lane idle, it queues a redraw from the kept maps — unless the user
// cancelled the job for these maps: a display change does not start it
// again. The faithfulness
// measurement and the ROAD and sanity checks are asked for explicitly
// and are never cancelled by a selection change (session_trust.go).
//
// A field added to Selection is map-changing unless it is named here as
// display-only: mapPart keeps everything it does not clear.

// Change is what a request changes.
type Change int

// What a request changes, least first.
const (
	ChangeNone Change = iota
	ChangeDisplay
	ChangeMaps
)

func (c Change) String() string {
	return [...]string{"nothing", "display", "maps"}[c]
}

// Changes says what moving the selection from old to next changes.
func Changes(old, next compose.Selection) Change {
	switch {
	case mapPart(old) != mapPart(next):
		return ChangeMaps
	case viewPart(old) != viewPart(next):
		return ChangeDisplay
	}
	return ChangeNone
}

// viewPart is what of s a View depends on: all but the window's own
// choices, and the comparison only while it is on.
func viewPart(s compose.Selection) compose.Selection {
	s.Overlay = false
	if !s.Compare.On {
		s.Compare = compose.Compare{}
	} else {
		s.Norm = cam.MinMax // a comparison is always on the pair's shared scale
	}
	return s
}

// mapPart is what of s decides which layer maps the picture needs.
func mapPart(s compose.Selection) compose.Selection {
	s = viewPart(s)
	s.Alpha, s.Colormap = 0, ""
	s.Compare.T, s.Compare.Contrast = 0, false
	// Shared (outside a comparison) needs the top-5 classes' maps; min-max
	// and raw only post-process the one map.
	shared := s.Norm == cam.Shared && !s.Compare.On
	s.Norm = cam.MinMax
	if shared {
		s.Norm = cam.Shared
	}
	return s
}

// sameMap reports whether two selections ask for the same picture, up to
// what only the window decides (showing the overlay or not).
func sameMap(s, o compose.Selection) bool { return viewPart(s) == viewPart(o) }

// submitMapLocked queues a map job for the current selection, superseding
// the running one.
func (s *Session) submitMapLocked() {
	s.mapRun = s.mapLane.Submit(s.runMap)
	s.stopped = nil
}

// cancelMapLocked cancels the map job and forgets its progress.
func (s *Session) cancelMapLocked() {
	s.mapLane.Cancel()
	s.mapRun = 0
	delete(s.busy, LaneMap)
}

// stopMapLocked is the user's Cancel: the job ends, and a display change
// does not start it again (only a change of the maps does).
func (s *Session) stopMapLocked() {
	s.cancelMapLocked()
	part := mapPart(s.sel)
	s.stopped = &part
}

// applyLocked starts what a selection change from old to s.sel needs in
// the map lane (see the rule above).
func (s *Session) applyLocked(old compose.Selection) {
	switch Changes(old, s.sel) {
	case ChangeMaps:
		s.submitMapLocked()
	case ChangeDisplay:
		if s.mapRun == 0 && (s.stopped == nil || *s.stopped != mapPart(s.sel)) {
			s.submitMapLocked() // a redraw: the maps are kept
		}
	}
}
