package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalizeFindsMNISTFromAnyFolder: run from elsewhere, localize still
// finds the repository's MNIST files; a wrong -mnist names the files.
func TestLocalizeFindsMNISTFromAnyFolder(t *testing.T) {
	want, err := filepath.Abs("../testdata/mnist")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	if got, err := mnistDir(""); err != nil || got != want {
		t.Fatalf("mnistDir = %q, %v; want %q", got, err, want)
	}
	out, errOut, st := run("localize", "-n", "2", "-doubles", "1", "-methods", "gradcam", "-json")
	if st != 0 {
		t.Fatalf("status %d: %s", st, errOut)
	}
	var j localizeJSON
	if err := json.Unmarshal([]byte(out), &j); err != nil || j.Singles != 2 || j.Doubles != 1 || len(j.Methods) != 1 {
		t.Fatalf("%s: %v", out, err)
	}
	_, errOut, st = run("localize", "-mnist", ".", "-n", "2")
	if st != 1 || !strings.Contains(errOut, "-mnist .: the folder does not hold t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz") {
		t.Fatalf("status %d: %q", st, errOut)
	}
}
