package cam

import (
	"image"
	"math"
)

// SobelCAM is pytorch-grad-cam's sobel_cam (OpenCV's edge detector, which
// ignores the model): the picture to grey as OpenCV's RGB2GRAY rounds it,
// Y = (9798·R + 19235·G + 3735·B + 2¹⁴) >> 15, the 15-bit fixed point of
// OpenCV 4.6 (a 14-bit version differs on 9 of the golden crop's 50176
// pixels); the Sobel derivatives
// ∂x = [1 2 1]ᵀ⊗[−1 0 1] and ∂y = its transpose, with OpenCV's default
// border (reflect-101: …c b | a b c … | … b a); each |∂| saturated to 0…255
// (convertScaleAbs); and the map ½|∂x| + ½|∂y| rounded half to even and
// saturated, as addWeighted does for 8-bit images. The result has the
// picture's size and values 0…255. It is the control of a sanity check:
// randomising the network cannot change it. The alpha channel is ignored.
func SobelCAM(img *image.NRGBA) Map {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	gray := make([]int, w*h)
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := range w {
			p := row[4*x:]
			gray[y*w+x] = (9798*int(p[0]) + 19235*int(p[1]) + 3735*int(p[2]) + 1<<14) >> 15
		}
	}
	at := func(x, y int) int { return gray[reflect101(y, h)*w+reflect101(x, w)] }
	m := NewMap(w, h)
	for y := range h {
		for x := range w {
			gx := at(x+1, y-1) - at(x-1, y-1) + 2*(at(x+1, y)-at(x-1, y)) + at(x+1, y+1) - at(x-1, y+1)
			gy := at(x-1, y+1) - at(x-1, y-1) + 2*(at(x, y+1)-at(x, y-1)) + at(x+1, y+1) - at(x+1, y-1)
			ax, ay := min(255, abs(gx)), min(255, abs(gy))
			m.Data[y*w+x] = float32(min(255, math.RoundToEven(0.5*float64(ax)+0.5*float64(ay))))
		}
	}
	return m
}

// reflect101 maps i into [0, n) as OpenCV's BORDER_REFLECT_101 does.
func reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	for i < 0 || i >= n {
		if i < 0 {
			i = -i
		} else {
			i = 2*n - 2 - i
		}
	}
	return i
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
