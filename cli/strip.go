package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"camviz/cam"
	"camviz/compose"
	"camviz/export"
	"camviz/render"
)

func init() {
	register(command{
		name: "strip",
		usage: "strip [-model M.onnx] [-labels L.txt] -method NAME [-class K|LABEL] [-layers A,B,...] [-norm minmax|raw]\n" +
			"           [-colormap NAME] [-alpha A] [-cell PX] -out OUT.png INPUT",
		help: "a layer strip: the same method's map at every block's layer (or -layers), one row, each cell captioned with its layer",
		run:  strip,
	})
}

func strip(e *env, args []string) error {
	fs := newFlags("strip")
	var mf modelFlags
	mf.add(fs)
	method := fs.String("method", cam.DefaultMethod, "CAM method that takes a layer (camviz methods lists them)")
	class := fs.String("class", "", "target class: index or label (default: the top prediction)")
	layerList := fs.String("layers", "", "comma-separated layer tensors (default: every block's last output, camviz layers lists them)")
	norm := fs.String("norm", "minmax", "minmax (each map on its own) or raw (signed)")
	cmap := fs.String("colormap", "", "colour map: "+render.ColormapNames()+" (default "+render.DefaultColormap+"; "+render.SignedColormap+" for raw)")
	alpha := fs.Float64("alpha", 0.5, "heatmap opacity, 0–1")
	cell := fs.Int("cell", 256, "longest side of each cell's picture, in pixels")
	out := fs.String("out", "", "output .png file")
	input, err := parseOne(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || !strings.EqualFold(filepath.Ext(*out), ".png") {
		return errors.New("-out must name a .png file")
	}
	if *cell < 16 {
		return errors.New("-cell must be at least 16 pixels")
	}
	mode, err := cam.ParseMode(*norm)
	if err != nil {
		return err
	}
	if mode == cam.Shared {
		return errors.New("-norm shared does not apply to a strip: each layer's map is normalised on its own (minmax or raw)")
	}
	req := compose.StripRequest{Method: *method, Side: *cell, Norm: mode}
	if req.Overlay, err = compose.ParseOverlayOptions(*cmap, *alpha, mode); err != nil {
		return err
	}
	m, err := mf.load()
	if err != nil {
		return err
	}
	for _, l := range strings.Split(*layerList, ",") {
		if l = strings.TrimSpace(l); l != "" {
			if _, err := m.Net.Layer(l); err != nil {
				return err
			}
			req.Layers = append(req.Layers, l)
		}
	}
	ctx := context.Background()
	a, err := analyze(ctx, m, input, mf.mode)
	if err != nil {
		return err
	}
	req.Class = a.Top(1)[0].Class
	if *class != "" {
		if req.Class, err = m.ClassByName(*class); err != nil {
			return err
		}
	}
	img, _, err := compose.LayerStrip(ctx, a, req)
	if err != nil {
		return err
	}
	if err := export.WritePNG(*out, img); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "camviz strip: %d×%d → %s\n", img.Bounds().Dx(), img.Bounds().Dy(), *out)
	return nil
}
