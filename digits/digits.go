// Package digits reads MNIST idx files and builds the 64×64 digit canvases that camviz's
// default model (assets/model/digits.onnx) was trained and evaluated on.
//
// A canvas is a black 64×64 grey image with one or two 28×28 MNIST digits pasted at integer
// offsets. The generation procedure is the one of tools/train/train_digits.py, draw for draw,
// so with the same random source (SplitMix64 and the same seed) this package reproduces the
// training script's evaluation canvases (seeds 1 and 2, the MNIST test split) and the sample
// canvases in assets/samples (seed 3) bit for bit:
//
//   - Single: i = IntN(N); x = IntN(37); y = IntN(37); the digit i is pasted at (x, y).
//   - Double: i = IntN(N); j = IntN(N) repeated until label[j] ≠ label[i]; then up to 1000
//     tries of x1, y1, x2, y2 = IntN(37) ×4 (in that order) until the two boxes are disjoint;
//     after 1000 failures (never seen in practice) the offsets are (0,0) and (36,36), which
//     are always disjoint. Labels and boxes are listed in the order (i, j).
//   - Pasting takes the per-pixel maximum, so an overlapping blank margin never erases ink.
//   - A box is the bounding box of the digit's non-zero pixels in canvas coordinates,
//     half-open like every image.Rectangle.
package digits

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"
	"path/filepath"
)

// Geometry of the canvases.
const (
	CanvasSize = 64                         // canvas width and height in pixels
	DigitSize  = 28                         // MNIST digit width and height
	NumOffsets = CanvasSize - DigitSize + 1 // offsets are drawn from 0..NumOffsets-1
	NumClasses = 10
)

const (
	magicImages = 0x00000803 // idx3, unsigned byte
	magicLabels = 0x00000801 // idx1, unsigned byte
	maxDigits   = 1 << 24    // refuses headers claiming absurd counts before allocating
)

// Set is a loaded MNIST split: Len() digits of DigitSize×DigitSize pixels.
type Set struct {
	Pix    []uint8 // Len()·DigitSize·DigitSize bytes, digit after digit, row-major
	Labels []int   // one class 0..9 per digit
	boxes  []image.Rectangle
	multi  bool // at least two classes, so Double can find a pair
}

// Len reports the number of digits.
func (s *Set) Len() int { return len(s.Labels) }

// Digit returns the pixels of digit i (DigitSize·DigitSize bytes, row-major, sharing Pix).
func (s *Set) Digit(i int) []uint8 {
	n := DigitSize * DigitSize
	return s.Pix[i*n : (i+1)*n : (i+1)*n]
}

// Box returns the bounding box of digit i's non-zero pixels in digit coordinates (empty for
// a blank digit).
func (s *Set) Box(i int) image.Rectangle { return s.boxes[i] }

// Load reads an images file and a labels file (gzip-compressed or raw idx).
func Load(imagesPath, labelsPath string) (*Set, error) {
	fi, err := os.Open(imagesPath)
	if err != nil {
		return nil, err
	}
	defer fi.Close()
	fl, err := os.Open(labelsPath)
	if err != nil {
		return nil, err
	}
	defer fl.Close()
	s, err := Read(fi, fl)
	if err != nil {
		return nil, fmt.Errorf("digits: %s, %s: %w", imagesPath, labelsPath, err)
	}
	return s, nil
}

