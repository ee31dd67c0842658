package imgio

import (
	"encoding/binary"
	"testing"
	"time"
)

// tiffIFD0 builds a TIFF structure whose IFD0 has the given raw 12-byte
// entries, in byte order bo, followed by extra bytes.
func tiffIFD0(bo binary.ByteOrder, entries [][12]byte, extra []byte) []byte {
	var t []byte
	if bo == binary.ByteOrder(binary.LittleEndian) {
		t = []byte("II*\x00\x08\x00\x00\x00")
	} else {
		t = []byte("MM\x00*\x00\x00\x00\x08")
	}
	t = append(t, 0, 0)
	bo.PutUint16(t[8:], uint16(len(entries)))
	for _, e := range entries {
		t = append(t, e[:]...)
	}
	t = append(t, 0, 0, 0, 0)
	return append(t, extra...)
}

func entry(bo binary.ByteOrder, tag, typ uint16, count, value uint32) [12]byte {
	var e [12]byte
	bo.PutUint16(e[0:], tag)
	bo.PutUint16(e[2:], typ)
	bo.PutUint32(e[4:], count)
	if typ == 3 && count == 1 {
		bo.PutUint16(e[8:], uint16(value)) // a SHORT sits in the first 2 bytes
	} else {
		bo.PutUint32(e[8:], value)
	}
	return e
}

func TestOrientationTIFF(t *testing.T) {
	le, be := binary.ByteOrder(binary.LittleEndian), binary.ByteOrder(binary.BigEndian)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"little endian 6", tiffIFD0(le, [][12]byte{entry(le, 0x0112, 3, 1, 6)}, nil), 6},
		{"big endian 8", tiffIFD0(be, [][12]byte{entry(be, 0x0112, 3, 1, 8)}, nil), 8},
		{"among other tags", tiffIFD0(le, [][12]byte{
			entry(le, 0x010f, 2, 6, 38), // Make, "Canon\0" stored after the IFD
			entry(le, 0x0112, 3, 1, 3),
		}, []byte("Canon\x00")), 3},
		{"LONG type", tiffIFD0(le, [][12]byte{entry(le, 0x0112, 4, 1, 5)}, nil), 5},
		{"value 0", tiffIFD0(le, [][12]byte{entry(le, 0x0112, 3, 1, 0)}, nil), 1},
		{"value 9", tiffIFD0(le, [][12]byte{entry(le, 0x0112, 3, 1, 9)}, nil), 1},
		{"no orientation tag", tiffIFD0(le, [][12]byte{entry(le, 0x0100, 3, 1, 5)}, nil), 1},
		// 2³¹+1 SHORTs: goexif's uint32 size wraps to 2 bytes and it would
		// allocate 16 GB; must be refused up front.
		{"count overflow", tiffIFD0(le, [][12]byte{entry(le, 0x0110, 3, 1<<31+1, 0), entry(le, 0x0112, 3, 1, 6)}, nil), 1},
		{"value outside the data", tiffIFD0(le, [][12]byte{entry(le, 0x010f, 2, 100, 4000), entry(le, 0x0112, 3, 1, 6)}, nil), 1},
		{"unknown type", tiffIFD0(le, [][12]byte{entry(le, 0x0112, 99, 1, 6)}, nil), 1},
		{"IFD offset past end", []byte("II*\x00\xff\x00\x00\x00\x00\x00"), 1},
		{"IFD offset inside header", []byte("II*\x00\x02\x00\x00\x00\x00\x00\x00\x00"), 1},
		{"entries past end", []byte("II*\x00\x08\x00\x00\x00\x05\x00"), 1},
		{"bad magic", []byte("II+\x00\x08\x00\x00\x00\x00\x00\x00\x00"), 1},
		{"nil", nil, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			if got := orientationTIFF(tc.data); got != tc.want {
				t.Errorf("orientation %d, want %d", got, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestExifFromJPEG(t *testing.T) {
	app1 := exifAPP1(7)
	xmp := append([]byte{0xff, 0xe1, 0, 0x20}, []byte("http://ns.adobe.com/xap/1.0/\x00\x00")...)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"right after SOI", append(append([]byte{0xff, 0xd8}, app1...), 0xff, 0xd9), 7},
		{"after XMP APP1 and fill bytes", append(append(append([]byte{0xff, 0xd8}, xmp...), 0xff, 0xff), append(app1, 0xff, 0xd9)...), 7},
		{"after start of scan", append(append([]byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, app1...), 0xff, 0xd9), 1},
		{"segment longer than file", append([]byte{0xff, 0xd8}, app1[:len(app1)-3]...), 1},
		{"garbage between segments", append([]byte{0xff, 0xd8, 0x00}, app1...), 1},
		{"not a JPEG", app1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := orientationJPEG(tc.data); got != tc.want {
				t.Errorf("orientation %d, want %d", got, tc.want)
			}
		})
	}
}
