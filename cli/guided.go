package cli

import (
	"fmt"
	"image"

	"camviz/analysis"
	"camviz/cam"
	"camviz/export"
	"camviz/imgio"
)

// writeImageResult writes a method's image (guidedbackprop,
// guided-gradcam) as pytorch-grad-cam returns it: .npy is float32
// [H,W,C] (HWC), .png its deprocess_image (standardised to std 0.1 around
// 0.5, clipped, ×255). Both are at the model's input size.
func writeImageResult(out, ext string, lm *analysis.LayerMap, c, h, w int) ([2]int, error) {
	if len(lm.HWC) != c*h*w {
		return [2]int{}, fmt.Errorf("%s gave an image of %d values for %d×%d×%d", lm.Method, len(lm.HWC), h, w, c)
	}
	if ext == ".npy" {
		return [2]int{w, h}, imgio.WriteNPYFile(out, lm.HWC, h, w, c)
	}
	b := cam.Deprocess(lm.HWC)
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < w*h; p++ {
		for k := 0; k < 3; k++ {
			img.Pix[4*p+k] = b[p*c+min(k, c-1)] // a grey model's one channel as grey
		}
		img.Pix[4*p+3] = 255
	}
	return [2]int{w, h}, export.WritePNG(out, img)
}
