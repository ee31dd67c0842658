// Package npytest reads the golden .npy files under testdata (numpy
// arrays written by the fixture scripts: torch's outputs, OpenCV's tables,
// pytorch-grad-cam's maps) for the tests of every package, with npyio
// alone: not through imgio's checked reader, whose own tests read these.
package npytest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
)

// Golden is the tiny VGG16's golden folder, as seen from a package folder.
const Golden = "../testdata/golden/tinyvgg16"

// Read reads the .npy file at path: its values and its shape.
func Read[T float32 | uint8](path string) ([]T, []int, error) {
	// npyio reads in small pieces: read the file at once.
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := npyio.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	var data []T
	if err := r.Read(&data); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return data, r.Header.Descr.Shape, nil
}

// Float32 is Read of float32 values, failing t on an error.
func Float32(t testing.TB, path string) ([]float32, []int) {
	t.Helper()
	data, shape, err := Read[float32](path)
	if err != nil {
		t.Fatal(err)
	}
	return data, shape
}

// Uint8 is Read of uint8 values, failing t on an error.
func Uint8(t testing.TB, path string) ([]uint8, []int) {
	t.Helper()
	data, shape, err := Read[uint8](path)
	if err != nil {
		t.Fatal(err)
	}
	return data, shape
}
