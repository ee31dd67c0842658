package imgio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// npyFile builds a version-1 .npy with the given dictionary fields.
func npyFile(descr, fortran, shape string, data []byte) []byte {
	dict := "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }"
	for (10+len(dict)+1)%16 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	b = append(b, dict...)
	return append(b, data...)
}

func f32bytes(bo binary.ByteOrder, vs ...float32) []byte {
	b := make([]byte, 4*len(vs))
	for i, v := range vs {
		bo.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func TestNPYRoundTrip(t *testing.T) {
	tests := []struct {
		shape []int
		hdr   string
	}{
		{[]int{5}, "(5,)"},
		{[]int{3, 4}, "(3, 4)"},
		{[]int{1, 3, 4, 5}, "(1, 3, 4, 5)"},
		{[]int{224, 224}, "(224, 224)"},
	}
	for _, tc := range tests {
		n := 1
		for _, d := range tc.shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i)*0.25 - 3
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, data, tc.shape...); err != nil {
			t.Fatal(err)
		}
		hdr := buf.Bytes()[:min(buf.Len(), 128)]
		if !bytes.Contains(hdr, []byte("'descr': '<f4'")) || !bytes.Contains(hdr, []byte("'shape': "+tc.hdr)) {
			t.Errorf("header %q", hdr)
		}
		if off := 10 + int(binary.LittleEndian.Uint16(buf.Bytes()[8:])); off%64 != 0 || buf.Bytes()[off-1] != '\n' || buf.Len() != off+4*n {
			t.Errorf("data offset %d, file %d bytes: want 64-aligned header ending in newline", off, buf.Len())
		}
		got, shape, err := ReadNPY("x.npy", &buf)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(shape, tc.shape) || len(got) != n {
			t.Fatalf("shape %v len %d, want %v", shape, len(got), tc.shape)
		}
		for i := range got {
			if got[i] != data[i] {
				t.Fatalf("value %d = %v, want %v", i, got[i], data[i])
			}
		}
	}

	path := filepath.Join(t.TempDir(), "map.npy")
	if err := WriteNPYFile(path, []float32{1, 2, 3, 4, 5, 6}, 2, 3); err != nil {
		t.Fatal(err)
	}
	got, shape, err := ReadNPYFile(path)
	if err != nil || !slices.Equal(shape, []int{2, 3}) || got[5] != 6 {
		t.Errorf("file round trip: %v %v %v", got, shape, err)
	}
	if err := WriteNPY(&bytes.Buffer{}, []float32{1, 2, 3}, 2, 2); err == nil {
		t.Error("shape/length mismatch accepted")
	}
	if err := WriteNPY(&bytes.Buffer{}, []float32{}, 0, 3); err == nil {
		t.Error("zero dimension accepted")
	}
}

func TestReadNPYErrors(t *testing.T) {
	le := binary.LittleEndian
	one := f32bytes(le, 1, 2, 3, 4, 5, 6)
	u8, err := os.ReadFile(filepath.Join(goldenDir, "base_rgb_u8.npy"))
	if err != nil {
		t.Fatal(err)
	}
	v3 := npyFile("'<f4'", "False", "(6,)", one)
	v3[6] = 3
	hugeHeader := npyFile("'<f4'", "False", "(6,)", one)
	hugeHeader[8], hugeHeader[9] = 0xff, 0xff
	tests := []struct {
		name string
		data []byte
		kind ErrorKind
		msg  string
	}{
		{"empty", nil, KindEmpty, "empty file: t.npy"},
		{"not npy", []byte("PK\x03\x04 a zip"), KindBadTensor, "not a NumPy .npy file: t.npy"},
		{"uint8", u8, KindBadTensor, "t.npy holds uint8 (|u1), not float32"},
		{"float64", npyFile("'<f8'", "False", "(3,)", make([]byte, 24)), KindBadTensor, "holds float64 (<f8), not float32"},
		{"fortran", npyFile("'<f4'", "True", "(2, 3)", one), KindBadTensor, "Fortran order"},
		{"truncated", npyFile("'<f4'", "False", "(7,)", one), KindBadTensor, "truncated .npy: t.npy: shape [7] needs 28 bytes of data, the file has 24"},
		{"extra data", npyFile("'<f4'", "False", "(5,)", one), KindBadTensor, "corrupt .npy"},
		{"version 3", v3, KindBadTensor, "format version 3.0 is not supported"},
		{"header longer than file", hugeHeader, KindBadTensor, "file ends inside the header"},
		{"short", []byte("\x93NUMPY\x01"), KindBadTensor, "file ends inside the header"},
		{"negative dim", npyFile("'<f4'", "False", "(-1, 6)", one), KindBadTensor, "corrupt .npy header"},
		{"overflowing shape", npyFile("'<f4'", "False", "(4294967296, 4294967296)", one), KindBadTensor, "corrupt .npy header"},
		{"garbage shape", npyFile("'<f4'", "False", "(a,)", one), KindBadTensor, "corrupt .npy header"},
	}
	// A dictionary with keys in an unexpected order.
	odd := []byte("\x93NUMPY\x01\x00\x46\x00{'shape': (6,), 'fortran_order': False, 'descr': '<f4', }")
	for len(odd) < 10+0x46-1 {
		odd = append(odd, ' ')
	}
	odd = append(append(odd, '\n'), one...)
	tests = append(tests, struct {
		name string
		data []byte
		kind ErrorKind
		msg  string
	}{"key order", odd, KindBadTensor, "unexpected header dictionary"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadNPY("t.npy", bytes.NewReader(tc.data))
			var e *Error
			if !errors.As(err, &e) || e.Kind != tc.kind || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %v, want kind %d with %q", err, tc.kind, tc.msg)
			}
		})
	}
}

