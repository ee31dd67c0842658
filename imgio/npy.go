package imgio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"camviz/internal/files"

	"codeberg.org/sbinet/npyio"
)

// maxNPYBytes bounds a .npy we are willing to load: a 1×3×4096×4096 float32
// tensor is 192 MB, so 1 GiB leaves room while refusing absurd files before
// reading them.
const maxNPYBytes = 1 << 30

// ReadNPYFile reads a float32 array of any rank from a .npy file: a
// regular file (pipes, devices and folders refused without blocking) of
// at most 1 GiB, checked before reading.
func ReadNPYFile(path string) ([]float32, []int, error) {
	raw, err := readFile(path, maxNPYBytes, "a tensor file")
	if err != nil {
		return nil, nil, err
	}
	return ReadNPY(path, bytes.NewReader(raw))
}

// ReadNPY reads a float32 array of any rank, C order, either byte order,
// from r. It returns the values and the shape. name is only used in
// messages.
func ReadNPY(name string, r io.Reader) ([]float32, []int, error) {
	dn := displayName(name)
	raw, err := io.ReadAll(io.LimitReader(r, maxNPYBytes+1))
	if err != nil {
		return nil, nil, ioErr(dn, err)
	}
	if len(raw) == 0 {
		return nil, nil, newErr(KindEmpty, "empty file: "+dn)
	}
	if len(raw) > maxNPYBytes {
		return nil, nil, newErr(KindTooLarge, fmt.Sprintf("file is larger than the %d MB limit: %s", maxNPYBytes>>20, dn))
	}
	if !bytes.HasPrefix(raw, npyio.Magic[:]) {
		return nil, nil, newErr(KindBadTensor, "not a NumPy .npy file: "+dn)
	}
	hdr, dataOff, err := npyHeader(raw)
	if err != nil {
		return nil, nil, newErr(KindBadTensor, fmt.Sprintf("corrupt .npy header: %s (%v)", dn, err))
	}
	dtype := strings.Trim(hdr.Descr.Type, `'"`)
	if dtype != "<f4" && dtype != ">f4" && dtype != "=f4" {
		return nil, nil, newErr(KindBadTensor, fmt.Sprintf("%s holds %s, not float32 (save it with arr.astype(np.float32))", dn, dtypeName(dtype)))
	}
	if hdr.Descr.Fortran {
		return nil, nil, newErr(KindBadTensor, fmt.Sprintf("%s is in Fortran order; save it with np.ascontiguousarray(arr)", dn))
	}
	shape := append([]int(nil), hdr.Descr.Shape...)
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > maxNPYBytes/4/d) {
			return nil, nil, newErr(KindBadTensor, fmt.Sprintf("corrupt .npy header: %s (shape %v)", dn, shape))
		}
		n *= d
	}
	if have := len(raw) - dataOff; have != 4*n {
		kind := "truncated"
		if have > 4*n {
			kind = "corrupt"
		}
		return nil, nil, newErr(KindBadTensor, fmt.Sprintf("%s .npy: %s: shape %v needs %d bytes of data, the file has %d", kind, dn, shape, 4*n, have))
	}

	// The header was validated above; npyio decodes the values and their
	// byte order. Its reader is not written for hostile input (it can index
	// out of range on odd headers), hence the recover as a last line.
	data := make([]float32, n)
	if n > 0 {
		if err := npyRead(raw, &data); err != nil {
			return nil, nil, newErr(KindBadTensor, fmt.Sprintf("corrupt .npy: %s (%v)", dn, err))
		}
	}
	return data, shape, nil
}

// npyHeader parses the header with npyio and returns it with the offset of
// the data. The header length field is checked first so npyio never tries
// to allocate a header larger than the file.
func npyHeader(raw []byte) (hdr npyio.Header, dataOff int, err error) {
	if len(raw) < 10 {
		return hdr, 0, errors.New("file ends inside the header")
	}
	switch raw[6] {
	case 1:
		dataOff = 10 + (int(raw[8]) | int(raw[9])<<8)
	case 2:
		if len(raw) < 12 {
			return hdr, 0, errors.New("file ends inside the header")
		}
		dataOff = 12 + int(uint32(raw[8])|uint32(raw[9])<<8|uint32(raw[10])<<16|uint32(raw[11])<<24)
	default:
		return hdr, 0, fmt.Errorf("format version %d.%d is not supported", raw[6], raw[7])
	}
	if dataOff > len(raw) {
		return hdr, 0, errors.New("file ends inside the header")
	}
	// npyio expects the dictionary to end with a newline and to list
	// descr, fortran_order and shape in that order (numpy always writes
	// it so); anything else is rejected here rather than left to chance.
	dict := string(raw[headerStart(raw[6]):dataOff])
	iD, iF, iS := strings.Index(dict, "'descr': "), strings.Index(dict, "'fortran_order': "), strings.Index(dict, "'shape': ")
	iEnd, iNL := strings.Index(dict, "}"), strings.LastIndexByte(dict, '\n')
	if !strings.HasPrefix(dict, "{") || iD < 0 || iF < iD || iS < iF || iEnd < iS+len("'shape': ()") || iNL < iEnd {
		return hdr, 0, errors.New("unexpected header dictionary")
	}
	err = catch(func() error {
		rr, err := npyio.NewReader(bytes.NewReader(raw[:dataOff]))
		if err != nil {
			return err
		}
		hdr = rr.Header
		return nil
	})
	return hdr, dataOff, err
}

