package memroom

import (
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestMappedIsPlausible(t *testing.T) {
	if m := mapped(); m < 1<<20 {
		t.Fatalf("VmSize %d bytes: not read", m)
	}
}

// The check runs in a child process with a real limit: Setrlimit in this
// process would constrain the rest of the test binary.
func TestCheckUnderALimit(t *testing.T) {
	if os.Getenv("MEMROOM_CHILD") == "1" {
		var lim syscall.Rlimit
		_ = syscall.Getrlimit(syscall.RLIMIT_AS, &lim)
		used := mapped()
		lim.Cur = uint64(used + 300<<20)
		if err := syscall.Setrlimit(syscall.RLIMIT_AS, &lim); err != nil {
			t.Skip("cannot set a limit:", err)
		}
		left, limited := Left()
		if !limited || left <= 0 || left > 300<<20 {
			t.Fatalf("left %d, limited %v under a 300 MB margin", left, limited)
		}
		if err := Check("the model", 10<<20); err != nil {
			t.Fatalf("10 MB refused: %v", err)
		}
		err := Check("the model", 2<<30)
		if err == nil || !strings.Contains(err.Error(), "needs about 2048 MB") || !strings.Contains(err.Error(), "ulimit -v") {
			t.Fatalf("2 GB under a 300 MB margin: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCheckUnderALimit$", "-test.v")
	cmd.Env = append(os.Environ(), "MEMROOM_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "PASS") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestNoLimitNoError(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &lim); err != nil || lim.Cur != ^uint64(0) {
		t.Skip("this process runs under a limit")
	}
	if err := Check("anything", 1<<60); err != nil {
		t.Fatalf("no limit, yet: %v", err)
	}
}
