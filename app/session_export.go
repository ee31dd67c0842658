package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"path/filepath"
	"strings"

	"camviz/analysis"
	"camviz/cam"
	"camviz/render"
)

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
	trust := func(layer string) (*analysis.FaithfulnessReport, *ROADResult, *SanityResult) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.trustForLocked(trustKey{model: a.Model, pic: pic, mode: a.Input.Mode, method: sel.Method, layer: layer, class: sel.Class,
			options: sel.Options, extra: sel.ExtraLayers})
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
	mapOf := func(k int, _ string) (*analysis.LayerMap, error) {
		r := req
		r.Class = k
		return a.Map(ctx, r)
	}
	place := func(lm *analysis.LayerMap, norm cam.Mode, scale float32) (placed, error) {
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
	var fr *analysis.FaithfulnessReport
	if !sel.Compare.On {
		fr, facts.ROAD, facts.Sanity = trust(v.Layer)
		if fr != nil {
			facts.Faithfulness = NewFaithFacts(fr, s.faithConfig())
		}
	}
	if !caption {
		return v.Image, facts, nil
	}
	out, err := s.captionExport(a, sel, meth, v, fr, facts)
	return out, facts, err
}

// captionExport adds the caption and colour bar to an exported view, with
// the lines of faithfulness and the checks, each in the longest form that
// fits.
func (s *Session) captionExport(a *analysis.Analysis, sel Selection, meth analysis.Method, v *View, fr *analysis.FaithfulnessReport, facts Facts) (image.Image, error) {
	lut, err := render.Colormap(v.Colormap)
	if err != nil {
		return nil, err
	}
	bar := &render.BarOptions{LUT: lut, Range: v.Range}
	if sel.Compare.On {
		return exportCaptioned(v.Image, bar, compareCaption(a, sel.Compare, meth, v), nil)
	}
	lm := &analysis.LayerMap{Method: meth.Name, Layer: v.Layer, Class: sel.Class}
	extra := trustCaptionLines(facts.ROAD, facts.Sanity)
	if fr != nil {
		extra = append([][]string{faithCaptionLines(fr)}, extra...)
	}
	return exportCaptioned(v.Image, bar, CaptionLines(a, lm, sel.Norm), extra)
}

// compareCaption is the caption of an exported comparison.
func compareCaption(a *analysis.Analysis, c Compare, meth analysis.Method, v *View) []string {
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
