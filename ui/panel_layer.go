package ui

import (
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"camviz/analysis"
	core "camviz/app"
	"camviz/cam"
	"camviz/compose"
)

// buildLayer makes the layer picker.
func (u *UI) buildLayer() []fyne.CanvasObject {
	w := &u.w
	w.layer = widget.NewSelect(nil, func(string) {
		if u.updating {
			return
		}
		if i := w.layer.SelectedIndex(); i >= 0 && i < len(w.layerNames) {
			u.act(u.s.SetLayer(w.layerNames[i]))
		}
	})
	f := &w.layerMore
	f.add = widget.NewButtonWithIcon("Fuse with…", theme.ContentAddIcon(), u.showFuseMenu)
	f.clear = widget.NewButtonWithIcon("One layer", theme.ContentClearIcon(), func() {
		u.act(u.s.SetLayers([]string{u.st.Sel.Layer}))
	})
	f.info = widget.NewLabel("")
	f.info.SizeName = theme.SizeNameCaptionText
	f.box = container.NewVBox(container.New(&rowLayout{wide: u.wide, packed: true}, f.add, f.clear), f.info)
	return []fyne.CanvasObject{heading("Layer"), w.layer, f.box}
}

// layerFusion picks more layers whose maps are fused with the picked
// one (-layer A,B: each layer's final map, then ReLU, mean, min-max; the
// layers RefineCAM multiplies).
type layerFusion struct {
	box        *fyne.Container
	add, clear *widget.Button
	info       *widget.Label
}

// showFuseMenu pops up the other layers, those fused checked: picking one
// adds or removes it.
func (u *UI) showFuseMenu() {
	st := u.st
	if st.Model == nil {
		return
	}
	layers := st.Sel.Layers()
	if len(layers) == 0 {
		layers = []string{""}
	}
	primary := layers[0]
	if primary == "" {
		primary = st.Model.Layer
	}
	_, opts := layerOptions(st.Model)
	var items []*fyne.MenuItem
	for i, name := range u.w.layerNames {
		if name == primary {
			continue
		}
		it := fyne.NewMenuItem(opts[i], func() { u.act(u.s.SetLayers(toggled(layers, name))) })
		it.Checked = slices.Contains(layers[1:], name)
		items = append(items, it)
	}
	b := u.w.layerMore.add
	pos := u.fy.Driver().AbsolutePositionForObject(b).AddXY(0, b.Size().Height)
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), u.win.Canvas(), pos)
}

// toggled is layers with name added at the end, or removed if there.
func toggled(layers []string, name string) []string {
	if i := slices.Index(layers, name); i > 0 {
		return slices.Delete(slices.Clone(layers), i, i+1)
	}
	return append(slices.Clone(layers), name)
}

// layerOptions lists m's layers in the order `camviz layers` prints them,
// each named by its block, then its place in the block and its shape
// ("layer4.1 ▸ relu_1/Relu  512×7×7"); the default layer is marked.
// names holds the tensor names, index for index.
func layerOptions(m *analysis.Model) (names, opts []string) {
	for _, l := range m.Net.Layers() {
		names = append(names, l.Name)
		opt := compose.ShortLayer(l.Name)
		if l.Block != "" {
			rest := strings.TrimSuffix(strings.TrimPrefix(l.Name, l.Block+"/"), "_output_0")
			opt = compose.ShortLayer(l.Block) + " ▸ " + rest
		}
		opt += "  " + shapeText(l.Shape)
		if l.Name == m.Layer {
			opt += "  (default)"
		}
		opts = append(opts, opt)
	}
	return names, opts
}

func shapeText(s []int) string {
	if len(s) == 4 {
		return fmt.Sprintf("%d×%d×%d", s[1], s[2], s[3])
	}
	return fmt.Sprint(s)
}

// refreshLayer selects the selection's layer (the model's default when
// the selection names none); fixed-layer methods and no model disable
// the picker.
func (u *UI) refreshLayer(st core.State) {
	sel, m, meth := st.Sel, st.Model, selectedMethod(st)
	if m != u.w.layersFor {
		u.w.layersFor = m
		if m != nil {
			u.w.layerNames, u.w.layer.Options = layerOptions(m)
			u.w.layer.Refresh()
		}
	}
	want := sel.Layer
	if want == "" && m != nil {
		want = m.Layer
	}
	li := -1
	for i, n := range u.w.layerNames {
		if n == want {
			li = i
		}
	}
	if li >= 0 && len(u.w.layer.Options) > li && u.w.layer.SelectedIndex() != li {
		u.w.layer.SetSelectedIndex(li)
	}
	if m == nil || meth.FixedLayer {
		u.w.layer.Disable()
	} else {
		u.w.layer.Enable()
	}
	f := &u.w.layerMore
	var fused []string
	if layers := sel.Layers(); len(layers) > 1 {
		for _, l := range layers[1:] {
			fused = append(fused, compose.ShortLayer(l))
		}
	}
	info := ""
	if len(fused) > 0 {
		info = wrapText("Also at "+strings.Join(fused, ", ")+": the method's maps at the layers are combined.", 46)
	}
	setLines(f.info, info, u.w.settingsBox)
	if m == nil || !meth.Takes(cam.OptLayer) {
		f.add.Disable()
	} else {
		f.add.Enable()
	}
	if len(fused) == 0 {
		f.clear.Disable()
	} else {
		f.clear.Enable()
	}
}
