/*
 * parallel.c - a parallel for on POSIX threads (see parallel.h).
 *
 * The threads are started once, on first need, and kept: a product of a
 * few tens of microseconds cannot pay for starting a thread.  A call
 * publishes its job and bumps a generation counter; each worker polls
 * the counter a little, then sleeps on a condition variable.  A part is
 * run by whoever takes it first: worker w tries for part w + 1 when it
 * sees the job, and the caller, done with part 0, takes every part no
 * worker has begun, then waits for the parts begun.  So a worker that
 * is slow to start (asleep, or off the processor on a loaded machine)
 * costs the call nothing but the parallelism.  One job at a time: a call
 * made while another runs (from a part, or from a second thread of the
 * caller's) runs its parts itself, in order.  The workers are joined at
 * exit.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "rec/parallel.h"

enum {
	MAXPARTS = 64,
	SPINS = 1 << 12,  /* polls of the counter before yielding */
	YIELDS = 1 << 12  /* then polls, each after a sched_yield, before
	                   * sleeping */
};

static struct {
	pthread_mutex_t mu;         /* guards the sleeps and wake-ups */
	pthread_cond_t wake, done;
	pthread_mutex_t busy;       /* held by the call whose job runs */
	pthread_t tid[MAXPARTS];
	unsigned born[MAXPARTS];    /* gen when worker w started */
	int workers;                /* started; worker w runs part w + 1 */
	int quit;
	/* the job, written before gen is bumped */
	rec_part_fn *fn;
	void *ctx;
	size_t n;
	int parts;
	atomic_uint gen;            /* the current job's, even: 2 a job */
	atomic_uint free[MAXPARTS]; /* the gen of the job whose part t is not
	                             * taken yet; odd once taken */
	atomic_int left;            /* parts 1 .. parts-1 yet to finish */
} pool = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
	.done = PTHREAD_COND_INITIALIZER, .busy = PTHREAD_MUTEX_INITIALIZER,
};

/* A wait's spins-th poll (from 0) failed: pause, or let another thread
 * have the processor.  Yields, not a long spin, so that on a loaded
 * machine a waiter does not burn the time slice the thread it waits for
 * needs; returns 0 when it is time to sleep. */
static int
relax(int spins)
{
	if (spins >= SPINS + YIELDS)
		return 0;
	if (spins >= SPINS)
		sched_yield();
#if defined(__x86_64__) || defined(__i386__)
	else
		__builtin_ia32_pause();
#endif
	return 1;
}

static void
run(rec_part_fn *fn, void *ctx, size_t n, int parts, int t)
{
	fn(ctx, n * (size_t)t / (size_t)parts, n * (size_t)(t + 1) / (size_t)parts,
	   t);
}

/* Take part t of job g: 1 when it was free, 0 when taken before or
 * when g is no longer the current job.  The mark of a taken part is
 * odd, never a generation: were it g - 1, a worker that saw job g - 1
 * and was then held off the processor would take part t of job g after
 * the caller had, and run it a second time, perhaps after the call had
 * returned. */
static int
take(int t, unsigned g)
{
	return atomic_compare_exchange_strong_explicit(&pool.free[t], &g, g + 1,
	                                               memory_order_acq_rel,
	                                               memory_order_acquire);
}

/* A part other than 0 is done: count it out, and wake the caller when
 * it was the last. */
static void
finish(void)
{
	if (atomic_fetch_sub_explicit(&pool.left, 1, memory_order_acq_rel) == 1) {
		pthread_mutex_lock(&pool.mu);
		pthread_cond_signal(&pool.done);
		pthread_mutex_unlock(&pool.mu);
	}
}

static void *
worker(void *arg)
{
	int self = (int)(size_t)arg;
	unsigned seen = pool.born[self];

	for (;;) {
		int spins = 0;
		while (atomic_load_explicit(&pool.gen, memory_order_acquire) == seen &&
		       relax(spins++))
			;
		pthread_mutex_lock(&pool.mu);
		while (atomic_load_explicit(&pool.gen, memory_order_acquire) == seen &&
		       !pool.quit)
			pthread_cond_wait(&pool.wake, &pool.mu);
		pthread_mutex_unlock(&pool.mu);
		if (atomic_load_explicit(&pool.gen, memory_order_acquire) == seen)
			return NULL;   /* quit */
		seen = atomic_load_explicit(&pool.gen, memory_order_acquire);
		/* a part of a job no longer current is never free */
		if (self + 1 < MAXPARTS && take(self + 1, seen) &&
		    self + 1 < pool.parts) {
			run(pool.fn, pool.ctx, pool.n, pool.parts, self + 1);
			finish();
		}
	}
}

/* At exit: wake every worker to quit, and join it. */
__attribute__((destructor)) static void
stop(void)
{
	if (!pool.workers)
		return;
	pthread_mutex_lock(&pool.busy);
	pthread_mutex_lock(&pool.mu);
	pool.quit = 1;
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.mu);
	for (int w = 0; w < pool.workers; w++)
		pthread_join(pool.tid[w], NULL);
	pool.workers = 0;
	pthread_mutex_unlock(&pool.busy);
}

void
rec_parallel_for(size_t n, int parts, rec_part_fn *fn, void *ctx)
{
	unsigned g;
	int spins = 0;

	if (parts < 1)
		parts = 1;
	if (parts > MAXPARTS)
		parts = MAXPARTS;
	if (parts == 1 || pthread_mutex_trylock(&pool.busy) != 0) {
		for (int t = 0; t < parts; t++)
			run(fn, ctx, n, parts, t);
		return;
	}
	/* a new worker waits for the generation after the current one */
	while (pool.workers < parts - 1) {
		pool.born[pool.workers] = atomic_load(&pool.gen);
		if (pthread_create(&pool.tid[pool.workers], NULL, worker,
		                   (void *)(size_t)pool.workers) != 0)
			break;
		pool.workers++;
	}
	pool.fn = fn;
	pool.ctx = ctx;
	pool.n = n;
	pool.parts = parts;
	g = atomic_load_explicit(&pool.gen, memory_order_relaxed) + 2;
	atomic_store_explicit(&pool.left, parts - 1, memory_order_relaxed);
	for (int t = 1; t < parts; t++)
		atomic_store_explicit(&pool.free[t], g, memory_order_relaxed);
	pthread_mutex_lock(&pool.mu);
	atomic_store_explicit(&pool.gen, g, memory_order_release);
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.mu);

	run(fn, ctx, n, parts, 0);
	/* the parts no worker has begun (or could be started for) */
	for (int t = 1; t < parts; t++)
		if (take(t, g)) {
			run(fn, ctx, n, parts, t);
			finish();
		}

	while (atomic_load_explicit(&pool.left, memory_order_acquire) > 0 &&
	       relax(spins++))
		;
	pthread_mutex_lock(&pool.mu);
	while (atomic_load_explicit(&pool.left, memory_order_acquire) > 0)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
	pthread_mutex_unlock(&pool.busy);
}
