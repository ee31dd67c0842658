package app

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Jobs runs a GUI's background work: lanes where the latest request wins,
// and one-off tasks. Every goroutine it starts is accounted for: Wait
// returns when none is running, Close cancels them all and waits.
type Jobs struct {
	ctx  context.Context
	stop context.CancelFunc

	mu     sync.Mutex
	idle   *sync.Cond
	busy   int
	closed bool

	// OnPanic hears of a job that panicked (the panic is recovered so the
	// program lives on). It runs on the job's goroutine.
	OnPanic func(name string, err error)
}

// NewJobs makes an empty runner.
func NewJobs() *Jobs {
	ctx, stop := context.WithCancel(context.Background())
	j := &Jobs{ctx: ctx, stop: stop}
	j.idle = sync.NewCond(&j.mu)
	return j
}

// enter counts a starting goroutine; false once the runner is closed.
func (j *Jobs) enter() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return false
	}
	j.busy++
	return true
}

func (j *Jobs) leave() {
	j.mu.Lock()
	j.busy--
	if j.busy == 0 {
		j.idle.Broadcast()
	}
	j.mu.Unlock()
}

// Wait blocks until no job is running or queued.
func (j *Jobs) Wait() {
	j.mu.Lock()
	for j.busy > 0 {
		j.idle.Wait()
	}
	j.mu.Unlock()
}

// Busy reports whether any job is running or queued.
func (j *Jobs) Busy() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.busy > 0
}

// Close cancels every job, refuses new ones and waits for the running
// ones to return.
func (j *Jobs) Close() {
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	j.stop()
	j.Wait()
}

// Go runs fn once in the background. It is not superseded by anything;
// its context ends only when the runner closes. It reports false if the
// runner is closed.
func (j *Jobs) Go(name string, fn func(ctx context.Context)) bool {
	if !j.enter() {
		return false
	}
	go func() {
		defer j.leave()
		j.run(name, func() { fn(j.ctx) })
	}()
	return true
}

func (j *Jobs) run(name string, fn func()) {
	defer func() {
		if r := recover(); r != nil && j.OnPanic != nil {
			j.OnPanic(name, fmt.Errorf("internal error in %s: %v\n%s", name, r, debug.Stack()))
		}
	}()
	fn()
}

// Lane makes a lane: a queue of length one where the latest request wins.
func (j *Jobs) Lane(name string) *Lane { return &Lane{jobs: j, name: name} }

// Lane runs one job at a time. Submitting cancels the running job's
// context and replaces any queued one, so a burst of requests runs the
// first and the last, never the ones between. Every request gets a
// generation number; a job's result is wanted only while Current(gen).
type Lane struct {
	jobs *Jobs
	name string

	mu      sync.Mutex
	gen     uint64
	cancel  context.CancelFunc // the running job's
	pending *laneJob
	running bool
}

type laneJob struct {
	gen uint64
	fn  func(ctx context.Context, gen uint64)
}

// Submit queues fn as the lane's latest request and cancels the running
// one. It returns fn's generation (0 if the runner is closed).
func (l *Lane) Submit(fn func(ctx context.Context, gen uint64)) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	if l.cancel != nil {
		l.cancel()
	}
	l.pending = &laneJob{gen: l.gen, fn: fn}
	if !l.running {
		if !l.jobs.enter() {
			l.pending = nil
			return 0
		}
		l.running = true
		go l.loop()
	}
	return l.gen
}

func (l *Lane) loop() {
	defer l.jobs.leave()
	for {
		l.mu.Lock()
		job := l.pending
		if job == nil {
			l.running, l.cancel = false, nil
			l.mu.Unlock()
			return
		}
		l.pending = nil
		ctx, cancel := context.WithCancel(l.jobs.ctx)
		l.cancel = cancel
		l.mu.Unlock()
		l.jobs.run(l.name, func() { job.fn(ctx, job.gen) })
		cancel()
	}
}

// Current reports whether gen is the lane's latest request.
func (l *Lane) Current(gen uint64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return gen == l.gen
}

// Cancel cancels the running job, drops the queued one and makes every
// generation so far stale.
func (l *Lane) Cancel() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	l.pending = nil
	if l.cancel != nil {
		l.cancel()
	}
}

// Busy reports whether a job is running or queued.
func (l *Lane) Busy() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.running
}
