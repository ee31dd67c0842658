//go:build !purego

package blas

import (
	"fmt"
	"syscall"
)

// bufferBytes is what OpenBLAS maps for its work buffer (128 MB in
// Debian's build), once for every thread that calls it: camviz calls it
// from Workers() goroutines at once. Under an address-space limit (ulimit
// -v) that leaves less, OpenBLAS 0.3.21 retries the mapping for ever
// instead of failing.
const bufferBytes = 128 << 20

// roomForBuffer reports, when the process runs under an address-space
// limit, whether OpenBLAS's buffer still fits.
func roomForBuffer() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur == ^uint64(0) {
		return nil
	}
	room := Workers()*bufferBytes + 32<<20
	b, err := syscall.Mmap(-1, 0, room, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("the address-space limit (ulimit -v %d KB) leaves no room for its buffers (%d MB)", lim.Cur>>10, room>>20)
	}
	return syscall.Munmap(b)
}
