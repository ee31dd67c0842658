package cam

import (
	"context"
	"fmt"
	"math"
)

// Guided Backprop's gradient itself needs the engine (ReLU's backward
// passing only positive gradients where the input was positive); these
// are the pure steps around it, in pytorch-grad-cam's conventions.

// HWC returns m (C×H×W) transposed to H×W×C, the layout pytorch-grad-cam
// returns guided backprop in (and the .npy files of guidedbackprop and
// guided-gradcam use).
func HWC(m Maps) ([]float32, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	out := make([]float32, len(m.Data))
	for c := range m.C {
		for p, v := range m.Channel(c) {
			out[p*m.C+c] = v
		}
	}
	return out, nil
}

// GuidedGradCAM returns Guided Grad-CAM, H×W×C: the final CAM map m
// (post-processed, at the input's size) times each channel of the guided
// backprop gradient gb (C×H×W), as pytorch-grad-cam's cam.py forms
// cam[..., None] * guided_backprop.
func GuidedGradCAM(m Map, gb Maps) ([]float32, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if err := gb.Validate(); err != nil {
		return nil, err
	}
	if gb.W != m.W || gb.H != m.H {
		return nil, fmt.Errorf("cam: guided backprop %d×%d for a %d×%d map", gb.W, gb.H, m.W, m.H)
	}
	out := make([]float32, len(gb.Data))
	for c := range gb.C {
		for p, v := range gb.Channel(c) {
			out[p*gb.C+c] = m.Data[p] * v
		}
	}
	return out, nil
}

// Deprocess turns a gradient image into bytes for a PNG, as
// pytorch-grad-cam's deprocess_image: standardise over all values
// ((v − mean)/(std + 1e-5), population std), scale to std 0.1 around 0.5,
// clip to [0,1] and truncate 255·v to uint8. NaN and ±Inf are left out of
// the statistics and give 0.
func Deprocess(img []float32) []uint8 {
	var n, s, ss float64
	for _, v := range img {
		if f := float64(v); !math.IsNaN(f) && !math.IsInf(f, 0) {
			n++
			s += f
		}
	}
	mean := s / max(n, 1)
	for _, v := range img {
		if f := float64(v); !math.IsNaN(f) && !math.IsInf(f, 0) {
			ss += (f - mean) * (f - mean)
		}
	}
	std := math.Sqrt(ss / max(n, 1))
	out := make([]uint8, len(img))
	for i, v := range img {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		u := min(max((f-mean)/(std+1e-5)*0.1+0.5, 0), 1)
		out[i] = uint8(float32(u) * 255)
	}
	return out
}

// guidedBackprop is the target's guided input gradient, as
// pytorch-grad-cam's GuidedBackpropReLUModel returns it (HWC). Its Map is
// the per-pixel magnitude Σ_c |gb_c|, for a window's overlay.
func guidedBackprop(ctx context.Context, src Source, p Params) (Result, error) {
	gb, err := guidedInput(ctx, src, p)
	if err != nil {
		return Result{}, err
	}
	hwc, err := HWC(gb)
	if err != nil {
		return Result{}, err
	}
	return Result{Map: magnitude(hwc, gb.C, gb.W, gb.H), Layer: "input", HWC: hwc}, nil
}

// guidedGradCAM is the Grad-CAM map at the layer, post-processed to the
// input's size, times the guided input gradient, both of the target
// (GuidedGradCAM).
func guidedGradCAM(ctx context.Context, src Source, p Params) (Result, error) {
	a, err := src.Activations(p.Layer)
	if err != nil {
		return Result{}, err
	}
	g, err := TargetGradients(ctx, src, p.Layer, p)
	if err != nil {
		return Result{}, err
	}
	if err := checkAG(a, g); err != nil {
		return Result{}, err
	}
	lm := NewMap(a.W, a.H)
	if err := gradCAM(lm.Data, a, g); err != nil {
		return Result{}, err
	}
	gb, err := guidedInput(ctx, src, p)
	if err != nil {
		return Result{}, err
	}
	final, _, err := Postprocess(lm, gb.W, gb.H, MinMax, 0)
	if err != nil {
		return Result{}, err
	}
	hwc, err := GuidedGradCAM(final, gb)
	if err != nil {
		return Result{}, err
	}
	return Result{Map: magnitude(hwc, gb.C, gb.W, gb.H), Layer: p.Layer, HWC: hwc}, nil
}

func guidedInput(ctx context.Context, src Source, p Params) (Maps, error) {
	seed, err := SeedFor(src, p)
	if err != nil {
		return Maps{}, err
	}
	gb, err := src.InputGradients(ctx, seed, true)
	if err != nil {
		return Maps{}, fmt.Errorf("cam: guided backprop: %w", err)
	}
	return gb, nil
}

// magnitude is Σ_c |v| per pixel of an H×W×C image.
func magnitude(hwc []float32, c, w, h int) Map {
	m := NewMap(w, h)
	for p := range m.Data {
		var s float32
		for _, v := range hwc[p*c : (p+1)*c] {
			s += abs32(v)
		}
		m.Data[p] = s
	}
	return m
}
