package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"math/bits"
)

// xwdHeader is X11's XWDFileHeader: 25 big-endian CARD32s, then the
// window name.
type xwdHeader struct {
	HeaderSize, FileVersion, PixmapFormat, PixmapDepth, PixmapWidth, PixmapHeight, XOffset,
	ByteOrder, BitmapUnit, BitmapBitOrder, BitmapPad, BitsPerPixel, BytesPerLine, VisualClass,
	RedMask, GreenMask, BlueMask, BitsPerRGB, ColormapEntries, NColors,
	WindowWidth, WindowHeight, WindowX, WindowY, WindowBorderWidth uint32
}

const zPixmap = 2

// decodeXWD reads a TrueColor ZPixmap XWD file (what `xwd` writes for a
// 24- or 32-bit screen) into an RGBA image.
func decodeXWD(r io.Reader) (*image.RGBA, error) {
	var h xwdHeader
	if err := binary.Read(r, binary.BigEndian, &h); err != nil {
		return nil, fmt.Errorf("xwd header: %w", err)
	}
	if h.FileVersion != 7 {
		return nil, fmt.Errorf("xwd version %d, want 7", h.FileVersion)
	}
	if h.PixmapFormat != zPixmap {
		return nil, fmt.Errorf("xwd pixmap format %d, want ZPixmap (2)", h.PixmapFormat)
	}
	if h.BitsPerPixel != 32 && h.BitsPerPixel != 24 {
		return nil, fmt.Errorf("xwd: %d bits per pixel (want 24 or 32)", h.BitsPerPixel)
	}
	w, ht := int(h.PixmapWidth), int(h.PixmapHeight)
	bpp := int(h.BitsPerPixel / 8)
	if w <= 0 || ht <= 0 || w > 1<<14 || ht > 1<<14 || int(h.BytesPerLine) < w*bpp {
		return nil, fmt.Errorf("xwd: bad size %d×%d, %d bytes per line", w, ht, h.BytesPerLine)
	}
	if h.HeaderSize < 100 || h.HeaderSize > 1<<16 {
		return nil, fmt.Errorf("xwd: header size %d", h.HeaderSize)
	}
	skip := int64(h.HeaderSize-100) + 12*int64(h.NColors)
	if _, err := io.CopyN(io.Discard, r, skip); err != nil {
		return nil, fmt.Errorf("xwd: %w", err)
	}
	masks := [3]uint32{h.RedMask, h.GreenMask, h.BlueMask}
	for _, m := range masks {
		if m == 0 {
			return nil, errors.New("xwd: a colour mask is zero (not a TrueColor visual)")
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	line := make([]byte, h.BytesPerLine)
	for y := 0; y < ht; y++ {
		if _, err := io.ReadFull(r, line); err != nil {
			return nil, fmt.Errorf("xwd: row %d: %w", y, err)
		}
		for x := 0; x < w; x++ {
			p := line[x*bpp : x*bpp+bpp]
			var v uint32
			if h.ByteOrder == 0 { // LSBFirst
				for i := bpp - 1; i >= 0; i-- {
					v = v<<8 | uint32(p[i])
				}
			} else {
				for i := 0; i < bpp; i++ {
					v = v<<8 | uint32(p[i])
				}
			}
			o := img.PixOffset(x, y)
			for c, m := range masks {
				img.Pix[o+c] = channel(v, m)
			}
			img.Pix[o+3] = 255
		}
	}
	return img, nil
}

// channel extracts the masked bits of v scaled to 8 bits.
func channel(v, mask uint32) uint8 {
	shift := bits.TrailingZeros32(mask)
	n := bits.OnesCount32(mask)
	c := (v & mask) >> shift
	switch {
	case n == 8:
		return uint8(c)
	case n > 8:
		return uint8(c >> (n - 8))
	}
	return uint8(c * 255 / (1<<n - 1))
}
