package inference

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the loader: it must return a model
// or an error, never panic or hang. Seeds: the small fixtures and the
// golden model, whole and cut.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"vgg11_op7.onnx", "zoo_vgg16_op12.onnx", "vgg16_reshape_op9.onnx", "bad_unsupported_op.onnx", "gap_softmax_op14.onnx"} {
		b, err := os.ReadFile(filepath.Join(fixturesDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	// the formats of issue 16: symbolic size, external data (refused from
	// memory), fp16 with Casts and fp16 Constants
	for _, name := range []string{"dynamic_hw_op13.onnx", "external/ext_op13.onnx"} {
		b, err := os.ReadFile(filepath.Join(fixturesDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(halfNet("keepio"))
	f.Add(halfNet("fp16"))
	f.Add([]byte{})
	f.Add([]byte("\x08\x07\x12\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Loading includes shape inference over the whole graph, so a
		// model that loads has been checked node by node; running it is
		// left to the fixture tests (a forward pass per input would make
		// the fuzzer a thousand times slower).
		_, _ = Decode(data)
	})
}
