package cli

import (
	"flag"
	"fmt"
	"slices"
	"strings"

	"camviz/analysis"
	"camviz/cam"
)

// methodFlags are the method table's options as flags: one flag per
// option name over every method (its own options and the generic ones),
// so an option added to a method's entry is a flag of `camviz cam` and
// `camviz report` with no change here. -layer is the commands' own flag
// (it also picks the layers of methods that take no options).
type methodFlags struct {
	vals  map[string]*optionValue
	order []string
}

// optionValue is one option flag's text, and whether it was given.
type optionValue struct {
	text   string
	set    bool
	isBool bool
}

func (v *optionValue) String() string   { return v.text }
func (v *optionValue) IsBoolFlag() bool { return v.isBool }
func (v *optionValue) Set(s string) error {
	v.text, v.set = s, true
	return nil
}

// add defines the option flags on fs, except those named in skip (the
// command's own flags of the same name, see shared).
func (mf *methodFlags) add(fs *flag.FlagSet, skip ...string) {
	mf.vals = map[string]*optionValue{}
	takers := map[string][]string{}
	opts := map[string]cam.Option{}
	for _, m := range cam.All() {
		for _, o := range m.AllOptions() {
			if o.Kind == cam.KindLayers || slices.Contains(skip, o.Name) {
				continue
			}
			if _, ok := opts[o.Name]; !ok {
				opts[o.Name] = o
				mf.order = append(mf.order, o.Name)
			}
			takers[o.Name] = append(takers[o.Name], m.Name)
		}
	}
	for _, name := range mf.order {
		o := opts[name]
		v := &optionValue{isBool: o.Kind == cam.KindBool}
		mf.vals[name] = v
		fs.Var(v, name, fmt.Sprintf("%s (%s; default %s)", o.Help, methodList(takers[name]), defaultsOf(name, takers[name])))
	}
}

// methodList names the methods taking an option, "every method but …"
// when that is shorter.
func methodList(names []string) string {
	all := cam.All()
	if len(names) > len(all)/2 {
		var not []string
		for _, m := range all {
			if !slices.Contains(names, m.Name) {
				not = append(not, m.Name)
			}
		}
		return "all but " + strings.Join(not, ", ")
	}
	return strings.Join(names, ", ")
}

// defaultsOf is the option's default, or each method's where they differ.
func defaultsOf(name string, takers []string) string {
	var parts []string
	seen := map[string]bool{}
	for _, n := range takers {
		m, _ := cam.Find(n)
		d := m.Value(cam.Params{}, name)
		if d == "" {
			d = `""`
		}
		parts = append(parts, n+" "+d)
		seen[d] = true
	}
	if len(seen) == 1 {
		return strings.SplitN(parts[0], " ", 2)[1]
	}
	return strings.Join(parts, ", ")
}

// shared passes the command's own flags that the methods also read (a
// report's -seed and -batch) to the methods, when given.
func (mf *methodFlags) shared(fs *flag.FlagSet, names ...string) {
	fs.Visit(func(f *flag.Flag) {
		if slices.Contains(names, f.Name) {
			mf.vals[f.Name] = &optionValue{text: f.Value.String(), set: true}
			mf.order = append(mf.order, f.Name)
		}
	})
}

// settings checks the given option flags against the chosen methods —
// each must be taken by at least one of them, with a value each of those
// can take — and returns them as cam.Settings. Shared flags only go to
// the methods that take them.
func (mf *methodFlags) settings(m *analysis.Model, methods []string, shared ...string) (cam.Settings, error) {
	var s cam.Settings
	for _, name := range mf.order {
		v := mf.vals[name]
		if !v.set {
			continue
		}
		text := v.text
		if v.isBool && text == "" {
			text = "true"
		}
		taken := false
		for _, n := range methods {
			meth, err := m.Method(n)
			if err != nil {
				return "", err
			}
			if !meth.Takes(name) {
				continue
			}
			taken = true
			var p cam.Params
			if err := meth.Set(&p, name, text); err != nil {
				return "", err
			}
		}
		if !taken && !slices.Contains(shared, name) {
			return "", fmt.Errorf("-%s does not apply to %s (%s)", name, strings.Join(methods, ", "), takenBy(name))
		}
		var err error
		if s, err = s.With(name, text); err != nil {
			return "", err
		}
	}
	return s, nil
}

// takenBy says which methods take an option.
func takenBy(name string) string {
	var names []string
	for _, m := range cam.All() {
		if m.Takes(name) {
			names = append(names, m.Name)
		}
	}
	return "it is for " + methodList(names)
}

// parseLayers reads -layer: "" (the model's default), one layer, or
// several (A,B,…), which every method must take.
func parseLayers(m *analysis.Model, text string, methods []string) ([]string, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	layers, err := cam.ParseLayers(text)
	if err != nil {
		return nil, fmt.Errorf("-layer: %w", err)
	}
	for _, l := range layers {
		if _, err := m.Net.Layer(l); err != nil {
			return nil, err
		}
	}
	if len(layers) > 1 {
		for _, n := range methods {
			if meth, err := m.Method(n); err == nil && !meth.Takes(cam.OptLayer) {
				return nil, fmt.Errorf("-layer: %s reads a fixed layer, not several", n)
			}
		}
	}
	return layers, nil
}
