// Package memroom says how much address space the process may still map
// under an address-space limit (ulimit -v), so that a load that cannot fit
// fails with a message instead of the Go runtime's fatal out-of-memory
// trace, which no program can catch.
package memroom

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Left returns the bytes of address space the process may still map and
// whether a limit applies at all (without one, left is meaningless).
func Left() (left int64, limited bool) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur == ^uint64(0) {
		return 0, false
	}
	used := mapped()
	if used < 0 || uint64(used) >= lim.Cur {
		return 0, true
	}
	return int64(lim.Cur) - used, true
}

// Check returns an error naming both figures when need bytes no longer fit
// under the limit; what is a short description of the work ("the model").
func Check(what string, need int64) error {
	left, limited := Left()
	if !limited || need <= left {
		return nil
	}
	return fmt.Errorf("not enough memory for %s: it needs about %d MB, and the address-space limit (ulimit -v) leaves %d MB",
		what, need>>20, left>>20)
}

// mapped is the process's mapped address space (VmSize) in bytes, or -1.
func mapped() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmSize:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}
