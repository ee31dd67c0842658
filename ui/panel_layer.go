package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2/widget"

	core "camviz/app"
)

// buildLayer makes the layer picker.
func (u *UI) buildLayer() {
	w := &u.w
	w.layer = widget.NewSelect(nil, func(string) {
		if u.updating {
			return
		}
		if i := w.layer.SelectedIndex(); i >= 0 && i < len(w.layerNames) {
			u.act(u.s.SetLayer(w.layerNames[i]))
		}
	})
}

// layerOptions lists m's layers in the order `camviz layers` prints them,
// each named by its block, then its place in the block and its shape
// ("layer4.1 ▸ relu_1/Relu  512×7×7"); the default layer is marked.
// names holds the tensor names, index for index.
func layerOptions(m *core.Model) (names, opts []string) {
	for _, l := range m.Net.Layers() {
		names = append(names, l.Name)
		opt := core.ShortLayer(l.Name)
		if l.Block != "" {
			rest := strings.TrimSuffix(strings.TrimPrefix(l.Name, l.Block+"/"), "_output_0")
			opt = core.ShortLayer(l.Block) + " ▸ " + rest
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
func (u *UI) refreshLayer(st core.State, meth core.Method) {
	sel, m := st.Sel, st.Model
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
}
