package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"io"
	"math"
	"path/filepath"
	"strings"

	"camviz/cam"
	"camviz/imgio"
	"camviz/render"
)

// Facts are what an exported picture shows, for its JSON sidecar and the
// clipboard.
type Facts struct {
	Image      string        `json:"image"`
	ImagePath  string        `json:"image_path,omitempty"`
	ImageSize  [2]int        `json:"image_size"`
	Model      string        `json:"model"`
	ModelPath  string        `json:"model_path,omitempty"`
	InputSize  [3]int        `json:"input_size"`
	Resize     string        `json:"resize"`
	Method     string        `json:"method"`
	MethodName string        `json:"method_display"`
	Layer      string        `json:"layer"`
	Class      int           `json:"class"`
	Label      string        `json:"label"`
	Prob       float32       `json:"prob"`
	Score      float32       `json:"score"`
	Norm       string        `json:"norm"`
	Scale      float32       `json:"scale,omitempty"`
	Colormap   string        `json:"colormap"`
	Alpha      float64       `json:"alpha"`
	Flags      string        `json:"flags,omitempty"`
	Note       string        `json:"note,omitempty"`
	Compare    *CompareFacts `json:"compare,omitempty"`
	Grid       []CellFacts   `json:"grid,omitempty"`
	// Faithfulness is the map's, when measuring is on and it was measured
	// (not for comparisons and grids).
	Faithfulness *FaithFacts `json:"faithfulness,omitempty"`
	// ROAD and Sanity are the map's checks, when the user ran them (not
	// for comparisons and grids).
	ROAD       *ROADResult   `json:"road,omitempty"`
	Sanity     *SanityResult `json:"sanity,omitempty"`
	Top        []Prediction  `json:"top5"`
	Output     string        `json:"output,omitempty"`
	OutputSize [2]int        `json:"output_size,omitempty"`
}

// CompareFacts describe a two-class comparison.
type CompareFacts struct {
	A      int     `json:"a"`
	LabelA string  `json:"label_a"`
	ProbA  float32 `json:"prob_a"`
	B      int     `json:"b"`
	LabelB string  `json:"label_b"`
	ProbB  float32 `json:"prob_b"`
	Blend  float64 `json:"blend"`
	Shows  string  `json:"shows"` // "blend" or "contrast A-B"
}

// CellFacts describe one cell of a grid.
type CellFacts struct {
	Method string  `json:"method"`
	Layer  string  `json:"layer"`
	Class  int     `json:"class"`
	Label  string  `json:"label"`
	Prob   float32 `json:"prob"`
	Flags  string  `json:"flags,omitempty"`
	Error  string  `json:"error,omitempty"`
}

// JSON is the facts, indented.
func (f Facts) JSON() []byte {
	b, _ := json.MarshalIndent(f, "", "  ")
	return append(b, '\n')
}

func baseFacts(a *Analysis, pic *picture, sel Selection, meth Method, layer string, scale float32, flags cam.Flags) Facts {
	m := a.Model
	c, h, w := m.Net.InputSize()
	k := sel.Class
	f := Facts{Image: pic.name, ImagePath: pic.path, ImageSize: [2]int{pic.orig.X, pic.orig.Y},
		Model: m.Name, ModelPath: m.Path, InputSize: [3]int{c, h, w}, Resize: a.Input.Mode,
		Method: meth.Name, MethodName: meth.Display, Layer: layer, Class: k, Label: m.Label(k),
		Prob: a.Probs[k], Score: a.Scores[k], Norm: sel.Norm.String(), Scale: scale,
		Colormap: sel.EffectiveColormap(), Alpha: sel.Alpha, Flags: flags.String(), Note: DescribeFlags(flags), Top: a.Top(5)}
	if sel.Compare.On {
		cp := sel.Compare
		f.Norm = cam.Shared.String()
		f.Compare = &CompareFacts{A: cp.A, LabelA: m.Label(cp.A), ProbA: a.Probs[cp.A], B: cp.B, LabelB: m.Label(cp.B),
			ProbB: a.Probs[cp.B], Blend: cp.T, Shows: "blend"}
		if cp.Contrast {
			f.Compare.Shows = "contrast A-B"
		}
	}
	return f
}

