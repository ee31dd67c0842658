package inference

import (
	"errors"
	"fmt"

	"gorgonia.org/tensor"
)

// compile turns what onnx-go told the backend into a Net: values, steps in
// topological order (the file's, when it is one), the score head, and
// every value's shape at the declared input size.
func compile(b *backend, m *meta, weights map[string]*tval, order []int) (*Net, error) {
	if len(b.ops) != len(m.nodes) {
		return nil, fmt.Errorf("internal: onnx-go applied %d operations for %d nodes", len(b.ops), len(m.nodes))
	}
	n := &Net{byName: map[string]int{}, opset: m.opset, producerName: m.producer, input: -1,
		sized: &sizedNets{nets: map[[2]int]*Net{}}}
	if len(m.inputs) != 1 {
		return nil, fmt.Errorf("the model has %d inputs; camviz needs exactly one image input", len(m.inputs))
	}
	valueOf := n.valueResolver(b, m, weights)
	var err error
	if n.input, err = valueOf(m.inputs[0].name); err != nil {
		return nil, err
	}
	if err := n.setInputShape(m.inputs[0]); err != nil {
		return nil, err
	}
	for _, i := range order {
		if err := n.addStep(b.ops[i].op.Attributes, m.nodes[i], valueOf); err != nil {
			return nil, err
		}
	}
	if len(m.outputs) == 0 {
		return nil, errors.New("the ONNX graph declares no output")
	}
	out, ok := n.byName[m.outputs[0]]
	if !ok {
		return nil, fmt.Errorf("the graph output %q is not produced by any node", m.outputs[0])
	}
	if err := n.findHead(out); err != nil {
		return nil, err
	}
	n.prune()
	if err := n.inferShapes(); err != nil {
		return nil, err
	}
	n.planBuffers()
	n.planFusions()
	n.arena = newArena(arenaLimit)
	return n, n.listLayers()
}

func (n *Net) setInputShape(in valueMeta) error {
	if in.elemType != onnxFloat && in.elemType != onnxFloat16 && in.elemType != onnxBFloat16 {
		// A half-float input takes camviz's float32 image: the engine
		// computes in float32 throughout.
		return fmt.Errorf("the model input %q is not float32, float16 or bfloat16 (ONNX type %d); camviz needs a float image tensor", in.name, in.elemType)
	}
	if len(in.dims) != 4 {
		return fmt.Errorf("the model input %q has shape %v; camviz needs an image input [N,C,H,W]", in.name, in.dims)
	}
	s := make([]int, 4)
	for i, d := range in.dims {
		s[i] = int(d)
	}
	if s[0] < 1 {
		s[0] = 1
	}
	if (s[1] != 1 && s[1] != 3) && (s[3] == 1 || s[3] == 3) {
		// Channels last (TF exports: efficientnet-lite4's images:0
		// [1,224,224,3]): callers still give [N,C,H,W]; forward transposes.
		n.nhwc = true
		s = []int{s[0], s[3], s[1], s[2]}
	}
	if s[1] != 1 && s[1] != 3 {
		return fmt.Errorf("the model input %q has %d channels; camviz needs 1 (grey) or 3 (RGB) — is it an image model?", in.name, s[1])
	}
	// A symbolic height or width takes any size the graph accepts; the
	// load-time shapes are at DynamicDefaultSide.
	if s[2] < 1 {
		n.dynH, s[2] = true, DynamicDefaultSide
	}
	if s[3] < 1 {
		n.dynW, s[3] = true, DynamicDefaultSide
	}
	n.inputShape = s
	return nil
}

