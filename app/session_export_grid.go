package app

import (
	"context"
	"errors"
	"image"

	"camviz/compose"
)

// Saving the comparison grid.

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
