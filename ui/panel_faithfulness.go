package ui

import (
	"fmt"
	"image/color"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	core "camviz/app"
	"camviz/metrics"
)

// faithRows are the table's rows: label, the better direction (an arrow
// in the symbol font, "" for none), and the cell text of a report.
var faithRows = []struct {
	label, arrow string
	cell         func(r *metrics.Report) string
	// better compares the map's value with a baseline's: +1 better,
	// -1 worse, 0 the same.
	better func(m, b *metrics.Report) int
}{
	{"Deletion AUC", "↓", func(r *metrics.Report) string { return fmt.Sprintf("%.3f", r.Deletion.AUC) },
		func(m, b *metrics.Report) int { return cmpFloat(b.Deletion.AUC, m.Deletion.AUC) }},
	{"Insertion AUC", "↑", func(r *metrics.Report) string { return fmt.Sprintf("%.3f", r.Insertion.AUC) },
		func(m, b *metrics.Report) int { return cmpFloat(m.Insertion.AUC, b.Insertion.AUC) }},
	{"Average drop", "↓", func(r *metrics.Report) string { return fmt.Sprintf("%.1f%%", r.AverageDrop) },
		func(m, b *metrics.Report) int { return cmpFloat(b.AverageDrop, m.AverageDrop) }},
	{"Confidence up", "", func(r *metrics.Report) string { return yesNo(r.IncreaseInConfidence) },
		func(m, b *metrics.Report) int { return cmpBool(m.IncreaseInConfidence, b.IncreaseInConfidence) }},
}

func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a && !b:
		return 1
	case b && !a:
		return -1
	}
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// faithPanel is the faithfulness panel's widgets. Measuring is an
// explicit action (run), with Cancel while it runs; the body shows what
// the map on screen has: its numbers, or how measuring it goes.
type faithPanel struct {
	run, cancel *widget.Button
	controls    *fyne.Container
	body        *fyne.Container   // hidden while the map has nothing measured
	header      [3]*canvas.Text   // method, random, centre
	cells       [][3]*canvas.Text // per row: method, random, centre
	status      [3]*canvas.Text   // the verdict, or how measuring goes
	del, ins    *curvePlot
	texts       []*canvas.Text // every text, for recolouring

	shown  *analysis.FaithfulnessReport // the report drawn
	dark   bool                         // the theme it was drawn in
	method string                       // the method named in the header
}

// statusWidth is how many characters a status line holds.
const statusWidth = 44

// newFaithPanel builds the panel; run and cancel are its two buttons'
// actions.
func newFaithPanel(run, cancel func()) *faithPanel {
	p := &faithPanel{}
	p.run = widget.NewButton("Measure faithfulness", run)
	p.cancel = widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), cancel)
	p.cancel.Hide()
	p.controls = container.NewHBox(p.run, p.cancel)
	size := theme.TextSize() - 2
	newText := func(s string, bold bool, align fyne.TextAlign) *canvas.Text {
		t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		t.TextSize = size
		t.TextStyle.Bold = bold
		t.Alignment = align
		p.texts = append(p.texts, t)
		return t
	}
	cells := []fyne.CanvasObject{newText("", false, fyne.TextAlignLeading)}
	for i, name := range []string{"map", "random", "centre"} {
		p.header[i] = newText(name, i == curveMethod, fyne.TextAlignLeading)
		cells = append(cells, container.NewHBox(container.NewCenter(newSwatch(i)), p.header[i]))
	}
	for _, row := range faithRows {
		l := newText(row.label, false, fyne.TextAlignLeading)
		a := newText(row.arrow, false, fyne.TextAlignLeading)
		a.TextStyle.Symbol = true // Fyne's own symbol font has the arrows
		cells = append(cells, container.NewHBox(l, a))
		var r [3]*canvas.Text
		for i := range r {
			r[i] = newText("–", i == curveMethod, fyne.TextAlignTrailing)
			cells = append(cells, r[i])
		}
		p.cells = append(p.cells, r)
	}
	table := container.New(&tableLayout{cols: 4, hgap: 10, vgap: 1}, cells...)
	var lines []fyne.CanvasObject
	for i := range p.status {
		p.status[i] = newText("", i == 0, fyne.TextAlignLeading)
		lines = append(lines, p.status[i])
	}
	status := container.New(&tableLayout{cols: 1, vgap: 1}, lines...)
	p.del = newCurvePlot("Deletion", "lower is better", "pixels removed")
	p.ins = newCurvePlot("Insertion", "higher is better", "pixels revealed")
	left := container.NewVBox(table, status)
	p.body = container.NewBorder(nil, nil, container.NewPadded(left), nil, container.NewGridWithColumns(2, p.del, p.ins))
	p.body.Hide()
	return p
}

// legible darkens a signal colour for text on a light background (the
// theme's bright green is meant for fills, and is faint as text on white).
func legible(c color.Color, dark bool) color.Color {
	if dark {
		return c
	}
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.R, n.G, n.B = uint8(int(n.R)*6/10), uint8(int(n.G)*6/10), uint8(int(n.B)*6/10)
	return n
}

