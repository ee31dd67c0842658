package app

import (
	"fmt"
	"math"
	"strings"
	"time"

	"camviz/cam"
	"camviz/compose"
)

// The window's words about the picture and its jobs, all derived here
// from one snapshot (State), so that no label can outlive the state it
// describes or contradict another: the title's count and the progress
// bar read the same Progress, the status line's timing is the view's
// own, the hover value is read from the view on screen now, and the
// scale named is the one the picture is drawn on.

// HoverHelp is the hover line while the pointer is not over a map.
const HoverHelp = "Hover to read the map's value."

// Pointer is where the pointer is over the display copy of the picture.
type Pointer struct {
	X, Y int
	In   bool // over the picture
}

// Labels are the window's texts for one snapshot.
type Labels struct {
	Title  string // the line above the picture
	Status string // the status line
	Hover  string // the value under the pointer
	// Bar is the job the progress bar shows (Total > 0), nil for none;
	// Fraction is its Done/Total.
	Bar      *Progress
	Fraction float64
	// Cancel: a cancellable job is running.
	Cancel bool
	// Norm is the scale the picture is drawn on (a comparison is always
	// on the pair's shared scale, whatever the picker held).
	Norm cam.Mode
	// Ticking: a job is running, so the elapsed times move; the window
	// should ask again every second or so.
	Ticking bool
}

// LabelsOf derives the window's texts from st, with the pointer at p and
// the clock at now.
func LabelsOf(st State, p Pointer, now time.Time) Labels {
	l := Labels{Norm: st.Sel.Norm, Ticking: len(st.Busy) > 0}
	if st.Sel.Compare.On {
		l.Norm = cam.Shared
	}
	l.Bar = barProgress(st.Busy)
	if l.Bar != nil {
		l.Fraction = float64(l.Bar.Done) / float64(l.Bar.Total)
	}
	var parts []string
	for _, b := range st.Busy {
		parts = append(parts, ProgressText(b, now))
		l.Cancel = l.Cancel || b.Cancellable
	}
	switch v := shownView(st); {
	case len(parts) > 0:
		l.Status = strings.Join(parts, "  ·  ")
	case st.Status != "":
		l.Status = st.Status
	case v != nil && st.Current() && v.Elapsed > 0:
		l.Status = fmt.Sprintf("%s at %s: %s.", v.Method.Display, compose.ShortLayer(v.Layer), roundDuration(v.Elapsed))
	case v != nil && st.Current():
		l.Status = fmt.Sprintf("%s at %s: from the kept maps.", v.Method.Display, compose.ShortLayer(v.Layer))
	}
	l.Title = viewTitle(st)
	l.Hover = HoverText(st, p)
	return l
}

// shownView is the view of the picture on screen, nil when there is none
// (or it is the previous picture's).
func shownView(st State) *compose.View {
	v := st.View
	if v == nil || v.Analysis != st.Analysis || v.Base != st.Photo {
		return nil
	}
	return v
}

// barProgress is the job the bar shows: the map's while it counts (the
// title counts the same), else the first that counts.
func barProgress(busy []Progress) *Progress {
	var first *Progress
	for i, p := range busy {
		if p.Total <= 0 {
			continue
		}
		if p.Lane == LaneMap {
			return &busy[i]
		}
		if first == nil {
			first = &busy[i]
		}
	}
	return first
}

// viewTitle is the line above the picture.
func viewTitle(st State) string {
	v := shownView(st)
	switch {
	case v == nil && st.Analysis == nil:
		return ""
	case v == nil:
		return "Computing…"
	case st.Current():
		return v.Title()
	case v.Partial && v.Cancelled:
		return fmt.Sprintf("%s — cancelled at %d/%d: a partial map, not the final one", v.Title(), v.Done, v.Total)
	case v.Partial:
		if p := barProgress(st.Busy); p != nil && p.Lane == LaneMap {
			return fmt.Sprintf("%s — so far (%d/%d)…", v.Title(), p.Done, p.Total)
		}
		return v.Title() + " — so far…"
	}
	return v.Title() + " — updating…"
}

