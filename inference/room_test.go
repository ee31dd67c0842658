package inference

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Under an address-space limit a model that cannot fit is refused with a
// message before a byte is read (a child process holds the limit).
func TestReadModelFileUnderAddressSpaceLimit(t *testing.T) {
	if dir := os.Getenv("CAMVIZ_ROOM_CHILD"); dir != "" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			t.Fatal(err)
		}
		status, err := os.ReadFile("/proc/self/status")
		if err != nil {
			t.Skip("no /proc")
		}
		var used int64
		for _, l := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(l, "VmSize:"); ok {
				kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
				used = kb << 10
			}
		}
		lim.Cur = uint64(used + 400<<20)
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			t.Skip("cannot set a limit:", err)
		}
		_, err = ReadModelFile(filepath.Join(dir, "big.onnx"))
		if err == nil || !strings.Contains(err.Error(), "not enough memory for the model") {
			t.Fatalf("a 1 GB model under a 400 MB margin: %v", err)
		}
		return
	}
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "big.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestReadModelFileUnderAddressSpaceLimit$", "-test.v")
	cmd.Env = append(os.Environ(), "CAMVIZ_ROOM_CHILD="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
