package inference

import (
	"context"
	"testing"
)

// TestArenaKeepsTheRecentSizes: when the free lists are full, a returned
// buffer pushes out the sizes asked for least recently, not itself; a
// size asked for no earlier than the returned one is never pushed out.
func TestArenaKeepsTheRecentSizes(t *testing.T) {
	for _, c := range []struct {
		name       string
		stale      []int // sizes got and put first
		fresh      int   // then this size, got twice and put back
		limit      int
		keptStale  int // floats of the stale sizes still held
		freshKept  int // fresh buffers held afterwards
		secondMiss int // misses when the fresh size is asked for again (2 buffers)
	}{
		{"room for all", []int{10, 20}, 30, 100, 30, 2, 0},
		{"stale pushed out", []int{10, 20}, 30, 60, 0, 2, 0},
		{"stalest first", []int{10, 20}, 15, 50, 20, 2, 0},
		{"over the limit alone", nil, 40, 60, 0, 1, 1},
	} {
		a := newArena(c.limit)
		for _, n := range c.stale {
			a.put(a.get(n))
		}
		b1, b2 := a.get(c.fresh), a.get(c.fresh)
		a.put(b1)
		a.put(b2)
		stale := a.held - c.fresh*len(a.free[c.fresh])
		if stale != c.keptStale || len(a.free[c.fresh]) != c.freshKept {
			t.Errorf("%s: held %d stale floats and %d fresh buffers, want %d and %d", c.name, stale, len(a.free[c.fresh]), c.keptStale, c.freshKept)
		}
		m := a.misses
		a.get(c.fresh)
		a.get(c.fresh)
		if got := a.misses - m; got != c.secondMiss {
			t.Errorf("%s: %d misses asking again, want %d", c.name, got, c.secondMiss)
		}
	}
}

// TestBatchPassesFaultInNothing: a net run at one image, then at a batch,
// takes every buffer of the next batch pass from the arena (no fresh
// memory) even when the arena holds just the batch's set: the one-image
// buffers give way.
func TestBatchPassesFaultInNothing(t *testing.T) {
	net, err := Load(goldenDir + "/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pass := func(n int) int {
		t.Helper()
		m := net.arena.misses
		p, err := net.Forward(ctx, net.NewInput(n), false)
		if err != nil {
			t.Fatal(err)
		}
		p.Release()
		return net.arena.misses - m
	}
	pass(4)
	batchSet := net.arena.held
	net.arena = newArena(batchSet)
	pass(1)
	pass(4)
	if got := pass(4); got != 0 {
		t.Errorf("the second batch pass took %d fresh buffers, want 0", got)
	}
	if net.arena.held > batchSet {
		t.Errorf("arena holds %d floats, over its limit %d", net.arena.held, batchSet)
	}
}
