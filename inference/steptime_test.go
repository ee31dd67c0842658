package inference

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"
)

// TestStepTimes prints where a forward pass spends its time, per operator
// type. It only runs with CAMVIZ_STEPTIMES=1 (it measures, it asserts
// nothing).
func TestStepTimes(t *testing.T) {
	if os.Getenv("CAMVIZ_STEPTIMES") == "" {
		t.Skip("set CAMVIZ_STEPTIMES=1 (and CAMVIZ_VGG16) to print per-operator times")
	}
	path := os.Getenv("CAMVIZ_VGG16")
	if path == "" {
		path = goldenDir + "/model.onnx"
	}
	net, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	x := net.NewInput(1)
	ctx := context.Background()
	for _, keep := range []bool{false, true} {
		totals := map[string]time.Duration{}
		for r := 0; r < 4; r++ {
			p := &Pass{net: net, vals: make([]*tval, len(net.values)), aux: make([]any, len(net.steps)), keep: keep, n: 1, owned: make([]bool, len(net.values))}
			for i, v := range net.values {
				p.vals[i] = v.konst
			}
			in, _ := net.checkInput(x)
			p.vals[net.input] = in
			hold := map[int]bool{net.root[net.scores]: true}
			for i, s := range net.steps {
				start := time.Now()
				if err := p.exec(i, s); err != nil {
					t.Fatal(err)
				}
				if r > 0 {
					totals[s.op] += time.Since(start)
				}
				if !keep {
					p.recycle(i, s, hold)
				}
			}
			_ = ctx
			if keep {
				start := time.Now()
				if _, err := p.Grad(ctx, net.DefaultLayer(), 3); err != nil {
					t.Fatal(err)
				}
				if r > 0 {
					totals["(grad)"] += time.Since(start)
				}
				p.Release()
			}
		}
		var ops []string
		for op := range totals {
			ops = append(ops, op)
		}
		sort.Slice(ops, func(i, j int) bool { return totals[ops[i]] > totals[ops[j]] })
		for _, op := range ops {
			fmt.Printf("keep=%v %-12s %8.1f ms\n", keep, op, float64(totals[op].Microseconds())/3000)
		}
	}
}
