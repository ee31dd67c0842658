package cam

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A method's options are values in its table entry (Method.Options); the
// options that apply to many methods are declared once, in generic, with
// the rule that says which methods take them. The command line, `camviz
// methods -json` and the window read both through Method.AllOptions: one
// more Option in an entry is one more flag and one more control.

// Kind is what values an option takes.
type Kind string

// The option kinds. Numeric and bool values live in Params.Options (bool
// as 0 or 1); the others in the Params field the option names.
const (
	KindFloat  Kind = "float"  // a finite number
	KindInt    Kind = "int"    // an integer ≥ 0
	KindBool   Kind = "bool"   // true or false
	KindChoice Kind = "choice" // one of Choices
	KindInts   Kind = "ints"   // integers ≥ 1, comma-separated ("1,2,3")
	KindLayers Kind = "layers" // layer tensor names, comma-separated
)

// Option is one setting of a method: its flag name, kind, default and a
// one-line help.
type Option struct {
	Name    string  // the command line's flag and the JSON key
	Default float64 // numeric kinds' default (bool: 0 or 1)
	Help    string
	Kind    Kind     // "" is KindFloat
	Text    string   // the default of the text kinds (choice, ints, layers)
	Choices []string // KindChoice's values
	param   param    // where the value lives in Params
}

// param says which field of Params holds an option's value.
type param uint8

const (
	inOptions param = iota // Params.Options[Name]
	inTarget               // Params.Target
	inBase                 // Params.Base
	inCompare              // Params.Compare
	inLayers               // Params.Layer and Params.Layers
)

// The generic options' names.
const (
	OptLayer       = "layer"
	OptTarget      = "target"
	OptEigenSmooth = "eigen-smooth"
	OptAugSmooth   = "aug-smooth"
	OptInplaceReLU = "inplace-relu"
)

// genericOption is an option many methods take, and which ones.
type genericOption struct {
	Option
	applies func(m *Method) bool
}

// generic is every option declared once for many methods, in help order.
var generic = [...]genericOption{
	{Option{Name: OptLayer, Kind: KindLayers, param: inLayers,
		Help: "layer tensor; several (A,B,…) give each layer's final map, then ReLU, mean, min-max (default: the model's)"},
		readsLayer},
	{Option{Name: OptTarget, Kind: KindChoice, Text: "logit", Choices: targetList(), param: inTarget,
		Help: "what the gradients are of: logit, prob (softmax), rest (logit − cross-entropy), neg (against the class)"},
		seedsGradient},
	{Option{Name: OptEigenSmooth, Kind: KindBool,
		Help: "first principal component of the weighted activations instead of their channel sum"},
		func(m *Method) bool { return m.product != nil }},
	{Option{Name: OptAugSmooth, Kind: KindBool,
		Help: "mean of the final maps of six test-time augmentations (horizontal flip × brightness 0.9, 1, 1.1)"},
		augments},
	{Option{Name: OptInplaceReLU, Kind: KindBool,
		Help: "activations after the ReLU that follows the layer, gradients before it: what pytorch-grad-cam reads where torch runs that ReLU in place (DenseNet's norm5)"},
		func(m *Method) bool { return m.network == nil && readsLayer(m) }},
}

// compareOption is Finer-CAM's -finer-compare, the compared classes by
// rank (Params.Compare), for the finercam entry's Options.
var compareOption = Option{Name: "finer-compare", Kind: KindInts, Text: "1,2,3", param: inCompare,
	Help: "the classes compared with the target, by rank of logit distance (1 = the nearest)"}

// readsLayer: the method reads the chosen layer (not a fixed one, not the
// picture alone).
func readsLayer(m *Method) bool { return !m.FixedLayer && !m.Needs.Has(NeedsImage) }

// seedsGradient: the method reads the gradient of the class's logit at
// the layer, which a target replaces by the gradient of another scalar.
func seedsGradient(m *Method) bool {
	return m.Needs.Has(NeedsGradients) && !m.ownSeed
}

// augments: the method maps the network's input, so it can average over
// augmented inputs — not fcconv (whose map covers part of a rescaled
// input), the picture-only Sobel map, or the guided images.
func augments(m *Method) bool {
	return !m.Needs.Has(NeedsFCHead) && !m.Needs.Has(NeedsImage) && !m.hwc
}

func targetList() []string {
	var out []string
	for _, t := range targets {
		out = append(out, t.Name)
	}
	return out
}

// kind is o's kind, KindFloat for the zero value.
func (o Option) kind() Kind {
	if o.Kind == "" {
		return KindFloat
	}
	return o.Kind
}

