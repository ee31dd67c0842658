package app

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestLaneLatestWins(t *testing.T) {
	defer goleak.VerifyNone(t)
	j := NewJobs()
	defer j.Close()
	l := j.Lane("test")
	release, started := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var ran []int
	var cancelled atomic.Bool
	for i := 0; i < 50; i++ {
		l.Submit(func(ctx context.Context, gen uint64) {
			mu.Lock()
			ran = append(ran, i)
			mu.Unlock()
			if i == 0 {
				close(started)
				<-release
				cancelled.Store(ctx.Err() != nil)
			}
		})
		if i == 0 {
			<-started
		}
	}
	close(release)
	j.Wait()
	mu.Lock()
	defer mu.Unlock()
	// The first request ran (and was cancelled by the second), the ones
	// between were replaced, the last ran.
	if len(ran) != 2 || ran[0] != 0 || ran[1] != 49 {
		t.Fatalf("ran %v, want [0 49]", ran)
	}
	if !cancelled.Load() {
		t.Fatalf("the superseded job's context was not cancelled")
	}
}

func TestLaneCurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	j := NewJobs()
	defer j.Close()
	l := j.Lane("test")
	results := make(chan bool, 2)
	block, started := make(chan struct{}), make(chan struct{})
	g1 := l.Submit(func(ctx context.Context, gen uint64) {
		close(started)
		<-block
		results <- l.Current(gen)
	})
	if !l.Current(g1) {
		t.Fatal("a fresh request is not current")
	}
	<-started
	l.Cancel()
	close(block)
	j.Wait()
	if <-results {
		t.Fatal("a cancelled request is still current")
	}
	if l.Current(g1) || l.Busy() {
		t.Fatal("lane state wrong after cancel")
	}
	// A request cancelled before it started never runs.
	l.Submit(func(context.Context, uint64) {})
	ran := false
	release := make(chan struct{})
	l.Submit(func(context.Context, uint64) { <-release })
	l.Submit(func(context.Context, uint64) { ran = true })
	l.Cancel()
	close(release)
	j.Wait()
	if ran {
		t.Fatal("a cancelled queued request ran")
	}
}

func TestJobsCloseCancelsAndWaits(t *testing.T) {
	defer goleak.VerifyNone(t)
	j := NewJobs()
	l := j.Lane("slow")
	started := make(chan struct{})
	var ended atomic.Bool
	l.Submit(func(ctx context.Context, gen uint64) {
		close(started)
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond)
		ended.Store(true)
	})
	j.Go("task", func(ctx context.Context) { <-ctx.Done() })
	<-started
	j.Close()
	if !ended.Load() {
		t.Fatal("Close returned before the job ended")
	}
	if l.Submit(func(context.Context, uint64) { t.Error("ran after Close") }) != 0 {
		t.Fatal("Submit after Close was accepted")
	}
	if j.Go("late", func(context.Context) { t.Error("ran after Close") }) {
		t.Fatal("Go after Close was accepted")
	}
}

func TestJobsPanicIsReported(t *testing.T) {
	defer goleak.VerifyNone(t)
	j := NewJobs()
	defer j.Close()
	got := make(chan error, 1)
	j.OnPanic = func(name string, err error) { got <- err }
	j.Lane("p").Submit(func(context.Context, uint64) { panic("boom") })
	select {
	case err := <-got:
		if err == nil {
			t.Fatal("nil error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("panic not reported")
	}
}
