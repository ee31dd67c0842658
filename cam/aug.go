package cam

import (
	"fmt"
)

// Augmentation is one test-time augmentation of -aug-smooth: the input is
// flipped horizontally (if Flip) and multiplied by Factor, as ttach's
// HorizontalFlip and Multiply do to the normalised input tensor.
type Augmentation struct {
	Flip   bool
	Factor float32
}

// augmentations is pytorch-grad-cam's default tta_transforms,
// Compose([HorizontalFlip(), Multiply([0.9, 1, 1.1])]), in ttach's order.
var augmentations = [...]Augmentation{
	{false, 0.9}, {false, 1}, {false, 1.1},
	{true, 0.9}, {true, 1}, {true, 1.1},
}

// Augmentations returns the six augmentations of AugSmooth, in order.
func Augmentations() []Augmentation {
	out := make([]Augmentation, len(augmentations))
	copy(out, augmentations[:])
	return out
}

// Apply returns x (an input image, C×H×W) augmented: flipped left–right
// if a.Flip, then multiplied by a.Factor.
func (a Augmentation) Apply(x Maps) Maps {
	out := Maps{C: x.C, H: x.H, W: x.W, Data: make([]float32, len(x.Data))}
	for r := 0; r < x.C*x.H; r++ {
		src, dst := x.Data[r*x.W:(r+1)*x.W], out.Data[r*x.W:(r+1)*x.W]
		for i, v := range src {
			j := i
			if a.Flip {
				j = x.W - 1 - i
			}
			dst[j] = v * a.Factor
		}
	}
	return out
}

// Undo maps a map computed on the augmented input back onto the original
// image: flipped back if a.Flip (a brightness factor moves no pixel).
func (a Augmentation) Undo(m Map) Map {
	out := NewMap(m.W, m.H)
	for y := 0; y < m.H; y++ {
		src, dst := m.Data[y*m.W:(y+1)*m.W], out.Data[y*m.W:(y+1)*m.W]
		if !a.Flip {
			copy(dst, src)
			continue
		}
		for i, v := range src {
			dst[m.W-1-i] = v
		}
	}
	return out
}

// AugSmooth returns pytorch-grad-cam's aug_smooth map
// (base_cam.py forward_augmentation_smoothing): final(x') for each of the
// six Augmentations x' of the input x, each mapped back with Undo, and
// their pixel-wise mean. final must return the method's final map (after
// post-processing) for an input, running the network on it; it is called
// once per augmentation, in order, and its maps must all have one size.
// The mean of min-maxed maps is not min-maxed again, as in the reference.
func AugSmooth(x Maps, final func(Maps) (Map, error)) (Map, error) {
	if err := x.Validate(); err != nil {
		return Map{}, err
	}
	var acc []float64
	var w, h int
	for i, a := range augmentations {
		m, err := final(a.Apply(x))
		if err != nil {
			return Map{}, fmt.Errorf("cam: augmentation %d (flip %v, ×%g): %w", i, a.Flip, a.Factor, err)
		}
		if err := m.Validate(); err != nil {
			return Map{}, err
		}
		if acc == nil {
			acc, w, h = make([]float64, len(m.Data)), m.W, m.H
		} else if m.W != w || m.H != h {
			return Map{}, fmt.Errorf("cam: augmentation %d gave a %d×%d map, the first %d×%d", i, m.W, m.H, w, h)
		}
		for p, v := range a.Undo(m).Data {
			acc[p] += float64(v)
		}
	}
	out := NewMap(w, h)
	for p, v := range acc {
		out.Data[p] = float32(v / float64(len(augmentations)))
	}
	return out, nil
}