// DefaultText is the option's default as the command line writes it.
func (o Option) DefaultText() string {
	switch o.kind() {
	case KindFloat, KindInt:
		return strconv.FormatFloat(o.Default, 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(o.Default != 0)
	}
	return o.Text
}

// MarshalJSON writes the option with its kind and a default of that kind
// (`camviz methods -json`).
func (o Option) MarshalJSON() ([]byte, error) {
	var def any
	switch o.kind() {
	case KindFloat, KindInt:
		def = o.Default
	case KindBool:
		def = o.Default != 0
	case KindInts:
		def, _ = parseInts(o.Text)
	default:
		def = o.Text
	}
	return json.Marshal(struct {
		Name    string   `json:"name"`
		Kind    Kind     `json:"kind"`
		Default any      `json:"default"`
		Help    string   `json:"help"`
		Choices []string `json:"choices,omitempty"`
	}{o.Name, o.kind(), def, o.Help, o.Choices})
}

// AllOptions is every option the method takes: its own, then the generic
// ones that apply to it.
func (m Method) AllOptions() []Option {
	out := slices.Clone(m.Options)
	for _, g := range generic {
		if g.applies(&m) {
			out = append(out, g.Option)
		}
	}
	return out
}

// Takes reports whether the method takes the option called name.
func (m Method) Takes(name string) bool {
	_, ok := m.lookupOption(name)
	return ok
}

func (m Method) lookupOption(name string) (Option, bool) {
	for _, o := range m.AllOptions() {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// Set parses text as the value of the method's option name and stores it
// in p. An option the method does not take, or a value of the wrong kind,
// is an error that names both.
func (m Method) Set(p *Params, name, text string) error {
	o, ok := m.lookupOption(name)
	if !ok {
		return fmt.Errorf("%s does not take -%s", m.Name, name)
	}
	text = strings.TrimSpace(text)
	bad := func(want string) error { return fmt.Errorf("-%s %q: want %s", name, text, want) }
	var num float64
	switch o.kind() {
	case KindFloat:
		v, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return bad("a number")
		}
		num = v
	case KindInt:
		v, err := strconv.Atoi(text)
		if err != nil || v < 0 {
			return bad("an integer ≥ 0")
		}
		num = float64(v)
	case KindBool:
		v, err := strconv.ParseBool(text)
		if err != nil {
			return bad("true or false")
		}
		if v {
			num = 1
		}
	case KindChoice:
		if !slices.Contains(o.Choices, text) {
			return bad("one of " + strings.Join(o.Choices, ", "))
		}
	case KindInts:
		v, err := parseInts(text)
		if err != nil {
			return bad("integers ≥ 1, comma-separated")
		}
		p.Compare = v
		return nil
	case KindLayers:
		v, err := ParseLayers(text)
		if err != nil {
			return fmt.Errorf("-%s: %w", name, err)
		}
		p.Layer, p.Layers = v[0], nil
		if len(v) > 1 {
			p.Layers = v
		}
		return nil
	}
	switch o.param {
	case inTarget:
		p.Target = text
	case inBase:
		p.Base = text
	default:
		if p.Options == nil {
			p.Options = map[string]float64{}
		}
		p.Options[name] = num
	}
	return nil
}

// Value is the text of the option name's value in p (its default when p
// does not set it), as Set reads it.
func (m Method) Value(p Params, name string) string {
	o, ok := m.lookupOption(name)
	if !ok {
		return ""
	}
	switch o.param {
	case inTarget:
		if p.Target != "" {
			return p.Target
		}
	case inBase:
		if p.Base != "" {
			return p.Base
		}
	case inCompare:
		if p.Compare != nil {
			return joinInts(p.Compare)
		}
	case inLayers:
		if len(p.Layers) > 0 {
			return strings.Join(p.Layers, ",")
		}
		return p.Layer
	default:
		v, ok := p.Options[name]
		if !ok {
			return o.DefaultText()
		}
		if o.kind() == KindBool {
			return strconv.FormatBool(v != 0)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return o.DefaultText()
}

// Describe is the method's option values in p that differ from their
// defaults, "name=value" joined by spaces (captions, cache keys); skip
// names options to leave out.
func (m Method) Describe(p Params, skip ...string) string {
	var parts []string
	for _, o := range m.AllOptions() {
		if o.kind() == KindLayers || slices.Contains(skip, o.Name) {
			continue
		}
		if v := m.Value(p, o.Name); v != o.DefaultText() {
			parts = append(parts, o.Name+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// resolve returns p with every option the method takes filled in (the
// numeric ones in a fresh Options map), after checking that p sets no
// generic option the method does not take.
func (m Method) resolve(p Params) (Params, error) {
	for _, g := range generic {
		if g.applies(&m) {
			continue
		}
		set := false
		switch g.param {
		case inTarget:
			set = p.Target != "" && p.Target != g.Text
		case inLayers:
			set = len(p.Layers) > 1
		default:
			set = p.Options[g.Name] != 0
		}
		if set {
			return p, fmt.Errorf("%s does not take -%s", m.Name, g.Name)
		}
	}
	q := p
	q.Options = map[string]float64{}
	for k, v := range p.Options {
		q.Options[k] = v
	}
	for _, o := range m.AllOptions() {
		switch {
		case o.param == inBase && q.Base == "":
			q.Base = o.Text
		case o.param == inCompare && q.Compare == nil:
			q.Compare, _ = parseInts(o.Text)
		case o.param == inOptions:
			if _, ok := q.Options[o.Name]; !ok {
				q.Options[o.Name] = o.Default
			}
		}
	}
	return q, nil
}

// ParseLayers reads a comma-separated list of layer names (-layer A,B),
// blanks around names dropped; an empty name or a repeat is an error.
func ParseLayers(s string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			return nil, fmt.Errorf("empty layer name in %q", s)
		case slices.Contains(out, n):
			return nil, fmt.Errorf("layer %q given twice", n)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("cam: %q is not a list of integers ≥ 1", s)
		}
		out = append(out, v)
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}