// HoverText is the map's value under the pointer at p, in the picture's
// own pixels.
func HoverText(st State, p Pointer) string {
	v := shownView(st)
	if !p.In || v == nil {
		return HoverHelp
	}
	b := st.Photo.Bounds()
	ox := p.X * st.ImageSize.X / max(b.Dx(), 1)
	oy := p.Y * st.ImageSize.Y / max(b.Dy(), 1)
	val, in := v.ValueAt(p.X, p.Y)
	if !in {
		return fmt.Sprintf("(%d, %d): outside what the model saw", ox, oy)
	}
	if a, b, ok := v.PairAt(p.X, p.Y); ok {
		return fmt.Sprintf("(%d, %d): %.3f   A %.3f · B %.3f", ox, oy, val, a, b)
	}
	return fmt.Sprintf("(%d, %d): %.3f", ox, oy, val)
}

// ProgressText says how a job goes at now: its label, the count, the time
// since it started and about how long is left (from the rate so far, or
// before the first unit from what the job expects), e.g. "Score-CAM
// 12/512 · 4.1 s elapsed · about 2 min left". A job without a count or an
// estimate shows its time only after a second.
func ProgressText(p Progress, now time.Time) string {
	el := p.Elapsed(now)
	left, ok := p.Left(now)
	var s string
	switch {
	case p.Total > 0:
		s = fmt.Sprintf("%s %d/%d · ", strings.TrimSuffix(p.Label, "…"), p.Done, p.Total)
		if r, ok := p.Rate(now); ok {
			s += rateWords(r) + " · "
		}
		s += elapsedWords(el) + " elapsed"
	case ok:
		s = fmt.Sprintf("%s · %s elapsed", strings.TrimSuffix(p.Label, "…"), elapsedWords(el))
	case el < time.Second:
		return p.Label
	default:
		return fmt.Sprintf("%s · %s elapsed", p.Label, elapsedWords(el))
	}
	if ok {
		s += " · " + leftWords(left)
	}
	return s
}

// Rate is the job's speed up to its last report, Done / (At − Start)
// units (masked images, ablated channels, passes) per second; false
// before the first unit.
func (p Progress) Rate(now time.Time) (float64, bool) {
	at := p.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	upTo := p.Elapsed(at)
	if p.Done <= 0 || upTo <= 0 {
		return 0, false
	}
	return float64(p.Done) / upTo.Seconds(), true
}

// rateWords is "4.0/s", with two figures below 1 and none from 10.
func rateWords(r float64) string {
	switch {
	case r >= 10:
		return fmt.Sprintf("%.0f/s", r)
	case r >= 1:
		return fmt.Sprintf("%.1f/s", r)
	}
	return fmt.Sprintf("%.2f/s", r)
}

// Elapsed is how long the job has run at now.
func (p Progress) Elapsed(now time.Time) time.Duration {
	if p.Start.IsZero() || now.Before(p.Start) {
		return 0
	}
	return now.Sub(p.Start)
}

// Left estimates the time left at now from the rate up to the last
// report, (At − Start) × (Total − Done) / Done, less the time since that
// report (so it counts down between reports); before the first unit is
// done, from Expected. False when there is no estimate, or after the
// last unit.
func (p Progress) Left(now time.Time) (time.Duration, bool) {
	el := p.Elapsed(now)
	switch {
	case p.Total > 0 && p.Done >= p.Total:
		return 0, false
	case p.Done > 0 && p.Total > 0:
		at := p.At
		if at.IsZero() || at.After(now) {
			at = now
		}
		upTo := p.Elapsed(at)
		left := time.Duration(float64(upTo)*float64(p.Total-p.Done)/float64(p.Done)) - now.Sub(at)
		return max(left, 0), true
	case p.Expected > 0:
		return max(p.Expected-el, 0), true
	}
	return 0, false
}

// elapsedWords is "4.1 s" under a minute, then "2 min 05 s".
func elapsedWords(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d min %02d s", s/60, s%60)
}

// leftWords rounds an estimate as a person would say it: "a few seconds
// left", "about 40 s left" (to 5 s), "about 2 min left", "about 1.5 h
// left".
func leftWords(d time.Duration) string {
	switch {
	case d < 5*time.Second:
		return "a few seconds left"
	case d < 90*time.Second:
		return fmt.Sprintf("about %d s left", int(5*math.Round(d.Seconds()/5)))
	case d < 90*time.Minute:
		return fmt.Sprintf("about %d min left", int(math.Round(d.Minutes())))
	}
	return fmt.Sprintf("about %.1f h left", d.Hours())
}
