package analysis

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	"camviz/cam"

	colorful "github.com/lucasb-eyer/go-colorful"
)

// Concept is one concept of a Deep Feature Factorization.
type Concept struct {
	Index int
	// Map is where the concept lies: its NMF row, min-maxed and resized to
	// the model's input (pytorch-grad-cam's scale_cam_image).
	Map cam.Map
	// Top are the classes the head gives the concept's channel vector.
	Top []Prediction
	// Share is the part of the pixels where it is the strongest concept.
	Share float64
}

// Factorization is a layer's activations as k concepts.
type Factorization struct {
	Layer    string
	Concepts []Concept
	// Picture colours each pixel by its strongest concept over the
	// picture the model sees (pytorch-grad-cam's show_factorization_on_image).
	Picture    *image.NRGBA
	Iterations int
	RelError   float64
}

// Factorize runs Deep Feature Factorization at layer (cam.DeepFeatureFactorization,
// seeded) and reads each concept's top classes off the model's own head
// (cam.ConceptScores through the tail, softmax).
func (a *Analysis) Factorize(ctx context.Context, layer string, k, top int, seed uint64) (*Factorization, error) {
	release, err := a.hold()
	if err != nil {
		return nil, err
	}
	defer release()
	src := a.Source()
	acts, err := src.Activations(layer)
	if err != nil {
		return nil, err
	}
	if most := min(acts.C, acts.H*acts.W); k < 1 || k > most {
		return nil, fmt.Errorf("%d concepts: layer %q (%d channels, %d×%d) allows 1 to %d", k, layer, acts.C, acts.H, acts.W, most)
	}
	con, err := cam.DeepFeatureFactorization(acts, k, seed)
	if err != nil {
		return nil, err
	}
	logits, err := cam.ConceptScores(ctx, src.Tail(layer), acts, con)
	if err != nil {
		return nil, err
	}
	x := src.Input()
	nc := len(logits) / k
	f := &Factorization{Layer: layer, Iterations: con.Iterations, RelError: con.RelError}
	maps := make([]cam.Map, k)
	for i := range k {
		m, _, err := cam.Postprocess(con.Maps[i], x.W, x.H, cam.MinMax, 0)
		if err != nil {
			return nil, err
		}
		maps[i] = m
		probs := softmax(logits[i*nc : (i+1)*nc])
		order := make([]int, nc)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(p, q int) bool { return probs[order[p]] > probs[order[q]] })
		c := Concept{Index: i, Map: m}
		for _, j := range order[:min(top, nc)] {
			c.Top = append(c.Top, Prediction{Class: j, Label: a.Model.Label(j), Prob: probs[j], Score: logits[i*nc+j]})
		}
		f.Concepts = append(f.Concepts, c)
	}
	var share []float64
	f.Picture, share = colourConcepts(src.Picture(), maps)
	for i := range f.Concepts {
		f.Concepts[i].Share = share[i]
	}
	return f, nil
}

// colourConcepts gives each pixel the colour of its strongest concept
// (hues evenly spaced round the circle, as gist_rainbow spaces them) at
// that concept's map value as brightness, laid over the picture with image
// weight 0.3 (pytorch-grad-cam's run_dff_on_image); and each concept's
// share of the pixels.
func colourConcepts(pic *image.NRGBA, maps []cam.Map) (*image.NRGBA, []float64) {
	w, h := maps[0].W, maps[0].H
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	share := make([]float64, len(maps))
	for p := range w * h {
		best, v := 0, float32(math.Inf(-1))
		for i, m := range maps {
			if m.Data[p] > v {
				best, v = i, m.Data[p]
			}
		}
		share[best]++
		col := colorful.Hsv(360*float64(best)/float64(len(maps)), 1, float64(max(v, 0)))
		base := pic.NRGBAAt(p%w, p/w)
		mix := func(b uint8, c float64) uint8 { return uint8(math.Round(255 * (0.3*float64(b)/255 + 0.7*c))) }
		out.SetNRGBA(p%w, p/w, color.NRGBA{mix(base.R, col.R), mix(base.G, col.G), mix(base.B, col.B), 255})
	}
	for i := range share {
		share[i] /= float64(w * h)
	}
	return out, share
}

func softmax(y []float32) []float32 {
	hi := math.Inf(-1)
	for _, v := range y {
		hi = math.Max(hi, float64(v))
	}
	out := make([]float32, len(y))
	var z float64
	for i, v := range y {
		e := math.Exp(float64(v) - hi)
		out[i], z = float32(e), z+e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / z)
	}
	return out
}
