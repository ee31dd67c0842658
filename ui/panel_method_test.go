package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// The method panel shows the selected method's options, made from cam's
// table: SS-CAM's numbers as entries with their defaults, Grad-CAM's
// -eigen-smooth as a check box and -target as a picker; each sends its
// value to the session, and a wrong one is refused in the status line.
func TestMethodOptionControls(t *testing.T) {
	h := newHarness(t, Options{Model: smallModel, Image: chelsea})
	u := h.u
	h.until("the first map", h.current)
	h.settled()
	u.chooseMethod("randomcam")
	h.settled()
	seed := optionEntry(t, u, "seed")
	if seed.PlaceHolder != "0" {
		t.Fatalf("seed placeholder %q, want the default 0", seed.PlaceHolder)
	}
	before := u.st.View
	seed.SetText("4")
	seed.OnSubmitted(seed.Text) // what Enter does
	h.until("the seed-4 map", func() bool { return h.current() && u.st.View != before })
	if got := u.s.State().Sel.Options; got != "seed=4" {
		t.Fatalf("options %q after seed 4", got)
	}
	seed.OnSubmitted("-3") // refused at once, in the status line
	if got := u.s.State().Sel.Options; got != "seed=4" || !strings.Contains(u.w.status.Text, `-seed "-3": want an integer ≥ 0`) {
		t.Fatalf("seed -3: options %q, status %q", got, u.w.status.Text)
	}

	seed.SetText("12") // typed, not yet submitted: a refresh keeps it
	u.refresh()
	if seed.Text != "12" {
		t.Fatalf("a refresh replaced the typed %q by %q", "12", seed.Text)
	}

	u.chooseMethod("gradcam")
	h.settled()
	labels := optionTexts(u.w.methodOpts.box)
	for _, want := range []string{"target", "eigen-smooth", "aug-smooth"} {
		if !contains(labels, want) {
			t.Fatalf("Grad-CAM's controls %q lack %s", labels, want)
		}
	}
	if contains(labels, "seed") {
		t.Fatalf("Grad-CAM shows randomcam's seed: %q", labels)
	}
	ck := optionCheck(t, u, "eigen-smooth")
	test.Tap(ck)
	h.settled()
	if got := u.s.State().Sel.Options; got != "eigen-smooth=true;seed=4" {
		t.Fatalf("options %q after eigen-smooth", got)
	}
	test.Tap(ck) // off again: back to the default, kept out of the selection
	h.settled()
	if got := u.s.State().Sel.Options; got != "seed=4" {
		t.Fatalf("options %q after eigen-smooth off", got)
	}
}

// Several layers: the fuse menu's toggle adds and removes a layer, the
// caption names the fused ones, and a fixed-layer method disables it.
func TestLayerFusion(t *testing.T) {
	h := newHarness(t, Options{Model: smallModel, Image: chelsea})
	u := h.u
	h.until("the first map", h.current)
	h.settled()
	l22 := "/features/features.22/Relu_output_0"
	layers := u.st.Sel.Layers()
	u.act(u.s.SetLayers(toggled(append([]string{u.st.Model.Layer}, layers...)[:1], l22)))
	h.settled()
	st := u.s.State()
	if st.Sel.ExtraLayers != l22 || !strings.Contains(st.View.Layer, "+"+l22) {
		t.Fatalf("extras %q, view at %q", st.Sel.ExtraLayers, st.View.Layer)
	}
	if !strings.Contains(u.w.layerMore.info.Text, "features.22") || u.w.layerMore.clear.Disabled() {
		t.Fatalf("fusion caption %q, clear disabled %v", u.w.layerMore.info.Text, u.w.layerMore.clear.Disabled())
	}
	test.Tap(u.w.layerMore.clear)
	h.settled()
	if st := u.s.State(); st.Sel.ExtraLayers != "" || u.w.layerMore.info.Text != "" {
		t.Fatalf("after One layer: extras %q, caption %q", st.Sel.ExtraLayers, u.w.layerMore.info.Text)
	}
	if got := toggled([]string{"a", "b", "c"}, "b"); strings.Join(got, ",") != "a,c" {
		t.Fatalf("toggled off: %q", got)
	}
	u.chooseMethod("sobelcam")
	h.settled()
	if !u.w.layerMore.add.Disabled() {
		t.Fatal("fuse offered for a method that reads the picture alone")
	}
}

func optionEntry(t *testing.T, u *UI, name string) *widget.Entry {
	t.Helper()
	var found *widget.Entry
	walk(u.w.methodOpts.box, func(o fyne.CanvasObject, label string) {
		if e, ok := o.(*widget.Entry); ok && label == name {
			found = e
		}
	})
	if found == nil {
		t.Fatalf("no entry for %s in %q", name, optionTexts(u.w.methodOpts.box))
	}
	return found
}

func optionCheck(t *testing.T, u *UI, name string) *widget.Check {
	t.Helper()
	var found *widget.Check
	walk(u.w.methodOpts.box, func(o fyne.CanvasObject, _ string) {
		if c, ok := o.(*widget.Check); ok && c.Text == name {
			found = c
		}
	})
	if found == nil {
		t.Fatalf("no check box %s in %q", name, optionTexts(u.w.methodOpts.box))
	}
	return found
}

// optionTexts are the option names the controls show.
func optionTexts(box *fyne.Container) []string {
	var out []string
	walk(box, func(o fyne.CanvasObject, label string) {
		switch w := o.(type) {
		case *widget.Check:
			out = append(out, w.Text)
		case *widget.Entry, *widget.Select:
			out = append(out, label)
		}
	})
	return out
}

// walk visits the objects under o with the text of the label beside them
// (an option's row is a border with its name on the left).
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject, string)) {
	c, ok := o.(*fyne.Container)
	if !ok {
		f(o, "")
		return
	}
	label := ""
	for _, x := range c.Objects {
		if l, ok := x.(*widget.Label); ok {
			label = l.Text
		}
	}
	for _, x := range c.Objects {
		if _, ok := x.(*fyne.Container); ok {
			walk(x, f)
		} else {
			f(x, label)
		}
	}
}
