package compose

import (
	"context"
	"errors"
	"fmt"
	"image"
	"strings"

	"camviz/analysis"
	"camviz/cam"
)

// StripRequest asks for a layer strip.
type StripRequest struct {
	Method  string
	Class   int
	Layers  []string // nil = StripLayers
	Side    int      // each cell's longest side (0 = the picture's own)
	Norm    cam.Mode // MinMax or Raw, per cell
	Overlay OverlayOptions
	// Progress, if set, hears before each layer's map.
	Progress func(done, total int, layer string)
}

// LayerStrip composes the method's map for the class at every layer of
// req, side by side in one row, each cell captioned with its layer and
// the map's size (or why it failed there), under a title. It returns the
// picture and what each cell shows.
func LayerStrip(ctx context.Context, a *analysis.Analysis, req StripRequest) (*image.RGBA, []CellFacts, error) {
	meth, err := a.Model.Method(req.Method)
	if err != nil {
		return nil, nil, err
	}
	if meth.FixedLayer {
		return nil, nil, fmt.Errorf("%s reads a fixed layer, so a layer strip would repeat one map; pick a method that takes a layer", meth.Display)
	}
	if req.Norm == cam.Shared {
		return nil, nil, errors.New("a layer strip normalises each layer's map on its own (minmax or raw): the layers' values do not share a scale")
	}
	if err := a.CheckClass(req.Class); err != nil {
		return nil, nil, err
	}
	layers := req.Layers
	if layers == nil {
		layers = a.Model.StripLayers()
	}
	if len(layers) == 0 {
		return nil, nil, errors.New("the model has no layer with a spatial map")
	}
	row := make([]SheetCell, len(layers))
	facts := make([]CellFacts, len(layers))
	for i, layer := range layers {
		if req.Progress != nil {
			req.Progress(i, len(layers), layer)
		}
		lm, err := a.Map(ctx, analysis.MapRequest{Method: meth.Name, Class: req.Class, Layer: layer})
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		row[i] = stripCell(layer, lm, err)
		facts[i] = CellFacts{Method: meth.Name, Layer: layer, Class: req.Class, Label: a.Model.Label(req.Class), Prob: a.Probs[req.Class]}
		if err != nil {
			facts[i].Error = oneLine(err.Error())
		}
	}
	k := req.Class
	title := []string{
		fmt.Sprintf("%s — %s · class %d “%s” p=%.3f · %s", a.Input.Name, meth.Display, k, a.Model.Label(k), a.Probs[k], normName(req.Norm)),
		fmt.Sprintf("model %s · %d layers", a.Model.Name, len(layers)),
	}
	img, err := Sheet(a, [][]SheetCell{row}, SheetOptions{Side: req.Side, Norm: req.Norm, Overlay: req.Overlay, Title: title, Enlarge: true})
	if err != nil {
		return nil, nil, err
	}
	return img, facts, nil
}

// stripCell is a strip's cell for layer: its map, or why there is none.
func stripCell(layer string, lm *analysis.LayerMap, err error) SheetCell {
	if err != nil {
		return SheetCell{Caption: []string{ShortLayer(layer), "failed: " + oneLine(err.Error())}}
	}
	return SheetCell{Map: lm, Caption: []string{ShortLayer(layer), fmt.Sprintf("%d×%d", lm.Map.W, lm.Map.H)}}
}

// oneLine folds an error's text onto one line for a caption.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
