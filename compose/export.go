package compose

import (
	"context"
	"image"

	"camviz/analysis"
	"camviz/cam"
	"camviz/metrics"
)

// Checks are what the checks found for one map, for its export; each is
// nil when it was not run.
type Checks struct {
	Faith       *analysis.FaithfulnessReport
	FaithConfig metrics.Config // how Faith was measured
	ROAD        *analysis.ROADResult
	Sanity      *analysis.SanityResult
}

// Exported draws what sel asks for over the analysis's picture at its
// working resolution (the photo's own, up to analysis.MaxWorkingSide),
// with its facts, and with the caption and colour bar when caption.
// checks(layer) gives what the checks found for the map at its layer; it
// is asked only outside a comparison, whose picture is not one map.
func Exported(ctx context.Context, a *analysis.Analysis, photo *Photo, sel Selection, caption bool, checks func(layer string) Checks) (image.Image, Facts, error) {
	meth, err := a.Model.Method(sel.Method)
	if err != nil {
		return nil, Facts{}, err
	}
	req := sel.MapRequest()
	mapOf := func(k int, _ string) (*analysis.LayerMap, error) {
		r := req
		r.Class = k
		return a.Map(ctx, r)
	}
	place := func(lm *analysis.LayerMap, norm cam.Mode, scale float32) (analysis.Picture, error) {
		p, err := a.Place(lm, norm, scale)
		if err != nil {
			return analysis.Picture{}, err
		}
		return *p, nil
	}
	v, _, err := Compose(ctx, a, a.Input.Source, sel, meth, mapOf, place)
	if err != nil {
		return nil, Facts{}, err
	}
	facts := NewFacts(a, photo, sel, meth, v.Layer, v.Scale, v.Flags)
	var fr *analysis.FaithfulnessReport
	if !sel.Compare.On {
		c := checks(v.Layer)
		fr, facts.ROAD, facts.Sanity = c.Faith, c.ROAD, c.Sanity
		if fr != nil {
			facts.Faithfulness = NewFaithFacts(fr, c.FaithConfig)
		}
	}
	if !caption {
		return v.Image, facts, nil
	}
	out, err := exportCaption(a, sel, meth, v, fr, facts)
	return out, facts, err
}
