package inference

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
)

// extFiles reads the external data of a model (onnx's
// save_as_external_data, which models over 2 GB need): tensors whose
// TensorProto has data_location EXTERNAL and external_data entries
// location, offset and length. Each data file is mapped read-only once;
// float32 tensors are views of the mapping, not copies, so a 3 GB model
// costs page cache, not heap. Locations are confined to the model's
// folder: os.Root refuses ../ and symbolic links that leave it.
type extFiles struct {
	dir  string // the model's folder; "" when the model came from memory
	maps map[string][]byte
	// mapped is shared by every Net of the model; the mappings are
	// released when the last is collected.
	mapped *mappings
}

type mappings struct{ regions [][]byte }

func newExtFiles(dir string) *extFiles {
	return &extFiles{dir: dir, maps: map[string][]byte{}, mapped: &mappings{}}
}

// keep ties the mappings' lifetime to owner (the Net).
func (e *extFiles) keep(n *Net) {
	if e == nil || len(e.mapped.regions) == 0 {
		return
	}
	n.mapped = e.mapped
	runtime.AddCleanup(e.mapped, func(regions [][]byte) {
		for _, r := range regions {
			_ = syscall.Munmap(r)
		}
	}, e.mapped.regions)
}

// unmap releases the mappings of a load that failed.
func (e *extFiles) unmap() {
	for _, r := range e.mapped.regions {
		_ = syscall.Munmap(r)
	}
	e.mapped.regions = nil
}

// read returns the bytes of tensor name's external data.
func (e *extFiles) read(name string, entries [][]byte) ([]byte, error) {
	kv := map[string]string{}
	for _, b := range entries {
		var k, v string
		err := fields(b, func(num protowire.Number, typ protowire.Type, b []byte, _ uint64) error {
			if typ == protowire.BytesType && num == 1 {
				k = string(b)
			} else if typ == protowire.BytesType && num == 2 {
				v = string(b)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		kv[k] = v
	}
	loc := kv["location"]
	if e == nil || e.dir == "" {
		return nil, fmt.Errorf("initializer %q keeps its data in the external file %q, which only a model loaded from its folder can read", name, loc)
	}
	if !filepath.IsLocal(loc) {
		return nil, fmt.Errorf("initializer %q: external data location %q is refused: it must be a file inside the model's folder (no absolute path, no ../)", name, loc)
	}
	m, err := e.mapFile(loc)
	if err != nil {
		return nil, fmt.Errorf("initializer %q: cannot read external data %q: %w", name, loc, err)
	}
	off, err := extInt(kv, "offset", 0)
	if err != nil {
		return nil, fmt.Errorf("initializer %q: %v", name, err)
	}
	n, err := extInt(kv, "length", int64(len(m))-off)
	if err != nil {
		return nil, fmt.Errorf("initializer %q: %v", name, err)
	}
	if off < 0 || n < 0 || off > int64(len(m)) || n > int64(len(m))-off {
		return nil, fmt.Errorf("initializer %q: external data %q holds %d bytes, the tensor wants bytes %d to %d", name, loc, len(m), off, off+n)
	}
	return m[off : off+n : off+n], nil
}

func extInt(kv map[string]string, key string, def int64) (int64, error) {
	s, ok := kv[key]
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("external data %s %q is not a number", key, s)
	}
	return v, nil
}

// mapFile maps loc (inside the model's folder) read-only, once per load.
func (e *extFiles) mapFile(loc string) ([]byte, error) {
	if m, ok := e.maps[loc]; ok {
		return m, nil
	}
	root, err := os.OpenRoot(e.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(loc)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", loc)
	}
	var m []byte
	if st.Size() > 0 {
		if m, err = syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED); err != nil {
			return nil, err
		}
		e.mapped.regions = append(e.mapped.regions, m)
	}
	e.maps[loc] = m
	return m, nil
}

// floats views a float32 tensor's external bytes. The mapping is
// read-only: kernels never write into weights.
func (e *extFiles) floats(name string, raw []byte, dims []int) (*tval, error) {
	if len(raw) != 4*numel(dims) {
		return nil, fmt.Errorf("initializer %q holds %d bytes of external data for shape %s", name, len(raw), shapeStr(dims))
	}
	if len(raw) == 0 {
		return &tval{shape: dims, f: []float32{}}, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(raw))
	if !littleEndian || uintptr(p)%4 != 0 {
		// A view needs 4-byte-aligned little-endian floats; onnx writes
		// tensors at aligned offsets, so only odd hand-made files (or a
		// big-endian machine) pay this copy.
		return &tval{shape: dims, f: floatsLE(raw)}, nil
	}
	return &tval{shape: dims, f: unsafe.Slice((*float32)(p), len(raw)/4)}, nil
}
