package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// TestPanelsTable: every entry has a unique name and a constructor; a tab
// has a title and an icon, and only a tab does.
func TestPanelsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range panels {
		if p.name == "" || seen[p.name] {
			t.Errorf("panel %q: empty or repeated name", p.name)
		}
		seen[p.name] = true
		if p.build == nil {
			t.Errorf("panel %q has no build", p.name)
		}
		if isTab := p.place == placeTab; isTab != (p.tab != "" && p.icon != nil) {
			t.Errorf("panel %q: place %d with tab %q, icon set %v", p.name, p.place, p.tab, p.icon != nil)
		}
	}
}

// TestPanelsLayout: the window lays out what the table holds, in its
// order: the tabs' titles, each pane's first and last row, the rows
// under the picture after its warning.
func TestPanelsLayout(t *testing.T) {
	h := newHarness(t, Options{})
	w := &h.u.w
	var tabs []string
	for _, it := range w.tabs.Items {
		tabs = append(tabs, it.Text)
	}
	if got, want := tabs, []string{"Overlay", "Grid", "Concepts"}; !slices.Equal(got, want) {
		t.Errorf("tabs %q, want %q", got, want)
	}
	cases := []struct {
		pane        string
		box         *fyne.Container
		first, last string // headings or check boxes' texts
		rows        int
	}{
		{"classes", w.classesBox, "Prediction", "Signed contrast A − B", 11},
		{"settings", w.settingsBox, "Method", "", 18},
	}
	for _, c := range cases {
		objs := c.box.Objects
		if len(objs) != c.rows {
			t.Errorf("%s pane: %d rows, want %d", c.pane, len(objs), c.rows)
			continue
		}
		if got := textOf(objs[0]); got != c.first {
			t.Errorf("%s pane starts with %q, want %q", c.pane, got, c.first)
		}
		if got := textOf(objs[len(objs)-1]); got != c.last {
			t.Errorf("%s pane ends with %q, want %q", c.pane, got, c.last)
		}
	}
	if last := w.settingsBox.Objects[len(w.settingsBox.Objects)-1]; last != w.methodOpts.box {
		t.Error("the method options are not the settings pane's last row")
	}
	under := w.viewBottom.Objects
	if len(under) != 4 || under[0] != w.note || under[2] != w.faith.body || under[3] != w.trust.box {
		t.Errorf("under the picture: %d rows, want the warning, the faithfulness row and body, the checks", len(under))
	}
}

// textOf is a label's or check box's text ("" for anything else).
func textOf(o fyne.CanvasObject) string {
	switch x := o.(type) {
	case *widget.Label:
		return x.Text
	case *widget.Check:
		return x.Text
	}
	return ""
}
