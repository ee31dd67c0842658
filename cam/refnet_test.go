package cam_test

// A minimal, test-only forward pass of the golden tiny VGG16, so that
// AblationCAM and ScoreCAM can be checked end to end against the golden
// maps without depending on the engine package (cam must not import it).
// It reads the ONNX initializers with a small protobuf walker and runs
// torchvision's VGG16 layout: features.N convolutions (3×3, pad 1) with
// ReLUs, 2×2 max-pools at 4, 9, 16, 23, 30, the 7×7 adaptive pool (a no-op
// at 224), then classifier.0/3/6 fully connected layers with ReLUs.

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"camviz/cam"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

type refTensor struct {
	dims []int
	data []float32
}

type refNet map[string]refTensor

// reducedUnderRace says whether the reference network's tests run
// reduced: under the race detector, which makes them ~20 times slower,
// unless CAMVIZ_SLOW is set. They check numbers, not concurrency.
func reducedUnderRace() bool {
	return raceEnabled && os.Getenv("CAMVIZ_SLOW") == ""
}

// goldenRefNet is the reference network and the golden input, for a test
// that runs the network's passes: it skips t when reducedUnderRace.
func goldenRefNet(t *testing.T) (refNet, cam.Maps) {
	t.Helper()
	if reducedUnderRace() {
		t.Skip("slow under the race detector; set CAMVIZ_SLOW=1")
	}
	net := loadRefNet(t)
	x, err := golden.Input()
	if err != nil {
		t.Fatal(err)
	}
	return net, x
}

func loadRefNet(t testing.TB) refNet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(golden.Dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	net := refNet{}
	// ModelProto.graph = 7, GraphProto.initializer = 5.
	for _, g := range pbFields(t, b, 7) {
		for _, init := range pbFields(t, g, 5) {
			name, tensor := parseTensor(t, init)
			net[name] = tensor
		}
	}
	if len(net) == 0 {
		t.Fatal("no initializers in model.onnx")
	}
	return net
}

// pbFields returns the payloads of the length-delimited fields numbered
// field in the protobuf message b.
func pbFields(t testing.TB, b []byte, field int) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatal("bad protobuf key")
		}
		b = b[n:]
		num, wire := int(key>>3), key&7
		switch wire {
		case 0:
			_, n = binary.Uvarint(b)
			if n <= 0 {
				t.Fatal("bad protobuf varint")
			}
			b = b[n:]
		case 1:
			b = b[8:]
		case 5:
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				t.Fatal("bad protobuf length")
			}
			if num == field {
				out = append(out, b[n:n+int(l)])
			}
			b = b[n+int(l):]
		default:
			t.Fatalf("unsupported protobuf wire type %d", wire)
		}
	}
	return out
}

// parseTensor reads TensorProto fields dims (1), name (8) and raw_data (9)
// or float_data (4), assuming float32 data as torch.onnx.export writes.
func parseTensor(t testing.TB, b []byte) (string, refTensor) {
	t.Helper()
	var name string
	var tt refTensor
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		b = b[n:]
		num, wire := int(key>>3), key&7
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			b = b[n:]
			if num == 1 {
				tt.dims = append(tt.dims, int(v))
			}
		case 1:
			b = b[8:]
		case 5:
			b = b[4:]
		case 2:
			l, n := binary.Uvarint(b)
			p := b[n : n+int(l)]
			b = b[n+int(l):]
			switch num {
			case 1: // packed dims
				for len(p) > 0 {
					v, m := binary.Uvarint(p)
					tt.dims = append(tt.dims, int(v))
					p = p[m:]
				}
			case 8:
				name = string(p)
			case 4, 9:
				tt.data = make([]float32, len(p)/4)
				for i := range tt.data {
					tt.data[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
				}
			}
		default:
			t.Fatalf("unsupported protobuf wire type %d", wire)
		}
	}
	return name, tt
}

// act is one C×H×W activation.
type act struct {
	c, h, w int
	data    []float32
}

func isPool(i int) bool { return i == 4 || i == 9 || i == 16 || i == 23 || i == 30 }

