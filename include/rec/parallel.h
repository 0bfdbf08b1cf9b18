/*
 * parallel.h - the one way lib/ runs work on several threads: a parallel
 * for over [0, n) in contiguous parts, joined before it returns.
 */
#ifndef REC_PARALLEL_H
#define REC_PARALLEL_H

#include <stddef.h>

/* The work on part t (0 <= t < parts): the indices [beg, end). */
typedef void rec_part_fn(void *ctx, size_t beg, size_t end, int t);

/* Split [0, n) into parts (1..64) contiguous parts of near-equal size and
 * run fn on each, part t on a thread of its own, part 0 on the calling
 * thread; return when all are done.  The threads are kept from call to
 * call (polling a little, then sleeping), so a call costs microseconds,
 * not a thread start.  A part whose thread has not begun it when the
 * calling thread is done with part 0 (its thread asleep, or waiting for
 * a processor on a loaded machine, or never started), and every part of
 * a call made while another call runs (from inside a part, say), runs
 * on the calling thread: the work is always done, only slower.  Parts
 * are run even when empty (n < parts). */
void rec_parallel_for(size_t n, int parts, rec_part_fn *fn, void *ctx);

#endif
