package files

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestReadRegularRefusesWhatIsNotAFile: each kind of entry is refused by
// its name, quickly, without blocking on a pipe or reading a device.
func TestReadRegularRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.onnx")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.onnx")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	sparse := filepath.Join(dir, "big.onnx")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(5 << 29); err != nil { // 2.5 GB, no blocks
		t.Fatal(err)
	}
	f.Close()
	link := filepath.Join(dir, "link.onnx")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, want string
		is         error
	}{
		{dir, "is a folder, not a file", ErrNotRegular},
		{fifo, "is a named pipe (FIFO), not a file", ErrNotRegular},
		{link, "is a named pipe (FIFO), not a file", ErrNotRegular},
		{"/dev/zero", "is a device, not a file", ErrNotRegular},
		{sock, "is a socket, not a file", ErrNotRegular},
		{sparse, "is 2.5 GB, over the 2.0 GB limit", ErrTooLarge},
		{filepath.Join(dir, "none"), "no such file", os.ErrNotExist},
	}
	for _, c := range cases {
		done := make(chan error, 1)
		go func() {
			_, err := ReadRegular(c.path, "model", 2<<30)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "cannot read model: ") || !errors.Is(err, c.is) {
				t.Errorf("%s: %v, want %q", c.path, err, c.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ReadRegular blocked", c.path)
		}
	}
}

// TestReadRegularLimit: a file of exactly the limit is read whole; one
// byte more is refused.
func TestReadRegularLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "labels.txt")
	want := bytes.Repeat([]byte("ab\n"), 1000)
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRegular(p, "labels file", int64(len(want)))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("at the limit: %d bytes, %v", len(got), err)
	}
	if _, err := ReadRegular(p, "labels file", int64(len(want))-1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	if got, err := ReadRegular(empty, "labels file", 10); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %q, %v", got, err)
	}
}

// TestWriteAtomicConcurrent: writers racing on one path leave exactly one
// writer's whole content, never a mix, and no temporary files.
func TestWriteAtomicConcurrent(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "map.npy")
	const writers, size = 8, 1 << 20
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			block := bytes.Repeat([]byte{byte('a' + i)}, 4096)
			err := WriteAtomic(p, func(w io.Writer) error {
				for range size / len(block) {
					if _, err := w.Write(block); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != size || !bytes.Equal(got, bytes.Repeat(got[:1], size)) {
		t.Fatalf("%d bytes, first %q: not one writer's whole file", len(got), got[:1])
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d entries left in the folder, want 1", len(ents))
	}
}

// TestWriteAtomicFailureKeepsOld: a write that fails half way (a full
// disk) leaves the old file as it was and no temporary file.
func TestWriteAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "map.npy")
	if err := os.WriteFile(p, []byte("the good map"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	err := WriteAtomic(p, func(w io.Writer) error {
		fmt.Fprint(w, "half a ne")
		return full
	})
	if !errors.Is(err, full) || !strings.Contains(err.Error(), "cannot write "+p) {
		t.Fatalf("error %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "the good map" {
		t.Fatalf("old file now %q", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("%d entries left in the folder, want 1", len(ents))
	}
	if err := WriteAtomic(filepath.Join(dir, "no", "x.png"), func(io.Writer) error { return nil }); err == nil {
		t.Fatal("a missing folder was accepted")
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 4 << 10: "4.0 kB", 3 << 20: "3.0 MB", 5 << 29: "2.5 GB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
