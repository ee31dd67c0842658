package compose

import (
	"fmt"
	"image"
	"strings"

	"camviz/analysis"
	"camviz/render"

	"golang.org/x/image/font"
)

// exportCaption adds the caption and colour bar to an exported view, with
// the lines of faithfulness and the checks, each in the longest form that
// fits.
func exportCaption(a *analysis.Analysis, sel Selection, meth analysis.Method, v *View, fr *analysis.FaithfulnessReport, facts Facts) (image.Image, error) {
	lut, err := render.Colormap(v.Colormap)
	if err != nil {
		return nil, err
	}
	bar := &render.BarOptions{LUT: lut, Range: v.Range}
	if sel.Compare.On {
		return exportCaptioned(v.Image, bar, compareCaption(a, sel.Compare, meth, v), nil)
	}
	lm := &analysis.LayerMap{Method: meth.Name, Layer: v.Layer, Class: sel.Class}
	extra := trustCaptionLines(facts.ROAD, facts.Sanity)
	if fr != nil {
		extra = append([][]string{faithCaptionLines(fr)}, extra...)
	}
	return exportCaptioned(v.Image, bar, CaptionLines(a, lm, sel.Norm), extra)
}

// compareCaption is the caption of an exported comparison.
func compareCaption(a *analysis.Analysis, c Compare, meth analysis.Method, v *View) []string {
	shows := fmt.Sprintf("blend %.0f%% of “%s” into “%s”", 100*c.T, a.Model.Label(c.A), a.Model.Label(c.B))
	if c.Contrast {
		shows = fmt.Sprintf("“%s” − “%s” (red: A wins, blue: B wins)", a.Model.Label(c.A), a.Model.Label(c.B))
	}
	return []string{
		fmt.Sprintf("%s — %s", a.Input.Name, shows),
		fmt.Sprintf("A: class %d p=%.3f score=%.3f · B: class %d p=%.3f score=%.3f", c.A, a.Probs[c.A], a.Scores[c.A], c.B, a.Probs[c.B], a.Scores[c.B]),
		fmt.Sprintf("%s at %s · shared scale %.4g · model %s", meth.Display, v.Layer, v.Scale, a.Model.Name),
	}
}

// CaptionFontSize is render.Compose's default font size for an overlay
// width pixels wide.
func CaptionFontSize(width int) float64 { return max(12, float64(width)/40) }

// ShortLayer makes a tensor name readable: "/features/features.29/Relu_output_0"
// becomes "features.29/Relu".
func ShortLayer(name string) string {
	n := strings.TrimPrefix(name, "/")
	n = strings.TrimSuffix(n, "_output_0")
	if i := strings.Index(n, "/"); i >= 0 && strings.HasPrefix(n[i+1:], n[:i]+".") {
		n = n[i+1:]
	}
	return n
}
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// faithCaptionLines are the forms of the caption line, longest first:
// the map's four numbers, the random baseline's in brackets.
func faithCaptionLines(r *analysis.FaithfulnessReport) []string {
	m, x := Numbers(r.Map), Numbers(r.Random)
	up, xup := yesNo(m.IncreaseInConfidence), yesNo(x.IncreaseInConfidence)
	return []string{
		fmt.Sprintf("Faithfulness, map (random): deletion AUC %.3f (%.3f) · insertion AUC %.3f (%.3f) · average drop %.1f%% (%.1f%%) · confidence up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): deletion AUC %.3f (%.3f) · insertion AUC %.3f (%.3f) · drop %.1f%% (%.1f%%) · conf. up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): del. AUC %.2f (%.2f) · ins. AUC %.2f (%.2f) · drop %.0f%% (%.0f%%) · up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
		fmt.Sprintf("Map (random): del. %.2f (%.2f) · ins. %.2f (%.2f) · drop %.0f%% (%.0f%%) · up %s (%s)",
			m.DeletionAUC, x.DeletionAUC, m.InsertionAUC, x.InsertionAUC, m.AverageDrop, x.AverageDrop, up, xup),
	}
}

// longestFitting is the longest of a caption line's forms (longest first)
// that fits width pixels in face (the shortest if none does: the caption
// clips it).
func longestFitting(lines []string, face font.Face, width int) string {
	for _, l := range lines {
		if font.MeasureString(face, l).Ceil() <= width {
			return l
		}
	}
	return lines[len(lines)-1]
}

// FaithCaption is the longest form of r's caption line that fits width
// pixels in face.
func FaithCaption(r *analysis.FaithfulnessReport, face font.Face, width int) string {
	return longestFitting(faithCaptionLines(r), face, width)
}

// trustCaptionLines are the exported caption's lines for the checks'
// numbers, each in forms longest first.
func trustCaptionLines(road *analysis.ROADResult, san *analysis.SanityResult) [][]string {
	var out [][]string
	if road != nil {
		out = append(out, []string{
			fmt.Sprintf("ROAD: most relevant first %.3f · least relevant first %.3f · combined %.3f · CAM-mult %.3f (logit change)",
				road.MoRF, road.LeRF, road.Combined, road.CamMult),
			fmt.Sprintf("ROAD MoRF %.3f · LeRF %.3f · combined %.3f · CAM-mult %.3f", road.MoRF, road.LeRF, road.Combined, road.CamMult),
			fmt.Sprintf("ROAD %.2f/%.2f/%.2f · mult %.2f", road.MoRF, road.LeRF, road.Combined, road.CamMult),
		})
	}
	if san != nil {
		out = append(out, []string{
			fmt.Sprintf("Sanity check: rank correlation %.3f, SSIM %.3f with every layer randomised (%d layers)",
				san.Final(), san.SSIM[len(san.SSIM)-1], len(san.Layers)),
			fmt.Sprintf("Sanity: rank corr. %.3f, SSIM %.3f, all randomised", san.Final(), san.SSIM[len(san.SSIM)-1]),
			fmt.Sprintf("Sanity ρ %.2f SSIM %.2f", san.Final(), san.SSIM[len(san.SSIM)-1]),
		})
	}
	return out
}
