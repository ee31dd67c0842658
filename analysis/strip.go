package analysis

import "camviz/inference"

// StripLayers are the layers a layer strip shows, in network order: the
// last output of every block that still has a spatial map (H·W > 1).
// Where blocks are single operators (torchvision VGG's features.N),
// consecutive ones at the same spatial size make one stage, whose last
// output is taken: on VGG16 the five stage ends, on ResNet the stem and
// every residual block.
func (m *Model) StripLayers() []string {
	var out []string
	var run []inference.Layer // the current block's layers
	single := false           // the last kept layer ended a one-layer block
	flush := func() {
		if len(run) == 0 {
			return
		}
		last := run[len(run)-1]
		if len(last.Shape) == 4 && last.Shape[2]*last.Shape[3] > 1 {
			if single && len(run) == 1 && len(out) > 0 && sameSize(m, out[len(out)-1], last) {
				out = out[:len(out)-1] // the same stage as the block before
			}
			out = append(out, last.Name)
			single = len(run) == 1
		}
		run = run[:0]
	}
	for _, l := range m.Net.Layers() {
		if len(run) > 0 && (l.Block != run[0].Block || l.Block == "") {
			flush()
		}
		run = append(run, l)
	}
	flush()
	return out
}

// sameSize reports whether layer name has l's spatial size.
func sameSize(m *Model, name string, l inference.Layer) bool {
	p, err := m.Net.Layer(name)
	return err == nil && len(p.Shape) == 4 && p.Shape[2] == l.Shape[2] && p.Shape[3] == l.Shape[3]
}
