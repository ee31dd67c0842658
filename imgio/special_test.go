package imgio

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestSpecialFilesRefused: a pipe, a device and a sparse file over the
// limit are refused by kind or size, at once, by both file readers.
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "photo.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sparse := filepath.Join(dir, "big.npy")
	if err := os.WriteFile(sparse, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, 5<<29); err != nil {
		t.Fatal(err)
	}
	read := map[string]func(string) error{
		"DecodeFile":  func(p string) error { _, _, err := DecodeFile(p, Limits{}); return err },
		"ReadNPYFile": func(p string) error { _, _, err := ReadNPYFile(p); return err },
	}
	for name, f := range read {
		noun := map[string]string{"DecodeFile": "an image file", "ReadNPYFile": "a tensor file"}[name]
		for _, c := range []struct {
			path, want string
			kind       ErrorKind
		}{
			{fifo, "is a named pipe (FIFO), not " + noun + ": " + fifo, KindIO},
			{"/dev/zero", "is a device, not " + noun + ": /dev/zero", KindIO},
			{dir, "is a folder, not " + noun, KindIO},
			{sparse, "file is larger than the", KindTooLarge},
		} {
			done := make(chan error, 1)
			go func() { done <- f(c.path) }()
			select {
			case err := <-done:
				var e *Error
				if !errors.As(err, &e) || e.Kind != c.kind || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s(%s) = %v, want %q", name, c.path, err, c.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s(%s) blocked", name, c.path)
			}
		}
	}
}

// TestWriteNPYFileConcurrent: four writers of different maps to one path
// leave one whole map, never a mix (the old non-atomic writer did).
func TestWriteNPYFileConcurrent(t *testing.T) {
	p := filepath.Join(t.TempDir(), "map.npy")
	const h, w = 256, 256
	maps := make([][]float32, 4)
	for i := range maps {
		maps[i] = make([]float32, h*w)
		for j := range maps[i] {
			maps[i][j] = float32(i*1000 + j%7)
		}
	}
	var wg sync.WaitGroup
	for round := 0; round < 5; round++ {
		for i := range maps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := WriteNPYFile(p, maps[i], h, w); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, shape, err := ReadNPYFile(p)
		if err != nil || !slices.Equal(shape, []int{h, w}) {
			t.Fatalf("read back: %v %v", shape, err)
		}
		k := int(got[0]) / 1000
		if k < 0 || k >= len(maps) || !slices.Equal(got, maps[k]) {
			t.Fatalf("round %d: the file is not one writer's map", round)
		}
	}
}
