package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"path/filepath"

	"camviz/cam"
	"camviz/compose"
	"camviz/export"
)

// Export saves the current selection, drawn on the picture at its working
// resolution (the original one up to MaxWorkingSide), as PNG with a JSON
// sidecar (path with .json). With caption, a caption and a colour bar are
// added around the picture. It runs in the background; done hears the
// outcome on the job's goroutine (failures also go to OnError).
func (s *Session) Export(path string, caption bool, done func(export.Saved, error)) {
	s.export(path, done, func(ctx context.Context) (image.Image, compose.Facts, error) { return s.drawExport(ctx, caption) })
}

// ExportGrid saves the comparison grid (cells up to 1024 pixels on their
// long side, each captioned) as PNG with a JSON sidecar.
func (s *Session) ExportGrid(path string, done func(export.Saved, error)) {
	s.export(path, done, s.drawGridExport)
}

func (s *Session) export(path string, done func(export.Saved, error), draw func(ctx context.Context) (image.Image, compose.Facts, error)) {
	path = export.PNGPath(path)
	name := filepath.Base(path)
	ok := s.jobs.Go(string(LaneExport), func(ctx context.Context) {
		s.setBusy(nil, 0, Progress{Lane: LaneExport, Label: "Saving " + name + "…"})
		res, err := func() (export.Saved, error) {
			img, facts, err := draw(ctx)
			if err != nil {
				return export.Saved{}, err
			}
			return export.Save(path, img, facts)
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
		done(export.Saved{}, errors.New("the session is closed"))
	}
}

// drawExport draws the current selection at full resolution, with what
// the checks found for its map.
func (s *Session) drawExport(ctx context.Context, caption bool) (image.Image, compose.Facts, error) {
	s.mu.Lock()
	a, sel, pic := s.analysis, s.sel, s.pic
	s.mu.Unlock()
	if a == nil || pic == nil {
		return nil, compose.Facts{}, errNoView
	}
	checks := func(layer string) compose.Checks {
		s.mu.Lock()
		defer s.mu.Unlock()
		fr, road, san := s.trustForLocked(trustKey{model: a.Model, pic: pic.Photo, mode: a.Input.Mode, method: sel.Method, layer: layer, class: sel.Class,
			options: sel.Options, extra: sel.ExtraLayers})
		return compose.Checks{Faith: fr, FaithConfig: s.faithConfig(), ROAD: road, Sanity: san}
	}
	return compose.Exported(ctx, a, pic.Photo, sel, caption, checks)
}

// stripExportSide is an exported strip cell's long side.
const stripExportSide = 512

// ExportStrip saves the layer strip of the current method and class (the
// window's scale, shared read as min-max) as PNG with a JSON sidecar
// whose "grid" lists the layers; like Export it runs in the background
// and done hears the outcome.
func (s *Session) ExportStrip(path string, done func(export.Saved, error)) {
	s.export(path, done, func(ctx context.Context) (image.Image, compose.Facts, error) {
		s.mu.Lock()
		a, sel, pic := s.analysis, s.sel, s.pic
		s.mu.Unlock()
		if a == nil || pic == nil {
			return nil, compose.Facts{}, errNoView
		}
		meth, err := a.Model.Method(sel.Method)
		if err != nil {
			return nil, compose.Facts{}, err
		}
		norm := sel.Norm
		if norm == cam.Shared {
			norm = cam.MinMax
		}
		sel.Compare = compose.Compare{}
		req := compose.StripRequest{Method: sel.Method, Class: sel.Class, Side: stripExportSide, Norm: norm,
			Overlay: compose.OverlayOptions{Colormap: sel.EffectiveColormap(), Alpha: sel.Alpha}}
		img, cells, err := compose.LayerStrip(ctx, a, req)
		if err != nil {
			return nil, compose.Facts{}, err
		}
		facts := compose.NewFacts(a, pic.Photo, sel, meth, "", 0, 0)
		facts.Norm, facts.Grid = norm.String(), cells
		return img, facts, nil
	})
}

// drawGridExport draws the comparison grid for saving.
func (s *Session) drawGridExport(ctx context.Context) (image.Image, compose.Facts, error) {
	s.mu.Lock()
	a, sel, pic, req := s.analysis, s.sel, s.pic, s.gridReq
	s.mu.Unlock()
	if a == nil || pic == nil {
		return nil, compose.Facts{}, errNoView
	}
	if req == nil {
		return nil, compose.Facts{}, errors.New("there is no comparison grid to save: open the Grid tab first")
	}
	return compose.GridExport(ctx, a, pic.Photo, pic.img, *req, sel)
}