// LoadDir reads PREFIX-images-idx3-ubyte.gz and PREFIX-labels-idx1-ubyte.gz from dir; prefix
// is "t10k" for the test split and "train" for the training split.
func LoadDir(dir, prefix string) (*Set, error) {
	return Load(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"),
		filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"))
}

// Read parses an idx3 images stream and an idx1 labels stream, each gzip-compressed or raw
// (detected from the gzip magic). The images must be 28×28, the labels 0..9, and the counts
// equal.
func Read(images, labels io.Reader) (*Set, error) {
	pix, n, err := ReadImages(images)
	if err != nil {
		return nil, err
	}
	labs, err := ReadLabels(labels)
	if err != nil {
		return nil, err
	}
	if len(labs) != n {
		return nil, fmt.Errorf("digits: %d images but %d labels", n, len(labs))
	}
	s := &Set{Pix: pix, Labels: labs, boxes: make([]image.Rectangle, n)}
	for i := range n {
		s.boxes[i] = inkBox(s.Digit(i), DigitSize)
		if labs[i] != labs[0] {
			s.multi = true
		}
	}
	return s, nil
}

// ReadImages parses an idx3 unsigned-byte images stream of 28×28 digits (gzip or raw) and
// returns the pixels and the digit count.
func ReadImages(r io.Reader) (pix []uint8, n int, err error) {
	br, closeFn, err := maybeGzip(r)
	if err != nil {
		return nil, 0, err
	}
	defer closeFn()
	var h [4]uint32
	if err := binary.Read(br, binary.BigEndian, &h); err != nil {
		return nil, 0, fmt.Errorf("digits: images header: %w", err)
	}
	if h[0] != magicImages {
		return nil, 0, fmt.Errorf("digits: images magic %#08x, want %#08x", h[0], magicImages)
	}
	if h[2] != DigitSize || h[3] != DigitSize {
		return nil, 0, fmt.Errorf("digits: images are %d×%d, want %d×%d", h[2], h[3], DigitSize, DigitSize)
	}
	if h[1] > maxDigits {
		return nil, 0, fmt.Errorf("digits: images header claims %d digits", h[1])
	}
	n = int(h[1])
	pix = make([]uint8, n*DigitSize*DigitSize)
	if _, err := io.ReadFull(br, pix); err != nil {
		return nil, 0, fmt.Errorf("digits: images data (%d digits): %w", n, err)
	}
	return pix, n, nil
}

// ReadLabels parses an idx1 unsigned-byte labels stream (gzip or raw) of classes 0..9.
func ReadLabels(r io.Reader) ([]int, error) {
	br, closeFn, err := maybeGzip(r)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	var h [2]uint32
	if err := binary.Read(br, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("digits: labels header: %w", err)
	}
	if h[0] != magicLabels {
		return nil, fmt.Errorf("digits: labels magic %#08x, want %#08x", h[0], magicLabels)
	}
	if h[1] > maxDigits {
		return nil, fmt.Errorf("digits: labels header claims %d labels", h[1])
	}
	raw := make([]uint8, h[1])
	if _, err := io.ReadFull(br, raw); err != nil {
		return nil, fmt.Errorf("digits: labels data (%d labels): %w", h[1], err)
	}
	labs := make([]int, len(raw))
	for i, v := range raw {
		if v >= NumClasses {
			return nil, fmt.Errorf("digits: label %d at index %d is not a digit", v, i)
		}
		labs[i] = int(v)
	}
	return labs, nil
}

func maybeGzip(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("digits: %w", err)
	}
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("digits: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	}
	return br, func() {}, nil
}

// inkBox is the bounding box of the non-zero pixels of a w-wide row-major image.
func inkBox(pix []uint8, w int) image.Rectangle {
	x0, y0, x1, y1 := w, len(pix)/w, -1, -1
	for y := 0; y*w < len(pix); y++ {
		for x, v := range pix[y*w : (y+1)*w] {
			if v != 0 {
				x0, y0 = min(x0, x), min(y0, y)
				x1, y1 = max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return image.Rectangle{}
	}
	return image.Rect(x0, y0, x1+1, y1+1)
}

// Rand is the random source the canvas generators draw from: IntN(n) returns a value in
// [0, n). *math/rand/v2.Rand satisfies it; use *SplitMix64 to match the training script.
type Rand interface {
	IntN(n int) int
}

// SplitMix64 is Steele, Lea and Flood's SplitMix64 generator, the random source shared with
// tools/train/train_digits.py. IntN(n) is Uint64() % n (its bias, below 2⁻⁵⁷ for n ≤ 128,
// is irrelevant here and keeps both implementations trivially identical).
type SplitMix64 struct{ state uint64 }

// NewSplitMix64 returns a generator seeded with seed.
func NewSplitMix64(seed uint64) *SplitMix64 { return &SplitMix64{state: seed} }

// Uint64 returns the next 64 random bits.
func (r *SplitMix64) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// IntN returns a value in [0, n); it panics if n <= 0.
func (r *SplitMix64) IntN(n int) int {
	if n <= 0 {
		panic("digits: SplitMix64.IntN: n <= 0")
	}
	return int(r.Uint64() % uint64(n))
}

// Canvas is a CanvasSize×CanvasSize grey image holding one or two digits.
type Canvas struct {
	Pix     []uint8           // CanvasSize·CanvasSize bytes, row-major, 0 = black
	Labels  []int             // the class of each digit
	Boxes   []image.Rectangle // each digit's ink bounding box, canvas coordinates
	Indices []int             // each digit's index in the Set
	Offsets []image.Point     // where each 28×28 digit's top-left corner was pasted
}

// Single draws one digit and pastes it at a random offset. It panics on an empty set.
func Single(rng Rand, set *Set) Canvas {
	if set.Len() == 0 {
		panic("digits: Single on an empty set")
	}
	i := rng.IntN(set.Len())
	x := rng.IntN(NumOffsets)
	y := rng.IntN(NumOffsets)
	return set.compose([]int{i}, []image.Point{{x, y}})
}

// Double draws two digits of different classes and pastes them so that their boxes are
// disjoint. It panics if the set holds fewer than two classes.
func Double(rng Rand, set *Set) Canvas {
	if !set.multi {
		panic("digits: Double needs a set with at least two classes")
	}
	n := set.Len()
	i := rng.IntN(n)
	j := rng.IntN(n)
	for set.Labels[j] == set.Labels[i] {
		j = rng.IntN(n)
	}
	p1, p2 := image.Pt(0, 0), image.Pt(NumOffsets-1, NumOffsets-1)
	for range 1000 {
		a := image.Pt(rng.IntN(NumOffsets), rng.IntN(NumOffsets))
		b := image.Pt(rng.IntN(NumOffsets), rng.IntN(NumOffsets))
		if !set.boxes[i].Add(a).Overlaps(set.boxes[j].Add(b)) {
			p1, p2 = a, b
			break
		}
	}
	return set.compose([]int{i, j}, []image.Point{p1, p2})
}

func (s *Set) compose(idx []int, at []image.Point) Canvas {
	c := Canvas{Pix: make([]uint8, CanvasSize*CanvasSize), Indices: idx, Offsets: at}
	for k, i := range idx {
		d := s.Digit(i)
		for y := range DigitSize {
			row := c.Pix[(at[k].Y+y)*CanvasSize+at[k].X:][:DigitSize]
			for x, v := range d[y*DigitSize : (y+1)*DigitSize] {
				row[x] = max(row[x], v)
			}
		}
		c.Labels = append(c.Labels, s.Labels[i])
		c.Boxes = append(c.Boxes, s.boxes[i].Add(at[k]))
	}
	return c
}

// Gray returns the canvas as a grey image (sharing Pix).
func (c *Canvas) Gray() *image.Gray {
	return &image.Gray{Pix: c.Pix, Stride: CanvasSize, Rect: image.Rect(0, 0, CanvasSize, CanvasSize)}
}

// RGBA returns the canvas as an opaque RGBA image, the grey level in all three channels: the
// form in which the app feeds images to a model.
func (c *Canvas) RGBA() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, CanvasSize, CanvasSize))
	for i, v := range c.Pix {
		copy(img.Pix[4*i:4*i+4], []uint8{v, v, v, 0xff})
	}
	return img
}

// FromImage converts any image of CanvasSize×CanvasSize into canvas pixels (grey levels as
// image/color computes them); it is the inverse of Gray for 8-bit grey images.
func FromImage(img image.Image) ([]uint8, error) {
	b := img.Bounds()
	if b.Dx() != CanvasSize || b.Dy() != CanvasSize {
		return nil, fmt.Errorf("digits: image is %dx%d, want %dx%d", b.Dx(), b.Dy(), CanvasSize, CanvasSize)
	}
	pix := make([]uint8, CanvasSize*CanvasSize)
	for y := range CanvasSize {
		for x := range CanvasSize {
			pix[y*CanvasSize+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
		}
	}
	return pix, nil
}
