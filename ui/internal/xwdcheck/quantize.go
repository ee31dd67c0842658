package main

import (
	"image"
	"image/color"
	"image/draw"
	"sort"
)

// quantize maps img to at most n colours chosen by median cut, for
// screenshots small enough to keep in the repository. dither spreads the
// error (Floyd–Steinberg) so gradients and photos do not band.
func quantize(img *image.RGBA, n int, dither bool) *image.Paletted {
	b := img.Bounds()
	// Histogram on 5 bits a channel keeps the box splitting cheap.
	counts := map[uint16]int{}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := img.PixOffset(x, y)
			counts[key5(img.Pix[o], img.Pix[o+1], img.Pix[o+2])]++
		}
	}
	all := make([]entry, 0, len(counts))
	for k, c := range counts {
		all = append(all, entry{[3]int{int(k >> 10), int(k>>5) & 31, int(k) & 31}, c})
	}
	boxes := [][]entry{all}
	for len(boxes) < n {
		best, axis := widestBox(boxes)
		if best < 0 {
			break
		}
		lo, hi := splitBox(boxes[best], axis)
		boxes[best] = lo
		boxes = append(boxes, hi)
	}
	pal := make(color.Palette, 0, len(boxes))
	index := map[uint16]uint8{}
	for i, bx := range boxes {
		var s [3]int
		total := 0
		for _, e := range bx {
			for a := 0; a < 3; a++ {
				s[a] += (e.c[a]<<3 | 4) * e.n
			}
			total += e.n
			index[uint16(e.c[0])<<10|uint16(e.c[1])<<5|uint16(e.c[2])] = uint8(i)
		}
		pal = append(pal, color.RGBA{uint8(s[0] / total), uint8(s[1] / total), uint8(s[2] / total), 255})
	}
	out := image.NewPaletted(b, pal)
	if dither {
		draw.FloydSteinberg.Draw(out, b, img, b.Min)
		return out
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			o := img.PixOffset(x, y)
			out.SetColorIndex(x, y, index[key5(img.Pix[o], img.Pix[o+1], img.Pix[o+2])])
		}
	}
	return out
}

// entry is one 5-bit colour of the histogram and its pixel count.
type entry struct {
	c [3]int // 0–31
	n int
}

// widestBox is the box to split next — the most pixels times the widest
// range — and the axis of that range; -1 when no box has two colours.
func widestBox(boxes [][]entry) (best, bestAxis int) {
	best, bestScore := -1, 0
	for i, bx := range boxes {
		if len(bx) < 2 {
			continue
		}
		lo, hi := [3]int{31, 31, 31}, [3]int{}
		total := 0
		for _, e := range bx {
			for a := 0; a < 3; a++ {
				lo[a] = min(lo[a], e.c[a])
				hi[a] = max(hi[a], e.c[a])
			}
			total += e.n
		}
		axis := 0
		for a := 1; a < 3; a++ {
			if hi[a]-lo[a] > hi[axis]-lo[axis] {
				axis = a
			}
		}
		if score := (hi[axis] - lo[axis]) * total; score > bestScore {
			best, bestScore, bestAxis = i, score, axis
		}
	}
	return best, bestAxis
}

// splitBox cuts bx along axis at its median pixel; both halves keep at
// least one colour.
func splitBox(bx []entry, axis int) (lo, hi []entry) {
	sort.Slice(bx, func(i, j int) bool { return bx[i].c[axis] < bx[j].c[axis] })
	total := 0
	for _, e := range bx {
		total += e.n
	}
	cut, acc := 1, 0
	for i, e := range bx {
		acc += e.n
		if acc*2 >= total {
			cut = min(max(i+1, 1), len(bx)-1)
			break
		}
	}
	return bx[:cut], bx[cut:]
}

func key5(r, g, b uint8) uint16 { return uint16(r>>3)<<10 | uint16(g>>3)<<5 | uint16(b>>3) }
