package app

import (
	"context"
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/imgio"
)

// Loading a model and opening a picture: the model and image lanes.

// LoadModel loads an ONNX file (and labels file, if not "") in the
// background. On failure the current model and picture stay.
func (s *Session) LoadModel(path, labels string) {
	s.LoadModelWith(filepath.Base(path), func() (*analysis.Model, error) { return analysis.LoadModel(path, labels) }, false)
}

// LoadDefaultModel loads the embedded model. With no embedded model the
// status line says so (it is not an error the user caused).
func (s *Session) LoadDefaultModel() {
	s.LoadModelWith("the embedded model", analysis.DefaultModel, true)
}

// LoadModelWith runs load in the background and makes its model current.
// quiet failures go to the status line instead of OnError.
func (s *Session) LoadModelWith(name string, load func() (*analysis.Model, error), quiet bool) {
	s.mu.Lock()
	s.modelLoading = name
	s.mu.Unlock()
	s.modelLane.Submit(func(ctx context.Context, gen uint64) { s.runModel(ctx, gen, name, load, quiet) })
	s.changed()
}

// SetModel makes m current at once (m already loaded); the picture, if
// any, is analysed in the background.
func (s *Session) SetModel(m *analysis.Model) {
	s.LoadModelWith(m.Name, func() (*analysis.Model, error) { return m, nil }, false)
}

func (s *Session) runModel(ctx context.Context, gen uint64, name string, load func() (*analysis.Model, error), quiet bool) {
	s.setBusy(s.modelLane, gen, Progress{Lane: LaneModel, Label: "Loading " + name + "…"})
	defer func() {
		s.mu.Lock()
		if s.modelLane.Current(gen) {
			s.modelLoading = ""
			delete(s.busy, LaneModel)
		}
		s.mu.Unlock()
		s.changed()
	}()
	if !s.acquire(ctx) {
		return
	}
	defer s.release()
	m, err := load()
	if ctx.Err() != nil || !s.modelLane.Current(gen) {
		return
	}
	if err != nil {
		if quiet {
			s.setStatus("No model loaded: " + oneLine(err.Error()) + ". Open one with Open Model… (Ctrl+Shift+O).")
		} else {
			s.fail(fmt.Errorf("cannot load %s: %w", name, trimName(err, name)))
		}
		return
	}
	s.mu.Lock()
	pic := s.pic
	s.mu.Unlock()
	var a *analysis.Analysis
	var aerr error
	// A picture waiting in the image lane will be analysed with this
	// model as soon as the slot is free; analysing the old one is waste.
	if pic != nil && !s.imageLane.Busy() {
		s.setBusy(s.modelLane, gen, Progress{Lane: LaneModel, Label: "Analysing " + pic.Name + " with " + m.Name + "…"})
		a, aerr = analyze(ctx, m, pic, "")
		if ctx.Err() != nil {
			closeAnalysis(a)
			return
		}
	}
	s.mu.Lock()
	if !s.modelLane.Current(gen) {
		s.mu.Unlock()
		closeAnalysis(a)
		return
	}
	s.model = m
	s.dropAnalysesLocked()
	if _, err := m.Method(s.sel.Method); err != nil {
		s.sel.Method = cam.DefaultMethod
	}
	s.sel.Layer = ""
	s.commitAnalysisLocked(a, true)
	s.status = fmt.Sprintf("Model %s: %s, %d classes.", m.Name, InputDesc(m), m.Net.NumClasses())
	s.kickLocked()
	s.mu.Unlock()
	if aerr != nil {
		s.fail(fmt.Errorf("%s cannot analyse %s: %w", m.Name, pic.Name, aerr))
	}
	s.changed()
}

// trimName drops a leading "name: " from err (LoadModel's errors name
// the file; the message already does), keeping it wrapped.
func trimName(err error, name string) error {
	if rest, ok := strings.CutPrefix(err.Error(), name+": "); ok {
		return nameless{rest, err}
	}
	return err
}

type nameless struct {
	msg string
	err error
}

func (e nameless) Error() string { return e.msg }
func (e nameless) Unwrap() error { return e.err }