func (n *Net) addStep(a map[string]interface{}, nm nodeMeta, valueOf func(string) (int, error)) error {
	if nm.domain != "" && nm.domain != "ai.onnx" {
		return n.unsupported(nm, fmt.Sprintf("operator %s of domain %q", nm.opType, nm.domain))
	}
	s := step{op: nm.opType, node: nm.name}
	if s.node == "" && len(nm.outputs) > 0 {
		s.node = nm.outputs[0]
	}
	var consts []*tval
	var err error
	if s.in, consts, err = n.stepInputs(s.node, nm, valueOf); err != nil {
		return err
	}
	// torch de-duplicates equal initializers (all-zero biases of a fresh
	// model) behind Identity nodes: fold those, so every consumer sees a
	// constant weight rather than an activation.
	if nm.opType == "Identity" && len(consts) == 1 && consts[0] != nil && len(nm.outputs) == 1 {
		return n.setConst(valueOf, nm.outputs[0], consts[0])
	}
	def, ok := ops[nm.opType]
	if !ok {
		return n.unsupported(nm, "operator "+nm.opType)
	}
	k, err := def.build(attrs(a), consts, n.opset)
	if err != nil {
		return fmt.Errorf("node %q (%s, opset %d): %w", s.node, nm.opType, n.opset, err)
	}
	s.k, s.def = k, def
	if len(nm.outputs) == 0 {
		return fmt.Errorf("node %q (%s) has no output", s.node, nm.opType)
	}
	if def.fold != nil && allConst(s.in, consts) && len(nm.outputs) == 1 {
		t, err := def.fold(k, consts)
		if err != nil {
			return fmt.Errorf("node %q (%s, opset %d): %w", s.node, nm.opType, n.opset, err)
		}
		return n.setConst(valueOf, nm.outputs[0], t)
	}
	if c, ok := k.(*intOp); ok && c.op == "Constant" {
		return n.setConst(valueOf, nm.outputs[0], c.value) // a weight like any initializer
	}
	if sp, ok := k.(*slice); ok && nm.opType == "Split" {
		return n.addSplit(s, sp, nm.outputs, valueOf)
	}
	// Only the first output of other nodes carries data (Dropout's mask
	// and BatchNormalization's training outputs are never used by
	// inference).
	if s.out, err = valueOf(nm.outputs[0]); err != nil {
		return err
	}
	for _, o := range nm.outputs[1:] {
		if o != "" {
			n.byName[o] = -1
		}
	}
	n.steps = append(n.steps, s)
	return nil
}

// allConst reports whether every input a step has (ids ≥ 0) is a
// constant.
func allConst(ids []int, in []*tval) bool {
	for j, id := range ids {
		if id >= 0 && in[j] == nil {
			return false
		}
	}
	return len(in) > 0 && in[0] != nil
}

// addSplit compiles a Split as one slice step per output: each reads the
// whole input, and backward sums their gradients like any fan-out.
func (n *Net) addSplit(s step, sp *slice, outputs []string, valueOf func(string) (int, error)) error {
	// The split sizes are an input only before they are read.
	s.in = s.in[:1]
	for j, o := range outputs {
		part := s
		part.k = sp.splitPart(j, len(outputs))
		var err error
		if part.out, err = valueOf(o); err != nil {
			return err
		}
		n.steps = append(n.steps, part)
	}
	return nil
}

func (n *Net) unsupported(nm nodeMeta, what string) error {
	name := nm.name
	if name == "" && len(nm.outputs) > 0 {
		name = nm.outputs[0]
	}
	return fmt.Errorf("unsupported %s (node %q, opset %d); supported: %s", what, name, n.opset, supportedList())
}

// findHead sets the score tensor: the graph output, or the input of a
// final Softmax/LogSoftmax, since CAMs explain raw class scores.
func (n *Net) findHead(out int) error {
	n.scores = out
	for {
		s := n.producer(n.scores)
		if s == nil {
			return fmt.Errorf("the graph output %q is not computed from the input", n.values[out].name)
		}
		if !s.def.head {
			break
		}
		n.softmaxHead = true
		n.scores = s.in[0]
	}
	for _, s := range n.steps {
		if s.def.head && n.isUpstream(s.out, n.scores) {
			return fmt.Errorf("node %q: %s is supported only at the end of the graph (inside it, as in attention blocks of ViT or Swin, it is out of scope: camviz explains CNNs)", s.node, s.op)
		}
	}
	return nil
}

func (n *Net) producer(v int) *step {
	for i := range n.steps {
		if n.steps[i].out == v {
			return &n.steps[i]
		}
	}
	return nil
}

// isUpstream reports whether value a feeds value b.
func (n *Net) isUpstream(a, b int) bool {
	need := map[int]bool{b: true}
	for i := len(n.steps) - 1; i >= 0; i-- {
		s := n.steps[i]
		if !need[s.out] {
			continue
		}
		for _, in := range s.in {
			if in == a {
				return true
			}
			if in >= 0 {
				need[in] = true
			}
		}
	}
	return false
}

