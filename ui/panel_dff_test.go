package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestConceptsTab: pressing Find concepts on an open picture factorises
// the layer in the background and shows the coloured picture and one
// line per concept with its classes.
func TestConceptsTab(t *testing.T) {
	h := newHarness(t, Options{Model: tinyModel})
	u := h.u
	h.until("the model", func() bool { return u.st.Model != nil })
	u.dropped(fyne.NewPos(10, 10), []fyne.URI{fileURI(t, chelsea)})
	h.until("the first overlay", h.current)
	u.w.tabs.SelectIndex(2)
	tab := u.w.tabs.Items[2].Content
	var run *widget.Button
	var info *widget.Label
	var img *canvas.Image
	walkAll(tab, func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Button:
			if o.Text == "Find concepts" {
				run = o
			}
		case *widget.Label:
			if strings.HasPrefix(o.Text, "Splits the layer") {
				info = o
			}
		case *canvas.Image:
			img = o
		}
	})
	if run == nil || info == nil || img == nil {
		t.Fatal("the Concepts tab has no button, facts or picture")
	}
	test.Tap(run)
	h.until("the concepts", func() bool { return strings.HasPrefix(info.Text, "5 concepts at") })
	if img.Image == nil || img.Image.Bounds().Dx() != 224 {
		t.Fatalf("concepts picture %v", img.Image)
	}
	if lines := strings.Split(info.Text, "\n"); len(lines) != 6 || !strings.Contains(lines[1], "class ") {
		t.Fatalf("facts %q", info.Text)
	}
}

func walkAll(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	fn(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, x := range c.Objects {
			walkAll(x, fn)
		}
	case *container.Scroll:
		walkAll(c.Content, fn)
	}
}
