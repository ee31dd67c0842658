package cam_test

import (
	"image"
	"testing"

	"camviz/cam"
)

// TestSobelCAMGolden compares with pytorch-grad-cam's sobel_cam run by
// OpenCV 4.6 on the golden crop (tools/fixtures/sobel_reference.py):
// integer maps, so they must be equal.
func TestSobelCAMGolden(t *testing.T) {
	rgb, shape, err := golden.Uint8("base_rgb_u8.npy")
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := camtestSobel()
	if err != nil {
		t.Fatal(err)
	}
	h, w := shape[0], shape[1]
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(img.Pix[4*i:], rgb[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	m := cam.SobelCAM(img)
	if m.W != w || m.H != h {
		t.Fatalf("map %d×%d, want %d×%d", m.W, m.H, w, h)
	}
	bad := 0
	for i, v := range m.Data {
		if v != float32(want[i]) {
			if bad < 5 {
				t.Errorf("pixel (%d,%d): %v, OpenCV %d", i%w, i/w, v, want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d pixels differ", bad, w*h)
	}
}

func camtestSobel() ([]uint8, []int, error) {
	g := golden
	g.Dir = "../testdata/golden/sobel"
	return g.Uint8("sobel_cam_u8.npy")
}

func TestSobelCAMEdges(t *testing.T) {
	// A vertical step from 0 to 200 between columns 1 and 2 of a 4×3
	// picture: |∂x| = 4·200 saturates to 255, ∂y = 0, so the map is
	// RoundToEven(127.5) = 128 beside the step and 0 elsewhere.
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for y := range 3 {
		for x := 2; x < 4; x++ {
			copy(img.Pix[y*img.Stride+4*x:], []uint8{200, 200, 200, 255})
		}
	}
	m := cam.SobelCAM(img)
	want := []float32{0, 128, 128, 0}
	for y := range 3 {
		for x := range 4 {
			if m.Data[y*4+x] != want[x] {
				t.Fatalf("row %d: %v, want %v", y, m.Data[y*4:y*4+4], want)
			}
		}
	}
}
