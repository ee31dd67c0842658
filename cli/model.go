package cli

import (
	"flag"

	"camviz/analysis"
)

// modelFlags are the flags every model-using command shares.
type modelFlags struct {
	model, labels, mode string
}

func (m *modelFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&m.model, "model", "", "ONNX model file (default: the embedded model)")
	fs.StringVar(&m.labels, "labels", "", "class names, one per line")
	fs.StringVar(&m.mode, "resize", "", "how images become input: crop (shorter side, centre crop) or whole (default: the model's)")
}

func (m *modelFlags) load() (*analysis.Model, error) {
	if m.model == "" {
		md, err := analysis.DefaultModel()
		if err != nil {
			return nil, err
		}
		if m.labels != "" {
			if md.Labels, err = analysis.ReadLabels(m.labels, md.Net.NumClasses()); err != nil {
				return nil, err
			}
		}
		return md, nil
	}
	return analysis.LoadModel(m.model, m.labels)
}
