package digits

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const mnistDir = "../testdata/mnist"

var (
	testSetOnce sync.Once
	testSet     *Set
	testSetErr  error
)

func loadTest(t *testing.T) *Set {
	t.Helper()
	testSetOnce.Do(func() { testSet, testSetErr = LoadDir(mnistDir, "t10k") })
	if testSetErr != nil {
		t.Fatalf("LoadDir: %v", testSetErr)
	}
	return testSet
}

func idxImages(n, rows, cols int, magic uint32, pix []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [4]uint32{magic, uint32(n), uint32(rows), uint32(cols)})
	b.Write(pix)
	return b.Bytes()
}

func idxLabels(magic uint32, labs ...byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{magic, uint32(len(labs))})
	b.Write(labs)
	return b.Bytes()
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func TestLoadMNISTTestSplit(t *testing.T) {
	s := loadTest(t)
	cases := []struct {
		name      string
		got, want int
	}{
		{"count", s.Len(), 10000},
		{"pixels", len(s.Pix), 10000 * 28 * 28},
		{"first label", s.Labels[0], 7},
		{"second label", s.Labels[1], 2},
		{"last label", s.Labels[9999], 6},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	var perClass [NumClasses]int
	for _, l := range s.Labels {
		perClass[l]++
	}
	// The published class counts of MNIST's test split.
	want := [NumClasses]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
	if perClass != want {
		t.Errorf("class counts %v, want %v", perClass, want)
	}
}

func TestReadIDX(t *testing.T) {
	d0 := make([]byte, 28*28)
	d0[5*28+3], d0[20*28+10] = 200, 1 // ink at (3,5) and (10,20)
	d1 := make([]byte, 28*28)         // blank digit
	pix := append(append([]byte{}, d0...), d1...)
	good := idxImages(2, 28, 28, magicImages, pix)
	goodLab := idxLabels(magicLabels, 4, 9)
	cases := []struct {
		name        string
		images, lab []byte
		wantErr     string
	}{
		{"raw", good, goodLab, ""},
		{"gzip", gz(good), gz(goodLab), ""},
		{"mixed", gz(good), goodLab, ""},
		{"bad image magic", idxImages(2, 28, 28, magicLabels, pix), goodLab, "images magic"},
		{"bad label magic", good, idxLabels(magicImages, 4, 9), "labels magic"},
		{"wrong size", idxImages(2, 27, 28, magicImages, pix), goodLab, "27×28"},
		{"truncated images", good[:len(good)-1], goodLab, "images data"},
		{"truncated labels", good, goodLab[:len(goodLab)-1], "labels data"},
		{"short header", good[:10], goodLab, "images header"},
		{"empty", nil, goodLab, "images header"},
		{"count mismatch", good, idxLabels(magicLabels, 4), "2 images but 1 labels"},
		{"label not a digit", good, idxLabels(magicLabels, 4, 10), "not a digit"},
		{"absurd count", idxImages(1<<30, 28, 28, magicImages, nil), goodLab, "claims"},
		{"corrupt gzip", gz(good)[:30], goodLab, "images"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := Read(bytes.NewReader(c.images), bytes.NewReader(c.lab))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != 2 || !slices.Equal(s.Labels, []int{4, 9}) {
				t.Fatalf("Len %d labels %v", s.Len(), s.Labels)
			}
			if got, want := s.Box(0), image.Rect(3, 5, 11, 21); got != want {
				t.Errorf("Box(0) = %v, want %v", got, want)
			}
			if !s.Box(1).Empty() {
				t.Errorf("Box(1) of a blank digit = %v, want empty", s.Box(1))
			}
			if !bytes.Equal(s.Digit(0), d0) {
				t.Error("Digit(0) differs from the input")
			}
		})
	}
}

func TestSplitMix64KnownValues(t *testing.T) {
	cases := []struct {
		seed uint64
		want []uint64
	}{
		// Reference outputs of SplitMix64 (as in Java's SplittableRandom / Vigna's C code).
		{1234567, []uint64{6457827717110365317, 3203168211198807973, 9817491932198370423,
			4593380528125082431, 16408922859458223821}},
		{0, []uint64{0xe220a8397b1dcdaf}},
	}
	for _, c := range cases {
		r := NewSplitMix64(c.seed)
		for k, w := range c.want {
			if got := r.Uint64(); got != w {
				t.Errorf("seed %d output %d = %d, want %d", c.seed, k, got, w)
			}
		}
	}
}

