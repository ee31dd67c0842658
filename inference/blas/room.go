//go:build !purego

package blas

import (
	"fmt"
	"syscall"
)

// bufferRoom is what OpenBLAS maps for its work buffer on the first
// product (128 MB in Debian's build) plus a margin. Under an address-space
// limit (ulimit -v) that leaves less, OpenBLAS 0.3.21 retries the mapping
// for ever instead of failing.
const bufferRoom = 160 << 20

// roomForBuffer reports, when the process runs under an address-space
// limit, whether OpenBLAS's buffer still fits.
func roomForBuffer() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur == ^uint64(0) {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, bufferRoom, syscall.PROT_NONE, syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return fmt.Errorf("the address-space limit (ulimit -v %d KB) leaves no room for its %d MB buffer", lim.Cur>>10, bufferRoom>>20)
	}
	return syscall.Munmap(b)
}
