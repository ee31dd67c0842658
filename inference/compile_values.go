package inference

import "fmt"

// valueResolver returns the function that numbers the graph's values as
// nodes name them: the model input, node outputs, and initializers (the
// weights onnx-go decoded, or its own tensors) as constants. A name used
// but never defined is an error.
func (n *Net) valueResolver(b *backend, m *meta, weights map[string]*tval) func(string) (int, error) {
	byName := map[string]*gnode{}
	nodes := b.Nodes()
	for nodes.Next() {
		g := nodes.Node().(*gnode)
		byName[g.name] = g
	}
	inputs := map[string]valueMeta{}
	for _, in := range m.inputs {
		inputs[in.name] = in
	}
	produced := map[string]bool{}
	for _, nm := range m.nodes {
		for _, o := range nm.outputs {
			produced[o] = true
		}
	}
	return func(name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		if id, ok := n.byName[name]; ok {
			return id, nil
		}
		v := value{name: name}
		if _, isInput := inputs[name]; !isInput && !produced[name] {
			if w, ok := weights[name]; ok {
				v.konst = w
				n.byName[name] = len(n.values)
				n.values = append(n.values, v)
				return len(n.values) - 1, nil
			}
			g := byName[name]
			if g == nil || g.t == nil {
				return 0, fmt.Errorf("tensor %q is used but never defined", name)
			}
			t, err := fromTensor(g.t)
			if err != nil {
				return 0, fmt.Errorf("initializer %q: %w", name, err)
			}
			v.konst = t
		}
		n.byName[name] = len(n.values)
		n.values = append(n.values, v)
		return len(n.values) - 1, nil
	}
}

// stepInputs are a node's input values and, for each, its constant (nil
// for an activation).
func (n *Net) stepInputs(node string, nm nodeMeta, valueOf func(string) (int, error)) ([]int, []*tval, error) {
	var ids []int
	var consts []*tval
	for _, name := range nm.inputs {
		id, err := valueOf(name)
		if err != nil {
			return nil, nil, fmt.Errorf("node %q (%s): %w", node, nm.opType, err)
		}
		ids = append(ids, id)
		var c *tval
		if id >= 0 {
			c = n.values[id].konst
		}
		consts = append(consts, c)
	}
	return ids, consts, nil
}

// setConst makes the value called name the constant t: a node computed
// at load time adds no step.
func (n *Net) setConst(valueOf func(string) (int, error), name string, t *tval) error {
	id, err := valueOf(name)
	if err != nil {
		return err
	}
	n.values[id].konst = t
	return nil
}
