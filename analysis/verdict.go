package analysis

import (
	"strings"

	"camviz/cam"
	"camviz/metrics"
)

// Verdict says in plain words whether the map beats the random baseline
// on the deletion and insertion curves, and the centre one.
func (r *FaithfulnessReport) Verdict() string { return strings.Join(r.VerdictLines(), "; ") }

// VerdictLines are Verdict's parts: how the map does against random, then
// against the centre blob, after a note when the map is empty.
func (r *FaithfulnessReport) VerdictLines() []string {
	var out []string
	if r.Flags&(cam.NonPositive|cam.Flat) != 0 {
		out = append(out, "the map is empty: it ranks pixels at random")
	}
	switch del, ins := r.beats(r.Random); {
	case del && ins:
		out = append(out, "beats random on both curves")
	case del:
		out = append(out, "beats random on deletion, not on insertion")
	case ins:
		out = append(out, "beats random on insertion, not on deletion")
	default:
		out = append(out, "no better than random on either curve")
	}
	switch del, ins := r.beats(r.Center); {
	case del && ins:
		out = append(out, "beats the centre blob on both curves")
	case del:
		out = append(out, "beats the centre blob on deletion only")
	case ins:
		out = append(out, "beats the centre blob on insertion only")
	default:
		out = append(out, "no better than the centre blob")
	}
	return out
}

// beats reports whether the map's deletion AUC is lower than base's and
// its insertion AUC higher.
func (r *FaithfulnessReport) beats(base *metrics.Report) (del, ins bool) {
	return r.Map.Deletion.AUC < base.Deletion.AUC, r.Map.Insertion.AUC > base.Insertion.AUC
}
