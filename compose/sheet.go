package compose

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"math"

	"camviz/analysis"
	"camviz/cam"
	"camviz/imgio"
	"camviz/render"
)

// DrawSmall draws lm over the picture downscaled so that its longer side
// is at most maxSide (0 = full size), for report grids and contact
// sheets: the map is placed on the small picture, so it is post-processed
// straight to the small area instead of being drawn large and shrunk.
// mode and scale are Place's.
func DrawSmall(a *analysis.Analysis, lm *analysis.LayerMap, maxSide int, mode cam.Mode, scale float32, o OverlayOptions) (*image.RGBA, error) {
	if a.Input.Source == nil {
		return nil, errors.New("the input has no picture to draw on")
	}
	base := imgio.Downscale(a.Input.Source, maxSide)
	sel := Selection{Colormap: o.Colormap, Alpha: o.Alpha}
	v, err := Cell(context.Background(), a, base, sel, cellMethod(a, lm.Method), lm, mode, scale)
	if err != nil {
		return nil, err
	}
	return v.Image, nil
}

// cellMethod is the method named, or only its name for what is not one
// (the report's random and centre baselines).
func cellMethod(a *analysis.Analysis, name string) analysis.Method {
	m, err := a.Model.Method(name)
	if err != nil {
		m = analysis.Method{}
		m.Name = name
	}
	return m
}

// SheetCell is one cell of a sheet: a map and the lines under it. A cell
// without a map shows the picture alone (its caption says why).
type SheetCell struct {
	Map     *analysis.LayerMap
	Caption []string
}

// SheetOptions say how a sheet is drawn.
type SheetOptions struct {
	Side     int            // the longest side of each cell's picture (0 = the picture's own)
	Norm     cam.Mode       // how every cell is normalised (MinMax or Raw; Shared on Scale)
	Scale    float32        // the Shared scale
	Overlay  OverlayOptions // colour map and opacity
	Title    []string       // the lines above the sheet
	FontSize float64        // the captions' (0 = 13)
	// Enlarge a picture smaller than Side by the largest whole factor
	// that keeps it within Side (nearest neighbour), so that a small
	// canvas's cells are big enough to read and to caption.
	Enlarge bool
}

// SheetGap is the white space between and around a sheet's cells.
const SheetGap = 8

// Sheet lays rows of cells out on white, each cell's map composed
// over the picture at Side and captioned, every cell in a slot the size
// of the largest, under the title: the report's grid and the layer strip.
func Sheet(a *analysis.Analysis, rows [][]SheetCell, o SheetOptions) (*image.RGBA, error) {
	if a.Input.Source == nil {
		return nil, errors.New("the input has no picture to draw on")
	}
	size := o.FontSize
	if size == 0 {
		size = 13
	}
	face, err := render.NewFace(size)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	base := imgio.Downscale(a.Input.Source, o.Side)
	if b := base.Bounds(); o.Enlarge && o.Side > 0 {
		base = enlargeNRGBA(base, o.Side/max(b.Dx(), b.Dy()))
	}
	sel := Selection{Colormap: o.Overlay.Colormap, Alpha: o.Overlay.Alpha}
	cells := make([][]*image.RGBA, len(rows))
	cw, ch := 0, 0
	for i, row := range rows {
		for _, c := range row {
			var pic image.Image = base
			if c.Map != nil {
				v, err := Cell(context.Background(), a, base, sel, cellMethod(a, c.Map.Method), c.Map, o.Norm, o.Scale)
				if err != nil {
					return nil, err
				}
				pic = v.Image
			}
			img, err := render.Caption(pic, c.Caption, render.CaptionOptions{Face: face})
			if err != nil {
				return nil, err
			}
			cells[i] = append(cells[i], img)
			cw, ch = max(cw, img.Bounds().Dx()), max(ch, img.Bounds().Dy())
		}
	}
	return render.Caption(table(cells, cw, ch), o.Title, render.CaptionOptions{Face: face, Above: true})
}

// table draws cells[row][col] in cw×ch slots, SheetGap apart, on white.
func table(cells [][]*image.RGBA, cw, ch int) *image.RGBA {
	cols := 0
	for _, row := range cells {
		cols = max(cols, len(row))
	}
	const gap = SheetGap
	g := image.NewRGBA(image.Rect(0, 0, cols*cw+(cols+1)*gap, len(cells)*ch+(len(cells)+1)*gap))
	draw.Draw(g, g.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for i, row := range cells {
		for j, c := range row {
			at := image.Pt(gap+j*(cw+gap), gap+i*(ch+gap))
			draw.Draw(g, c.Bounds().Add(at), c, c.Bounds().Min, draw.Src)
		}
	}
	return g
}

// enlargeNRGBA repeats every pixel of img f×f times (nearest neighbour).
func enlargeNRGBA(img *image.NRGBA, f int) *image.NRGBA {
	if f <= 1 {
		return img
	}
	b := img.Bounds()
	pix, stride := repeatPixels(img.Pix[img.PixOffset(b.Min.X, b.Min.Y):], img.Stride, b.Dx(), b.Dy(), f)
	return &image.NRGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, b.Dx()*f, b.Dy()*f)}
}

// repeatPixels enlarges w×h 4-byte pixels (rows stride bytes apart) f×f
// times, returning the new pixels and their stride.
func repeatPixels(src []uint8, stride, w, h, f int) ([]uint8, int) {
	out := make([]uint8, 4*w*f*h*f)
	ostride := 4 * w * f
	for y := 0; y < h*f; y++ {
		row, dst := src[(y/f)*stride:], out[y*ostride:]
		for x := 0; x < w*f; x++ {
			copy(dst[4*x:4*x+4], row[4*(x/f):4*(x/f)+4])
		}
	}
	return out, ostride
}

// tile lays images out in rows of up to cols (a square-ish sheet), each
// in a slot the size of the largest, on white.
func tile(imgs []image.Image, pad int) *image.RGBA {
	cols := int(math.Ceil(math.Sqrt(float64(len(imgs)))))
	rows := (len(imgs) + cols - 1) / cols
	cw, ch := 0, 0
	for _, im := range imgs {
		cw = max(cw, im.Bounds().Dx())
		ch = max(ch, im.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, cols*cw+(cols+1)*pad, rows*ch+(rows+1)*pad))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, im := range imgs {
		x := pad + (i%cols)*(cw+pad)
		y := pad + (i/cols)*(ch+pad)
		b := im.Bounds()
		draw.Draw(out, image.Rect(x, y, x+b.Dx(), y+b.Dy()), im, b.Min, draw.Src)
	}
	return out
}
