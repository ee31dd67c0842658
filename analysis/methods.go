package analysis

import (
	"errors"
	"slices"
	"strings"

	"camviz/cam"
)

// FCConv names camviz's fcconv method (cam's registry holds its
// definition), for tests that pick it.
const FCConv = cam.FCConv

// Method is a CAM method of cam's registry and whether it applies to a
// model.
type Method struct {
	cam.Method
	Applies bool
	Reason  string // why not, when it does not apply
}

// Methods lists every method of cam's registry for m, in menu order.
func (m *Model) Methods() []Method {
	var out []Method
	for _, x := range cam.All() {
		meth := Method{Method: x, Applies: true}
		if err := m.supports(x.Needs); err != nil {
			meth.Applies, meth.Reason = false, err.Error()
		}
		out = append(out, meth)
	}
	return out
}

// supports says why the network lacks something a method needs.
func (m *Model) supports(n cam.Needs) error {
	if n.Has(cam.NeedsFCHead) {
		if _, err := m.Net.FCHead(); err != nil {
			return err
		}
	}
	if n.Has(cam.NeedsLinearHead) {
		if _, err := m.Net.LinearHead(); err != nil {
			return err
		}
	}
	return nil
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