// Facts describes the picture on screen; an error while it is still
// being computed.
func (s *Session) Facts() (Facts, error) {
	st := s.State()
	if st.View == nil || st.Analysis == nil {
		return Facts{}, errNoView
	}
	if !st.Current() {
		return Facts{}, errors.New("the map is still being computed")
	}
	v := st.View
	f := baseFacts(v.Analysis, v.pic, v.Sel, v.Method, v.Layer, v.Scale, v.Flags)
	if r := st.Faith.Report; r != nil && !v.Sel.Compare.On && st.Faith.Analysis == v.Analysis &&
		r.Method == v.Method.Name && r.Layer == v.Layer && r.Class == v.Sel.Class {
		f.Faithfulness = NewFaithFacts(r, st.Faith.Config)
	}
	if !v.Sel.Compare.On {
		f.ROAD, f.Sanity = st.Trust.ROAD, st.Trust.Sanity
	}
	return f, nil
}

// ExportResult says what an export wrote.
type ExportResult struct {
	PNG, JSON string
	Size      [2]int
	Facts     Facts
}

// Export saves the current selection, drawn on the picture at its working
// resolution (the original one up to MaxWorkingSide), as PNG with a JSON
// sidecar (path with .json). With caption, a caption and a colour bar are
// added around the picture. It runs in the background; done hears the
// outcome on the job's goroutine (failures also go to OnError).
func (s *Session) Export(path string, caption bool, done func(ExportResult, error)) {
	s.export(path, done, func(ctx context.Context) (image.Image, Facts, error) { return s.drawExport(ctx, caption) })
}

// ExportGrid saves the comparison grid (cells up to 1024 pixels on their
// long side, each captioned) as PNG with a JSON sidecar.
func (s *Session) ExportGrid(path string, done func(ExportResult, error)) {
	s.export(path, done, s.drawGridExport)
}

func (s *Session) export(path string, done func(ExportResult, error), draw func(ctx context.Context) (image.Image, Facts, error)) {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		path += ".png"
	}
	name := filepath.Base(path)
	ok := s.jobs.Go(string(LaneExport), func(ctx context.Context) {
		s.setBusy(nil, 0, Progress{Lane: LaneExport, Label: "Saving " + name + "…"})
		res, err := func() (ExportResult, error) {
			img, facts, err := draw(ctx)
			if err != nil {
				return ExportResult{}, err
			}
			b := img.Bounds()
			facts.Output, facts.OutputSize = path, [2]int{b.Dx(), b.Dy()}
			if err := WritePNG(path, img); err != nil {
				return ExportResult{}, err
			}
			side := strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
			if err := writeFileAtomic(side, facts.JSON()); err != nil {
				return ExportResult{}, err
			}
			return ExportResult{PNG: path, JSON: side, Size: facts.OutputSize, Facts: facts}, nil
		}()
		s.setBusy(nil, 0, Progress{Lane: LaneExport})
		if err != nil {
			s.fail(fmt.Errorf("cannot save %s: %w", name, err))
		} else {
			s.setStatus(fmt.Sprintf("Saved %s (%d×%d) and %s.", res.PNG, res.Size[0], res.Size[1], filepath.Base(res.JSON)))
		}
		if done != nil {
			done(res, err)
		}
	})
	if !ok && done != nil {
		done(ExportResult{}, errors.New("the session is closed"))
	}
}

