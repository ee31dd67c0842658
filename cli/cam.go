package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/export"
	"camviz/imgio"
	"camviz/render"
)

func init() {
	register(command{
		name: "cam",
		usage: "cam [-model M.onnx] [-labels L.txt] -method NAME [-class K|LABEL] [-layer TENSOR[,TENSOR…]] [-norm minmax|raw|shared]\n" +
			"           [-colormap NAME] [-alpha A] [-caption] -out OUT.npy|OUT.png [-json]\n" +
			"           [the method's options: -target logit|prob|rest|neg, -eigen-smooth, -aug-smooth, -seed S, … (camviz methods)]\n" +
			"           [-metrics road-morf,road-lerf,road-combined,cam-mult,deletion,insertion,avgdrop] [-road-noise 0.01]\n" +
			"           [-road-morf-percentile 80] [-road-lerf-percentile 20] INPUT",
		help: "compute one class activation map: .npy = the float32 map at the model's input size, .png = the overlay on the image",
		run:  camCmd,
	})
}

// pngOnlyFlags says which of the flags given only a .png output uses:
// "-alpha and -colormap only shape", "" for none.
func pngOnlyFlags(fs *flag.FlagSet) string {
	var given []string
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "colormap" || f.Name == "alpha" || f.Name == "caption" {
			given = append(given, "-"+f.Name)
		}
	})
	switch len(given) {
	case 0:
		return ""
	case 1:
		return given[0] + " only shapes"
	}
	return strings.Join(given, " and ") + " only shape"
}

type camJSON struct {
	Input     string             `json:"input"`
	Out       string             `json:"out"`
	Method    string             `json:"method"`
	Layer     string             `json:"layer"`
	Class     int                `json:"class"`
	Label     string             `json:"label"`
	Score     float32            `json:"score"`
	Prob      float32            `json:"prob"`
	Norm      string             `json:"norm"`
	Scale     float32            `json:"scale,omitempty"`
	Options   string             `json:"options,omitempty"`
	Flags     string             `json:"flags,omitempty"`
	MapSize   [2]int             `json:"map_size"`
	Timings   map[string]float64 `json:"timings_s"`
	Colormap  string             `json:"colormap,omitempty"`
	OutputDim [2]int             `json:"output_size"`
	Metrics   map[string]float64 `json:"metrics,omitempty"`
}

func camCmd(e *env, args []string) error {
	fs := newFlags("cam")
	var mf modelFlags
	mf.add(fs)
	method := fs.String("method", cam.DefaultMethod, "CAM method (camviz methods lists them)")
	class := fs.String("class", "", "target class: index or label (default: the top prediction)")
	layer := fs.String("layer", "", "target layer tensor; several (A,B,…) are fused (default: the model's)")
	norm := fs.String("norm", "minmax", cam.ModeHelp())
	cmap := fs.String("colormap", "", "colour map for .png: "+render.ColormapNames()+" (default "+render.DefaultColormap+"; "+render.SignedColormap+" for raw)")
	alpha := fs.Float64("alpha", 0.5, "heatmap opacity for .png, 0–1")
	caption := fs.Bool("caption", false, "add a caption and a colour bar to the .png")
	out := fs.String("out", "", "output file: .npy or .png")
	asJSON := fs.Bool("json", false, "print the facts as JSON")
	var tf trustFlags
	tf.add(fs, "")
	var of methodFlags
	of.add(fs)
	inputs, err := parse(fs, args)
	if err != nil {
		return err
	}
	if err := tf.parse(); err != nil {
		return err
	}
	if len(inputs) != 1 {
		return fmt.Errorf("give exactly one INPUT (got %d)", len(inputs))
	}
	ext, err := camOutput(e, fs, *out, *alpha)
	if err != nil {
		return err
	}
	mode, err := cam.ParseMode(*norm)
	if err != nil {
		return err
	}
	times := map[string]float64{}
	t0 := time.Now()
	m, err := mf.load()
	if err != nil {
		return err
	}
	times["load"] = time.Since(t0).Seconds()
	req, err := camRequest(m, &of, *method, *layer)
	if err != nil {
		return err
	}
	in, err := m.OpenInput(inputs[0], mf.mode)
	if err != nil {
		return err
	}
	ctx := context.Background()
	t0 = time.Now()
	a, err := m.Analyze(ctx, in)
	if err != nil {
		return err
	}
	times["forward"] = time.Since(t0).Seconds()
	k := a.Top(1)[0].Class
	if *class != "" {
		if k, err = m.ClassByName(*class); err != nil {
			return err
		}
	}
	t0 = time.Now()
	req.Class = k
	lm, err := a.Map(ctx, req)
	if err != nil {
		return err
	}
	times["map"] = time.Since(t0).Seconds()
	scale := float32(0)
	if mode == cam.Shared {
		if scale, err = a.SharedScale(ctx, req, 5); err != nil {
			return err
		}
	}
	return camOut{e: e, input: inputs[0], out: *out, ext: ext, cmap: *cmap, alpha: *alpha, caption: *caption,
		asJSON: *asJSON, tf: tf, m: m, a: a, lm: lm, mode: mode, scale: scale, class: k, times: times}.write(ctx)
}

