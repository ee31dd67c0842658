package app

import (
	"errors"
	"slices"
	"strings"

	"camviz/cam"
)

// Methods beyond pytorch-grad-cam's, answering the VGG16 question.
const (
	// FCConv re-reads the fc layers as convolutions and runs them over the
	// features of an upscaled image: a dense class-score map.
	FCConv = "fcconv"
	// CAM is the original class activation map: Σ w_k A_k with the final
	// linear layer's weights, for global-average-pool heads.
	CAM = "cam"
)

// Method is a CAM method and whether it applies to a model.
type Method struct {
	cam.MethodInfo
	Applies bool
	Reason  string // why not, when it does not apply
	Slow    bool   // needs many forward passes: show progress, allow cancel
	// FixedLayer: the method reads a layer set by the head, not the
	// chosen one.
	FixedLayer bool
}

// Methods lists every method for m, in menu order.
func (m *Model) Methods() []Method {
	var out []Method
	for _, info := range cam.Methods() {
		out = append(out, Method{MethodInfo: info, Applies: true,
			Slow: info.Needs.Has(cam.NeedsInputPasses) || info.Needs.Has(cam.NeedsTailPasses)})
	}
	fc := Method{MethodInfo: cam.MethodInfo{Name: FCConv, Display: "FC→conv dense scores",
		Description: "The fully-connected layers re-read as convolutions over an upscaled image's features: a dense map of the class score."},
		Applies: true, FixedLayer: true, Slow: true} // one forward pass at 4× the pixels
	if _, err := m.Net.FCHead(); err != nil {
		fc.Applies, fc.Reason = false, err.Error()
	}
	orig := Method{MethodInfo: cam.MethodInfo{Name: CAM, Display: "CAM (original)",
		Description: "Σ w_k A_k with the final linear layer's weights, for global-average-pool → linear heads."},
		Applies: true, FixedLayer: true}
	if _, err := m.Net.LinearHead(); err != nil {
		orig.Applies, orig.Reason = false, err.Error()
	}
	return append(out, fc, orig)
}

// Method finds a method by name.
func (m *Model) Method(name string) (Method, error) {
	for _, x := range m.Methods() {
		if x.Name == name {
			if !x.Applies {
				return x, errors.New(x.Name + " does not apply to this model: " + x.Reason)
			}
			return x, nil
		}
	}
	return Method{}, errors.New("unknown method " + quote(name) + " (run `camviz methods`)")
}

func quote(s string) string { return "\"" + s + "\"" }

// MethodNames reads a comma-separated list of methods ("all" = every method
// that applies to m), dropping blanks, repeats and the names in skip, and
// checks each against m.
func (m *Model) MethodNames(list string, skip ...string) ([]string, error) {
	var names []string
	if strings.TrimSpace(list) == "all" {
		for _, x := range m.Methods() {
			if x.Applies {
				names = append(names, x.Name)
			}
		}
		return names, nil
	}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(skip, n) || slices.Contains(names, n) {
			continue
		}
		if _, err := m.Method(n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, nil
}
