package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	"camviz/compose"
)

// buildConcepts makes the Concepts tab: Deep Feature Factorization of the
// chosen layer (analysis.Analysis.Factorize) when its button is pressed, in
// the background; the picture coloured by concept and each concept's
// classes from the head.
func (u *UI) buildConcepts() []fyne.CanvasObject {
	k := widget.NewSelect([]string{"2", "3", "4", "5", "6", "8"}, nil)
	k.SetSelected("5")
	img := canvas.NewImageFromImage(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(160, 180)) // as the picture tab's least size
	info := widget.NewLabel("Splits the layer's activations into concepts (non-negative matrix factorisation) " +
		"and names each by the classes the model's head gives it.")
	info.Wrapping = fyne.TextWrapWord
	var run *widget.Button
	run = widget.NewButton("Find concepts", func() {
		st := u.s.State()
		a := st.Analysis
		if a == nil {
			info.SetText("Open a picture first.")
			return
		}
		layer := st.Sel.Layer
		if layer == "" {
			layer = a.Model.Layer
		}
		n, _ := strconv.Atoi(k.Selected)
		run.Disable()
		info.SetText(fmt.Sprintf("Finding %d concepts at %s…", n, compose.ShortLayer(layer)))
		go func() {
			f, err := a.Factorize(context.Background(), layer, n, 2, 0)
			u.post(func() {
				if u.closed.Load() {
					return
				}
				run.Enable()
				if u.s.State().Analysis != a {
					// another picture or model since: these concepts are not its
					info.SetText("The picture changed while its concepts were found; press Find concepts again.")
					img.Image = nil
					img.Refresh()
					return
				}
				if err != nil {
					info.SetText(err.Error())
					return
				}
				img.Image = f.Picture
				img.Refresh()
				info.SetText(conceptsText(f))
			})
		}()
	})
	bar := container.New(&rowLayout{wide: u.wide, packed: true}, widget.NewLabel("Concepts"), k, run)
	return []fyne.CanvasObject{container.NewBorder(bar, nil, nil, nil, container.NewVScroll(container.NewVBox(img, info)))}
}

// conceptsText lists each concept with its colour's place, share and classes.
func conceptsText(f *analysis.Factorization) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d concepts at %s (hues in order round the colour circle from red):\n", len(f.Concepts), compose.ShortLayer(f.Layer))
	for _, c := range f.Concepts {
		fmt.Fprintf(&b, "%d · %.0f%% of the picture ·", c.Index+1, 100*c.Share)
		for _, t := range c.Top {
			fmt.Fprintf(&b, " %s %.2f", t.Label, t.Prob)
		}
		b.WriteString("\n")
	}
	return strings.TrimSpace(b.String())
}