// InputDesc says what the model takes, e.g. "3×224×224 input, crop".
func InputDesc(m *analysis.Model) string {
	c, h, w := m.Net.InputSize()
	return fmt.Sprintf("%d×%d×%d input, %s", c, h, w, m.Spec.Mode)
}

// analyze prepares pic for m in mode and runs the forward pass.
func analyze(ctx context.Context, m *analysis.Model, pic *picture, mode string) (*analysis.Analysis, error) {
	in, err := m.ImageInput(pic.Name, pic.img, mode)
	if err != nil {
		return nil, err
	}
	return m.Analyze(ctx, in)
}

// commitAnalysisLocked makes a the current analysis. fresh: a new picture
// or model, so the class selection starts again from the top prediction.
func (s *Session) commitAnalysisLocked(a *analysis.Analysis, fresh bool) {
	if a != nil {
		if s.analyses == nil {
			s.analyses = map[string]*analysis.Analysis{}
		}
		if old := s.analyses[a.Input.Mode]; old != nil && old != a {
			old.Close()
		}
		s.analyses[a.Input.Mode] = a
	}
	s.analysis = a
	s.view = nil
	s.viewErr = ""
	s.fields = fieldCache{}
	if a == nil {
		return
	}
	if fresh || a.CheckClass(s.sel.Class) != nil {
		top := a.Top(2)
		s.sel.Class = top[0].Class
		s.sel.Compare.A = top[0].Class
		s.sel.Compare.B = top[len(top)-1].Class
	}
	if s.sel.Compare.On {
		s.sel.Compare.A = s.sel.Class
	}
}

// dropAnalysesLocked closes the analyses of the picture or model being
// replaced, so the next forward pass reuses their buffers. Jobs still
// using one finish first (see Analysis.Close).
func (s *Session) dropAnalysesLocked() {
	for _, a := range s.analyses {
		a.Close()
	}
	if s.analysis != nil {
		s.analysis.Close()
	}
	s.analyses = map[string]*analysis.Analysis{}
	s.dropTrustLocked()
}

// closeAnalysis closes an analysis nobody will see (a stale job's).
func closeAnalysis(a *analysis.Analysis) {
	if a != nil {
		a.Close()
	}
}

// ---- picture ----

// OpenImage reads a picture file in the background and analyses it with
// the current model. On failure the current picture stays.
func (s *Session) OpenImage(path string) {
	name := filepath.Base(path)
	s.imageLane.Submit(func(ctx context.Context, gen uint64) {
		s.setBusy(s.imageLane, gen, Progress{Lane: LaneImage, Label: "Opening " + name + "…"})
		img, _, err := imgio.DecodeFile(path, imgio.Limits{})
		if err != nil {
			s.mu.Lock()
			s.setBusyLocked(s.imageLane, gen, Progress{Lane: LaneImage})
			s.mu.Unlock()
			if ctx.Err() == nil && s.imageLane.Current(gen) {
				s.fail(err)
				s.reanalyse(gen)
			}
			s.changed()
			return
		}
		s.runImage(ctx, gen, newPicture(name, path, img, s.opts.DisplaySide))
	})
}

// OpenPicture analyses an already decoded picture (e.g. a bundled sample).
func (s *Session) OpenPicture(name string, img *image.NRGBA) {
	s.imageLane.Submit(func(ctx context.Context, gen uint64) {
		s.runImage(ctx, gen, newPicture(name, "", img, s.opts.DisplaySide))
	})
}

// reanalyse analyses the current picture again if a model change left it
// without an analysis (the model commits without one while an image is
// being opened, and that image failed).
func (s *Session) reanalyse(gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.imageLane.Current(gen) && s.model != nil && s.pic != nil && s.analysis == nil {
		pic := s.pic
		s.imageLane.Submit(func(ctx context.Context, gen uint64) { s.runImage(ctx, gen, pic) })
	}
}

