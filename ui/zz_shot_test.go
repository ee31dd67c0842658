package ui

import (
	"image/png"
	"os"
	"testing"

	"fyne.io/fyne/v2"
)

func TestZZShots(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel, Image: chelsea})
	u := h.u
	h.until("the first overlay", h.current)
	u.win.Resize(fyne.NewSize(1000, 640))
	h.settled()
	save := func(name string) {
		f, _ := os.Create(name)
		defer f.Close()
		png.Encode(f, u.win.Canvas().Capture())
	}
	u.saveDialog()
	save("/tmp/shots/after-save.png")
	closeOverlays(u)
	u.showShortcuts()
	save("/tmp/shots/after-help.png")
	closeOverlays(u)
	u.showMethodMenu()
	save("/tmp/shots/after-menu.png")
	closeOverlays(u)
}
