package cam

import (
	"fmt"
	"math"
	"strings"
)

// Mode selects the post-processing of a layer map.
type Mode int

const (
	// MinMax is pytorch-grad-cam's output: ReLU, min-max to [0,1]
	// (dividing by max+1e-7), resize, then ReLU and min-max again. Every
	// map fills [0,1], so maps of different classes are not comparable.
	MinMax Mode = iota
	// Raw keeps the signed values: sanitised and resized, not normalised.
	// Render it with a diverging colour map centred at 0.
	Raw
	// Shared applies the ReLU, resizes and divides by a scale chosen by the
	// caller (see SharedScale), so that maps computed with the same scale
	// — e.g. the same method and layer for two classes — compare honestly.
	Shared
)

// ModeInfo is one post-processing mode of the registry: its public name
// and how pickers, captions and help texts call it. Pickers, captions and
// the CLI read this table; nothing else names a mode.
type ModeInfo struct {
	Mode Mode
	// Name is the public identifier (`-norm NAME`, JSON).
	Name string
	// Label is the picker's entry.
	Label string
	// Caption is how a picture's caption says it.
	Caption string
	// Help is the command line's description.
	Help string
}

// modes is the registry, in menu order. camviz shares a scale with the
// top-5 classes (see SharedScale).
var modes = [...]ModeInfo{
	{MinMax, "minmax", "Min-max per map", "min-max per map", "pytorch-grad-cam"},
	{Shared, "shared", "Shared with top-5", "shared scale (top-5)", "scale shared with the top-5 classes"},
	{Raw, "raw", "Raw signed values", "raw signed values", "signed"},
}

// Modes returns every mode, in menu order.
func Modes() []ModeInfo {
	out := make([]ModeInfo, len(modes))
	copy(out, modes[:])
	return out
}

// Info returns the mode's entry of Modes.
func (m Mode) Info() (ModeInfo, bool) {
	for _, x := range modes {
		if x.Mode == m {
			return x, true
		}
	}
	return ModeInfo{}, false
}

// String returns the public name of the mode.
func (m Mode) String() string {
	if x, ok := m.Info(); ok {
		return x.Name
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// ParseMode returns the mode called s (a Name of Modes).
func ParseMode(s string) (Mode, error) {
	names := make([]string, len(modes))
	for i, x := range modes {
		if x.Name == s {
			return x.Mode, nil
		}
		names[i] = x.Name
	}
	return 0, fmt.Errorf("cam: unknown mode %q (want %s)", s, strings.Join(names, ", "))
}

// Flags reports conditions of a map worth telling the user about.
type Flags uint8

const (
	// NonPositive: no value is > 0. After the ReLU the map is all zero;
	// pytorch-grad-cam shows it as a uniform "cold" picture.
	NonPositive Flags = 1 << iota
	// Flat: the ReLU'd map is a positive constant, which min-max turns
	// into all zeros.
	Flat
	// HasNaN: the map had NaN values; they were treated as 0.
	HasNaN
	// HasInf: the map had ±Inf values; they were treated as 0.
	HasInf
	// BadScale: Shared mode got a scale that is not finite and > 0; the
	// output is all zeros.
	BadScale
)

var flagNames = [...]string{"non-positive", "flat", "NaN", "Inf", "bad-scale"}

// String lists the set flags, e.g. "non-positive|NaN"; "" when none.
func (f Flags) String() string {
	var s []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	return strings.Join(s, "|")
}

// Postprocess returns m post-processed by mode and resized to w×h. scale is
// used by Shared mode only. For repeated calls with the same sizes, use a
// Resizer's PostprocessTo, which does not allocate.
func Postprocess(m Map, w, h int, mode Mode, scale float32) (Map, Flags, error) {
	if err := m.Validate(); err != nil {
		return Map{}, 0, err
	}
	r, err := NewResizer(m.W, m.H, w, h)
	if err != nil {
		return Map{}, 0, err
	}
	out := NewMap(w, h)
	f, err := r.PostprocessTo(out.Data, m, mode, scale)
	return out, f, err
}

// PostprocessTo writes m post-processed by mode into dst (the Resizer's
// destination size). m must have the Resizer's source size.
func (r *Resizer) PostprocessTo(dst []float32, m Map, mode Mode, scale float32) (Flags, error) {
	if m.W != r.srcW || m.H != r.srcH || len(m.Data) != m.W*m.H {
		return 0, fmt.Errorf("cam: map %d×%d (%d values) given to a %d×%d resizer",
			m.W, m.H, len(m.Data), r.srcW, r.srcH)
	}
	if len(dst) != r.dstW*r.dstH {
		return 0, fmt.Errorf("cam: destination has %d values, want %d", len(dst), r.dstW*r.dstH)
	}
	if cap(r.tmp) < len(m.Data) {
		r.tmp = make([]float32, len(m.Data))
	}
	tmp := r.tmp[:len(m.Data)]
	flags := sanitize(tmp, m.Data)
	_, hi, _ := Range(tmp)
	if !(hi > 0) {
		flags |= NonPositive
	}
	switch mode {
	case MinMax:
		relu(tmp)
		if lo, hi, _ := Range(tmp); hi > 0 && hi == lo {
			flags |= Flat
		}
		minMax(tmp)
		r.Resize(dst, tmp)
		relu(dst)
		minMax(dst)
	case Raw:
		r.Resize(dst, tmp)
	case Shared:
		relu(tmp)
		r.Resize(dst, tmp)
		s := float64(scale)
		if !(s > 0) || math.IsInf(s, 0) {
			flags |= BadScale
			clear(dst)
			break
		}
		for i := range dst {
			dst[i] /= scale // divide: the peak maps to exactly 1
		}
	default:
		return 0, fmt.Errorf("cam: unknown mode %d", int(mode))
	}
	return flags, nil
}

// SharedScale returns the scale for Shared mode that maps the largest
// positive value among maps to 1: the maximum of ReLU(m) over all maps,
// ignoring NaN and Inf. Bilinear resizing never exceeds the source
// maximum, so the resized maps stay within [0,1]. It returns 0 when no
// value is positive (Shared mode then reports BadScale).
func SharedScale(maps ...Map) float32 {
	var s float32
	for _, m := range maps {
		if _, hi, _ := Range(m.Data); hi > s {
			s = hi
		}
	}
	return s
}

// Range returns the smallest and largest finite values of data, and flags
// for NaN or Inf. lo and hi are 0 when no value is finite.
func Range(data []float32) (lo, hi float32, flags Flags) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range data {
		if v-v != 0 { // NaN or ±Inf, in one test on the fast path
			if v != v {
				flags |= HasNaN
			} else {
				flags |= HasInf
			}
			continue
		}
		// Plain comparisons: the min and max builtins pay for NaN
		// semantics that cannot occur here.
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo > hi {
		return 0, 0, flags
	}
	return lo, hi, flags
}

// sanitize copies src into dst with NaN and ±Inf replaced by 0, so that a
// single bad value cannot turn the whole normalised map into NaN.
func sanitize(dst, src []float32) Flags {
	var f Flags
	for i, v := range src {
		if v-v != 0 { // NaN or ±Inf
			if v != v {
				f |= HasNaN
			} else {
				f |= HasInf
			}
			v = 0
		}
		dst[i] = v
	}
	return f
}

func relu(x []float32) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// minMax is pytorch-grad-cam's scale_cam_image: x − min, then ÷ (1e-7 + max).
// A constant map becomes all zeros.
func minMax(x []float32) {
	lo, hi, _ := Range(x)
	d := 1e-7 + (hi - lo)
	for i, v := range x {
		x[i] = (v - lo) / d
	}
}
