//go:build cgo && linux

package memroom

/*
#include <malloc.h>
*/
import "C"

// glibc gives every thread that calls malloc an arena of its own, each a
// 64 MB reservation: eight of them on this 2-core machine (Fyne, GL and
// OpenBLAS call malloc from Go's threads), half a gigabyte of address
// space that counts against ulimit -v. C code here allocates little; two
// arenas are plenty.
func init() { C.mallopt(C.M_ARENA_MAX, 2) }