func writeFileAtomic(path string, data []byte) error {
	return WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// drawExport draws the current selection at full resolution.
func (s *Session) drawExport(ctx context.Context, caption bool) (image.Image, Facts, error) {
	s.mu.Lock()
	a, sel, pic := s.analysis, s.sel, s.pic
	faith := func(layer string) *FaithfulnessReport {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.faithForLocked(a, sel.Method, layer, sel.Class)
	}
	trust := func(layer string) (*ROADResult, *SanityResult) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.trustForLocked(trustKey{model: a.Model, pic: pic, mode: a.Input.Mode, method: sel.Method, layer: layer, class: sel.Class})
	}
	s.mu.Unlock()
	if a == nil || pic == nil {
		return nil, Facts{}, errNoView
	}
	meth, err := a.Model.Method(sel.Method)
	if err != nil {
		return nil, Facts{}, err
	}
	req := sel.mapRequest()
	mapOf := func(k int, _ string) (*LayerMap, error) {
		r := req
		r.Class = k
		return a.Map(ctx, r)
	}
	place := func(lm *LayerMap, norm cam.Mode, scale float32) (placed, error) {
		p, err := a.Place(lm, norm, scale)
		if err != nil {
			return placed{}, err
		}
		return placed{field: p.Field, area: p.Area, rng: p.Range, flags: p.Flags}, nil
	}
	v, _, err := compose(ctx, a, a.Input.Source, sel, meth, mapOf, place)
	if err != nil {
		return nil, Facts{}, err
	}
	facts := baseFacts(a, pic, sel, meth, v.Layer, v.Scale, v.Flags)
	if !sel.Compare.On {
		facts.ROAD, facts.Sanity = trust(v.Layer)
	}
	if !caption {
		if !sel.Compare.On {
			if fr := faith(v.Layer); fr != nil {
				facts.Faithfulness = NewFaithFacts(fr, s.faithConfig())
			}
		}
		return v.Image, facts, nil
	}
	lut, err := render.Colormap(v.Colormap)
	if err != nil {
		return nil, Facts{}, err
	}
	bar := &render.BarOptions{LUT: lut, Range: v.Range}
	if sel.Compare.On {
		out, err := render.Compose(v.Image, render.ComposeOptions{Bar: bar, Caption: compareCaption(a, sel.Compare, meth, v)})
		return out, facts, err
	}
	lm := &LayerMap{Method: meth.Name, Layer: v.Layer, Class: sel.Class}
	fr := faith(v.Layer)
	extra := trustCaptionLines(facts.ROAD, facts.Sanity)
	if fr == nil && len(extra) == 0 {
		out, err := render.Compose(v.Image, render.ComposeOptions{Bar: bar, Caption: a.CaptionLines(lm, sel.Norm)})
		return out, facts, err
	}
	if fr != nil {
		facts.Faithfulness = NewFaithFacts(fr, s.faithConfig())
		extra = append([][]string{faithCaptionLines(fr)}, extra...)
	}
	// The caption and colour bar, and the lines of faithfulness and the
	// checks, each in the longest form that fits.
	size := captionFontSize(v.Image.Bounds().Dx())
	top, err := render.Compose(v.Image, render.ComposeOptions{Bar: bar, FontSize: size})
	if err != nil {
		return nil, Facts{}, err
	}
	face, err := render.NewFace(size)
	if err != nil {
		return nil, Facts{}, err
	}
	defer face.Close()
	pad := max(int(size/2), 1) // Compose's
	lines := a.CaptionLines(lm, sel.Norm)
	for _, forms := range extra {
		lines = append(lines, longestFitting(forms, face, top.Bounds().Dx()-2*pad))
	}
	out, err := render.Caption(top, lines, render.CaptionOptions{Face: face, Padding: pad})
	return out, facts, err
}

// compareCaption is the caption of an exported comparison.
func compareCaption(a *Analysis, c Compare, meth Method, v *View) []string {
	shows := fmt.Sprintf("blend %.0f%% of “%s” into “%s”", 100*c.T, a.Model.Label(c.A), a.Model.Label(c.B))
	if c.Contrast {
		shows = fmt.Sprintf("“%s” − “%s” (red: A wins, blue: B wins)", a.Model.Label(c.A), a.Model.Label(c.B))
	}
	return []string{
		fmt.Sprintf("%s — %s", a.Input.Name, shows),
		fmt.Sprintf("A: class %d p=%.3f score=%.3f · B: class %d p=%.3f score=%.3f", c.A, a.Probs[c.A], a.Scores[c.A], c.B, a.Probs[c.B], a.Scores[c.B]),
		fmt.Sprintf("%s at %s · shared scale %.4g · model %s", meth.Display, v.Layer, v.Scale, a.Model.Name),
	}
}

// captionFontSize is render.Compose's default font size for an overlay
// width pixels wide.
func captionFontSize(width int) float64 { return max(12, float64(width)/40) }

// gridExportSide bounds an exported grid cell's long side.
const gridExportSide = 1024