func headerStart(major byte) int {
	if major == 1 {
		return 10
	}
	return 12
}

// npyRead decodes the values of a validated file.
func npyRead(raw []byte, data *[]float32) error {
	return catch(func() error {
		rr, err := npyio.NewReader(bytes.NewReader(raw))
		if err != nil {
			return err
		}
		return rr.Read(data)
	})
}

// catch runs f, turning a panic into an error.
func catch(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("malformed data (%v)", p)
		}
	}()
	return f()
}

// dtypeName names a NumPy dtype descr for people, by NumPy's own names:
// "float16 (<f2)", "a structured array ([('a', '<i4')])"; never a Go type.
func dtypeName(descr string) string {
	if strings.HasPrefix(descr, "[") {
		return "a structured array (" + descr + ")"
	}
	d := strings.TrimLeft(descr, "<>=|")
	if d == "" {
		return descr
	}
	kind, size := d[:1], d[1:]
	name, ok := npyKinds[kind]
	if !ok {
		return descr
	}
	if bits, err := strconv.Atoi(size); err == nil && strings.Contains("fiuc", kind) {
		name += strconv.Itoa(8 * bits)
	}
	return fmt.Sprintf("%s (%s)", name, descr)
}

// npyKinds are NumPy's dtype kind characters; sized kinds get their bits.
var npyKinds = map[string]string{
	"f": "float", "i": "int", "u": "uint", "c": "complex", "b": "bool",
	"U": "unicode strings", "S": "byte strings", "O": "Python objects", "M": "datetimes", "m": "time deltas", "V": "raw bytes",
}

// ReadInputNPYFile reads a model input tensor from a .npy file; see
// ReadInputNPY.
func ReadInputNPYFile(path string) ([]float32, [4]int, error) {
	data, shape, err := ReadNPYFile(path)
	if err != nil {
		return nil, [4]int{}, err
	}
	return asInput(path, data, shape)
}

// ReadInputNPY reads a ready-made model input: float32, shape [1,C,H,W]
// or [C,H,W] with C = 3 (RGB) or 1 (grey), NCHW, already normalised: used
// as is. The returned shape is always [1,C,H,W].
func ReadInputNPY(name string, r io.Reader) ([]float32, [4]int, error) {
	data, shape, err := ReadNPY(name, r)
	if err != nil {
		return nil, [4]int{}, err
	}
	return asInput(displayName(name), data, shape)
}

func asInput(name string, data []float32, shape []int) ([]float32, [4]int, error) {
	var s [4]int
	switch {
	case len(shape) == 4 && shape[0] == 1 && (shape[1] == 3 || shape[1] == 1):
		copy(s[:], shape)
	case len(shape) == 3 && (shape[0] == 3 || shape[0] == 1):
		s = [4]int{1, shape[0], shape[1], shape[2]}
	default:
		return nil, s, newErr(KindBadTensor, fmt.Sprintf("%s has shape %v; a model input must be [1,C,H,W] or [C,H,W] with C = 3 (RGB) or 1 (grey)", name, shape))
	}
	if s[2] == 0 || s[3] == 0 {
		return nil, s, newErr(KindBadTensor, fmt.Sprintf("%s has shape %v: no pixels", name, shape))
	}
	for _, v := range data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, s, newErr(KindBadTensor, name+" contains NaN or infinite values")
		}
	}
	return data, s, nil
}

// WriteNPY writes data as a little-endian float32 .npy array (format 1.0,
// C order) of the given shape; the product of shape must equal len(data).
// With no shape the array is 1-D.
//
// The header is written here rather than by npyio.Write: npyio discovers
// the shape by reflecting on every element (a 1×3×224×224 tensor took
// 330 ms, a 1024×1024 map 1.1 s), while this takes well under a
// millisecond. Files are read back by npyio in the tests, and NumPy reads
// the same layout.
func WriteNPY(w io.Writer, data []float32, shape ...int) error {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if len(shape) > 32 {
		return fmt.Errorf("npy: %d dimensions is more than NumPy allows", len(shape))
	}
	n := 1
	dims := make([]string, len(shape))
	for i, d := range shape {
		if d <= 0 {
			return fmt.Errorf("npy: shape %v has a non-positive dimension", shape)
		}
		n *= d
		dims[i] = strconv.Itoa(d)
	}
	if n != len(data) {
		return fmt.Errorf("npy: shape %v holds %d values, got %d", shape, n, len(data))
	}
	tuple := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		tuple = "(" + dims[0] + ",)"
	}
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }"
	// NumPy pads the header with spaces so the data starts on a 64-byte
	// boundary, and ends it with a newline.
	pad := 63 - (10+len(dict)+1+63)%64
	hdr := make([]byte, 0, 10+len(dict)+pad+1)
	hdr = append(hdr, npyio.Magic[:]...)
	hdr = append(hdr, 1, 0)
	hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(dict)+pad+1))
	hdr = append(hdr, dict...)
	hdr = append(hdr, bytes.Repeat([]byte{' '}, pad)...)
	hdr = append(hdr, '\n')
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	buf := make([]byte, 0, 64<<10)
	for _, v := range data {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// WriteNPYFile writes data to path atomically (see files.WriteAtomic: a
// failed write leaves the old file, concurrent writers never mix); see
// WriteNPY.
func WriteNPYFile(path string, data []float32, shape ...int) error {
	return files.WriteAtomic(path, func(w io.Writer) error { return WriteNPY(w, data, shape...) })
}
