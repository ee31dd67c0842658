package cli

import (
	"bytes"
	"fmt"
	"html/template"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"camviz/analysis"
	"camviz/export"
	"camviz/metrics"
)

// methodSummary is one method's line in the summary: the means over its
// rows, and the comparison with the random baseline on the same image and
// class.
type methodSummary struct {
	Method   string `json:"method"`
	Baseline bool   `json:"baseline"`
	metrics.Summary
	// Pairs is how many rows have a random-baseline row for the same image
	// and class; the differences and the win rate are over those.
	Pairs          int     `json:"pairs_with_random"`
	DeltaDeletion  float64 `json:"deletion_auc_minus_random"`
	DeltaInsertion float64 `json:"insertion_auc_minus_random"`
	// BeatsRandom is the percentage of pairs where the method has both a
	// lower deletion AUC and a higher insertion AUC than the random map.
	BeatsRandom float64 `json:"beats_random_percent"`

	random *metrics.Summary
}

type pairKey struct {
	image string
	class int
}

// summarize averages the rows per method, in report order (methods, then
// the baselines).
func summarize(rows []*reportRow, methods []string) []*methodSummary {
	order := append(slices.Clone(methods), analysis.BaselineNames()...)
	random := map[pairKey]*reportRow{}
	byMethod := map[string][]*metrics.Report{}
	for _, r := range rows {
		byMethod[r.Method] = append(byMethod[r.Method], r.report)
		if r.Method == analysis.BaselineRandom {
			random[pairKey{r.Image, r.Class}] = r
		}
	}
	rnd := metrics.Summarize(byMethod[analysis.BaselineRandom]...)
	var out []*methodSummary
	for _, name := range order {
		reps := byMethod[name]
		if len(reps) == 0 {
			continue
		}
		s := &methodSummary{Method: name, Baseline: name == analysis.BaselineRandom || name == analysis.BaselineCenter,
			Summary: metrics.Summarize(reps...), random: &rnd}
		wins := 0
		for _, r := range rows {
			if r.Method != name {
				continue
			}
			b, ok := random[pairKey{r.Image, r.Class}]
			if !ok {
				continue
			}
			s.Pairs++
			s.DeltaDeletion += r.DeletionAUC - b.DeletionAUC
			s.DeltaInsertion += r.InsertionAUC - b.InsertionAUC
			if r.DeletionAUC < b.DeletionAUC && r.InsertionAUC > b.InsertionAUC {
				wins++
			}
		}
		if s.Pairs > 0 {
			s.DeltaDeletion /= float64(s.Pairs)
			s.DeltaInsertion /= float64(s.Pairs)
			s.BeatsRandom = float64(wins) / float64(s.Pairs) * 100
		}
		out = append(out, s)
	}
	return out
}

// sparkline is a small inline SVG of a mean curve (coloured) over the
// random baseline's (grey, dashed), on a y axis from 0 to the larger peak.
type sparkline struct {
	W, H        int
	Curve, Base string // polyline points
	Top         string // the y axis's top value
	Color       string
	Title       string
}

func newSparkline(fractions, curve, base []float64, color, title string) *sparkline {
	if len(curve) == 0 || len(curve) != len(fractions) {
		return nil
	}
	const w, h, pad = 150, 48, 3
	top := 1e-3
	for _, v := range curve {
		top = max(top, v)
	}
	if len(base) == len(fractions) {
		for _, v := range base {
			top = max(top, v)
		}
	}
	pts := func(ys []float64) string {
		if len(ys) != len(fractions) {
			return ""
		}
		var b strings.Builder
		for i, y := range ys {
			fmt.Fprintf(&b, "%.1f,%.1f ", pad+fractions[i]*(w-2*pad), h-pad-y/top*(h-2*pad))
		}
		return strings.TrimSpace(b.String())
	}
	return &sparkline{W: w, H: h, Curve: pts(curve), Base: pts(base), Top: fmt.Sprintf("%.3g", top), Color: color, Title: title}
}