// ink is the bounding box of the non-zero pixels of a canvas restricted to r.
func ink(c Canvas, r image.Rectangle) image.Rectangle {
	var out image.Rectangle
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c.Pix[y*CanvasSize+x] != 0 {
				out = out.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return out
}

func checkCanvas(t *testing.T, s *Set, c Canvas, n int) {
	t.Helper()
	if len(c.Pix) != CanvasSize*CanvasSize || len(c.Labels) != n || len(c.Boxes) != n ||
		len(c.Indices) != n || len(c.Offsets) != n {
		t.Fatalf("canvas shape: %d pixels, %d labels, %d boxes, %d indices, %d offsets",
			len(c.Pix), len(c.Labels), len(c.Boxes), len(c.Indices), len(c.Offsets))
	}
	canvasRect := image.Rect(0, 0, CanvasSize, CanvasSize)
	var union image.Rectangle
	for k := range n {
		i, at := c.Indices[k], c.Offsets[k]
		if at.X < 0 || at.Y < 0 || at.X >= NumOffsets || at.Y >= NumOffsets {
			t.Fatalf("offset %v out of range", at)
		}
		if c.Labels[k] != s.Labels[i] {
			t.Errorf("label %d, set says %d", c.Labels[k], s.Labels[i])
		}
		if !c.Boxes[k].In(canvasRect) || c.Boxes[k].Empty() {
			t.Errorf("box %v outside the canvas or empty", c.Boxes[k])
		}
		// The box is the ink of the digit itself, pasted at its offset.
		d := Canvas{Pix: make([]uint8, CanvasSize*CanvasSize)}
		for y := range DigitSize {
			copy(d.Pix[(at.Y+y)*CanvasSize+at.X:], s.Digit(i)[y*DigitSize:(y+1)*DigitSize])
		}
		if want := ink(d, canvasRect); c.Boxes[k] != want {
			t.Errorf("digit %d box %v, want %v", k, c.Boxes[k], want)
		}
		// Every ink pixel of the digit is on the canvas (max-compositing keeps it).
		for p, v := range d.Pix {
			if c.Pix[p] < v {
				t.Fatalf("canvas pixel %d = %d < digit's %d", p, c.Pix[p], v)
			}
		}
		union = union.Union(c.Boxes[k])
	}
	// No ink outside the boxes, and the boxes cover all of it.
	if got := ink(c, canvasRect); !got.In(union) {
		t.Errorf("ink %v not inside the union of boxes %v", got, union)
	}
}

func TestSingleBoxes(t *testing.T) {
	s := loadTest(t)
	cases := []struct {
		name string
		rng  Rand
	}{
		{"splitmix seed 1", NewSplitMix64(1)},
		{"splitmix seed 42", NewSplitMix64(42)},
		{"math/rand/v2 PCG", rand.New(rand.NewPCG(1, 2))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 300 {
				c := Single(tc.rng, s)
				checkCanvas(t, s, c, 1)
				if got := ink(c, image.Rect(0, 0, CanvasSize, CanvasSize)); got != c.Boxes[0] {
					t.Fatalf("single canvas ink %v, box %v", got, c.Boxes[0])
				}
			}
		})
	}
}

