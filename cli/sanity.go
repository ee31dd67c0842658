package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"

	"camviz/analysis"
	"camviz/assets"
	"camviz/cam"
	"camviz/inference"
	"camviz/metrics"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

func init() {
	register(command{
		name:  "sanity",
		usage: "sanity [-model M.onnx] [-labels L.txt] [-methods LIST|all] [-class K|LABEL] [-layer TENSOR] [-seed S] [-plot OUT.png] [-json] INPUT",
		help: "model-randomisation sanity check (Adebayo et al. 2018): the weights are redrawn layer by layer from the top down\n" +
			"      and each method's map is compared with the original (Spearman rank correlation, SSIM) after every step",
		run: sanity,
	})
}

// sanityJSON is one method's cascade: entry i is after randomising
// Layers[0…i]; the last entry has every layer randomised.
type sanityJSON struct {
	Method     string    `json:"method"`
	Class      int       `json:"class"`
	Layers     []string  `json:"layers"`
	Similarity []float64 `json:"similarity"` // Spearman rank correlation
	SSIM       []float64 `json:"ssim"`
}

func sanity(e *env, args []string) error {
	fs := newFlags("sanity")
	var mf modelFlags
	mf.add(fs)
	list := fs.String("methods", "gradcam,sobelcam", "comma-separated CAM methods, or all")
	class := fs.String("class", "", "target class: index or label (default: the top prediction of the original model)")
	layer := fs.String("layer", "", "target layer tensor (default: the model's)")
	seed := fs.Uint64("seed", 0, "seed of the random weights")
	plotOut := fs.String("plot", "", "also draw the rank correlation against the randomised depth into this .png")
	asJSON := fs.Bool("json", false, "one JSON object per method")
	input, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *plotOut != "" && !strings.EqualFold(filepath.Ext(*plotOut), ".png") {
		return errors.New("-plot must name a .png file")
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	onnx, _ := assets.DefaultModel()
	if mf.model != "" {
		if onnx, err = os.ReadFile(mf.model); err != nil {
			return fmt.Errorf("cannot read model: %w", err)
		}
	}
	methods, err := m.MethodNames(*list)
	if err != nil {
		return err
	}
	layers, err := inference.ParamLayers(onnx)
	if err != nil {
		return err
	}
	if len(layers) == 0 {
		return errors.New("the model has no Conv or Gemm layer with weights to randomise")
	}
	in, err := m.OpenInput(input, mf.mode) // again for each randomised model below
	if err != nil {
		return err
	}
	ctx := context.Background()
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	defer a.Close()
	k := a.Top(1)[0].Class
	if *class != "" {
		if k, err = m.ClassByName(*class); err != nil {
			return err
		}
	}
	orig, err := finalMaps(ctx, a, methods, k, *layer)
	if err != nil {
		return err
	}
	out := make([]sanityJSON, len(methods))
	for i, name := range methods {
		out[i] = sanityJSON{Method: name, Class: k}
	}
	nodes := make([]string, 0, len(layers))
	for _, l := range layers {
		nodes = append(nodes, l.Node)
		if err := sanityStep(ctx, m, onnx, nodes, *seed, in, methods, k, *layer, orig, out); err != nil {
			return fmt.Errorf("randomised down to %s: %w", l.Node, err)
		}
	}
	if *plotOut != "" {
		if err := sanityPlot(*plotOut, m.Name, out); err != nil {
			return err
		}
	}
	return writeSanity(e.stdout, *asJSON, m, k, *seed, layers, out)
}

// writeSanity prints the results: one JSON object per method, or the
// table of rank correlation and SSIM per randomised layer.
func writeSanity(w io.Writer, asJSON bool, m *analysis.Model, k int, seed uint64, layers []inference.ParamLayer, out []sanityJSON) error {
	if asJSON {
		enc := json.NewEncoder(w)
		for _, r := range out {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%s, class %d “%s”, seed %d: Spearman rank correlation / SSIM with the original map\n\n| randomised down to |", m.Name, k, m.Label(k), seed)
	for _, r := range out {
		fmt.Fprintf(w, " %s |", r.Method)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(out)))
	for i, l := range layers {
		fmt.Fprintf(w, "| %s (%s) |", l.Node, l.Op)
		for _, r := range out {
			fmt.Fprintf(w, " %.3f / %.3f |", r.Similarity[i], r.SSIM[i])
		}
		fmt.Fprintln(w)
	}
	return nil
}

// sanityStep recomputes every method on the network with nodes randomised
// and appends the similarities to out.
func sanityStep(ctx context.Context, m *analysis.Model, onnx []byte, nodes []string, seed uint64, in *analysis.Input,
	methods []string, class int, layer string, orig []metrics.Map, out []sanityJSON) error {
	net, err := inference.RandomizedNet(onnx, nodes, seed)
	if err != nil {
		return err
	}
	rm := *m
	rm.Net = net
	a, err := rm.Analyze(ctx, in)
	if err != nil {
		return err
	}
	defer a.Close()
	maps, err := finalMaps(ctx, a, methods, class, layer)
	if err != nil {
		return err
	}
	for i := range methods {
		sp, err := metrics.Spearman(orig[i], maps[i])
		if err != nil {
			return err
		}
		ss, err := metrics.SSIM(orig[i], maps[i])
		if err != nil {
			return err
		}
		r := &out[i]
		r.Layers = append(r.Layers, nodes[len(nodes)-1])
		r.Similarity = append(r.Similarity, sp)
		r.SSIM = append(r.SSIM, ss)
	}
	return nil
}

// finalMaps computes each method's min-max map at the input size, as
// `camviz cam -out x.npy` writes it.
func finalMaps(ctx context.Context, a *analysis.Analysis, methods []string, class int, layer string) ([]metrics.Map, error) {
	_, h, w := a.Model.Net.InputSize()
	var out []metrics.Map
	for _, name := range methods {
		lm, err := a.Map(ctx, analysis.MapRequest{Method: name, Class: class, Layer: layer})
		if err != nil {
			return nil, err
		}
		f, _, err := lm.Final(w, h, cam.MinMax, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, metrics.Map(f))
	}
	return out, nil
}

// sanityPlot draws each method's rank correlation against the number of
// layers randomised (0 = the original network, similarity 1).
func sanityPlot(path, model string, rows []sanityJSON) error {
	p := plot.New()
	p.Title.Text = "Cascading randomisation: " + model
	p.X.Label.Text = "layers randomised from the top"
	p.Y.Label.Text = "Spearman rank correlation with the original map"
	p.Y.Max = 1.4 // room for the legend
	p.Add(plotter.NewGrid())
	for i, r := range rows {
		pts := plotter.XYs{{X: 0, Y: 1}}
		for j, s := range r.Similarity {
			pts = append(pts, plotter.XY{X: float64(j + 1), Y: s})
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		s.Color = l.Color
		s.Shape = plotutil.Shape(i)
		p.Add(l, s)
		p.Legend.Add(r.Method, l, s)
	}
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = color.Gray{Y: 128}
	zero.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
	p.Add(zero)
	p.Legend.Top = true
	if err := p.Save(7*vg.Inch, 4*vg.Inch, path); err != nil {
		return fmt.Errorf("cannot write the plot: %w", err)
	}
	return nil
}
