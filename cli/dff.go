package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"

	"camviz/analysis"
	"camviz/export"
	"camviz/imgio"
	"camviz/render"
)

func init() {
	register(command{
		name:  "dff",
		usage: "dff [-model M.onnx] [-labels L.txt] [-layer TENSOR] [-k 5] [-top 2] [-seed S] -out DIR [-json] INPUT",
		help: "Deep Feature Factorization: NMF of a layer's activations into k concept maps, each with its top classes " +
			"from the head; writes concept_I.npy and .png per concept, concepts.png and dff.json",
		run: dffCmd,
	})
}

type dffClass struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Prob  float32 `json:"prob"`
}

type dffConcept struct {
	Index   int        `json:"index"`
	Top     []dffClass `json:"top"`
	Share   float64    `json:"share"` // of the pixels where this concept is the strongest
	Map     string     `json:"map"`
	Overlay string     `json:"overlay"`
}

type dffJSON struct {
	Input      string       `json:"input"`
	Layer      string       `json:"layer"`
	K          int          `json:"k"`
	Seed       uint64       `json:"seed"`
	Iterations int          `json:"nmf_iterations"`
	RelError   float64      `json:"nmf_relative_error"`
	Concepts   []dffConcept `json:"concepts"`
	Combined   string       `json:"combined"`
}

func dffCmd(e *env, args []string) error {
	fs := newFlags("dff")
	var mf modelFlags
	mf.add(fs)
	layer := fs.String("layer", "", "layer tensor (default: the model's default layer)")
	k := fs.Int("k", 5, "number of concepts")
	top := fs.Int("top", 2, "classes listed per concept")
	seed := fs.Uint64("seed", 0, "seed of the factorisation's random start")
	out := fs.String("out", "", "output folder (created if missing)")
	asJSON := fs.Bool("json", false, "print the facts as JSON")
	input, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out must name a folder")
	}
	if *k < 1 || *top < 1 {
		return fmt.Errorf("-k and -top must be at least 1")
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := analyze(ctx, m, input, mf.mode)
	if err != nil {
		return err
	}
	if *layer == "" {
		*layer = m.Layer
	}
	facts, err := runDFF(ctx, a, dffJSON{Input: input, Layer: *layer, K: *k, Seed: *seed}, *top, *out)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(facts)
	}
	for _, c := range facts.Concepts {
		fmt.Fprintf(e.stdout, "concept %d (%.0f%% of the picture):", c.Index, 100*c.Share)
		for _, t := range c.Top {
			fmt.Fprintf(e.stdout, " %s %.3f", t.Label, t.Prob)
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// runDFF factorises facts.Layer into facts.K concepts (seed facts.Seed),
// writes the maps and pictures into dir and returns the facts, completed
// (also written as dir/dff.json).
func runDFF(ctx context.Context, a *analysis.Analysis, facts dffJSON, top int, dir string) (dffJSON, error) {
	f, err := a.Factorize(ctx, facts.Layer, facts.K, top, facts.Seed)
	if err != nil {
		return dffJSON{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dffJSON{}, err
	}
	lut, err := render.Colormap(render.DefaultColormap)
	if err != nil {
		return dffJSON{}, err
	}
	pic := a.Source().Picture()
	facts.Iterations, facts.RelError, facts.Combined = f.Iterations, f.RelError, "concepts.png"
	for _, c := range f.Concepts {
		j := dffConcept{Index: c.Index, Share: c.Share, Map: fmt.Sprintf("concept_%d.npy", c.Index), Overlay: fmt.Sprintf("concept_%d.png", c.Index)}
		if err := imgio.WriteNPYFile(filepath.Join(dir, j.Map), c.Map.Data, c.Map.H, c.Map.W); err != nil {
			return dffJSON{}, err
		}
		img, err := render.Overlay(pic, render.Field(c.Map), image.Point{}, render.Style{LUT: lut, Range: render.Unit(), Alpha: 0.5})
		if err != nil {
			return dffJSON{}, err
		}
		if err := export.WritePNG(filepath.Join(dir, j.Overlay), img); err != nil {
			return dffJSON{}, err
		}
		for _, t := range c.Top {
			j.Top = append(j.Top, dffClass{Class: t.Class, Label: t.Label, Prob: t.Prob})
		}
		facts.Concepts = append(facts.Concepts, j)
	}
	if err := export.WritePNG(filepath.Join(dir, facts.Combined), f.Picture); err != nil {
		return dffJSON{}, err
	}
	b, err := json.MarshalIndent(facts, "", " ")
	if err != nil {
		return dffJSON{}, err
	}
	return facts, export.WriteFile(filepath.Join(dir, "dff.json"), append(b, '\n'))
}
