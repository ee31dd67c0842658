package render_test

import (
	"image"
	"path/filepath"
	"testing"

	"camviz/internal/npytest"
	"camviz/render"
)

const goldenDir = "../testdata/golden/tinyvgg16"

func readNPY[T float32 | uint8](t testing.TB, name string) ([]T, []int) {
	t.Helper()
	data, shape, err := npytest.Read[T](filepath.Join(goldenDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data, shape
}

func TestJetMatchesOpenCV(t *testing.T) {
	want, shape := readNPY[uint8](t, "jet_lut_rgb_u8.npy")
	if len(shape) != 2 || shape[0] != 256 || shape[1] != 3 {
		t.Fatalf("golden LUT shape %v", shape)
	}
	jet := render.Jet()
	bad := 0
	for i := range 256 {
		for k := range 3 {
			if jet[i][k] != want[3*i+k] {
				if bad < 5 {
					t.Errorf("entry %d channel %d: %d, OpenCV %d", i, k, jet[i][k], want[3*i+k])
				}
				bad++
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d bytes differ from OpenCV's COLORMAP_JET", bad)
	}
}

// goldenBase returns base_rgb_u8.npy (224×224×3) as an RGBA image.
func goldenBase(t testing.TB) *image.RGBA {
	pix, shape := readNPY[uint8](t, "base_rgb_u8.npy")
	h, w := shape[0], shape[1]
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(img.Pix[4*i:4*i+3], pix[3*i:3*i+3])
		img.Pix[4*i+3] = 255
	}
	return img
}

// TestOverlayMatchesReference draws cam_GradCAM_f29_c7 over the base
// image with pytorch-grad-cam's defaults; the result must equal
// show_cam_on_image's output byte for byte.
func TestOverlayMatchesReference(t *testing.T) {
	cam, shape := readNPY[float32](t, "cam_GradCAM_f29_c7.npy")
	want, _ := readNPY[uint8](t, "overlay_gradcam_rgb_u8.npy")
	base := goldenBase(t)
	// Any image type must give the same result: try RGBA and NRGBA.
	nrgba := image.NewNRGBA(base.Bounds())
	copy(nrgba.Pix, base.Pix)
	for name, img := range map[string]image.Image{"RGBA": base, "NRGBA": nrgba} {
		got, err := render.Overlay(img, render.Field{W: shape[1], H: shape[0], Data: cam}, image.Point{}, render.DefaultStyle())
		if err != nil {
			t.Fatal(err)
		}
		diff, maxDiff := 0, 0
		for i := range shape[0] * shape[1] {
			for k := range 3 {
				d := int(got.Pix[4*i+k]) - int(want[3*i+k])
				if d != 0 {
					diff++
					maxDiff = max(maxDiff, max(d, -d))
				}
			}
		}
		if diff != 0 {
			t.Errorf("%s: %d bytes differ from the reference (max %d levels)", name, diff, maxDiff)
		}
	}
}
