package inference

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// TestExternalData: a model onnx saved with save_as_external_data runs
// as the same model with its weights inline, its weights are views of
// the mapped data file, and from memory it is one clear refusal.
func TestExternalData(t *testing.T) {
	dir := filepath.Join(fixturesDir, "external")
	ext, err := Load(filepath.Join(dir, "ext_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	inline, err := Load(filepath.Join(dir, "inline_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(2))
	x := make([]float32, 3*32*32)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	ctx := context.Background()
	ep, err := ext.Forward(ctx, newDense([]int{1, 3, 32, 32}, x), false)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := inline.Forward(ctx, newDense([]int{1, 3, 32, 32}, x), false)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ep.Scores() {
		if s != ip.Scores()[i] || s == 0 {
			t.Errorf("score %d = %g with external data, %g inline", i, s, ip.Scores()[i])
		}
	}
	if ext.mapped == nil || len(ext.mapped.regions) != 1 {
		t.Fatal("the data file is not mapped")
	}
	region := ext.mapped.regions[0]
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(region)))
	for _, name := range []string{"c1.w", "c2.w", "fc.w"} {
		w := ext.values[ext.byName[name]].konst
		p := uintptr(unsafe.Pointer(unsafe.SliceData(w.f)))
		if p < lo || p >= lo+uintptr(len(region)) {
			t.Errorf("weight %s was copied out of the mapping", name)
		}
	}

	data, err := os.ReadFile(filepath.Join(dir, "ext_op13.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode(data)
	if want := `initializer "c1.w" keeps its data in the external file "ext_op13.data", which only a model loaded from its folder can read`; err == nil || err.Error() != want {
		t.Errorf("from memory: %v", err)
	}
}

// extTensor is a float initializer whose data lies in an external file.
func extTensor(name string, shape []int, location string, offset, length int) []byte {
	var b []byte
	for _, d := range shape {
		b = varint(b, 1, uint64(d))
	}
	b = varint(b, 2, onnxFloat)
	b = msg(b, 8, []byte(name))
	entry := func(k, v string) []byte { return msg(msg(nil, 1, []byte(k)), 2, []byte(v)) }
	b = msg(b, 13, entry("location", location))
	b = msg(b, 13, entry("offset", strconv.Itoa(offset)))
	b = msg(b, 13, entry("length", strconv.Itoa(length)))
	return varint(b, 14, 1)
}

// TestExternalDataRefusals: locations outside the model's folder, missing
// files and short files are one line naming the initializer.
func TestExternalDataRefusals(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "model")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := make([]byte, 4*2*3)
	for i := range 6 {
		binary.LittleEndian.PutUint32(w[4*i:], math.Float32bits(float32(i)))
	}
	for _, p := range []string{filepath.Join(root, "outside.bin"), filepath.Join(dir, "w.bin")} {
		if err := os.WriteFile(p, w, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(root, "outside.bin"), filepath.Join(dir, "link.bin")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		location       string
		offset, length int
		want           string
	}{
		{"w.bin", 0, 24, ""},
		{"../outside.bin", 0, 24, `initializer "w": external data location "../outside.bin" is refused: it must be a file inside the model's folder (no absolute path, no ../)`},
		{filepath.Join(root, "outside.bin"), 0, 24, `is refused: it must be a file inside the model's folder`},
		{"link.bin", 0, 24, `initializer "w": cannot read external data "link.bin"`},
		{"gone.bin", 0, 24, `initializer "w": cannot read external data "gone.bin"`},
		{"w.bin", 8, 24, `initializer "w": external data "w.bin" holds 24 bytes, the tensor wants bytes 8 to 32`},
	}
	for _, c := range cases {
		g := newGraph(13, "x", 1, 3, 4, 4)
		g.init = append(g.init, extTensor("w", []int{2, 3, 1, 1}, c.location, c.offset, c.length))
		g.node("Conv", []string{"x", "w"}, []string{"a"})
		g.node("GlobalAveragePool", []string{"a"}, []string{"p"})
		g.head("p", 2, 2)
		path := filepath.Join(dir, "m.onnx")
		if err := os.WriteFile(path, g.bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		n, err := Load(path)
		if c.want == "" {
			if err != nil {
				t.Fatalf("%s: %v", c.location, err)
			}
			if got := n.values[n.byName["w"]].konst.f; got[5] != 5 {
				t.Fatalf("%s: weights %v", c.location, got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want %q", c.location, err, c.want)
		}
	}
}