// features applies features[from..to] (inclusive) to x.
func (net refNet) features(x act, from, to int) act {
	for i := from; i <= to; i++ {
		w, ok := net[fmt.Sprintf("features.%d.weight", i)]
		switch {
		case ok:
			x = conv3x3(x, w, net[fmt.Sprintf("features.%d.bias", i)])
		case isPool(i):
			x = maxPool2(x)
		default:
			for j, v := range x.data {
				x.data[j] = max(v, 0)
			}
		}
	}
	return x
}

// classifier runs the fully connected head on the flattened 7×7 features.
func (net refNet) classifier(x []float32) []float32 {
	for _, i := range []int{0, 3, 6} {
		w := net[fmt.Sprintf("classifier.%d.weight", i)]
		b := net[fmt.Sprintf("classifier.%d.bias", i)]
		out := make([]float32, w.dims[0])
		for o := range out {
			row := w.data[o*w.dims[1] : (o+1)*w.dims[1]]
			var s float32
			for k, v := range row {
				s += v * x[k]
			}
			out[o] = s + b.data[o]
			if i != 6 {
				out[o] = max(out[o], 0)
			}
		}
		x = out
	}
	return x
}

// conv3x3 is a 3×3 convolution with padding 1 through im2col and SGEMM.
func conv3x3(x act, w, b refTensor) act {
	cout := w.dims[0]
	P := x.h * x.w
	col := make([]float32, x.c*9*P)
	for c := 0; c < x.c; c++ {
		in := x.data[c*P : (c+1)*P]
		for ky := 0; ky < 3; ky++ {
			for kx := 0; kx < 3; kx++ {
				dst := col[((c*9)+ky*3+kx)*P:]
				for y := 0; y < x.h; y++ {
					sy := y + ky - 1
					if sy < 0 || sy >= x.h {
						continue
					}
					for xx := 0; xx < x.w; xx++ {
						sx := xx + kx - 1
						if sx >= 0 && sx < x.w {
							dst[y*x.w+xx] = in[sy*x.w+sx]
						}
					}
				}
			}
		}
	}
	out := act{c: cout, h: x.h, w: x.w, data: make([]float32, cout*P)}
	for o := 0; o < cout; o++ {
		for p := 0; p < P; p++ {
			out.data[o*P+p] = b.data[o]
		}
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: cout, Cols: x.c * 9, Stride: x.c * 9, Data: w.data},
		blas32.General{Rows: x.c * 9, Cols: P, Stride: P, Data: col},
		1, blas32.General{Rows: cout, Cols: P, Stride: P, Data: out.data})
	return out
}

func maxPool2(x act) act {
	h, w := x.h/2, x.w/2
	out := act{c: x.c, h: h, w: w, data: make([]float32, x.c*h*w)}
	for c := 0; c < x.c; c++ {
		in := x.data[c*x.h*x.w:]
		for y := 0; y < h; y++ {
			for xx := 0; xx < w; xx++ {
				i := 2*y*x.w + 2*xx
				out.data[(c*h+y)*w+xx] = max(in[i], in[i+1], in[i+x.w], in[i+x.w+1])
			}
		}
	}
	return out
}

// tail returns the BatchFunc running features[layer+1..30] and the head.
func (net refNet) tail(layer int, shape act) func(context.Context, []float32, int) ([]float32, error) {
	return func(ctx context.Context, in []float32, n int) ([]float32, error) {
		size := shape.c * shape.h * shape.w
		var logits []float32
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			x := act{c: shape.c, h: shape.h, w: shape.w, data: append([]float32(nil), in[i*size:(i+1)*size]...)}
			logits = append(logits, net.classifier(net.features(x, layer+1, 30).data)...)
		}
		return logits, nil
	}
}

// full returns the BatchFunc running the whole network on 3×224×224 inputs.
func (net refNet) full() func(context.Context, []float32, int) ([]float32, error) {
	return net.tail(-1, act{c: 3, h: 224, w: 224})
}
