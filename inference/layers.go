package inference

import (
	"errors"
	"strings"
)

// listLayers lists the spatial ([N,C,H,W]) tensors from the first
// convolution on, in graph order, each with its block. Left out: what the
// head computes from globally pooled vectors (squeeze-excite gates,
// ConvNeXt's LayerNorm2d) and channels-last tensors between a Transpose
// and the one back (ConvNeXt's MLP), whose axes are not [N,C,H,W].
func (n *Net) listLayers() error {
	hasConv := false
	pooled, last := n.pooledHead(), n.channelsLast()
	for i := range n.steps {
		s := n.steps[i]
		if _, ok := s.k.(kernel); !ok || s.def.alias {
			continue
		}
		if s.op == "Conv" {
			hasConv = true
		}
		if pooled[s.out] && !n.isGlobalPool(&s) || last[s.out] {
			continue
		}
		if sh := n.shapes[s.out]; len(sh) == 4 && hasConv {
			n.layers = append(n.layers, Layer{Name: n.values[s.out].name, Op: s.op, Node: s.node, Shape: sh, Block: blockOf(s.node)})
		}
	}
	if !hasConv {
		return errors.New("the model has no convolution layer, so there is nothing to draw a class activation map on")
	}
	return nil
}

// blockOf reads the module a node belongs to from torch's scoped node
// names: the path up to the first indexed child (/layer4/layer4.1/conv1/Conv
// → /layer4/layer4.1, /features/features.18/features.18.2/Clip →
// /features/features.18), else the top module, or the top two when the top
// one is a container such as features (/features/denseblock4/…,
// /inception5b/…). Names without a path have no block.
func blockOf(node string) string {
	if !strings.HasPrefix(node, "/") {
		return ""
	}
	parts := strings.Split(strings.Trim(node, "/"), "/")
	parts = parts[:len(parts)-1] // the last part names the operator
	if len(parts) == 0 {
		return ""
	}
	for i, p := range parts {
		if indexed(p) {
			return "/" + strings.Join(parts[:i+1], "/")
		}
	}
	if (parts[0] == "features" || parts[0] == "trunk_output") && len(parts) > 1 {
		return "/" + parts[0] + "/" + parts[1]
	}
	return "/" + parts[0]
}

// indexed reports a child module of a Sequential: name.3, block4-0.
func indexed(p string) bool {
	i := strings.LastIndexAny(p, ".-")
	if i <= 0 || i == len(p)-1 {
		return false
	}
	for _, r := range p[i+1:] {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// DefaultLayer is the layer pytorch-grad-cam's README recommends for the
// usual families, found from the graph: the last feature map the head
// reads — the last spatial tensor with more than one position that is
// not a pooling (ResNet: layer4's last block; MobileNet, EfficientNet,
// ConvNeXt, RegNet: the last feature stage; GoogLeNet: inception5b; VGG:
// the last convolution's ReLU, features.29 in VGG16). Two adjustments
// follow the README: DenseNet's features end in norm5 (a BatchNormalization
// of the last block's Concat), which the head pools after a ReLU, so
// norm5's output is taken; and a
// convolutional classifier (SqueezeNet's 1×1 conv to the classes, then
// ReLU and average pool) is skipped for the features it reads.
func (n *Net) DefaultLayer() string {
	pick := -1
	head := n.pooledHead()
	for i, l := range n.layers {
		pooled := l.Op == "MaxPool" || l.Op == "AveragePool" || l.Op == "GlobalAveragePool"
		if !pooled && !head[n.byName[l.Name]] && l.Shape[2]*l.Shape[3] > 1 {
			pick = i
		}
	}
	if pick < 0 {
		if len(n.layers) == 0 {
			return ""
		}
		return n.layers[len(n.layers)-1].Name
	}
	v := n.byName[n.layers[pick].Name]
	if s := n.producer(v); s != nil && s.op == "Relu" {
		in := n.throughAliases(s.in[0])
		if p := n.producer(in); p != nil && p.op == "BatchNormalization" && n.readByGlobalPool(v) {
			if c := n.producer(p.in[0]); c != nil && c.op == "Concat" {
				return n.values[in].name
			}
		}
		if p := n.producer(in); p != nil && p.op == "Conv" && n.shapes[in][1] == n.NumClasses() && n.readByGlobalPool(v) {
			if f := n.throughAliases(p.in[0]); n.isLayer(f) {
				return n.values[f].name
			}
		}
	}
	return n.layers[pick].Name
}

// pooledHead marks the values computed from global average pools alone:
// the head after the features (ConvNeXt's LayerNorm2d on the pooled
// vector, whose permutes look 4-D), but not a squeeze-excite gate's
// product with the features it scales.
func (n *Net) pooledHead() []bool {
	pooled := make([]bool, len(n.values))
	for i := range n.steps {
		s := &n.steps[i]
		if n.isGlobalPool(s) {
			pooled[s.out] = true
			continue
		}
		all, some := true, false
		for _, id := range s.in {
			if id < 0 || n.values[id].konst != nil || n.ints[id] {
				continue
			}
			some = true
			all = all && pooled[id]
		}
		pooled[s.out] = some && all
	}
	return pooled
}

// channelsLast marks the values whose channels are not on axis 1: a
// Transpose moves the channel axis to where perm puts it, and steps that
// keep the layout (all but Transpose and the ones that define their own,
// like Conv) carry it on from their data input.
func (n *Net) channelsLast() []bool {
	axis := make([]int, len(n.values))
	for i := range axis {
		axis[i] = 1
	}
	for _, s := range n.steps {
		data := -1 // the first activation input (Add's bias may come first)
		for _, id := range s.in {
			if id >= 0 && n.values[id].konst == nil && !n.ints[id] {
				data = id
				break
			}
		}
		if data < 0 {
			continue
		}
		from := axis[data]
		switch k := s.k.(type) {
		case *transpose:
			p, err := k.permFor(len(n.shapes[data]))
			if err == nil {
				for j, a := range p {
					if a == from {
						axis[s.out] = j
					}
				}
			}
		case *unary, *binop, *layerNorm, *matmul, *reduceMean, relu:
			// (a ReduceMean over the channels-last tensor's last axis, as
			// in a decomposed LayerNorm, keeps the layout with keepdims)
			axis[s.out] = from
		}
	}
	last := make([]bool, len(n.values))
	for i, a := range axis {
		last[i] = a != 1
	}
	return last
}

// throughAliases follows shape-only steps (Dropout, Identity) back to
// the value they pass on.
func (n *Net) throughAliases(v int) int {
	for {
		s := n.producer(v)
		if s == nil || !s.def.alias || s.in[0] < 0 {
			return v
		}
		v = s.in[0]
	}
}

func (n *Net) isLayer(v int) bool {
	for _, l := range n.layers {
		if l.Name == n.values[v].name {
			return true
		}
	}
	return false
}

// readByGlobalPool reports whether a global average pool reads value v.
func (n *Net) readByGlobalPool(v int) bool {
	for i := range n.steps {
		s := &n.steps[i]
		if len(s.in) > 0 && s.in[0] == v && n.isGlobalPool(s) {
			return true
		}
	}
	return false
}
