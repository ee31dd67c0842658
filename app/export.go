package app

import (
	"image"
	"image/png"
	"io"

	"camviz/analysis"
	"camviz/cam"
	"camviz/compose"
	"camviz/internal/files"
)

// WriteFileAtomic writes a file through a temporary one beside it, renamed
// into place at the end, so an interrupted or failed write never leaves
// half a file and concurrent writers never mix; the file is readable by
// all (0644), like any export. Every file camviz writes goes through it.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	return files.WriteAtomic(path, write)
}

// writeFileAtomic writes data through WriteFileAtomic.
func writeFileAtomic(path string, data []byte) error {
	return WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// SaveOverlay writes the exported picture as PNG and returns its size.
func SaveOverlay(a *analysis.Analysis, path string, lm *analysis.LayerMap, mode cam.Mode, scale float32, o compose.OverlayOptions) ([2]int, error) {
	img, err := compose.Export(a, lm, mode, scale, o)
	if err != nil {
		return [2]int{}, err
	}
	return [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, WritePNG(path, img)
}

// WritePNG writes an image atomically: a failed write leaves no half file.
func WritePNG(path string, img image.Image) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return png.Encode(w, img) })
}