func newPicture(name, path string, img *image.NRGBA, side int) *picture {
	b := img.Bounds()
	work := imgio.Downscale(img, analysis.MaxWorkingSide)
	return &picture{Photo: &compose.Photo{Name: name, Path: path, Size: image.Pt(b.Dx(), b.Dy())}, img: work, disp: displayCopy(work, side)}
}

// Tiny pictures (a 64×64 digit; below smallSide) are enlarged on screen
// to at least minDisplaySide: their pixels are repeated, so they stay
// crisp, while the heat map drawn over them is resized smoothly.
const (
	smallSide      = 256
	minDisplaySide = 512
)

func displayCopy(img *image.NRGBA, side int) *image.NRGBA {
	b := img.Bounds()
	long := max(b.Dx(), b.Dy())
	if long >= smallSide || long == 0 {
		return imgio.Downscale(img, side)
	}
	f := (minDisplaySide + long - 1) / long
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx()*f, b.Dy()*f))
	for y := 0; y < out.Rect.Dy(); y++ {
		src := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y/f):]
		dst := out.Pix[y*out.Stride:]
		for x := 0; x < out.Rect.Dx(); x++ {
			copy(dst[4*x:4*x+4], src[4*(x/f):4*(x/f)+4])
		}
	}
	return out
}

// SetMode switches between the whole picture and the centre crop
// (imgio.ModeWhole, imgio.ModeCrop; "" = the model's own).
func (s *Session) SetMode(mode string) error {
	switch mode {
	case "", imgio.ModeWhole, imgio.ModeCrop:
	default:
		return fmt.Errorf("unknown resize mode %q", mode)
	}
	s.mu.Lock()
	if s.sel.Mode == mode {
		s.mu.Unlock()
		return nil
	}
	s.sel.Mode = mode
	pic := s.pic
	if pic != nil {
		// Maps of the other mode's analysis are not wanted any more.
		s.cancelMapLocked()
		s.imageLane.Submit(func(ctx context.Context, gen uint64) { s.runImage(ctx, gen, pic) })
	}
	s.mu.Unlock()
	s.changed()
	return nil
}

// runImage analyses pic with the current model (under the load slot) and
// commits both.
func (s *Session) runImage(ctx context.Context, gen uint64, pic *picture) {
	defer func() {
		s.mu.Lock()
		s.setBusyLocked(s.imageLane, gen, Progress{Lane: LaneImage})
		s.mu.Unlock()
		s.changed()
	}()
	if !s.acquire(ctx) {
		return
	}
	defer s.release()
	s.mu.Lock()
	m, mode := s.model, s.sel.Mode
	samePic := s.pic == pic
	cached := s.analyses[s.modeFor(m, mode)]
	s.mu.Unlock()
	var a *analysis.Analysis
	var err error
	switch {
	case m == nil:
	case samePic && cached != nil:
		a = cached
	default:
		s.setBusy(s.imageLane, gen, Progress{Lane: LaneImage, Label: "Analysing " + pic.Name + "…"})
		a, err = analyze(ctx, m, pic, mode)
		if ctx.Err() != nil {
			closeAnalysis(a)
			return
		}
	}
	s.mu.Lock()
	if !s.imageLane.Current(gen) {
		s.mu.Unlock()
		if a != cached {
			closeAnalysis(a)
		}
		return
	}
	if err != nil {
		// The previous picture and analysis stay, and so does their mode.
		if samePic && s.analysis != nil {
			s.sel.Mode = s.analysis.Input.Mode
		}
		s.mu.Unlock()
		s.fail(fmt.Errorf("%s: %w", pic.Name, err))
		return
	}
	if !samePic {
		s.pic = pic
		s.dropAnalysesLocked()
		s.grid = nil
	}
	if m == nil {
		s.analysis, s.view = nil, nil
		s.status = "No model loaded: open one with Open Model… (Ctrl+Shift+O)."
	} else {
		s.commitAnalysisLocked(a, !samePic)
		s.status = ""
		s.kickLocked()
	}
	s.mu.Unlock()
	s.changed()
}

func (s *Session) modeFor(m *analysis.Model, mode string) string {
	if mode == "" && m != nil {
		return m.Spec.Mode
	}
	return mode
}

// ---- selection ----