// camRequest is the map request of method at layer (one or several,
// comma-separated) with the method's option flags, checked against m.
func camRequest(m *analysis.Model, of *methodFlags, method, layer string) (analysis.MapRequest, error) {
	if _, err := m.Method(method); err != nil {
		return analysis.MapRequest{}, err
	}
	settings, err := of.settings(m, []string{method})
	if err != nil {
		return analysis.MapRequest{}, err
	}
	layers, err := parseLayers(m, layer, []string{method})
	if err != nil {
		return analysis.MapRequest{}, err
	}
	req := analysis.MapRequest{Method: method, Options: settings}
	if len(layers) > 0 {
		req.Layer, req.Layers = layers[0], layers
	}
	return req, nil
}

// camOutput checks -out and -alpha and returns -out's extension; flags
// that only shape a .png are noted as ignored for a .npy.
func camOutput(e *env, fs *flag.FlagSet, out string, alpha float64) (string, error) {
	ext := strings.ToLower(filepath.Ext(out))
	if out == "" || (ext != ".npy" && ext != ".png") {
		return "", errors.New("-out must name a .npy or .png file")
	}
	if !(alpha >= 0 && alpha <= 1) { // NaN fails both
		return "", errors.New("-alpha must be between 0 and 1")
	}
	if ext == ".npy" {
		if ignored := pngOnlyFlags(fs); ignored != "" {
			fmt.Fprintf(e.stderr, "camviz cam: note: %s the .png overlay; ignored for .npy output\n", ignored)
		}
	}
	return ext, nil
}

// camOut is what `camviz cam` writes and prints once its map is computed.
type camOut struct {
	e                     *env
	input, out, ext, cmap string
	alpha                 float64
	caption, asJSON       bool
	tf                    trustFlags
	m                     *analysis.Model
	a                     *analysis.Analysis
	lm                    *analysis.LayerMap
	mode                  cam.Mode
	scale                 float32
	class                 int
	times                 map[string]float64
}

// write saves the map (or the guided image) to c.out, measures what
// -metrics asks and prints the facts.
func (c camOut) write(ctx context.Context) error {
	ic, ih, iw := c.a.Model.Net.InputSize() // the analysis' size: a symbolic-size model takes the image's
	if c.lm.HWC != nil {
		size, err := writeImageResult(c.out, c.ext, c.lm, ic, ih, iw)
		if err != nil || !c.asJSON {
			return err
		}
		return json.NewEncoder(c.e.stdout).Encode(camJSON{Input: c.input, Out: c.out, Method: c.lm.Method, Layer: c.lm.Layer,
			Class: c.class, Label: c.m.Label(c.class), Score: c.a.Scores[c.class], Prob: c.a.Probs[c.class], Timings: c.times, OutputDim: size})
	}
	final, flags, err := c.lm.Final(iw, ih, c.mode, c.scale)
	if err != nil {
		return err
	}
	t0 := time.Now()
	var size [2]int
	if c.ext == ".npy" {
		err = imgio.WriteNPYFile(c.out, final.Data, final.H, final.W)
		size = [2]int{final.W, final.H}
	} else {
		var opts compose.OverlayOptions
		opts, err = compose.ParseOverlayOptions(c.cmap, c.alpha, c.mode)
		if err == nil {
			opts.Caption = c.caption
			size, err = export.SaveOverlay(c.a, c.out, c.lm, c.mode, c.scale, opts)
		}
	}
	if err != nil {
		return err
	}
	c.times["write"] = time.Since(t0).Seconds()
	t0 = time.Now()
	measured, err := c.tf.measure(ctx, c.a, c.lm)
	if err != nil {
		return err
	}
	if measured != nil {
		c.times["metrics"] = time.Since(t0).Seconds()
	}
	if !c.asJSON {
		for _, m := range trustMetricNames {
			if v, ok := measured[m.key]; ok {
				fmt.Fprintf(c.e.stdout, "%s %.6g\n", m.key, v)
			}
		}
		if flags != 0 {
			fmt.Fprintf(c.e.stderr, "camviz cam: note: the map is %s\n", compose.DescribeFlags(flags))
		}
		return nil
	}
	return json.NewEncoder(c.e.stdout).Encode(camJSON{
		Input: c.input, Out: c.out, Method: c.lm.Method, Layer: c.lm.Layer, Class: c.class, Label: c.m.Label(c.class),
		Score: c.a.Scores[c.class], Prob: c.a.Probs[c.class], Norm: c.mode.String(), Scale: c.scale, Options: c.lm.Options, Flags: flags.String(),
		MapSize: [2]int{c.lm.Map.W, c.lm.Map.H}, Timings: c.times, Colormap: c.cmap, OutputDim: size, Metrics: measured,
	})
}
