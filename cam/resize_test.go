package cam_test

import (
	"math"
	"testing"

	"camviz/cam"
)

// Expected values are worked out by hand from OpenCV's INTER_LINEAR rule
// x_src = (x+0.5)·src/dst − 0.5, clamped to the edge pixels; they agree
// with cv2.resize on float32 input.
func TestResize(t *testing.T) {
	for _, c := range []struct {
		name       string
		src        cam.Map
		w, h       int
		want       []float32
		tolerance  float64
		checkIndex []int // when want is nil: indices to check against wantAt
		wantAt     []float32
	}{
		{name: "up 2→4", src: cam.Map{W: 2, H: 1, Data: []float32{0, 1}}, w: 4, h: 1,
			want: []float32{0, 0.25, 0.75, 1}},
		{name: "down 3→2", src: cam.Map{W: 3, H: 1, Data: []float32{0, 4, 8}}, w: 2, h: 1,
			want: []float32{1, 7}},
		{name: "down 4→2 (exactly half)", src: cam.Map{W: 4, H: 1, Data: []float32{0, 2, 4, 6}}, w: 2, h: 1,
			want: []float32{1, 5}},
		{name: "identity", src: cam.Map{W: 2, H: 2, Data: []float32{1, 2, 3, 4}}, w: 2, h: 2,
			want: []float32{1, 2, 3, 4}},
		{name: "single pixel", src: cam.Map{W: 1, H: 1, Data: []float32{5}}, w: 3, h: 2,
			want: []float32{5, 5, 5, 5, 5, 5}},
		{name: "2×2→4×4", src: cam.Map{W: 2, H: 2, Data: []float32{0, 1, 2, 3}}, w: 4, h: 4,
			want: []float32{
				0, 0.25, 0.75, 1,
				0.5, 0.75, 1.25, 1.5,
				1.5, 1.75, 2.25, 2.5,
				2, 2.25, 2.75, 3,
			}},
		{name: "column 1×2→1×4", src: cam.Map{W: 1, H: 2, Data: []float32{0, 8}}, w: 1, h: 4,
			want: []float32{0, 2, 6, 8}},
		{name: "14→224 first columns", src: ramp(14, 1), w: 224, h: 1,
			// x_src(d) = (d+0.5)/16 − 0.5: clamped to 0 up to d = 7, then
			// 1/32 per column; the last 8 columns are clamped to 13.
			checkIndex: []int{0, 7, 8, 9, 23, 24, 215, 216, 223},
			wantAt:     []float32{0, 0, 1.0 / 32, 3.0 / 32, 31.0 / 32, 1 + 1.0/32, 13 - 1.0/32, 13, 13}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := cam.Resize(c.src, c.w, c.h)
			if err != nil {
				t.Fatal(err)
			}
			if c.want != nil {
				if len(got.Data) != len(c.want) {
					t.Fatalf("got %d values, want %d", len(got.Data), len(c.want))
				}
				for i := range c.want {
					if math.Abs(float64(got.Data[i]-c.want[i])) > 1e-6 {
						t.Errorf("got %v, want %v", got.Data, c.want)
						break
					}
				}
			}
			for j, i := range c.checkIndex {
				if math.Abs(float64(got.Data[i]-c.wantAt[j])) > 1e-6 {
					t.Errorf("value %d = %v, want %v", i, got.Data[i], c.wantAt[j])
				}
			}
		})
	}
}

func ramp(w, h int) cam.Map {
	m := cam.NewMap(w, h)
	for i := range m.Data {
		m.Data[i] = float32(i)
	}
	return m
}

func TestResizerErrors(t *testing.T) {
	if _, err := cam.NewResizer(0, 1, 2, 2); err == nil {
		t.Error("NewResizer accepted a zero size")
	}
	if _, err := cam.Resize(cam.Map{W: 2, H: 2, Data: make([]float32, 3)}, 4, 4); err == nil {
		t.Error("Resize accepted a map with the wrong number of values")
	}
	r, err := cam.NewResizer(2, 2, 4, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("Resize into a short destination did not panic")
		}
	}()
	r.Resize(make([]float32, 15), make([]float32, 4))
}

// A Resizer reused across calls gives the same result as a fresh one and
// does not allocate.
func TestResizerReuse(t *testing.T) {
	src := ramp(14, 14)
	r, err := cam.NewResizer(14, 14, 300, 200)
	if err != nil {
		t.Fatal(err)
	}
	a := make([]float32, 300*200)
	b := make([]float32, 300*200)
	r.Resize(a, src.Data)
	other := ramp(14, 14)
	for i := range other.Data {
		other.Data[i] *= -3
	}
	r.Resize(b, other.Data)
	r.Resize(b, src.Data)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("reused resizer differs at %d", i)
		}
	}
	if n := testing.AllocsPerRun(10, func() { r.Resize(a, src.Data) }); n != 0 {
		t.Errorf("Resize allocates %v times per call", n)
	}
}
