package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// BaselineInput returns the input that baseline b replaces removed pixels
// with: zeros (the mean colour) for BaselineMean, x blurred with
// BlurSigma(sigma, x) for BaselineBlur. The result never shares x's data.
func BaselineInput(x Input, b Baseline, sigma float64) (Input, error) {
	if err := x.validate(); err != nil {
		return Input{}, err
	}
	out := Input{C: x.C, H: x.H, W: x.W, Data: make([]float32, len(x.Data))}
	switch b {
	case BaselineMean:
	case BaselineBlur:
		blur(out, x, BlurSigma(sigma, x.W, x.H))
	default:
		_, err := ParseBaseline(string(b))
		return Input{}, err
	}
	return out, nil
}

// BlurSigma is the blur baseline's σ in pixels for a w×h input: sigma if
// it is positive, else RISE's 5 px scaled from a 224-pixel shorter side.
func BlurSigma(sigma float64, w, h int) float64 {
	if sigma > 0 {
		return sigma
	}
	return 5 * float64(min(w, h)) / 224
}

// blur writes x convolved with a separable Gaussian of std sigma,
// truncated at 3σ and normalised to sum 1, into out, plane by plane.
// Edges are mirrored about the pixel edge (d c b a | a b c d).
func blur(out, x Input, sigma float64) {
	r := max(1, int(math.Ceil(3*sigma)))
	k := make([]float32, 2*r+1)
	var sum float64
	for i := range k {
		d := float64(i - r)
		v := math.Exp(-d * d / (2 * sigma * sigma))
		k[i] = float32(v)
		sum += v
	}
	for i := range k {
		k[i] = float32(float64(k[i]) / sum)
	}
	plane := x.H * x.W
	tmp := make([]float32, plane)
	for c := range x.C {
		src, dst := x.Data[c*plane:(c+1)*plane], out.Data[c*plane:(c+1)*plane]
		for y := range x.H {
			row := src[y*x.W : (y+1)*x.W]
			for px := range x.W {
				var s float32
				for i, w := range k {
					s += w * row[mirror(px+i-r, x.W)]
				}
				tmp[y*x.W+px] = s
			}
		}
		for y := range x.H {
			for px := range x.W {
				var s float32
				for i, w := range k {
					s += w * tmp[mirror(y+i-r, x.H)*x.W+px]
				}
				dst[y*x.W+px] = s
			}
		}
	}
}

// mirror folds index i into [0, n) by reflecting about the edges.
func mirror(i, n int) int {
	period := 2 * n
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - 1 - i
	}
	return i
}

// Random returns a w×h map of uniform noise in [0,1) from seed: the
// chance baseline. Any honest map should beat it.
func Random(w, h int, seed uint64) Map {
	r := rand.New(rand.NewPCG(seed, 0x72616e646f6d)) // "random"
	m := Map{W: w, H: h, Data: make([]float32, max(w*h, 0))}
	for i := range m.Data {
		m.Data[i] = r.Float32()
	}
	return m
}

// CenterGaussian returns a w×h map exp(−((x−cx)²/2σx² + (y−cy)²/2σy²))
// with the centre (cx, cy) = ((w−1)/2, (h−1)/2) and σx = w/4, σy = h/4:
// 1 at the centre, e^−2 ≈ 0.14 at the middle of each edge. It is the
// centre-bias baseline: photographers centre their subject, so "look at
// the middle" is a strong guess that explains nothing about the network.
func CenterGaussian(w, h int) Map {
	m := Map{W: w, H: h, Data: make([]float32, max(w*h, 0))}
	cx, cy := float64(w-1)/2, float64(h-1)/2
	sx, sy := float64(w)/4, float64(h)/4
	for y := range h {
		dy := (float64(y) - cy) / sy
		for x := range w {
			dx := (float64(x) - cx) / sx
			m.Data[y*w+x] = float32(math.Exp(-(dx*dx + dy*dy) / 2))
		}
	}
	return m
}

// Summary is the mean of several reports, e.g. one method over a batch of
// images.
type Summary struct {
	N int `json:"n"`
	// DeletionAUC and InsertionAUC are the mean areas.
	DeletionAUC  float64 `json:"deletion_auc"`
	InsertionAUC float64 `json:"insertion_auc"`
	// AverageDrop is the mean drop in percent (the paper's Average Drop).
	AverageDrop float64 `json:"average_drop"`
	// IncreaseInConfidence is the percentage of reports whose confidence
	// increased (the paper's Increase in Confidence).
	IncreaseInConfidence float64 `json:"increase_in_confidence"`
	// Deletion and Insertion are the pointwise mean curves, nil when the
	// reports' curves do not share their fractions.
	Deletion  []float64 `json:"deletion_curve,omitempty"`
	Insertion []float64 `json:"insertion_curve,omitempty"`
	Fractions []float64 `json:"fractions,omitempty"`
}

// Summarize averages reports; nil entries are skipped. With none it
// returns the zero Summary.
func Summarize(reports ...*Report) Summary {
	var s Summary
	same := true
	for _, r := range reports {
		if r == nil {
			continue
		}
		if s.N == 0 {
			s.Fractions = append([]float64(nil), r.Deletion.Fractions...)
			s.Deletion = make([]float64, len(r.Deletion.Probs))
			s.Insertion = make([]float64, len(r.Insertion.Probs))
		}
		s.N++
		s.DeletionAUC += r.Deletion.AUC
		s.InsertionAUC += r.Insertion.AUC
		s.AverageDrop += r.AverageDrop
		if r.IncreaseInConfidence {
			s.IncreaseInConfidence++
		}
		if same && slices.Equal(s.Fractions, r.Deletion.Fractions) && slices.Equal(s.Fractions, r.Insertion.Fractions) &&
			len(r.Deletion.Probs) == len(s.Deletion) && len(r.Insertion.Probs) == len(s.Insertion) {
			for i, v := range r.Deletion.Probs {
				s.Deletion[i] += v
			}
			for i, v := range r.Insertion.Probs {
				s.Insertion[i] += v
			}
		} else {
			same = false
		}
	}
	if s.N == 0 {
		return Summary{}
	}
	n := float64(s.N)
	s.DeletionAUC /= n
	s.InsertionAUC /= n
	s.AverageDrop /= n
	s.IncreaseInConfidence = s.IncreaseInConfidence / n * 100
	if !same {
		s.Deletion, s.Insertion, s.Fractions = nil, nil, nil
		return s
	}
	for i := range s.Deletion {
		s.Deletion[i] /= n
	}
	for i := range s.Insertion {
		s.Insertion[i] /= n
	}
	return s
}

// String is a one-line digest for terminals and logs.
func (r *Report) String() string {
	inc := "no"
	if r.IncreaseInConfidence {
		inc = "yes"
	}
	return fmt.Sprintf("deletion AUC %.3f, insertion AUC %.3f, average drop %.1f%%, increase %s (p=%.3f → %.3f on x⊙map)",
		r.Deletion.AUC, r.Insertion.AUC, r.AverageDrop, inc, r.Prob, r.ExplanationProb)
}
