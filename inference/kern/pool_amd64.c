//go:build !purego && amd64

// The product's own threads. One cgo call computes a whole product: the
// calling thread and the pool's workers take chunks of it (ranges of
// column strips when C is wide; else ranges of A's row panels, after
// packing B once between them) from one atomic counter, so a core that
// is late (preempted, or busy with another thread) costs only the chunks
// it does not take. Splitting in Go instead (static halves, a goroutine
// and a cgo call per part) ran ResNet-50's products 20–50% slower
// (BenchmarkMul, BENCHMARKS.md "Session 6"). Two other designs were
// measured and dropped: workers that sched_yield while they spin, and
// Go goroutines as the helpers (no thread outside Go's scheduler, but
// each product then waited on a goroutine's wake-up); both gave slower
// forwards on the shared machine.
//
// Workers spin for KERN_SPIN_NS after a product (in a bottleneck block
// the next product follows within microseconds, unless a Winograd step
// comes first), then sleep on a condition variable. While it spins the
// worker is a third runnable thread beside Go's two: 10 µs gave ResNet-50
// forwards of 0.074–0.121 s (median of 25) against 0.089–0.121 s with
// 50 µs, in four interleaved runs on the shared machine.
// The pool is one per process, started on first use and never stopped:
// its threads hold no Go memory between calls, so dropping a Net leaks
// nothing. One caller holds the pool at a time; a caller that finds it
// taken (passes from several goroutines) computes its product alone.

#include <emmintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "gemm.h"

enum { KERN_SPIN_NS = 10000, KERN_MAX_WORKERS = 63 };

// A job is one product: chunk c covers A's panels [c·step, (c+1)·step)
// over B packed whole in bk (its KERN_KC-row blocks packed first, block
// by block, by whichever threads are there), or without bk the columns
// [c·step, (c+1)·step).
typedef struct {
	const kern_args *g;
	float *bk;
	long step, total, chunks, blocks;
	atomic_long next, done, packnext, packed;
} job;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_long gen;     // bumped for every job published
static atomic_long entry;   // ≥ 0: workers joined the open job; < 0: closed
static job *_Atomic current; // the open job, valid while entry ≥ 0
static atomic_flag busy = ATOMIC_FLAG_INIT;
static long workers; // threads started, written once under mu

static long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

// pack shares out the packing of B's blocks, then waits until all are
// packed (by this thread or others).
static void pack(job *j) {
	const kern_args *g = j->g;
	long npad = (g->n + KERN_NR - 1) / KERN_NR * KERN_NR;
	for (;;) {
		long c = atomic_fetch_add(&j->packnext, 1);
		if (c >= j->blocks) break;
		long pc = c * KERN_KC, kc = g->k - pc < KERN_KC ? g->k - pc : KERN_KC;
		kern_pack_b(g, pc, kc, 0, g->n, j->bk + pc * npad);
		atomic_fetch_add(&j->packed, 1);
	}
	while (atomic_load(&j->packed) < j->blocks) _mm_pause();
}

static void chunks(job *j, float *bp) {
	if (j->bk) pack(j);
	for (;;) {
		long c = atomic_fetch_add(&j->next, 1);
		if (c >= j->chunks) return;
		long lo = c * j->step, hi = lo + j->step < j->total ? lo + j->step : j->total;
		long panels = (j->g->m + KERN_MR - 1) / KERN_MR;
		if (j->bk) {
			kern_run_packed(j->g, lo, hi, j->bk);
		} else {
			kern_run(j->g, 0, panels, lo, hi, bp);
		}
	}
}

// join takes part in the open job, if there is one still open.
static void join(float *bp) {
	long v = atomic_load(&entry);
	while (v >= 0 && !atomic_compare_exchange_weak(&entry, &v, v + 1)) {
	}
	if (v < 0) return;
	job *j = atomic_load(&current);
	chunks(j, bp);
	atomic_fetch_add(&j->done, 1);
}

static void *worker(void *arg) {
	(void)arg;
	float *bp = aligned_alloc(64, sizeof(float) * KERN_KC * KERN_NC);
	long seen = atomic_load(&gen);
	for (;;) {
		long t0 = now_ns();
		for (int i = 0; atomic_load(&gen) == seen; i++) {
			_mm_pause();
			if ((i & 63) == 63 && now_ns() - t0 > KERN_SPIN_NS) {
				pthread_mutex_lock(&mu);
				while (atomic_load(&gen) == seen) pthread_cond_wait(&wake, &mu);
				pthread_mutex_unlock(&mu);
			}
		}
		seen = atomic_load(&gen);
		if (bp) join(bp);
	}
	return NULL;
}

void kern_pool_start(long n) {
	pthread_mutex_lock(&mu);
	if (workers == 0) {
		atomic_store(&entry, -1);
		n = n < KERN_MAX_WORKERS ? n : KERN_MAX_WORKERS;
		for (long i = 0; i < n; i++) {
			pthread_t t;
			pthread_attr_t at;
			pthread_attr_init(&at);
			pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
			if (pthread_create(&t, &at, worker, NULL) == 0) workers++;
			pthread_attr_destroy(&at);
		}
	}
	pthread_mutex_unlock(&mu);
}

void kern_parallel(const kern_args *g, long parts, float *bp, float *bk) {
	long panels = (g->m + KERN_MR - 1) / KERN_MR;
	if (parts <= 1) {
		kern_run(g, 0, panels, 0, g->n, bp);
		return;
	}
	// About four chunks a thread, so a late one finds little left.
	job j = {.g = g, .bk = bk};
	if (bk) {
		long per = (panels + 4 * parts - 1) / (4 * parts);
		j.step = per < KERN_MCP ? per : KERN_MCP;
		j.total = panels;
		j.blocks = (g->k + KERN_KC - 1) / KERN_KC;
	} else {
		long strips = (g->n + KERN_NR - 1) / KERN_NR, per = (strips + 4 * parts - 1) / (4 * parts);
		if (g->wide) per += per & 1; // whole pairs of panels for micro512
		j.step = (per < KERN_NC / KERN_NR ? per : KERN_NC / KERN_NR) * KERN_NR;
		j.total = g->n;
	}
	j.chunks = (j.total + j.step - 1) / j.step;
	if (workers == 0 || atomic_flag_test_and_set(&busy)) {
		chunks(&j, bp);
		return;
	}
	atomic_store(&current, &j);
	atomic_store(&entry, 0);
	pthread_mutex_lock(&mu);
	atomic_fetch_add(&gen, 1);
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&mu);
	chunks(&j, bp);
	long joined = atomic_exchange(&entry, -1);
	while (atomic_load(&j.done) < joined) _mm_pause();
	atomic_flag_clear(&busy);
}
