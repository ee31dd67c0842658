package cli

import (
	"fmt"
	"image"
	"strconv"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/metrics"
)

// grid lays the cells out: names down, classes across, each cell the
// overlay with its metrics, under a title line.
func (r *reporter) grid(a *analysis.Analysis, names []string, classes []int, maps [][]*analysis.LayerMap, reps [][]*metrics.Report) (*image.RGBA, error) {
	rows := make([][]compose.SheetCell, len(names))
	for i := range names {
		for j, k := range classes {
			rep := reps[i][j]
			inc := "no"
			if rep.IncreaseInConfidence {
				inc = "yes"
			}
			rows[i] = append(rows[i], compose.SheetCell{Map: maps[i][j], Caption: []string{
				names[i] + " · " + className(a.Model, k),
				fmt.Sprintf("p=%.3f  del %.3f  ins %.3f", rep.Prob, rep.Deletion.AUC, rep.Insertion.AUC),
				fmt.Sprintf("drop %.1f%%  increase %s", rep.AverageDrop, inc),
			}})
		}
	}
	top := a.Top(1)[0]
	return compose.Sheet(a, rows, compose.SheetOptions{Side: r.opt.cell, Norm: cam.MinMax, Overlay: r.opt.overlay, Title: []string{
		fmt.Sprintf("%s — top %s p=%.3f", a.Input.Name, className(a.Model, top.Class), top.Prob),
		fmt.Sprintf("%s · layer %s", a.Model.Name, r.layerName()),
	}})
}

// className is "class 7" for unnamed classes, else "281 “tabby”".
func className(m *analysis.Model, k int) string {
	l := m.Label(k)
	if l == "class "+strconv.Itoa(k) {
		return l
	}
	return fmt.Sprintf("%d “%s”", k, l)
}

// gridGap is the white space between and around the grid's cells.
const gridGap = compose.SheetGap
