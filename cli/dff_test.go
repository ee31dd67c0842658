package cli

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"camviz/cam"
	"camviz/imgio"
	"camviz/internal/testfix"
)

// TestDFFOnTinyVGG: camviz dff writes k concept maps (the input's size, in
// [0,1]), an overlay per concept, the combined picture and the facts; each
// concept's classes are the head's: the concept's channel vector at every
// pixel of features.29 gives, through the tail, the probabilities the JSON
// lists — checked against the same vectors fed in after the max-pool
// instead (a max-pool of a constant map is that map), a different tail.
func TestDFFOnTinyVGG(t *testing.T) {
	dir := t.TempDir()
	const layer = "/features/features.29/Relu_output_0"
	out, errOut, st := run("dff", "-model", tinyModel, "-layer", layer, "-k", "3", "-top", "3", "-out", dir, "-json", tinyInput)
	if st != 0 {
		t.Fatal(errOut)
	}
	var facts dffJSON
	if err := json.Unmarshal([]byte(out), &facts); err != nil {
		t.Fatal(err)
	}
	if facts.K != 3 || len(facts.Concepts) != 3 || facts.Layer != layer || !(facts.RelError < 0.9) {
		t.Fatalf("facts %+v", facts)
	}
	for _, f := range []string{"concepts.png", "dff.json", "concept_0.png", "concept_2.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	var share float64
	for _, c := range facts.Concepts {
		m, shape, err := imgio.ReadNPYFile(filepath.Join(dir, c.Map))
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, _ := cam.Range(m)
		if len(shape) != 2 || shape[0] != 224 || shape[1] != 224 || lo < 0 || hi > 1 || hi < 0.99 {
			t.Errorf("concept %d map %v in [%g, %g]", c.Index, shape, lo, hi)
		}
		share += c.Share
	}
	if math.Abs(share-1) > 1e-9 {
		t.Errorf("shares sum to %g", share)
	}

	a := testfix.Analysis(t, tinyModel, tinyInput)
	acts, _ := a.Source().Activations(layer)
	con, err := cam.DeepFeatureFactorization(acts, 3, 0)
	if err != nil {
		t.Fatal(err)
	}
	const pooled = "/features/features.30/MaxPool_output_0"
	var batch []float32
	for _, v := range con.Vectors {
		for _, x := range v {
			for range 7 * 7 {
				batch = append(batch, x)
			}
		}
	}
	logits, err := a.Pass().ScoresWith(context.Background(), pooled, batch, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range facts.Concepts {
		p := probsOf(logits[i*10 : (i+1)*10])
		for r, top := range c.Top {
			if math.Abs(float64(p[top.Class]-top.Prob)) > 1e-5 {
				t.Errorf("concept %d rank %d: class %d prob %.6f, the head after the pool gives %.6f", i, r, top.Class, top.Prob, p[top.Class])
			}
			if r == 0 {
				for j, q := range p {
					if q > top.Prob+1e-6 {
						t.Errorf("concept %d: class %d (%.4f) beats the listed top class %d", i, j, q, top.Class)
					}
				}
			}
		}
	}
}

func TestDFFMessages(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dff", "-model", tinyModel, "-k", "0", "-out", "x", tinyInput}, "-k and -top must be at least 1"},
		{[]string{"dff", "-model", tinyModel, "-k", "500", "-out", t.TempDir(), tinyInput}, "allows 1 to 64"},
		{[]string{"dff", "-model", tinyModel, tinyInput}, "-out must name a folder"},
	} {
		_, errOut, st := run(c.args...)
		if st == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: status %d, %q, want %q", c.args, st, errOut, c.want)
		}
	}
}

func probsOf(y []float32) []float32 {
	var z float64
	out := make([]float32, len(y))
	for _, v := range y {
		z += math.Exp(float64(v))
	}
	for i, v := range y {
		out[i] = float32(math.Exp(float64(v)) / z)
	}
	return out
}
