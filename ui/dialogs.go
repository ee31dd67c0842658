package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"camviz/export"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"
)

var imageExts = []string{".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff",
	".PNG", ".JPG", ".JPEG", ".GIF", ".BMP", ".WEBP", ".TIF", ".TIFF"}

// showErrorDialog says what went wrong in plain words.
func showErrorDialog(err error, w fyne.Window) {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	if r := []rune(msg); len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
		msg = string(r)
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Something went wrong", "OK", fixed(l, 460, 0), w)
	d.Show()
}

// startDir is where file dialogs open: the last folder used.
func (u *UI) startDir() fyne.ListableURI {
	dir := u.fy.Preferences().String("dir")
	if dir == "" {
		return nil
	}
	l, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		return nil
	}
	return l
}

func (u *UI) rememberDir(path string) {
	u.fy.Preferences().SetString("dir", filepath.Dir(path))
}

// pickFile shows Fyne's Open dialog and calls done with the chosen path.
func (u *UI) pickFile(exts []string, done func(path string)) {
	d := dialog.NewFileOpen(func(rc fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if rc == nil {
			return
		}
		path := rc.URI().Path()
		rc.Close()
		u.rememberDir(path)
		done(path)
	}, u.win)
	if exts != nil {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	if dir := u.startDir(); dir != nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(900, 600))
	u.showDialog(d)
}

// escEntry is an entry that hears Esc (a focused entry takes every key,
// so the window never sees it).
type escEntry struct {
	widget.Entry
	onEsc func()
}

func newEscEntry() *escEntry {
	e := &escEntry{}
	e.ExtendBaseWidget(e)
	return e
}

func (e *escEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEsc != nil {
		e.onEsc()
		return
	}
	e.Entry.TypedKey(k)
}

// showDialog shows d; Esc closes the topmost dialog shown this way.
func (u *UI) showDialog(d interface {
	Show()
	Hide()
	SetOnClosed(func())
}) {
	u.dialogs = append(u.dialogs, d.Hide)
	n := len(u.dialogs)
	d.SetOnClosed(func() {
		if len(u.dialogs) >= n {
			u.dialogs = u.dialogs[:n-1]
		}
	})
	d.Show()
}

// closeDialog closes the topmost dialog (Esc); false if there is none.
func (u *UI) closeDialog() bool {
	if len(u.dialogs) == 0 {
		return false
	}
	u.dialogs[len(u.dialogs)-1]()
	return true
}

// pathDialog asks for a file: a path typed (absolute as typed, ~ for the
// home folder, relative to base) or chosen with Browse…. Enter or the
// action button goes on, Esc or Cancel closes it.
func (u *UI) pathDialog(title, action, initial, base string, browse func(set func(string)), done func(path string)) *escEntry {
	e := newEscEntry()
	e.SetText(initial)
	var d *dialog.CustomDialog
	submit := func() {
		path := resolvePath(e.Text, base)
		d.Hide()
		if path != "" {
			done(path)
		}
	}
	e.OnSubmitted = func(string) { submit() }
	browseBtn := widget.NewButton("Browse…", func() { browse(func(p string) { e.SetText(p) }) })
	ok := widget.NewButton(action, submit)
	ok.Importance = widget.HighImportance
	d = dialog.NewCustomWithoutButtons(title, fixed(container.NewBorder(nil, nil, nil, browseBtn, e), 560, 0), u.win)
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", func() { d.Hide() }), ok})
	e.onEsc = d.Hide
	u.showDialog(d)
	u.win.Canvas().Focus(e)
	return e
}

// resolvePath reads a typed path: trimmed, ~/ is the home folder, an
// absolute path is used as typed, a relative one is under base.
func resolvePath(typed, base string) string {
	p := strings.TrimSpace(typed)
	switch {
	case p == "":
		return ""
	case p == "~" || strings.HasPrefix(p, "~/"):
		if home, err := os.UserHomeDir(); err == nil {
			p = filepath.Join(home, p[1:])
		}
	case !filepath.IsAbs(p) && base != "":
		p = filepath.Join(base, p)
	}
	return filepath.Clean(p)
}

// openDir is where a typed relative path to open starts: the last folder
// used, else the working folder.
func (u *UI) openDir() string {
	if dir := u.fy.Preferences().String("dir"); dir != "" {
		return dir
	}
	wd, _ := os.Getwd()
	return wd
}

func (u *UI) openImageDialog() {
	u.pathDialog("Open image", "Open", "", u.openDir(), func(set func(string)) { u.pickFile(imageExts, set) }, func(path string) {
		u.rememberDir(path)
		u.s.OpenImage(path)
	})
}

