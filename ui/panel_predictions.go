package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	core "camviz/app"
)

// buildPredictions makes the ranked classes and the searchable class picker.
func (u *UI) buildPredictions() []fyne.CanvasObject {
	w := &u.w
	w.topList = widget.NewList(
		func() int { return len(w.top) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("label")
			name.Truncation = fyne.TextTruncateEllipsis
			bar := widget.NewProgressBar()
			bar.TextFormatter = func() string { return "" }
			// The number is drawn on its bar, in the theme's text colour
			// on the bar's track (the label's own padding keeps it clear
			// of the filled part's edge).
			num := widget.NewLabelWithStyle("0.000", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
			cell := container.NewThemeOverride(container.NewStack(bar, num), barTheme{u.theme()})
			w.bars = append(w.bars, cell)
			return container.NewBorder(nil, nil, nil, fixed(cell, 72, 0), name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(w.top) {
				return
			}
			p := w.top[i]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d. %s", i+1, p.Label))
			st := c.Objects[1].(*fyne.Container).Objects[0].(*container.ThemeOverride).Content.(*fyne.Container)
			st.Objects[0].(*widget.ProgressBar).SetValue(float64(p.Prob))
			st.Objects[1].(*widget.Label).SetText(fmt.Sprintf("%.3f", p.Prob))
		})
	w.topList.OnSelected = func(i widget.ListItemID) {
		if u.updating || i >= len(w.top) {
			return
		}
		w.topSelected = -2 // the list's own selection moved; the next refresh sets it
		u.act(u.s.SetClass(w.top[i].Class))
		u.win.Canvas().Unfocus()
	}
	// The target line wraps at spaces to the pane's width: a long label
	// takes two lines rather than being cut.
	w.classInfo = widget.NewLabel("")
	u.buildSearch()
	return []fyne.CanvasObject{
		heading("Prediction"),
		fixed(w.topList, 0, 5*topRowHeight),
		w.classInfo,
		w.search,
		fixed(w.searchList, 0, 4*40),
	}
}

// buildSearch makes the searchable class picker.
func (u *UI) buildSearch() {
	w := &u.w
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder("Find a class…")
	w.search.OnChanged = u.filterClasses
	w.search.OnSubmitted = func(string) { u.pickOnlyMatch() }
	w.searchList = widget.NewList(
		func() int { return len(w.matches) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("label")
			name.Truncation = fyne.TextTruncateEllipsis
			asB := widget.NewButton("as B", nil)
			asB.Importance = widget.LowImportance
			return container.NewBorder(nil, nil, nil, asB, name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(w.matches) {
				return
			}
			k := w.matches[i]
			c := o.(*fyne.Container)
			text := labelOf(w.searchLabels, k)
			if text != strconv.Itoa(k) {
				text = strconv.Itoa(k) + " · " + text
			}
			if a := u.st.Analysis; a != nil && a.CheckClass(k) == nil {
				text += fmt.Sprintf("  %.3f", a.Probs[k])
			}
			c.Objects[0].(*widget.Label).SetText(text)
			b := c.Objects[1].(*widget.Button)
			b.OnTapped = func() { u.setB(k) }
			if u.st.Sel.Compare.On {
				b.Show()
			} else {
				b.Hide()
			}
		})
	w.searchList.OnSelected = func(i widget.ListItemID) {
		if i < len(w.matches) {
			u.act(u.s.SetClass(w.matches[i]))
		}
		w.searchList.UnselectAll()
		u.win.Canvas().Unfocus()
	}
}

// refreshPredictions marks the target class in the lists and describes it.
func (u *UI) refreshPredictions(st core.State) {
	if st.Model != u.w.labelsFor {
		u.w.labelsFor = st.Model
		if m := st.Model; m != nil {
			u.w.searchLabels = m.Labels
			// A search typed for the previous model's labels means nothing here.
			u.w.search.SetText("")
			u.w.matches = analysis.SearchLabels(m, "")
			u.w.searchList.Refresh()
		}
	}
	if st.Analysis != u.w.topFor {
		u.w.topFor = st.Analysis
		u.w.top = st.Top
		u.w.topList.Refresh()
		u.w.topSelected = -2
		u.w.searchList.Refresh()
	}
	sel := st.Sel
	idx := -1
	for i, p := range st.Top {
		if p.Class == sel.Class {
			idx = i
		}
	}
	if idx != u.w.topSelected {
		if idx >= 0 {
			u.w.topList.Select(idx)
		} else {
			u.w.topList.UnselectAll()
		}
		u.w.topSelected = idx
	}
	if sel.Class != u.w.listedClass || st.Analysis != u.w.listedFor {
		u.w.searchList.Refresh() // it marks the target class
		u.w.listedClass, u.w.listedFor = sel.Class, st.Analysis
	}
	u.refreshTarget(st)
}

// refreshTarget describes the target class, wrapped to the pane.
func (u *UI) refreshTarget(st core.State) {
	if st.Analysis != nil {
		k, m := st.Sel.Class, st.Model
		setLines(u.w.classInfo, u.targetText(fmt.Sprintf("Target: %d “%s”", k, m.Label(k)))+
			fmt.Sprintf("\np=%.3f · rank %d", st.Analysis.Probs[k], rankOf(u.w.rank, k)+1), u.w.classesBox)
	} else {
		setLines(u.w.classInfo, u.targetText("Open a picture to see what the model predicts."), u.w.classesBox)
	}
}

func (u *UI) filterClasses(q string) {
	if u.st.Model == nil {
		u.w.matches = nil
	} else {
		u.w.matches = analysis.SearchLabels(u.st.Model, q)
	}
	u.w.searchList.Refresh()
	u.w.searchList.ScrollToTop()
}

// targetText wraps s at spaces to the width the left pane has.
func (u *UI) targetText(s string) string {
	th := theme.Current()
	room := max(u.leftWidth, leftPaneMin) - 2*theme.Padding() - 2*th.Size(theme.SizeNameInnerPadding)
	var lines []string
	for _, word := range strings.Fields(s) {
		n := len(lines) - 1
		if n >= 0 && fyne.MeasureText(lines[n]+" "+word, th.Size(theme.SizeNameText), fyne.TextStyle{}).Width <= room {
			lines[n] += " " + word
		} else {
			lines = append(lines, word)
		}
	}
	return strings.Join(lines, "\n")
}

// pickOnlyMatch makes the search's only match the target (Enter in the
// search field).
func (u *UI) pickOnlyMatch() {
	if len(u.w.matches) == 1 {
		u.act(u.s.SetClass(u.w.matches[0]))
		u.win.Canvas().Unfocus()
	}
}

func rankOf(rank []int, k int) int {
	for i, c := range rank {
		if c == k {
			return i
		}
	}
	return -1
}