func TestReadNPYByteOrderAndScalar(t *testing.T) {
	got, shape, err := ReadNPY("", bytes.NewReader(npyFile("'>f4'", "False", "(2,)", f32bytes(binary.BigEndian, 1.5, -2))))
	if err != nil || len(shape) != 1 || got[0] != 1.5 || got[1] != -2 {
		t.Errorf("big endian: %v %v %v", got, shape, err)
	}
	got, shape, err = ReadNPY("", bytes.NewReader(npyFile("'<f4'", "False", "()", f32bytes(binary.LittleEndian, 7))))
	if err != nil || len(shape) != 0 || len(got) != 1 || got[0] != 7 {
		t.Errorf("scalar: %v %v %v", got, shape, err)
	}
}

func TestReadInputNPY(t *testing.T) {
	le := binary.LittleEndian
	twelve := make([]float32, 12)
	tests := []struct {
		name  string
		data  []byte
		shape [4]int
		msg   string
	}{
		{"NCHW", npyFile("'<f4'", "False", "(1, 3, 2, 2)", f32bytes(le, twelve...)), [4]int{1, 3, 2, 2}, ""},
		{"CHW", npyFile("'<f4'", "False", "(3, 1, 4)", f32bytes(le, twelve...)), [4]int{1, 3, 1, 4}, ""},
		{"HWC", npyFile("'<f4'", "False", "(2, 2, 3)", f32bytes(le, twelve...)), [4]int{}, "has shape [2 2 3]; a model input must be [1,C,H,W] or [C,H,W] with C = 3 (RGB) or 1 (grey)"},
		{"batch 2", npyFile("'<f4'", "False", "(2, 3, 1, 2)", f32bytes(le, twelve...)), [4]int{}, "must be [1,C,H,W]"},
		{"grey NCHW", npyFile("'<f4'", "False", "(1, 1, 3, 4)", f32bytes(le, twelve...)), [4]int{1, 1, 3, 4}, ""},
		{"grey CHW", npyFile("'<f4'", "False", "(1, 4, 3)", f32bytes(le, twelve...)), [4]int{1, 1, 4, 3}, ""},
		{"two channels", npyFile("'<f4'", "False", "(1, 2, 2, 3)", f32bytes(le, twelve...)), [4]int{}, "has shape [1 2 2 3]"},
		{"no pixels", npyFile("'<f4'", "False", "(1, 3, 0, 4)", nil), [4]int{}, "no pixels"},
		{"NaN", npyFile("'<f4'", "False", "(3, 2, 2)", f32bytes(le, append([]float32{float32(math.NaN())}, twelve[1:]...)...)), [4]int{}, "NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, shape, err := ReadInputNPY("in.npy", bytes.NewReader(tc.data))
			if tc.msg == "" {
				if err != nil || shape != tc.shape || len(data) != 12 {
					t.Errorf("got %v %v, want shape %v", shape, err, tc.shape)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindBadTensor || !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), "in.npy") {
				t.Errorf("err %v, want %q", err, tc.msg)
			}
		})
	}
	if _, _, err := ReadInputNPYFile(filepath.Join(t.TempDir(), "missing.npy")); err == nil || !strings.Contains(err.Error(), "file not found") {
		t.Errorf("missing file: %v", err)
	}
}

// TestNPYDtypeNames: a .npy of another dtype is named as NumPy names it,
// never by a Go type ("float16.Num", "struct {…}").
func TestNPYDtypeNames(t *testing.T) {
	for descr, want := range map[string]string{
		"'<f2'":                        "holds float16 (<f2), not float32",
		"'<f8'":                        "holds float64 (<f8)",
		"'|u1'":                        "holds uint8 (|u1)",
		"'<c8'":                        "holds complex64 (<c8)",
		"'|b1'":                        "holds bool (|b1)",
		"'|O'":                         "holds Python objects (|O)",
		"'<U3'":                        "holds unicode strings (<U3)",
		"[('a', '<i4'), ('b', '<f4')]": "holds a structured array ([('a', '<i4'), ('b', '<f4')])",
	} {
		_, _, err := ReadNPY("x.npy", bytes.NewReader(npyFile(descr, "False", "(2,)", make([]byte, 16))))
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), ".Num") || strings.Contains(err.Error(), "struct {") {
			t.Errorf("%s: %v, want %q", descr, err, want)
		}
	}
}