// prune drops steps the scores do not depend on (Softmax heads, unused
// branches).
func (n *Net) prune() {
	need := map[int]bool{n.scores: true}
	var kept []step
	for i := len(n.steps) - 1; i >= 0; i-- {
		s := n.steps[i]
		if !need[s.out] {
			continue
		}
		for _, in := range s.in {
			if in >= 0 {
				need[in] = true
			}
		}
		kept = append(kept, s)
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	n.steps = kept
}

// maxValue bounds any tensor at the declared input size (256 MB of
// float32): VGG16's largest is 3.2M values, so only a broken or hostile
// model (absurd pads, shapes) reaches it — and would otherwise stall or
// exhaust memory on its first run.
const maxValue = 1 << 26

// inferShapes runs the graph on shapes alone at the declared input size,
// so a model whose weights do not fit together fails at load, naming the
// node.
func (n *Net) inferShapes() error {
	vals := make([]*tval, len(n.values))
	for i, v := range n.values {
		vals[i] = v.konst
	}
	vals[n.input] = &tval{shape: n.graphLayout(n.inputShape)}
	for _, s := range n.steps {
		ins, err := n.gather(vals, s)
		if err != nil {
			return err
		}
		out, err := inferStep(s, ins)
		if err != nil {
			return fmt.Errorf("node %q (%s): %w", s.node, s.op, err)
		}
		if numel(out.shape) > maxValue || numel(out.shape) < 0 {
			return fmt.Errorf("node %q (%s) would produce %s values, more than camviz allows (%d)", s.node, s.op, shapeStr(out.shape), maxValue)
		}
		vals[s.out] = out
	}
	n.shapes = make([][]int, len(vals))
	n.ints = make([]bool, len(vals))
	for i, v := range vals {
		if v != nil {
			n.shapes[i] = v.shape
			n.ints[i] = v.i != nil
		}
	}
	if sc := n.shapes[n.scores]; len(sc) < 2 || numel(sc[2:]) != 1 {
		// [N, classes, 1, 1] (a 1×1 convolution classifier, as caffe2's
		// DenseNet) is the same score vector.
		return fmt.Errorf("the class scores %q have shape %s; camviz needs [N, classes]", n.values[n.scores].name, shapeStr(sc))
	}
	return nil
}

// allInts reports whether every given input is an int64 tensor with its
// values (shape arithmetic), so an intEvaler computes them.
func allInts(in []*tval) bool {
	saw := false
	for _, t := range in {
		if t == nil {
			continue
		}
		if t.i == nil {
			return false
		}
		saw = true
	}
	return saw
}

// inferStep computes one step's output at load: its shape, or its value
// for shape arithmetic. A kernel that panics on a hostile model's shapes
// fails the load with an error instead.
func inferStep(s step, ins []*tval) (out *tval, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot be computed for its inputs (%v)", r)
		}
	}()
	switch k := s.k.(type) {
	case *intOp:
		out, err = k.eval(ins)
	case kernel:
		if ie, ok := k.(intEvaler); ok && allInts(ins) {
			out, err = ie.evalInts(ins)
			break
		}
		if s.def.alias {
			out, _, err = k.forward(nil, ins, false)
			break
		}
		var shape []int
		shape, err = k.infer(ins)
		out = &tval{shape: shape}
	}
	if err == nil && out == nil {
		err = fmt.Errorf("%s cannot run here", s.op)
	}
	return out, err
}

func (n *Net) gather(vals []*tval, s step) ([]*tval, error) {
	ins := make([]*tval, len(s.in))
	for j, id := range s.in {
		if id < 0 {
			continue
		}
		if vals[id] == nil {
			return nil, fmt.Errorf("node %q (%s): input %q is not available", s.node, s.op, n.values[id].name)
		}
		ins[j] = vals[id]
	}
	if len(ins) == 0 || ins[0] == nil {
		if _, ok := s.k.(*intOp); !ok {
			return nil, fmt.Errorf("node %q (%s) has no data input", s.node, s.op)
		}
	}
	return ins, nil
}

func fromTensorAny(v interface{}) (*tval, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("Constant value is %s, not a tensor", valueKind(v))
	}
	return fromTensor(t)
}
