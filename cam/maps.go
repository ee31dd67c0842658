package cam

import (
	"errors"
	"fmt"
)

// Maps is a stack of C feature maps of H×W values for one image, stored
// channel-major then row-major (C-order), the layout of an ONNX or PyTorch
// [1,C,H,W] tensor, so an engine's buffer can be used without copying.
type Maps struct {
	C, H, W int
	Data    []float32
}

// Validate reports whether the dimensions are positive and match len(Data).
func (m Maps) Validate() error {
	if m.C <= 0 || m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("cam: invalid maps dimensions %d×%d×%d", m.C, m.H, m.W)
	}
	if len(m.Data) != m.C*m.H*m.W {
		return fmt.Errorf("cam: maps %d×%d×%d need %d values, have %d",
			m.C, m.H, m.W, m.C*m.H*m.W, len(m.Data))
	}
	return nil
}

// Channel returns channel k's H×W values, sharing m.Data.
func (m Maps) Channel(k int) []float32 {
	n := m.H * m.W
	return m.Data[k*n : (k+1)*n : (k+1)*n]
}

// sameShape reports whether g has a's dimensions.
func sameShape(a, g Maps) error {
	if a.C != g.C || a.H != g.H || a.W != g.W {
		return fmt.Errorf("cam: gradients %d×%d×%d do not match activations %d×%d×%d",
			g.C, g.H, g.W, a.C, a.H, a.W)
	}
	return nil
}

// Map is one W×H scalar map stored row-major. render.Field has the same
// fields in the same order, so a Map converts to it directly.
type Map struct {
	W, H int
	Data []float32
}

// NewMap returns a zeroed w×h map.
func NewMap(w, h int) Map {
	return Map{W: w, H: h, Data: make([]float32, w*h)}
}

// Validate reports whether the dimensions are positive and match len(Data).
func (m Map) Validate() error {
	if m.W <= 0 || m.H <= 0 {
		return fmt.Errorf("cam: invalid map size %d×%d", m.W, m.H)
	}
	if len(m.Data) != m.W*m.H {
		return fmt.Errorf("cam: map %d×%d needs %d values, have %d", m.W, m.H, m.W*m.H, len(m.Data))
	}
	return nil
}

// ErrNeedsNetwork is returned by LayerMap for methods that must run the
// network (AblationCAM, ScoreCAM); use AblationWeights or ScoreWeights.
var ErrNeedsNetwork = errors.New("cam: method needs forward passes through the network")
