package ui

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildPredictions makes the ranked classes and the searchable class picker.
func (u *UI) buildPredictions() {
	w := &u.w
	w.topList = widget.NewList(
		func() int { return len(w.top) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("label")
			name.Truncation = fyne.TextTruncateEllipsis
			bar := widget.NewProgressBar()
			bar.TextFormatter = func() string { return "" }
			return container.NewBorder(nil, nil, nil, container.NewGridWrap(fyne.NewSize(70, 30), container.NewStack(bar, widget.NewLabel("0.000"))), name)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(w.top) {
				return
			}
			p := w.top[i]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(fmt.Sprintf("%d. %s", i+1, p.Label))
			st := c.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container)
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
	w.classInfo = widget.NewLabel("")
	w.classInfo.Truncation = fyne.TextTruncateEllipsis

	// Searchable class picker.
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder("Find a class: name or number")
	w.search.OnChanged = u.filterClasses
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
	sel, m := st.Sel, st.Model
	has := st.Analysis != nil
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
	if has {
		k := sel.Class
		setText(u.w.classInfo, fmt.Sprintf("Target: %d “%s”  p=%.3f  (rank %d)", k, m.Label(k), st.Analysis.Probs[k], rankOf(u.w.rank, k)+1))
	} else {
		setText(u.w.classInfo, "Open a picture to see what the model predicts.")
	}
}

func (u *UI) filterClasses(q string) {
	if u.st.Model == nil {
		u.w.matches = nil
	} else {
		u.w.matches = core.SearchLabels(u.st.Model, q)
	}
	u.w.searchList.Refresh()
	u.w.searchList.ScrollToTop()
}

func rankOf(rank []int, k int) int {
	for i, c := range rank {
		if c == k {
			return i
		}
	}
	return -1
}
