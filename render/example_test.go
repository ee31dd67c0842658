package render_test

import (
	"fmt"
	"image"
	"image/color"

	"camviz/render"
)

// OpenCV's jet, as pytorch-grad-cam colours its heat maps: dark blue at
// 0, dark red at 1.
func ExampleColormap() {
	lut, err := render.Colormap("jet")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lut[0], lut[255])
	// Output: [0 0 128] [128 0 0]
}

// A map of 1 drawn at opacity 0.5 over a white pixel: half white, half
// jet's dark red, (191.5, 127.5, 127.5), then divided by its maximum as
// pytorch-grad-cam's show_cam_on_image does.
func ExampleOverlay() {
	base := image.NewRGBA(image.Rect(0, 0, 1, 1))
	base.Set(0, 0, color.White)
	f := render.Field{W: 1, H: 1, Data: []float32{1}}
	img, err := render.Overlay(base, f, image.Point{}, render.Style{LUT: render.Jet(), Range: render.Unit(), Alpha: 0.5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(img.RGBAAt(0, 0))
	// Output: {255 169 169 255}
}