// drawGridExport draws the comparison grid for saving.
func (s *Session) drawGridExport(ctx context.Context) (image.Image, Facts, error) {
	s.mu.Lock()
	a, sel, pic, req := s.analysis, s.sel, s.pic, s.gridReq
	s.mu.Unlock()
	if a == nil || pic == nil {
		return nil, Facts{}, errNoView
	}
	if req == nil {
		return nil, Facts{}, errors.New("there is no comparison grid to save: open the Grid tab first")
	}
	base := imgio.Downscale(pic.img, gridExportSide)
	g, err := gridCells(ctx, a, base, *req, sel, nil, nil)
	if err != nil {
		return nil, Facts{}, err
	}
	if len(g.Cells) == 0 {
		return nil, Facts{}, errors.New("the grid has no cells")
	}
	face, err := render.NewFace(max(14, float64(base.Bounds().Dx())/30))
	if err != nil {
		return nil, Facts{}, err
	}
	defer face.Close()
	var tiles []image.Image
	for _, c := range g.Cells {
		var img image.Image = c.Image
		lines := []string{c.Title}
		if c.Err != "" || c.Image == nil {
			img = base
			lines = append(lines, "failed: "+c.Err)
		} else {
			if g.Req.Kind == GridClasses {
				lines = append(lines, fmt.Sprintf("class %d", c.Class))
			} else {
				lines = append(lines, shortLayer(c.Layer))
			}
			if c.Flags != 0 {
				lines = append(lines, c.Flags.String())
			}
		}
		t, err := render.Caption(img, lines, render.CaptionOptions{Face: face})
		if err != nil {
			return nil, Facts{}, err
		}
		tiles = append(tiles, t)
	}
	sheet := tile(tiles, 8)
	lut, err := render.Colormap(g.Colormap)
	if err != nil {
		return nil, Facts{}, err
	}
	var bar *render.BarOptions
	if g.Norm != cam.Raw { // raw cells each span their own ±max: one bar cannot label them
		bar = &render.BarOptions{LUT: lut, Range: render.Unit()}
	}
	what := fmt.Sprintf("class %d “%s” p=%.3f · %s per cell", sel.Class, a.Model.Label(sel.Class), a.Probs[sel.Class], normName(g.Norm))
	if g.Req.Kind == GridClasses {
		what = fmt.Sprintf("%s · shared scale %.4g", g.Cells[0].Method.Display, g.Scale)
	}
	head := []string{fmt.Sprintf("%s — %s · model %s · %s", pic.name, what, a.Model.Name, a.Input.Mode)}
	out, err := render.Compose(sheet, render.ComposeOptions{Bar: bar, Caption: head, CaptionAbove: true})
	if err != nil {
		return nil, Facts{}, err
	}
	meth, err := a.Model.Method(sel.Method)
	if err != nil {
		return nil, Facts{}, err
	}
	facts := baseFacts(a, pic, sel, meth, "", g.Scale, 0)
	facts.Compare = nil
	facts.Norm = g.Norm.String()
	facts.Colormap = g.Colormap
	if g.Req.Kind == GridMethods {
		facts.Method, facts.MethodName = "", ""
	}
	for _, c := range g.Cells {
		facts.Grid = append(facts.Grid, CellFacts{Method: c.Method.Name, Layer: c.Layer, Class: c.Class,
			Label: a.Model.Label(c.Class), Prob: a.Probs[c.Class], Flags: c.Flags.String(), Error: c.Err})
	}
	return out, facts, nil
}

// tile lays images out in rows of up to cols (a square-ish sheet), each
// in a slot the size of the largest, on white.
func tile(imgs []image.Image, pad int) *image.RGBA {
	cols := int(math.Ceil(math.Sqrt(float64(len(imgs)))))
	rows := (len(imgs) + cols - 1) / cols
	cw, ch := 0, 0
	for _, im := range imgs {
		cw = max(cw, im.Bounds().Dx())
		ch = max(ch, im.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, cols*cw+(cols+1)*pad, rows*ch+(rows+1)*pad))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, im := range imgs {
		x := pad + (i%cols)*(cw+pad)
		y := pad + (i/cols)*(ch+pad)
		b := im.Bounds()
		draw.Draw(out, image.Rect(x, y, x+b.Dx(), y+b.Dy()), im, b.Min, draw.Src)
	}
	return out
}

// shortLayer makes a tensor name readable: "/features/features.29/Relu_output_0"
// becomes "features.29/Relu".
func shortLayer(name string) string {
	n := strings.TrimPrefix(name, "/")
	n = strings.TrimSuffix(n, "_output_0")
	if i := strings.Index(n, "/"); i >= 0 && strings.HasPrefix(n[i+1:], n[:i]+".") {
		n = n[i+1:]
	}
	return n
}

// ShortLayer is shortLayer for the window.
func ShortLayer(name string) string { return shortLayer(name) }
