package imgio

import (
	"bytes"
	"errors"
	"image"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"
)

// Fuzz budget: small enough that a fuzz worker stays fast, large enough
// that every catalogue seed decodes.
const (
	fuzzMaxPixels = 1 << 20
	fuzzMaxSide   = 4096
)

// fuzzAllocCeiling is what one DecodeBytes + Preprocess may allocate for an
// input of n bytes under the fuzz budget. The worst legitimate case per
// pixel is a progressive 4:4:4 JPEG (3 sample planes + 4-byte coefficients
// per sample ≈ 15 bytes) plus the 4-byte result; 48 bytes/pixel leaves
// room. The input may be copied a few times (end marker, readers).
func fuzzAllocCeiling(n int) uint64 {
	return 48*fuzzMaxPixels + 8*uint64(n) + 8<<20
}

func heapAllocBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func FuzzDecode(f *testing.F) {
	entries, err := os.ReadDir(catalogueDir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "README.md" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(catalogueDir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	lim := Limits{MaxPixels: fuzzMaxPixels, MaxSide: fuzzMaxSide, MaxFileBytes: 1 << 20}
	// A small crop keeps each iteration cheap while still running every
	// preprocessing path (resize, crop, padding when the image is tiny).
	crop := Spec{Width: 24, Height: 16, ResizeShort: 20, Mean: [3]float32{0.5, 0.5, 0.5}, Std: [3]float32{0.25, 0.25, 0.25}}
	whole := crop
	whole.Mode = ModeWhole

	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocBytes()
		img, meta, err := DecodeBytes("fuzz.bin", data, lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind == 0 {
				t.Fatalf("error is not a classified *Error: %T %v", err, err)
			}
			if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, "fuzz.bin") {
				t.Fatalf("bad message %q", msg)
			}
			if img != nil {
				t.Fatal("image returned with an error")
			}
		} else {
			b := img.Bounds()
			if b.Min != (image.Point{}) || int64(b.Dx())*int64(b.Dy()) > fuzzMaxPixels || b.Dx() > fuzzMaxSide || b.Dy() > fuzzMaxSide {
				t.Fatalf("bounds %v over budget", b)
			}
			if meta.Orientation < 1 || meta.Orientation > 8 {
				t.Fatalf("orientation %d", meta.Orientation)
			}
			w, h := meta.Width, meta.Height
			if meta.Orientation >= 5 {
				w, h = h, w
			}
			if b.Dx() != w || b.Dy() != h {
				t.Fatalf("bounds %v, meta %+v", b, meta)
			}
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] != 255 {
					t.Fatal("not opaque")
				}
			}
			for _, s := range []Spec{crop, whole} {
				tensor, g, err := Preprocess(img, s)
				if err != nil {
					t.Fatalf("preprocess %s: %v", s.Mode, err)
				}
				if len(tensor) != 3*s.Width*s.Height || g.SrcW != b.Dx() || g.SrcH != b.Dy() {
					t.Fatalf("tensor %d, geometry %+v", len(tensor), g)
				}
			}
		}
		if got := heapAllocBytes() - before; got > fuzzAllocCeiling(len(data)) {
			t.Fatalf("allocated %d MB for a %d-byte input (ceiling %d MB)", got>>20, len(data), fuzzAllocCeiling(len(data))>>20)
		}
	})
}

func FuzzReadNPY(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteNPY(&buf, []float32{1, 2, 3, 4, 5, 6}, 1, 3, 1, 2); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(npyFile("'<f4'", "False", "(3, 1, 2)", make([]byte, 24)))
	f.Add(npyFile("'>f4'", "False", "()", make([]byte, 4)))
	f.Add(npyFile("'<f8'", "True", "(2,)", make([]byte, 16)))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := heapAllocBytes()
		vals, shape, err := ReadNPY("fuzz.npy", bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("bad error %T %q", err, err)
			}
		} else {
			n := 1
			for _, d := range shape {
				n *= d
			}
			if n != len(vals) || 4*n > len(data) {
				t.Fatalf("shape %v with %d values from %d bytes", shape, len(vals), len(data))
			}
		}
		if got := heapAllocBytes() - before; got > 16*uint64(len(data))+1<<20 {
			t.Fatalf("allocated %d bytes for %d input bytes", got, len(data))
		}
	})
}