// openModelDialog asks for an ONNX file and an optional labels file.
func (u *UI) openModelDialog() {
	prefs := u.fy.Preferences()
	model := newEscEntry()
	model.SetPlaceHolder("model.onnx")
	model.SetText(prefs.String("model"))
	labels := newEscEntry()
	labels.SetPlaceHolder("optional: labels.txt, one class name per line")
	labels.SetText(prefs.String("labels"))
	browse := func(e *escEntry, exts []string) *widget.Button {
		return widget.NewButton("Browse…", func() { u.pickFile(exts, e.SetText) })
	}
	hint := widget.NewLabel("Any CNN classifier exported to ONNX (VGG, ResNet, MobileNet, DenseNet, EfficientNet, …). A NAME.json beside NAME.onnx, if present, sets the input size, normalisation, labels and default layer. Without labels, 1000-class models get the ImageNet names.")
	hint.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(
		widget.NewLabel("Model file"), container.NewBorder(nil, nil, nil, browse(model, []string{".onnx", ".ONNX"}), model),
		widget.NewLabel("Labels file"), container.NewBorder(nil, nil, nil, browse(labels, []string{".txt", ".TXT"}), labels),
		hint,
	)
	d := dialog.NewCustomConfirm("Open model", "Load", "Cancel", fixed(form, 560, 0), func(ok bool) {
		if !ok {
			return
		}
		path := strings.TrimSpace(model.Text)
		if path == "" {
			u.showError(errors.New("give a model file"))
			return
		}
		u.loadModel(resolvePath(path, u.openDir()), resolvePath(labels.Text, u.openDir()))
	}, u.win)
	model.onEsc, labels.onEsc = d.Hide, d.Hide
	u.showDialog(d)
}

// defaultName proposes a file name for the current picture.
func (u *UI) defaultName(suffix string) string {
	st := u.st
	base := strings.TrimSuffix(st.Image, filepath.Ext(st.Image))
	if base == "" {
		base = "camviz"
	}
	if suffix == "" && st.Model != nil && st.Analysis != nil {
		label := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return '_'
		}, st.Model.Label(st.Sel.Class))
		suffix = fmt.Sprintf("_%s_%s", st.Sel.Method, label)
	}
	return base + suffix + ".png"
}

// saveDir is where a save proposes to write: the folder of the last
// save, else the picture's own folder, else the last folder used.
func (u *UI) saveDir() string {
	switch {
	case u.lastSaveDir != "":
		return u.lastSaveDir
	case u.st.ImagePath != "":
		if abs, err := filepath.Abs(filepath.Dir(u.st.ImagePath)); err == nil {
			return abs
		}
		return filepath.Dir(u.st.ImagePath)
	}
	return u.openDir()
}

// pickSave asks where to save, proposing name in saveDir, and calls done
// with the path once its folder is known to exist.
func (u *UI) pickSave(name string, done func(path string)) {
	dir := u.saveDir()
	browse := func(set func(string)) {
		d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
			if err != nil {
				u.showError(err)
				return
			}
			if wc != nil {
				path := wc.URI().Path()
				wc.Close()
				removeIfEmpty(path) // Fyne created it; the export writes it
				set(path)
			}
		}, u.win)
		d.SetFileName(name)
		d.SetFilter(storage.NewExtensionFileFilter([]string{".png"}))
		if l, err := storage.ListerForURI(storage.NewFileURI(dir)); err == nil {
			d.SetLocation(l)
		}
		d.Resize(fyne.NewSize(900, 600))
		u.showDialog(d)
	}
	u.pathDialog("Save PNG", "Save", filepath.Join(dir, name), dir, browse, func(path string) {
		if err := checkSavePath(path); err != nil {
			u.showError(err)
			return
		}
		u.lastSaveDir = filepath.Dir(path)
		u.rememberDir(path)
		done(path)
	})
}

// checkSavePath says in one line why path cannot be written, if it
// cannot: its folder is missing or it is a folder.
func checkSavePath(path string) error {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("cannot save %s: there is no folder %s", filepath.Base(path), dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot save to %s: it is a folder", path)
	}
	return nil
}

func (u *UI) saveDialog() {
	if u.st.Analysis == nil {
		u.showError(errors.New("there is nothing to save yet: open a picture first"))
		return
	}
	u.pickSave(u.defaultName(""), u.exportTo)
}

// exportTo saves the current picture (PNG + JSON sidecar).
func (u *UI) exportTo(path string) {
	u.s.Export(path, u.caption, func(_ export.Saved, err error) {
		if err != nil {
			removeIfEmpty(path) // the Save dialog created it
		}
	})
}

func removeIfEmpty(path string) {
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		os.Remove(path)
	}
}

func (u *UI) saveGridDialog() {
	if u.st.Analysis == nil {
		u.showError(errors.New("there is nothing to save yet: open a picture first"))
		return
	}
	if u.w.tabs.SelectedIndex() != 1 {
		u.w.tabs.SelectIndex(1)
	}
	u.pickSave(u.defaultName("_grid"), func(path string) {
		u.s.ExportGrid(path, func(_ export.Saved, err error) {
			if err != nil {
				removeIfEmpty(path)
			}
		})
	})
}