// capitalise upper-cases s's first letter.
func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// update shows st's measurement. dark is the theme variant shown.
func (p *faithPanel) update(st core.State, dark bool) {
	f := st.Faith
	enable(p.run, f.Available && f.Report == nil && !f.Run.Running)
	show(p.cancel, f.Run.Running || f.Run.Other)
	if f.Report == nil && !f.Run.Running && f.Run.Err == "" {
		p.body.Hide()
		p.shown = nil
		return
	}
	p.body.Show()
	// The status lines, then a note in the first free one.
	lines, note := faithStatus(st)
	fg, muted := theme.Color(theme.ColorNameForeground), withAlpha(theme.Color(theme.ColorNameForeground), 0x99)
	for i, t := range p.status {
		s, c := "", fg
		switch {
		case i < len(lines):
			s = lines[i]
		case i == len(lines):
			s, c = note, muted
		}
		if t.Text != s || t.Color != c {
			t.Text, t.Color = s, c
			t.Refresh()
		}
	}
	method := ""
	if m := st.Model; m != nil {
		if x, err := m.Method(st.Sel.Method); err == nil {
			method = x.Display
		}
	}
	if st.Sel.Compare.On {
		method += " (A)"
	}
	if f.Report == p.shown && dark == p.dark && method == p.method {
		return
	}
	p.shown, p.dark, p.method = f.Report, dark, method
	for _, t := range p.texts[:len(p.texts)-len(p.status)] {
		t.Color = fg
	}
	p.header[curveMethod].Text = method
	p.header[curveMethod].Color = theme.Color(theme.ColorNamePrimary)
	r := f.Report
	if r == nil {
		for _, row := range p.cells {
			for _, c := range row {
				c.Text = "–"
			}
		}
		p.del.set(nil, [3][]float64{})
		p.ins.set(nil, [3][]float64{})
	} else {
		reps := [3]*metrics.Report{r.Map, r.Random, r.Center}
		for i, row := range faithRows {
			for j, rep := range reps {
				p.cells[i][j].Text = row.cell(rep)
			}
			// The map's number in green where it beats random, red where
			// random beats it.
			switch row.better(r.Map, r.Random) {
			case 1:
				p.cells[i][curveMethod].Color = legible(theme.Color(theme.ColorNameSuccess), dark)
			case -1:
				p.cells[i][curveMethod].Color = legible(theme.Color(theme.ColorNameError), dark)
			}
		}
		p.del.set(r.Map.Deletion.Fractions, [3][]float64{r.Map.Deletion.Probs, r.Random.Deletion.Probs, r.Center.Deletion.Probs})
		p.ins.set(r.Map.Insertion.Fractions, [3][]float64{r.Map.Insertion.Probs, r.Random.Insertion.Probs, r.Center.Insertion.Probs})
	}
	p.body.Refresh()
}

// faithStatus is what the panel says under its table, in up to three
// short lines: the verdict, or how far measuring has got; and a note on
// how maps are measured for a free line.
func faithStatus(st core.State) (lines []string, note string) {
	f := st.Faith
	note = fmt.Sprintf("%d steps a curve; random: a noise map, centre: a blob.", f.Config.Steps)
	switch {
	case f.Report != nil:
		for _, l := range f.Report.VerdictLines() {
			lines = append(lines, capitalise(l)+".")
		}
	case f.Run.Err != "":
		lines = append([]string{"Cannot measure this map:"}, strings.Split(wrapText(f.Run.Err, statusWidth), "\n")...)
		if len(lines) > 3 {
			lines = append(lines[:2], lines[2]+"…")
		}
	case f.Run.Running && f.Run.Total > 0:
		lines = []string{fmt.Sprintf("Measuring… %d/%d forward passes", f.Run.Done, f.Run.Total)}
	case f.Run.Running:
		lines = []string{"Measuring…"}
	case st.ViewErr != "" || st.Analysis == nil:
		lines = []string{"No map to measure."}
	default:
		lines = []string{"Not measured: press Measure faithfulness."}
	}
	return lines, note
}

// buildFaithfulness makes the faithfulness panel: its controls in a row
// with the picture's hover line, its numbers under them.
func (u *UI) buildFaithfulness() []fyne.CanvasObject {
	w := &u.w
	w.faith = newFaithPanel(func() { u.act(u.s.RunFaithfulness()) }, u.s.CancelFaithfulness)
	return []fyne.CanvasObject{container.New(&rowLayout{wide: u.wide}, w.hover, w.faith.controls), w.faith.body}
}

// faithChanged shows the faithfulness panel.
func (u *UI) faithChanged(st core.State) {
	was := u.w.faith.body.Visible()
	u.w.faith.update(st, u.dark)
	if u.w.faith.body.Visible() != was {
		u.w.viewBox.Refresh()
	}
}
