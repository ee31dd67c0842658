package cam_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"camviz/cam"
	"camviz/cam/camtest"
)

// goldenSource serves the golden activations and gradients by layer
// ("22", "29") and the golden input, for methods run through the registry.
type goldenSource struct {
	fakeSource
	t testing.TB
}

func (s *goldenSource) Activations(layer string) (cam.Maps, error) {
	l, err := strconv.Atoi(layer)
	if err != nil {
		return cam.Maps{}, err
	}
	return golden.Activations(l)
}

func (s *goldenSource) Gradients(_ context.Context, layer string, class int) (cam.Maps, error) {
	l, err := strconv.Atoi(layer)
	if err != nil {
		return cam.Maps{}, err
	}
	return golden.Gradients(l, class)
}

func (s *goldenSource) Input() cam.Maps {
	x, err := golden.Input()
	if err != nil {
		s.t.Fatal(err)
	}
	return x
}

// registryGolden are the second set's maps of registry methods and
// options, run through Method.Compute: file has the layer and class as
// %d verbs (or the class alone for several layers); either accepts
// either sign of a principal component.
var registryGolden = []struct {
	method string
	layers string // "" = 22 and 29 in turn
	set    map[string]string
	file   string
	either bool
	tol    float64
}{
	{"segeigencam", "", nil, "cam_SegEigenCAM_f%d_c%d.npy", false, 1e-4},
	{"kpcacam", "", nil, "cam_KPCA_CAM_f%d_c%d.npy", true, 2e-3},
	{"gradcam", "", map[string]string{"eigen-smooth": "true"}, "cam_GradCAM-eigensmooth_f%d_c%d.npy", true, 1e-4},
	{"gradcam++", "", map[string]string{"eigen-smooth": "true"}, "cam_GradCAMPlusPlus-eigensmooth_f%d_c%d.npy", true, 1e-4},
	{"gradcam", "22,29", nil, "cam_GradCAM-layers22+29_c%d.npy", false, 1e-4},
	{"refinecam", "22,29", nil, "cam_RefineCAM-layers22+29_c%d.npy", false, 1e-4},
}

// TestGoldenRegistry runs each registryGolden case through the registry
// and compares the final map with pytorch-grad-cam's.
func TestGoldenRegistry(t *testing.T) {
	for _, c := range registryGolden {
		layers := []string{"22", "29"}
		if c.layers != "" {
			layers = []string{c.layers}
		}
		for _, layer := range layers {
			for _, class := range goldenClasses {
				t.Run(fmt.Sprintf("%s/%v/%s/c%d", c.method, c.set, layer, class), func(t *testing.T) {
					m, ok := cam.Find(c.method)
					if !ok {
						t.Fatalf("no method %s", c.method)
					}
					p := cam.Params{Class: class}
					for name, v := range c.set {
						if err := m.Set(&p, name, v); err != nil {
							t.Fatal(err)
						}
					}
					if err := m.Set(&p, cam.OptLayer, layer); err != nil {
						t.Fatal(err)
					}
					r, err := m.Compute(context.Background(), &goldenSource{t: t}, p)
					if err != nil {
						t.Fatal(err)
					}
					name := fmt.Sprintf(c.file, class)
					if c.layers == "" {
						l, _ := strconv.Atoi(layer)
						name = fmt.Sprintf(c.file, l, class)
					}
					var d float64
					switch {
					case r.Final:
						want, err := golden2.Map(name)
						if err != nil {
							t.Fatal(err)
						}
						d = camtest.MaxAbsDiff(r.Map.Data, want.Data)
					case c.either:
						d, _ = compareEither(t, r.Map, name)
					default:
						d = compareFinal(t, r.Map, name)
					}
					camtest.Within(t, d, c.tol)
					if (c.layers != "") != r.Final {
						t.Errorf("Final = %v for layers %q", r.Final, c.layers)
					}
				})
			}
		}
	}
}
