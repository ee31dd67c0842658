package kern

import (
	"math"
	"testing"
)

// hostile is n values with NaNs, −0, +0 and ties among ordinary ones.
func hostile(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch i % 11 {
		case 3:
			s[i] = float32(math.NaN())
		case 5:
			s[i] = float32(math.Copysign(0, -1))
		case 6:
			s[i] = 0
		default:
			s[i] = float32(math.Sin(float64(i) * 0.7))
		}
	}
	return s
}

// TestMaxRows3x3MatchesGo checks the build's kernel against the Go twin
// bit for bit on planes with NaNs, signed zeros and ties, and one window
// against its written-out maximum.
func TestMaxRows3x3MatchesGo(t *testing.T) {
	for _, c := range []struct{ h, w, sh, sw int }{{9, 9, 2, 2}, {7, 12, 1, 1}, {10, 13, 3, 2}, {3, 3, 1, 1}} {
		src := hostile(c.h * c.w)
		rows, n := (c.h-3)/c.sh+1, (c.w-3)/c.sw+1
		got, want := make([]float32, rows*n), make([]float32, rows*n)
		MaxRows3x3(src, c.w, c.sh, c.sw, 0, got, n, rows, n)
		maxRows3x3Go(src, c.w, c.sh, c.sw, 0, want, n, rows, n)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v [%d]: kernel %v, Go %v", c, i, got[i], want[i])
			}
		}
	}
	src := []float32{1, 2, 3, 4, 9, 5, 6, 7, 8, -1, -2, -3, 0, 10, 0, 0}
	dst := []float32{0, 0}
	MaxRows3x3(src, 4, 1, 1, 0, dst, 2, 1, 2) // windows at columns 0 and 1 of rows 0–2
	if dst[0] != 9 || dst[1] != 7 {
		t.Errorf("got %v, want [9 7]", dst)
	}
	MaxRows3x3(src[4:], 4, 1, 1, 1, dst, 2, 1, 1) // rows 1–3, columns 1–3
	if dst[0] != 10 {
		t.Errorf("got %v, want 10", dst[0])
	}
}

// TestMaxRows2x2MatchesGo is TestMaxRows3x3MatchesGo for the 2×2 windows
// of stride 2, on odd and even planes and rows wider than the output.
func TestMaxRows2x2MatchesGo(t *testing.T) {
	for _, c := range []struct{ h, w int }{{8, 8}, {7, 13}, {224, 224}, {2, 2}, {5, 40}} {
		src := hostile(c.h * c.w)
		rows, n := c.h/2, c.w/2
		wo := n + 1 // a column past the output must stay as it is
		got, want := make([]float32, rows*wo), make([]float32, rows*wo)
		for i := range got {
			got[i], want[i] = 7, 7
		}
		MaxRows2x2(src, c.w, got, wo, rows, n)
		maxRows2x2Go(src, c.w, want, wo, rows, n)
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%+v [%d]: kernel %v, Go %v", c, i, got[i], want[i])
			}
		}
	}
	src := []float32{1, 2, 3, 4, 9, 5, 6, 7, 8, -1, -2, -3, 0, 10, 0, 0}
	dst := []float32{0, 0, 0, 0}
	MaxRows2x2(src, 4, dst, 2, 2, 2)
	if want := []float32{9, 7, 10, 0}; dst[0] != want[0] || dst[1] != want[1] || dst[2] != want[2] || dst[3] != want[3] {
		t.Errorf("got %v, want %v", dst, want)
	}
}

// TestReluMatchesGo checks the build's Relu against its Go twin bit for
// bit, NaN and both zeros included, on lengths around the vector widths.
func TestReluMatchesGo(t *testing.T) {
	for _, n := range []int{1, 3, 8, 17, 100} {
		x := make([]float32, n)
		for i := range x {
			switch i % 5 {
			case 1:
				x[i] = float32(math.NaN())
			case 2:
				x[i] = float32(math.Copysign(0, -1))
			default:
				x[i] = float32(math.Sin(float64(i)*1.3)) * 2
			}
		}
		want := append([]float32(nil), x...)
		Relu(x)
		reluGo(want)
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
				t.Fatalf("n=%d [%d]: %v, Go %v", n, i, x[i], want[i])
			}
			if x[i] < 0 {
				t.Fatalf("n=%d [%d] = %v < 0", n, i, x[i])
			}
		}
	}
}
