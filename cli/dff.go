package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"sort"

	"camviz/app"
	"camviz/cam"
	"camviz/imgio"
	"camviz/render"

	colorful "github.com/lucasb-eyer/go-colorful"
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
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(inputs) != 1 {
		return fmt.Errorf("give exactly one INPUT (got %d)", len(inputs))
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
	in, err := m.OpenInput(inputs[0], mf.mode)
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	if *layer == "" {
		*layer = m.Layer
	}
	facts, err := runDFF(ctx, a, dffJSON{Input: inputs[0], Layer: *layer, K: *k, Seed: *seed}, *top, *out)
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
func runDFF(ctx context.Context, a *app.Analysis, facts dffJSON, top int, dir string) (dffJSON, error) {
	layer, k := facts.Layer, facts.K
	src := a.Source()
	acts, err := src.Activations(layer)
	if err != nil {
		return dffJSON{}, err
	}
	if k > min(acts.C, acts.H*acts.W) {
		return dffJSON{}, fmt.Errorf("-k %d: layer %q (%d channels, %d×%d) allows at most %d concepts", k, layer, acts.C, acts.H, acts.W, min(acts.C, acts.H*acts.W))
	}
	con, err := cam.DeepFeatureFactorization(acts, k, facts.Seed)
	if err != nil {
		return dffJSON{}, err
	}
	logits, err := cam.ConceptScores(ctx, src.Tail(layer), acts, con)
	if err != nil {
		return dffJSON{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return dffJSON{}, err
	}
	x := src.Input()
	pic := src.Picture()
	lut, err := render.Colormap(render.DefaultColormap)
	if err != nil {
		return dffJSON{}, err
	}
	nc := len(logits) / k
	finals := make([]cam.Map, k)
	facts.Iterations, facts.RelError, facts.Combined = con.Iterations, con.RelError, "concepts.png"
	for i := range k {
		// scale_cam_image: min-max each map, resize to the input.
		f, _, err := cam.Postprocess(con.Maps[i], x.W, x.H, cam.MinMax, 0)
		if err != nil {
			return dffJSON{}, err
		}
		finals[i] = f
		c := dffConcept{Index: i, Map: fmt.Sprintf("concept_%d.npy", i), Overlay: fmt.Sprintf("concept_%d.png", i)}
		if err := imgio.WriteNPYFile(filepath.Join(dir, c.Map), f.Data, f.H, f.W); err != nil {
			return dffJSON{}, err
		}
		img, err := render.Overlay(pic, render.Field(f), image.Point{}, render.Style{LUT: lut, Range: render.Unit(), Alpha: 0.5})
		if err != nil {
			return dffJSON{}, err
		}
		if err := app.WritePNG(filepath.Join(dir, c.Overlay), img); err != nil {
			return dffJSON{}, err
		}
		probs := softmax(logits[i*nc : (i+1)*nc])
		order := make([]int, nc)
		for j := range order {
			order[j] = j
		}
		sort.SliceStable(order, func(p, q int) bool { return probs[order[p]] > probs[order[q]] })
		for _, j := range order[:min(top, nc)] {
			c.Top = append(c.Top, dffClass{Class: j, Label: a.Model.Label(j), Prob: probs[j]})
		}
		facts.Concepts = append(facts.Concepts, c)
	}
	combined, share := colourConcepts(pic, finals)
	for i := range facts.Concepts {
		facts.Concepts[i].Share = share[i]
	}
	if err := app.WritePNG(filepath.Join(dir, facts.Combined), combined); err != nil {
		return dffJSON{}, err
	}
	b, err := json.MarshalIndent(facts, "", " ")
	if err != nil {
		return dffJSON{}, err
	}
	return facts, os.WriteFile(filepath.Join(dir, "dff.json"), append(b, '\n'), 0o644)
}

// colourConcepts is pytorch-grad-cam's show_factorization_on_image: each
// pixel takes the colour of its strongest concept (hues evenly spaced
// round the circle, as gist_rainbow spaces them), its brightness that
// concept's map value, laid over the picture with image weight 0.3. It
// also returns each concept's share of the pixels.
func colourConcepts(pic *image.NRGBA, maps []cam.Map) (*image.NRGBA, []float64) {
	w, h := maps[0].W, maps[0].H
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	share := make([]float64, len(maps))
	for p := range w * h {
		best, v := 0, float32(math.Inf(-1))
		for i, m := range maps {
			if m.Data[p] > v {
				best, v = i, m.Data[p]
			}
		}
		share[best]++
		col := colorful.Hsv(360*float64(best)/float64(len(maps)), 1, float64(max(v, 0)))
		base := pic.NRGBAAt(p%w, p/w)
		mix := func(b uint8, c float64) uint8 { return uint8(math.Round(255 * (0.3*float64(b)/255 + 0.7*c))) }
		out.SetNRGBA(p%w, p/w, color.NRGBA{mix(base.R, col.R), mix(base.G, col.G), mix(base.B, col.B), 255})
	}
	for i := range share {
		share[i] /= float64(w * h)
	}
	return out, share
}

func softmax(y []float32) []float32 {
	hi := math.Inf(-1)
	for _, v := range y {
		hi = math.Max(hi, float64(v))
	}
	out := make([]float32, len(y))
	var z float64
	for i, v := range y {
		e := math.Exp(float64(v) - hi)
		out[i], z = float32(e), z+e
	}
	for i := range out {
		out[i] = float32(float64(out[i]) / z)
	}
	return out
}
