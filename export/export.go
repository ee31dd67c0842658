// Package export writes what camviz saves: pictures as PNG, their JSON
// sidecars and any other file, each atomically — through a temporary file
// beside it, renamed into place at the end (internal/files.WriteAtomic) —
// so an interrupted or failed write never leaves half a file and
// concurrent writers never mix. Every file camviz writes goes through it
// but the .npy arrays, which imgio.WriteNPYFile writes with the same
// atomic writer.
package export

import (
	"image"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/internal/files"
)

// Write writes a file atomically from write; the file is readable by all
// (0644), like any export.
func Write(path string, write func(io.Writer) error) error {
	return files.WriteAtomic(path, write)
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// WritePNG writes an image atomically: a failed write leaves no half file.
func WritePNG(path string, img image.Image) error {
	return Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}

// Saved says what Save wrote.
type Saved struct {
	PNG, JSON string
	Size      [2]int
	Facts     compose.Facts
}

// PNGPath is path with ".png" added unless it ends so already (in any
// case).
func PNGPath(path string) string {
	if !strings.EqualFold(filepath.Ext(path), ".png") {
		path += ".png"
	}
	return path
}

// SidecarPath is the JSON sidecar beside a picture: its path with the
// extension replaced by ".json".
func SidecarPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
}

// Save writes img as the PNG path and facts, with the output's path and
// size filled in, as its sidecar (SidecarPath). The sidecar is written
// only once the picture is.
func Save(path string, img image.Image, facts compose.Facts) (Saved, error) {
	b := img.Bounds()
	facts.Output, facts.OutputSize = path, [2]int{b.Dx(), b.Dy()}
	if err := WritePNG(path, img); err != nil {
		return Saved{}, err
	}
	side := SidecarPath(path)
	if err := WriteFile(side, facts.JSON()); err != nil {
		return Saved{}, err
	}
	return Saved{PNG: path, JSON: side, Size: facts.OutputSize, Facts: facts}, nil
}

// SaveOverlay writes lm drawn over the analysis's picture
// (compose.Export) as the PNG path and returns its size.
func SaveOverlay(a *analysis.Analysis, path string, lm *analysis.LayerMap, mode cam.Mode, scale float32, o compose.OverlayOptions) ([2]int, error) {
	img, err := compose.Export(a, lm, mode, scale, o)
	if err != nil {
		return [2]int{}, err
	}
	return [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, WritePNG(path, img)
}
