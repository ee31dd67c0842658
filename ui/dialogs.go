package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	core "camviz/app"
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

// pickFile shows an Open dialog and calls done with the chosen path.
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
	d.Show()
}

func (u *UI) openImageDialog() { u.pickFile(imageExts, u.s.OpenImage) }

// openModelDialog asks for an ONNX file and an optional labels file.
func (u *UI) openModelDialog() {
	prefs := u.fy.Preferences()
	model := widget.NewEntry()
	model.SetPlaceHolder("model.onnx")
	model.SetText(prefs.String("model"))
	labels := widget.NewEntry()
	labels.SetPlaceHolder("optional: labels.txt, one class name per line")
	labels.SetText(prefs.String("labels"))
	browse := func(e *widget.Entry, exts []string) *widget.Button {
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
		u.loadModel(path, strings.TrimSpace(labels.Text))
	}, u.win)
	d.Show()
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

// pickSave shows a Save dialog and calls done with the chosen path.
func (u *UI) pickSave(name string, done func(path string)) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			u.showError(err)
			return
		}
		if wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		u.rememberDir(path)
		done(path)
	}, u.win)
	d.SetFileName(name)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png"}))
	if dir := u.startDir(); dir != nil {
		d.SetLocation(dir)
	}
	d.Resize(fyne.NewSize(900, 600))
	d.Show()
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
	u.s.Export(path, u.caption, func(_ core.ExportResult, err error) {
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
		u.s.ExportGrid(path, func(_ core.ExportResult, err error) {
			if err != nil {
				removeIfEmpty(path)
			}
		})
	})
}

// copyFacts puts the facts of the picture on screen on the clipboard as
// JSON: Fyne's clipboard holds text only, so the picture itself is saved
// with Save PNG.
func (u *UI) copyFacts() {
	f, err := u.s.Facts()
	if err != nil {
		u.w.status.SetText("Nothing to copy: " + err.Error())
		return
	}
	u.fy.Clipboard().SetContent(string(f.JSON()))
	u.w.status.SetText("Copied the facts as JSON (the clipboard holds text only: use Save PNG… for the picture).")
}
