package cam_test

import (
	"fmt"
	"slices"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

var golden = camtest.Golden{Dir: "../testdata/golden/tinyvgg16"}

// goldenLayers and goldenClasses are the cases stored in testdata/golden.
var (
	// goldenV1 are the methods of the first set (the others' maps are
	// in tinyvgg16-v2, zoo_golden_test.go and app's tests).
	goldenV1      = []string{"gradcam", "hirescam", "gradcam-elementwise", "gradcam++", "xgradcam", "layercam", "eigencam", "eigengradcam", "fem"}
	goldenLayers  = []int{22, 29}
	goldenClasses = []int{7, 2}
)

func loadAG(t testing.TB, layer, class int) (cam.Maps, cam.Maps) {
	t.Helper()
	a, err := golden.Activations(layer)
	if err != nil {
		t.Fatal(err)
	}
	g, err := golden.Gradients(layer, class)
	if err != nil {
		t.Fatal(err)
	}
	return a, g
}

// TestGoldenLocalMethods checks every method that needs no extra forward
// pass against pytorch-grad-cam's final 224×224 maps: max abs diff ≤ 1e-4,
// Eigen methods up to the sign of the projection (see
// TestGoldenEigenSign for which sign the reference had).
func TestGoldenLocalMethods(t *testing.T) {
	const tol = 1e-4
	for _, info := range cam.Methods() {
		m, _ := cam.Find(info.Name)
		if !m.Local() || !slices.Contains(goldenV1, info.Name) {
			continue // tested with the network, in sobel_test.go, or against the second set
		}
		for _, layer := range goldenLayers {
			for _, class := range goldenClasses {
				name := fmt.Sprintf("%s/f%d/c%d", info.Name, layer, class)
				t.Run(name, func(t *testing.T) {
					a, g := loadAG(t, layer, class)
					m, err := cam.LayerMap(info.Name, a, g)
					if err != nil {
						t.Fatal(err)
					}
					d, err := golden.Compare(m, info.Reference, layer, class)
					if err != nil {
						t.Fatal(err)
					}
					if isEigen(info.Name) {
						flipped := negate(m)
						df, err := golden.Compare(flipped, info.Reference, layer, class)
						if err != nil {
							t.Fatal(err)
						}
						t.Logf("max abs diff %.3g (our sign), %.3g (flipped)", d, df)
						d = min(d, df)
					} else {
						t.Logf("max abs diff %.3g", d)
					}
					if !(d <= tol) {
						t.Errorf("max abs diff %.3g > %g", d, tol)
					}
				})
			}
		}
	}
}

func isEigen(name string) bool { return name == "eigencam" || name == "eigengradcam" }

func negate(m cam.Map) cam.Map {
	out := cam.NewMap(m.W, m.H)
	for i, v := range m.Data {
		out.Data[i] = -v
	}
	return out
}
