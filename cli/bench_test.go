package cli

import (
	"encoding/json"
	"testing"
)

// TestBenchBatchAndAnotherClass: -batch N times a forward pass over N
// copies of the input, and a slow method's second class is reported
// (that Score-CAM's comes from its kept passes is app's test).
func TestBenchBatchAndAnotherClass(t *testing.T) {
	out, errOut, st := run("bench", "-model", tinyModel, "-input", tinyInput, "-runs", "1", "-batch", "3",
		"-methods", "scorecam", "-json")
	if st != 0 {
		t.Fatal(errOut)
	}
	var r benchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Batch != 3 || r.BatchForwardS <= 0 || r.BatchImagesPerS != 3/r.BatchForwardS {
		t.Errorf("batch %d in %g s, %g images/s", r.Batch, r.BatchForwardS, r.BatchImagesPerS)
	}
	first, another := r.MethodS["scorecam"], r.AnotherClassS["scorecam"]
	if first <= 0 || another <= 0 {
		t.Errorf("scorecam %g s, another class %g s: want both timed", first, another)
	}
}
