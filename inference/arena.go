package inference

import (
	"slices"
	"sync"
)

// arena recycles float32 buffers between steps and passes. Fresh memory
// is expensive where pages are faulted in lazily: on our 2-core CI VMs the
// first touch of a page costs about 5 ms per MB (512 MB: 2.5–3.8 s, against
// 77 ms to copy into memory already touched), so a forward pass that
// allocated its ~350 MB of activations and im2col buffers anew spent most
// of its time in page faults. Buffers are matched by exact length: a
// network asks for the same few sizes over and over.
//
// When the free lists would pass the limit, the buffers of the sizes
// asked for least recently go first: a net run at one batch size and then
// at another (Score-CAM's first pass alone, then batches of 4) keeps the
// new batch's set, not the stale one's, so the passes that follow fault
// in nothing.
type arena struct {
	mu    sync.Mutex
	free  map[int][][]float32
	held  int // floats in the free lists
	limit int // beyond this, returned buffers are left to the GC
	// asked is the tick of each size's last request; tick counts them.
	asked map[int]uint64
	tick  uint64
	// misses counts the requests that found no free buffer (fresh
	// memory): in the steady state of repeated passes it stays put.
	misses int
	// classes, when set, are the sizes buffers are kept by (sorted): a
	// request takes the smallest class that holds it (a power of two
	// past the largest), for passes whose sizes vary from one to the next
	// (the windows of ZeroPass.ScoresZeroOutside, whose classes are the
	// full pass's sizes: a window never needs more).
	classes []int
}

func newArena(limitFloats int) *arena {
	return &arena{free: map[int][][]float32{}, asked: map[int]uint64{}, limit: limitFloats}
}

// sizeClass is the size a buffer of n floats is kept by.
func (a *arena) sizeClass(n int) int {
	if a.classes == nil {
		return n
	}
	if i, _ := slices.BinarySearch(a.classes, n); i < len(a.classes) {
		return a.classes[i]
	}
	c := 1
	for c < n {
		c *= 2
	}
	return c
}

// get returns a buffer of n floats with undefined contents.
func (a *arena) get(n int) []float32 {
	if a == nil {
		return make([]float32, n)
	}
	size := a.sizeClass(n)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tick++
	a.asked[size] = a.tick
	list := a.free[size]
	if len(list) == 0 {
		a.misses++
		return make([]float32, n, size)
	}
	s := list[len(list)-1]
	a.free[size] = list[:len(list)-1]
	a.held -= size
	return s[:n]
}

// put gives a buffer back; the caller must not use it afterwards.
func (a *arena) put(s []float32) {
	if a == nil || len(s) == 0 {
		return
	}
	size := len(s)
	if a.classes != nil {
		if size = cap(s); size != a.sizeClass(size) {
			return // not one of this arena's
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.held+size > a.limit {
		if !a.evictStale(a.asked[size]) {
			return
		}
	}
	a.free[size] = append(a.free[size], s[:size:size])
	a.held += size
}

// evictStale drops one free buffer of the size asked for least recently,
// if that was before tick, and reports whether it dropped one.
func (a *arena) evictStale(tick uint64) bool {
	stalest, best := -1, tick
	for size, list := range a.free {
		if t := a.asked[size]; len(list) > 0 && t < best {
			stalest, best = size, t
		}
	}
	if stalest < 0 {
		return false
	}
	list := a.free[stalest]
	list[len(list)-1] = nil
	a.free[stalest] = list[:len(list)-1]
	a.held -= stalest
	return true
}

// newT makes an arena-backed tensor of the given shape.
func (a *arena) newT(shape ...int) *tval {
	return &tval{shape: shape, f: a.get(numel(shape))}
}

// arenaLimit bounds the floats kept for reuse (512 MB): a VGG16 pass at
// 224 recycles 123 MB of buffers alone and 250 MB in a batch of 4, and
// ScoreCAM runs both (its first channel alone, then batches), so both
// sets fit; more than that is not left resident after a batched run.
const arenaLimit = 1 << 27

// planBuffers finds, for every value, the buffer it lives in (alias ops
// share their input's) and the last step that reads that buffer, so a
// pass can recycle each buffer the moment it is dead.
func (n *Net) planBuffers() {
	n.root = make([]int, len(n.values))
	for i := range n.root {
		n.root[i] = i
	}
	for _, s := range n.steps {
		if s.def.alias && s.in[0] >= 0 {
			n.root[s.out] = n.root[s.in[0]]
		}
	}
	n.rootLast = make([]int, len(n.values))
	for i := range n.rootLast {
		n.rootLast[i] = -1
	}
	for i, s := range n.steps {
		for _, id := range s.in {
			if id >= 0 {
				n.rootLast[n.root[id]] = i
			}
		}
	}
}
