package inference

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2KernelMatchesLoop: without argmax the plain 2×2 pool takes
// kern's rows for the windows inside the plane and the Go loop for the
// edge ceil_mode clamps; with argmax it is the Go loop alone. Both give
// the same values bit for bit, on even and odd planes, floor and ceil
// sizes, with NaNs and signed zeros.
func TestMaxPool2x2KernelMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, c := range []struct{ h, w int }{{8, 8}, {7, 9}, {15, 14}, {1, 5}, {224, 224}} {
		for _, ceil := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d/ceil=%v", c.h, c.w, ceil), func(t *testing.T) {
				ho, wo := c.h/2, c.w/2
				if ceil {
					ho, wo = (c.h+1)/2, (c.w+1)/2
				}
				if ho == 0 || wo == 0 {
					t.Skip("no output")
				}
				src := normals(r, c.h*c.w)
				src[3], src[len(src)/2] = float32(math.NaN()), float32(math.Copysign(0, -1))
				got, want := make([]float32, ho*wo), make([]float32, ho*wo)
				maxPool2x2(src, c.w, got, ho, wo, nil)
				maxPool2x2(src, c.w, want, ho, wo, make([]int32, ho*wo))
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("[%d] = %v, the loop gives %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}
