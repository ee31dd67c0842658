package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"camviz/analysis"
)

func init() {
	register(command{
		name:  "predict",
		usage: "predict [-model M.onnx] [-labels L.txt] [-top K] [-json] INPUT...",
		help:  "classify images (PNG, JPEG, GIF, BMP, WebP, TIFF) or .npy [1,C,H,W] tensors (C = 1 or 3, the model's)",
		run:   predict,
	})
}

type predictResult struct {
	Input  string                `json:"input"`
	Logits []float32             `json:"logits"`
	Top    []analysis.Prediction `json:"top"`
}

func predict(e *env, args []string) error {
	fs := newFlags("predict")
	var mf modelFlags
	mf.add(fs)
	top := fs.Int("top", 5, "how many classes to list")
	asJSON := fs.Bool("json", false, "one JSON object per input")
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) == 0 {
		return errors.New("no input given")
	}
	if *top < 1 {
		return errors.New("-top must be at least 1")
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, path := range inputs {
		in, err := m.OpenInput(path, mf.mode)
		if err != nil {
			return err
		}
		a, err := m.Analyze(context.Background(), in)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		preds := a.Top(*top)
		if *asJSON {
			if err := enc.Encode(predictResult{Input: path, Logits: a.Scores, Top: preds}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s\n", path)
		for i, p := range preds {
			fmt.Fprintf(e.stdout, "  %d. %-30s class %-4d p=%.4f  logit=%.4f\n", i+1, p.Label, p.Class, p.Prob, p.Score)
		}
	}
	return nil
}
