package cam

import "context"

// Box is a part of an input's plane: rows Y0 … Y1−1, columns X0 … X1−1.
// The zero Box is empty.
type Box struct{ Y0, X0, Y1, X1 int }

// BoxedFunc is a BatchFunc that is also told, for each of the inputs
// (n = len(boxes)), a box outside which that input is exactly 0 (an
// empty box: all of it is 0). A network runner can skip the work whose
// receptive field lies wholly where the input is 0 (see
// inference.ZeroPass.ScoresZeroOutside).
type BoxedFunc func(ctx context.Context, inputs []float32, boxes []Box) (logits []float32, err error)

// BoxedSource is a Source whose whole-network passes can use the boxes.
type BoxedSource interface {
	ForwardBoxed() BoxedFunc
}

// ApartSource is a BoxedSource whose forward takes another path for the
// images whose box Apart holds (inference's windows): ScoreCAM batches
// those apart from the rest (ScoreLogitsApart).
type ApartSource interface {
	Apart(b Box) bool
}

// apartFor is the source's Apart, or nil.
func apartFor(src Source) func(Box) bool {
	if as, ok := src.(ApartSource); ok {
		return as.Apart
	}
	return nil
}

// Boxless makes a BoxedFunc of a BatchFunc that ignores the boxes.
func Boxless(forward BatchFunc) BoxedFunc {
	return func(ctx context.Context, in []float32, boxes []Box) ([]float32, error) {
		return forward(ctx, in, len(boxes))
	}
}

// boxedForward is the source's boxed forward where it has one.
// MaskBatcher is a Source that knows how many masked images its model
// should run per pass (inference.Net.MaskBatch).
type MaskBatcher interface {
	MaskBatch() int
}

// maskBatch is the batch a Score-CAM run takes: the option when it is set
// (> 0), else the source's model's, else the other masked methods' default.
func maskBatch(src Source, option float64) int {
	if b := int(option); b > 0 {
		return b
	}
	if mb, ok := src.(MaskBatcher); ok {
		return max(mb.MaskBatch(), 1)
	}
	return int(batchOption.Default)
}

func boxedForward(src Source) BoxedFunc {
	if bs, ok := src.(BoxedSource); ok {
		return bs.ForwardBoxed()
	}
	return Boxless(src.Forward())
}

// nonzeroBox is the smallest box holding every nonzero value of x
// (c planes of h×w).
func nonzeroBox(x []float32, c, h, w int) Box {
	b := Box{Y0: h, X0: w}
	for ch := range c {
		for y := range h {
			row := x[(ch*h+y)*w : (ch*h+y+1)*w]
			first := -1
			for i, v := range row {
				if v != 0 {
					first = i
					break
				}
			}
			if first < 0 {
				continue
			}
			last := first
			for i := w - 1; i > first; i-- {
				if row[i] != 0 {
					last = i
					break
				}
			}
			b = Box{min(b.Y0, y), min(b.X0, first), max(b.Y1, y+1), max(b.X1, last+1)}
		}
	}
	if b.Y0 >= b.Y1 {
		return Box{}
	}
	return b
}