func TestDoubleDisjoint(t *testing.T) {
	s := loadTest(t)
	cases := []struct {
		name string
		rng  Rand
	}{
		{"splitmix seed 2", NewSplitMix64(2)},
		{"splitmix seed 7", NewSplitMix64(7)},
		{"math/rand/v2 PCG", rand.New(rand.NewPCG(3, 4))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 300 {
				c := Double(tc.rng, s)
				checkCanvas(t, s, c, 2)
				if c.Labels[0] == c.Labels[1] {
					t.Fatalf("same class twice: %v", c.Labels)
				}
				if c.Boxes[0].Overlaps(c.Boxes[1]) {
					t.Fatalf("boxes overlap: %v %v", c.Boxes[0], c.Boxes[1])
				}
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	s := loadTest(t)
	gen := func(seed uint64) []Canvas {
		r := NewSplitMix64(seed)
		var out []Canvas
		for range 50 {
			out = append(out, Single(r, s), Double(r, s))
		}
		return out
	}
	same := func(a, b []Canvas) bool {
		for k := range a {
			if !bytes.Equal(a[k].Pix, b[k].Pix) || !slices.Equal(a[k].Labels, b[k].Labels) ||
				!slices.Equal(a[k].Boxes, b[k].Boxes) {
				return false
			}
		}
		return true
	}
	cases := []struct {
		a, b uint64
		same bool
	}{
		{1, 1, true},
		{12345, 12345, true},
		{1, 2, false},
	}
	for _, c := range cases {
		if got := same(gen(c.a), gen(c.b)); got != c.same {
			t.Errorf("seeds %d and %d: same = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

func TestPanics(t *testing.T) {
	one, err := Read(bytes.NewReader(idxImages(1, 28, 28, magicImages, make([]byte, 784))),
		bytes.NewReader(idxLabels(magicLabels, 3)))
	if err != nil {
		t.Fatal(err)
	}
	empty, err := Read(bytes.NewReader(idxImages(0, 28, 28, magicImages, nil)),
		bytes.NewReader(idxLabels(magicLabels)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    func()
	}{
		{"single on empty", func() { Single(NewSplitMix64(1), empty) }},
		{"double with one class", func() { Double(NewSplitMix64(1), one) }},
		{"IntN(0)", func() { NewSplitMix64(1).IntN(0) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("did not panic")
				}
			}()
			c.f()
		})
	}
}

func TestImages(t *testing.T) {
	s := loadTest(t)
	c := Single(NewSplitMix64(5), s)
	g := c.Gray()
	rgba := c.RGBA()
	for _, p := range []image.Point{{0, 0}, c.Boxes[0].Min, c.Boxes[0].Max.Sub(image.Pt(1, 1)),
		{CanvasSize - 1, CanvasSize - 1}} {
		v := c.Pix[p.Y*CanvasSize+p.X]
		if got := g.GrayAt(p.X, p.Y).Y; got != v {
			t.Errorf("Gray at %v = %d, want %d", p, got, v)
		}
		if got := rgba.RGBAAt(p.X, p.Y); got.R != v || got.G != v || got.B != v || got.A != 255 {
			t.Errorf("RGBA at %v = %v, want grey %d", p, got, v)
		}
	}
	for _, img := range []image.Image{g, rgba} {
		back, err := FromImage(img)
		if err != nil || !bytes.Equal(back, c.Pix) {
			t.Errorf("FromImage(%T) does not round-trip (err %v)", img, err)
		}
	}
	if _, err := FromImage(image.NewGray(image.Rect(0, 0, 28, 28))); err == nil {
		t.Error("FromImage accepted a 28×28 image")
	}
}

// TestSamplesReproduced regenerates assets/samples (made by tools/train/train_digits.py) from
// the same seed: it proves this package and the training script build identical canvases.
func TestSamplesReproduced(t *testing.T) {
	s := loadTest(t)
	dir := "../assets/samples"
	raw, err := os.ReadFile(filepath.Join(dir, "samples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Seed    uint64
		Samples []struct {
			File   string
			Kind   string
			Labels []int
			Boxes  [][4]int
		}
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Samples) != 6 {
		t.Fatalf("%d samples, want 6", len(meta.Samples))
	}
	r := NewSplitMix64(meta.Seed)
	seen := map[int]bool{}
	for _, want := range meta.Samples {
		var c Canvas
		if want.Kind == "single" {
			for c = Single(r, s); seen[c.Labels[0]]; c = Single(r, s) {
			}
			seen[c.Labels[0]] = true
		} else {
			c = Double(r, s)
		}
		if !slices.Equal(c.Labels, want.Labels) {
			t.Fatalf("%s: labels %v, want %v", want.File, c.Labels, want.Labels)
		}
		for k, b := range want.Boxes {
			if r := image.Rect(b[0], b[1], b[2], b[3]); c.Boxes[k] != r {
				t.Errorf("%s: box %d = %v, want %v", want.File, k, c.Boxes[k], r)
			}
		}
		f, err := os.Open(filepath.Join(dir, want.File))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", want.File, err)
		}
		pix, err := FromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(pix, c.Pix) {
			t.Errorf("%s: pixels differ from the regenerated canvas", want.File)
		}
	}
	if len(seen) != 4 {
		t.Errorf("%d single samples, want 4", len(seen))
	}
}
