package imgio

import (
	"bytes"
	"encoding/binary"
	"io"

	gtiff "github.com/rwcarlsen/goexif/tiff"
)

// EXIF orientation (TIFF tag 274), values 1..8: how the stored pixels must
// be transformed for display. camviz shows, and feeds the network, the image
// the way a photo viewer shows it, because that is what the user expects the
// heat map to lie over. (PIL's Image.open does not do this; a torchvision
// pipeline that forgets ImageOps.exif_transpose feeds rotated phone photos.)
const tagOrientation = 0x0112

// orientedRow says where row y of a w×h stored image lands in the displayed
// image: destination pixel of stored (0, y) is (dx, dy), and each step in
// stored x moves it by (sx, sy).
//
//	1 identity            5 transpose (mirror across the main diagonal)
//	2 mirror left↔right   6 rotate 90° clockwise
//	3 rotate 180°         7 transverse (mirror across the anti-diagonal)
//	4 mirror top↔bottom   8 rotate 90° counter-clockwise
func orientedRow(o, w, h, y int) (dx, dy, sx, sy int) {
	switch o {
	case 2:
		return w - 1, y, -1, 0
	case 3:
		return w - 1, h - 1 - y, -1, 0
	case 4:
		return 0, h - 1 - y, 1, 0
	case 5:
		return y, 0, 0, 1
	case 6:
		return h - 1 - y, 0, 0, 1
	case 7:
		return h - 1 - y, w - 1, 0, -1
	case 8:
		return y, w - 1, 0, -1
	}
	return 0, y, 1, 0
}

// orientationJPEG returns the EXIF orientation of a JPEG file, 1 if absent.
func orientationJPEG(data []byte) int {
	return orientationTIFF(exifFromJPEG(data))
}

// exifFromJPEG returns the TIFF structure inside the first "Exif" APP1
// segment, walking the marker segments up to the first scan. We walk the
// segments ourselves rather than let goexif scan the whole file for an
// 0xFFE1 byte pair: bounded work, and no false hit inside another segment.
func exifFromJPEG(data []byte) []byte {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return nil
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			return nil // not at a marker: malformed, metadata is optional
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte before a marker
			i++
			continue
		case m == 0x01, m == 0xd8, m >= 0xd0 && m <= 0xd7: // no length field
			i += 2
			continue
		case m == 0xda, m == 0xd9: // start of scan / end: no metadata after
			return nil
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if m == 0xe1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// orientationTIFF reads tag 274 from the first IFD of a TIFF structure (a
// TIFF file, or the payload of a JPEG's Exif segment). Anything unexpected
// yields 1: a photo with broken metadata is still a photo.
//
// It uses goexif's IFD decoder on IFD0 only, after checking that IFD0 is
// safe to hand to it. goexif is not hardened against hostile input: its
// exif.Decode follows the IFD chain with a one-step cycle check (an A→B→A
// chain loops forever), and its tag decoder computes size×count in uint32,
// so a count like 2³¹+1 wraps to a tiny value while it still allocates
// count×8 bytes. The checks below rule both out.
func orientationTIFF(t []byte) (o int) {
	// Belt and braces: orientation is optional, a third-party parser
	// panicking on odd bytes must not take the decode down with it.
	defer func() {
		if recover() != nil {
			o = 1
		}
	}()
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(t[2:4]) != 42 {
		return 1
	}
	off := int64(bo.Uint32(t[4:8]))
	if !ifdSafe(t, off, bo) {
		return 1
	}
	r := bytes.NewReader(t)
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return 1
	}
	dir, _, err := gtiff.DecodeDir(r, bo)
	if err != nil {
		return 1
	}
	for _, tag := range dir.Tags {
		if tag.Id != tagOrientation {
			continue
		}
		v, err := tag.Int(0)
		if err != nil || v < 1 || v > 8 {
			return 1
		}
		return v
	}
	return 1
}

// tiffTypeSize is the byte size of TIFF field types 1..12 (0: unknown).
var tiffTypeSize = [...]uint64{0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8}

// ifdSafe reports whether the IFD at off lies inside t and every entry has
// a known type and a value that fits in t, with bounded totals, so that
// goexif's DecodeDir allocates at most a few tens of MB whatever the bytes.
func ifdSafe(t []byte, off int64, bo binary.ByteOrder) bool {
	const (
		maxCount      = 1 << 18 // values per entry (strip tables of huge TIFFs stay below)
		maxValueBytes = 1 << 24 // all entries together
	)
	n64 := int64(len(t))
	if off < 8 || off+2 > n64 {
		return false
	}
	n := int64(bo.Uint16(t[off:]))
	if n >= 1<<15 { // goexif reads the count as int16
		return false
	}
	end := off + 2 + 12*n + 4
	if end > n64 {
		return false
	}
	var total uint64
	for e := int64(0); e < n; e++ {
		p := t[off+2+12*e:]
		typ := int(bo.Uint16(p[2:4]))
		count := uint64(bo.Uint32(p[4:8]))
		if typ <= 0 || typ >= len(tiffTypeSize) || count == 0 || count > maxCount {
			return false
		}
		size := tiffTypeSize[typ] * count
		if size > 4 {
			if uint64(bo.Uint32(p[8:12]))+size > uint64(len(t)) {
				return false
			}
		}
		total += size
	}
	return total <= maxValueBytes
}