// Sparklines for the template.
func (s *methodSummary) DeletionSVG() *sparkline {
	var base []float64
	if s.Method != analysis.BaselineRandom {
		base = s.random.Deletion
	}
	return newSparkline(s.Fractions, s.Deletion, base, "#c0392b", "mean deletion curve (grey: random)")
}

func (s *methodSummary) InsertionSVG() *sparkline {
	var base []float64
	if s.Method != analysis.BaselineRandom {
		base = s.random.Insertion
	}
	return newSparkline(s.Fractions, s.Insertion, base, "#2471a3", "mean insertion curve (grey: random)")
}

var reportTemplate = template.Must(template.New("index").Funcs(template.FuncMap{
	"f3":  func(v float64) string { return fmt.Sprintf("%.3f", v) },
	"f1":  func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"sgn": func(v float64) string { return fmt.Sprintf("%+.3f", v) },
	"yes": func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>camviz faithfulness report — {{.Model}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; vertical-align: middle; }
th { background: #f3f3f3; }
td.l, th.l { text-align: left; }
tr.baseline td { color: #666; background: #fafafa; }
.note { color: #555; max-width: 60em; }
.warn { color: #a04000; font-weight: bold; }
img.grid { max-width: 100%; border: 1px solid #ddd; }
svg { display: block; }
section { margin-bottom: 2em; }
</style>
</head>
<body>
<h1>Faithfulness report</h1>
<p>Model <b>{{.Model}}</b>, layer <code>{{.Layer}}</code>; {{.Done}} of {{.Total}} image(s) done{{with .Shard}} (shard {{.}}){{end}}{{if .Failed}}, <span class="warn">{{len .Failed}} failed</span>{{end}}{{if .Stopped}} — <span class="warn">the run stopped early: this report holds what was done</span>{{end}}.
{{.Config.Steps}} steps ({{.Passes}} forward passes per map), deletion to the <b>{{.Config.Deletion}}</b> baseline, insertion from the <b>{{.Config.Insertion}}</b> baseline, seed {{.Config.Seed}}. Generated {{.When}}.
Data: <a href="metrics.csv">metrics.csv</a>, <a href="metrics.json">metrics.json</a>.</p>

<h2>Summary</h2>
{{if .Summary}}
<table>
<tr><th class="l">method</th><th>rows</th><th>deletion AUC ↓</th><th>vs random</th><th>insertion AUC ↑</th><th>vs random</th><th>average drop % ↓</th><th>increase % ↑</th><th>beats random %</th><th>deletion curve</th><th>insertion curve</th></tr>
{{range .Summary}}<tr{{if .Baseline}} class="baseline"{{end}}>
<td class="l">{{.Method}}</td><td>{{.N}}</td>
<td>{{f3 .DeletionAUC}}</td><td>{{if and (gt .Pairs 0) (ne .Method "random")}}{{sgn .DeltaDeletion}}{{else}}—{{end}}</td>
<td>{{f3 .InsertionAUC}}</td><td>{{if and (gt .Pairs 0) (ne .Method "random")}}{{sgn .DeltaInsertion}}{{else}}—{{end}}</td>
<td>{{f1 .AverageDrop}}</td><td>{{f1 .IncreaseInConfidence}}</td>
<td>{{if and (gt .Pairs 0) (ne .Method "random")}}{{f1 .BeatsRandom}}{{else}}—{{end}}</td>
<td>{{with .DeletionSVG}}{{template "spark" .}}{{end}}</td>
<td>{{with .InsertionSVG}}{{template "spark" .}}{{end}}</td>
</tr>
{{end}}</table>
<p class="note">Means over the rows (image × class) of each method. Deletion removes pixels in order of decreasing map value
(ties in a seeded random order) and records the class probability: a faithful map makes it fall fast (low AUC). Insertion
reveals them on the baseline: it should rise fast (high AUC). Average drop is max(0, Y−O)/Y with Y the probability on the
image and O on the image multiplied by the map (in normalised space: pixels pulled towards the mean colour); increase counts
O &gt; Y. “vs random” is the mean difference with the random map on the same image and class; “beats random” the share of
those pairs where the method wins on both curves. <b>random</b> (uniform noise) and <b>center</b> (a centred Gaussian) are
the chance baselines: a method that does not beat them explains nothing. Curves: coloured = the method, grey dashed = random,
y from 0 to the value in the corner.</p>
{{else}}<p>No rows yet.</p>{{end}}

{{if .Failed}}<h2>Images that failed</h2>
<table>
<tr><th class="l">file</th><th class="l">error</th></tr>
{{range .Failed}}<tr><td class="l">{{.File}}</td><td class="l">{{.Error}}</td></tr>
{{end}}</table>
{{end}}
<h2>Images</h2>
{{range .Images}}<section>
<h3>{{.Path}}</h3>
<p>Top prediction: {{.Top}}.</p>
{{if .Grid}}<a href="{{.Grid}}"><img class="grid" src="{{.Grid}}" width="{{.W}}" height="{{.H}}" alt="maps of {{.Path}}"></a>{{end}}
<table>
<tr><th class="l">method</th><th>class</th><th class="l">label</th><th>prob</th><th>deletion AUC</th><th>insertion AUC</th><th>average drop %</th><th>increase</th><th class="l">flags</th></tr>
{{range .Rows}}<tr{{if or (eq .Method "random") (eq .Method "center")}} class="baseline"{{end}}><td class="l">{{.Method}}</td><td>{{.Class}}</td><td class="l">{{.Label}}</td><td>{{f3 .Prob}}</td><td>{{f3 .DeletionAUC}}</td><td>{{f3 .InsertionAUC}}</td><td>{{f1 .AverageDrop}}</td><td>{{yes .Increase}}</td><td class="l">{{.Flags}}</td></tr>
{{end}}</table>
</section>
{{end}}
</body>
</html>
{{define "spark"}}<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}"><title>{{.Title}}</title><rect x="0.5" y="0.5" width="{{.W}}" height="{{.H}}" fill="none" stroke="#ddd"/>{{if .Base}}<polyline points="{{.Base}}" fill="none" stroke="#999" stroke-width="1" stroke-dasharray="3 2"/>{{end}}<polyline points="{{.Curve}}" fill="none" stroke="{{.Color}}" stroke-width="1.5"/><text x="{{.W}}" y="10" font-size="9" text-anchor="end" fill="#777" dx="-3">{{.Top}}</text></svg>{{end}}
`))

// htmlImage is an image's section: its grid and rows.
type htmlImage struct {
	*reportImage
	Rows []*reportRow
}

// htmlImages pairs each image with its rows, and adds the image in
// progress when the run stopped (its rows, no grid).
func htmlImages(images []*reportImage, rows []*reportRow) []htmlImage {
	byImage := map[string][]*reportRow{}
	for _, row := range rows {
		byImage[row.Image] = append(byImage[row.Image], row)
	}
	out := make([]htmlImage, 0, len(images)+1)
	shown := map[string]bool{}
	for _, im := range images {
		out = append(out, htmlImage{im, byImage[im.Path]})
		shown[im.Path] = true
	}
	for _, row := range rows {
		if !shown[row.Image] {
			shown[row.Image] = true
			partial := &reportImage{Path: row.Image, Top: "(measurement stopped before this image was complete)"}
			out = append(out, htmlImage{partial, byImage[row.Image]})
		}
	}
	return out
}

func writeHTML(dir string, d *reportDoc) error {
	var buf bytes.Buffer
	err := reportTemplate.Execute(&buf, map[string]any{
		"Model": d.Model, "Layer": d.Layer, "Done": d.ImagesDone, "Total": d.ImagesTotal, "Stopped": d.Stopped, "Shard": d.Shard,
		"Config": d.Config, "Passes": metrics.Passes(d.Config.Steps), "When": time.Now().Format("2006-01-02 15:04:05"),
		"Summary": d.Summary, "Images": htmlImages(d.Images, d.Rows), "Failed": d.Failed,
	})
	if err != nil {
		return fmt.Errorf("index.html: %w", err)
	}
	return export.WriteFile(filepath.Join(dir, "index.html"), buf.Bytes())
}
