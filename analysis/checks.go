package analysis

import "camviz/metrics"

// The results of the checks of one map (ROAD and CAM-mult, the sanity
// check), as the window shows them and the sidecar carries them.

// ROADResult is one map's ROAD and CAM-mult numbers.
type ROADResult struct {
	Method string `json:"method"`
	Layer  string `json:"layer"`
	Class  int    `json:"class"`
	metrics.ROADReport
	CamMult float64 `json:"cam_mult"`
	// How it was measured.
	Noise          float64   `json:"road_noise"`
	MoRFPercentile float64   `json:"road_morf_percentile"`
	LeRFPercentile float64   `json:"road_lerf_percentile"`
	Percentiles    []float64 `json:"road_percentiles"`
	Verdict        string    `json:"verdict"`
}

// ROADVerdict says in plain words what ROAD's combined score shows: it is
// (LeRF − MoRF)/2, positive when removing the pixels the map marks hurts
// the class more than removing the others.
func ROADVerdict(combined float64) string {
	if combined > 0 {
		return "removing what the map marks hurts the class more than removing the rest: the map points at what the model uses"
	}
	return "removing what the map marks hurts the class no more than removing the rest: the map does not point at what the model uses"
}

// SanityResult is one map's cascading randomisation: entry i is after
// randomising Layers[0…i], the last with every layer randomised (as
// `camviz sanity -json`).
type SanityResult struct {
	Method     string    `json:"method"`
	Layer      string    `json:"layer"` // the map's layer
	Class      int       `json:"class"`
	Seed       uint64    `json:"seed"`
	Layers     []string  `json:"layers"`     // the randomised nodes, top down
	Similarity []float64 `json:"similarity"` // Spearman rank correlation
	SSIM       []float64 `json:"ssim"`
	Verdict    string    `json:"verdict"`
}

// Sanity verdict thresholds on the rank correlation once every layer is
// randomised: below sanityFalls the map has fallen apart (issue 17 asks
// Grad-CAM below 0.5), above sanitySurvives it has survived (sobelcam,
// which ignores the model, stays above 0.9).
const (
	sanityFalls    = 0.5
	sanitySurvives = 0.9
)

// Final is the rank correlation with every layer randomised.
func (r *SanityResult) Final() float64 { return r.Similarity[len(r.Similarity)-1] }

// SanityVerdict says in plain words what the cascade shows.
func SanityVerdict(final float64) string {
	switch {
	case final < sanityFalls:
		return "the map falls apart when the weights are randomised: it depends on what the model learned"
	case final > sanitySurvives:
		return "the map survives randomisation: it may show the image, not the model"
	}
	return "the map only partly changes when the weights are randomised: it shows the model in part, the image in part"
}
