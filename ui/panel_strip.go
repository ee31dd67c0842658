package ui

import (
	"errors"

	"camviz/export"
)

// saveStripDialog saves the layer strip of the current method and class:
// the same map at every block's layer, one row (File → Save layer strip).
func (u *UI) saveStripDialog() {
	if u.st.Analysis == nil {
		u.showError(errors.New("there is nothing to save yet: open a picture first"))
		return
	}
	u.pickSave(u.defaultName("_strip"), u.exportStripTo)
}

// exportStripTo saves the layer strip (PNG + JSON sidecar) at path.
func (u *UI) exportStripTo(path string) {
	u.s.ExportStrip(path, func(_ export.Saved, err error) {
		if err != nil {
			removeIfEmpty(path) // the Save dialog created it
		}
	})
}
