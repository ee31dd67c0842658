package ui

import (
	"strings"
	"testing"
)

// The layer picker lists the layers as `camviz layers` prints them, each
// named by block, with its shape, and the default layer selected: for the
// embedded VGG and for a residual network.
func TestLayerPickerGroupsByBlock(t *testing.T) {
	for _, c := range []struct {
		name, model string
		n           int    // layers `camviz layers` prints
		first, def  string // options the picker shows
		some        string // an option inside a block of several layers
	}{
		{"vgg", "", 32, "features.0 ▸ Conv  4×128×128", "", "features.13 ▸ Relu  16×32×32"},
		{"resnet18", "../testdata/families/resnet18/model.onnx", 47, "conv1 ▸ Conv  8×48×64",
			"layer4.1 ▸ relu_1/Relu  64×3×4  (default)", "layer1.0 ▸ relu_1/Relu  8×24×32"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, Options{Model: c.model})
			u := h.u
			h.until("the model", func() bool { return u.st.Model != nil })
			h.settled()
			m := u.st.Model
			opts := u.w.layer.Options
			layers := m.Net.Layers()
			if len(opts) != len(layers) || len(u.w.layerNames) != len(layers) {
				t.Fatalf("%d options, %d names for %d layers", len(opts), len(u.w.layerNames), len(layers))
			}
			if c.n != 0 && len(opts) != c.n {
				t.Fatalf("%d options, want %d", len(opts), c.n)
			}
			for i, l := range layers {
				if u.w.layerNames[i] != l.Name {
					t.Fatalf("option %d is %s, want %s", i, u.w.layerNames[i], l.Name)
				}
				if !strings.HasSuffix(strings.TrimSuffix(opts[i], "  (default)"), shapeText(l.Shape)) {
					t.Fatalf("option %q does not end with the shape %v", opts[i], l.Shape)
				}
			}
			if opts[0] != c.first {
				t.Fatalf("first option %q, want %q", opts[0], c.first)
			}
			if !contains(opts, c.some) {
				t.Fatalf("no option %q in %q", c.some, opts)
			}
			sel := u.w.layer.SelectedIndex()
			if sel < 0 || u.w.layerNames[sel] != m.Layer || !strings.HasSuffix(u.w.layer.Selected, "(default)") {
				t.Fatalf("selected %d %q, want the default %s", sel, u.w.layer.Selected, m.Layer)
			}
			if c.def != "" && u.w.layer.Selected != c.def {
				t.Fatalf("selected %q, want %q", u.w.layer.Selected, c.def)
			}
			marked := 0
			for _, o := range opts {
				if strings.HasSuffix(o, "(default)") {
					marked++
				}
			}
			if marked != 1 {
				t.Fatalf("%d options marked default", marked)
			}
			// Picking another layer selects it in the session.
			u.w.layer.SetSelectedIndex(1)
			h.settled()
			if got := u.s.State().Sel.Layer; got != layers[1].Name {
				t.Fatalf("session layer %q after picking %s", got, layers[1].Name)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
