// Package files reads input files defensively and writes output files
// atomically, for every camviz path that touches the file system: the
// window and the command line load models, labels, sidecars, images and
// tensors through ReadRegular, and write every output through WriteAtomic.
package files

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrNotRegular is wrapped by ReadRegular's error for folders, pipes,
// devices and sockets.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by ReadRegular's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// kindError is a message for people that errors.Is matches against one
// of the sentinels above.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Kind names what a file system entry is, for messages: "a folder",
// "a named pipe (FIFO)", "a device", "a socket", "" for a regular file.
func Kind(mode fs.FileMode) string {
	switch {
	case mode.IsRegular():
		return ""
	case mode.IsDir():
		return "a folder"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case mode&fs.ModeDevice != 0, mode&fs.ModeCharDevice != 0:
		return "a device"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// CheckRegular stats path (following symbolic links) and returns its size
// if it is a regular file of at most limit bytes. what names the file in
// messages ("model", "labels file").
func CheckRegular(path, what string, limit int64) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %w", what, err)
	}
	return check(st, path, what, limit)
}

func check(st fs.FileInfo, path, what string, limit int64) (int64, error) {
	if k := Kind(st.Mode()); k != "" {
		return 0, &kindError{fmt.Sprintf("cannot read %s: %s is %s, not a file", what, path, k), ErrNotRegular}
	}
	if st.Size() > limit {
		return 0, &kindError{fmt.Sprintf("cannot read %s: %s is %s, over the %s limit", what, path, Size(st.Size()), Size(limit)), ErrTooLarge}
	}
	return st.Size(), nil
}

// ReadRegular reads a whole regular file of at most limit bytes. The size
// is checked before anything is read (a sparse multi-gigabyte file is
// refused at once), and a path that is a pipe, device, socket or folder is
// refused without being opened for reading, so nothing blocks: the file is
// opened non-blocking and checked again on the open descriptor, in case
// it was replaced in between.
func ReadRegular(path, what string, limit int64) ([]byte, error) {
	if _, err := CheckRegular(path, what, limit); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	size, err := check(st, path, what, limit)
	if err != nil {
		return nil, err
	}
	// The file may grow while it is read: never read past the limit.
	data := make([]byte, 0, size+1)
	data, err = readAll(io.LimitReader(f, limit+1), data)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", what, err)
	}
	if int64(len(data)) > limit {
		return nil, &kindError{fmt.Sprintf("cannot read %s: %s grew over the %s limit while being read", what, path, Size(limit)), ErrTooLarge}
	}
	return data, nil
}

// readAll is io.ReadAll into a buffer sized by the caller.
func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Size formats a byte count for people: "512 bytes", "3.0 MB", "2.5 GB".
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// WriteAtomic writes a file through a temporary one beside it, renamed
// into place at the end, so an interrupted or failed write never leaves
// half a file and concurrent writers never mix their bytes: the last
// rename wins, whole. The file is readable by all (0644), like any export.
func WriteAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".camviz-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
