package ui

import (
	"fmt"
	"os"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	core "camviz/app"
)

// trustPanel is the faithfulness panel's two explicit checks of the map
// on screen: ROAD with CAM-mult, and the sanity check with its curve of
// similarity against the randomised depth. Neither starts unasked.
type trustPanel struct {
	box                     *fyne.Container
	road, roadCancel        *widget.Button
	sanity, sanityCancel    *widget.Button
	roadText, sanityText    *widget.Label
	roadVerdict, sanVerdict *widget.Label
	curve                   *curvePlot
	shown                   *analysis.SanityResult // the cascade drawn
}

// buildTrust makes the checks' widgets.
func (u *UI) buildTrust() []fyne.CanvasObject {
	p := &trustPanel{}
	u.w.trust = p
	p.road = widget.NewButton("Measure ROAD", func() { u.act(u.s.RunROAD()) })
	p.roadCancel = widget.NewButton("Cancel", u.s.CancelROAD)
	p.sanity = widget.NewButton("Run sanity check", func() { u.act(u.s.RunSanity()) })
	p.sanityCancel = widget.NewButton("Cancel", u.s.CancelSanity)
	// The lines wrap to the width the picture leaves them, so the panel
	// never widens the window's middle.
	line := func(size fyne.ThemeSizeName) *widget.Label {
		l := widget.NewLabel("")
		l.Wrapping = fyne.TextWrapWord
		l.SizeName = size
		return l
	}
	p.roadText, p.sanityText = line(theme.SizeNameText), line(theme.SizeNameText)
	p.roadVerdict, p.sanVerdict = line(theme.SizeNameCaptionText), line(theme.SizeNameCaptionText)
	p.curve = newCurvePlot("Sanity check", "rank corr. solid, SSIM dashed", "layers randomised")
	// Narrow: the buttons one pair a row, the curve under the lines.
	buttons := container.New(&rowLayout{wide: u.wide, packed: true}, container.NewHBox(p.road, p.roadCancel), container.NewHBox(p.sanity, p.sanityCancel))
	lines := container.NewVBox(buttons, p.roadText, p.roadVerdict, p.sanityText, p.sanVerdict)
	p.box = container.New(&rowLayout{wide: u.wide}, lines, fixed(p.curve, 180, 140))
	return []fyne.CanvasObject{p.box}
}

// roadWords are what the ROAD line and verdict say for st.
func roadWords(t core.TrustState) (line, verdict string) {
	r, run := t.ROAD, t.ROADRun
	switch {
	case r != nil:
		return fmt.Sprintf("ROAD: MoRF %.3f · LeRF %.3f · combined %.3f · CAM-mult %.3f",
			r.MoRF, r.LeRF, r.Combined, r.CamMult), capitalise(r.Verdict) + "."
	case run.Running && run.Total > 0:
		return fmt.Sprintf("Measuring ROAD… %d/%d forward passes", run.Done, run.Total), ""
	case run.Running:
		return "Measuring ROAD…", ""
	case run.Err != "":
		return "ROAD failed: " + run.Err, ""
	case !t.Available:
		return "ROAD: " + t.Unavailable, ""
	case run.Other:
		return "ROAD is measuring another map…", ""
	}
	return "ROAD: not measured (the logit change when the map's pixels are imputed away)", ""
}

// sanityWords are what the sanity line and verdict say for st.
func sanityWords(t core.TrustState) (line, verdict string) {
	r, run := t.Sanity, t.SanityRun
	switch {
	case r != nil:
		return fmt.Sprintf("Sanity: rank corr. %.3f, SSIM %.3f, all %d layers randomised",
			r.Final(), r.SSIM[len(r.SSIM)-1], len(r.Layers)), capitalise(r.Verdict) + "."
	case run.Running && run.Total > 0:
		return fmt.Sprintf("Randomising the weights… %d/%d layers", run.Done, run.Total), ""
	case run.Running:
		return "Randomising the weights…", ""
	case run.Err != "":
		return "Sanity check failed: " + run.Err, ""
	case !t.Available:
		return "Sanity check: " + t.Unavailable, ""
	case run.Other:
		return "The sanity check is running for another map…", ""
	}
	return "Sanity check: not run (the map again with the weights randomised layer by layer)", ""
}

// refreshTrust shows st's checks.
func (u *UI) refreshTrust(st core.State) {
	p, t := u.w.trust, st.Trust
	line, verdict := roadWords(t)
	setText(p.roadText, line)
	setText(p.roadVerdict, verdict)
	line, verdict = sanityWords(t)
	setText(p.sanityText, line)
	setText(p.sanVerdict, verdict)
	enable(p.road, t.Available && t.ROAD == nil && !t.ROADRun.Running)
	enable(p.sanity, t.Available && t.Sanity == nil && !t.SanityRun.Running)
	show(p.roadCancel, t.ROADRun.Running || t.ROADRun.Other)
	show(p.sanityCancel, t.SanityRun.Running || t.SanityRun.Other)
	if u.smokeChecks && t.ROAD != nil && t.Sanity != nil {
		u.smokeChecks = false
		go func() {
			time.Sleep(time.Second) // let the frame reach the screen
			u.post(u.reportChecks)
		}()
	}
	if t.Sanity == p.shown {
		return
	}
	p.shown = t.Sanity
	if r := t.Sanity; r != nil {
		// Depth 0 is the original network: similarity 1.
		n := len(r.Similarity)
		x, sp, ss := []float64{0}, []float64{1}, []float64{1}
		for i := range n {
			x = append(x, float64(i+1)/float64(n))
		}
		sp, ss = append(sp, r.Similarity...), append(ss, r.SSIM...)
		p.curve.xEnd = fmt.Sprint(n)
		p.curve.set(x, [3][]float64{sp, ss, nil})
	} else {
		p.curve.xEnd = ""
		p.curve.set(nil, [3][]float64{})
	}
}

// reportChecks prints where the checks' lines are on the screen, for the
// window smoke test (Options.SmokeChecks).
func (u *UI) reportChecks() {
	scale := u.win.Canvas().Scale()
	spot := func(l *widget.Label) string {
		pos := u.fy.Driver().AbsolutePositionForObject(l)
		size := l.Size()
		// The label draws its text inset by the inner padding.
		pad := theme.InnerPadding()
		tw := fyne.MeasureText(l.Text, theme.TextSize(), l.TextStyle).Width
		px := func(v float32) int { return int(v*scale + 0.5) }
		return fmt.Sprintf("%d,%d,%d,%d,%d", px(pos.X), px(pos.Y), px(min(size.Width, pad+tw+pad)), px(size.Height), px(tw))
	}
	fmt.Fprintf(os.Stderr, "camviz: checks ready road=%s sanity=%s text=%q|%q\n",
		spot(u.w.trust.roadText), spot(u.w.trust.sanityText), u.w.trust.roadText.Text, u.w.trust.sanityText.Text)
}

func enable(b *widget.Button, on bool) {
	if on == b.Disabled() {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

func show(o fyne.CanvasObject, on bool) {
	if on != o.Visible() {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
}
