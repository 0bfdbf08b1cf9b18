/*
 * batch.h - the minibatches of a training epoch: a fresh random order of
 * the rows each epoch, and the users and items each batch touches (so a
 * model can update just those rows of its embedding tables: lazy Adam).
 *
 *	rec_batches_epoch(&b, r->n, rng, err);
 *	for (size_t beg = 0; beg < r->n; beg += batch) {
 *		rec_batches_next(&b);
 *		for each row j = b.order[beg ...]: rec_batches_touch(&b, u, i);
 *		... forward, backward, then update b.urows[0..b.nu), b.irows[0..b.ni)
 *	}
 *
 * or, when the table is spread over the ranks of a job and each rank's
 * share of a step must be its rows of the job's batch (dist.h),
 * rec_batches_epoch_steps and the rows b.order[b.first[s] .. b.first[s +
 * 1]) of each step s < b.steps.
 */
#ifndef REC_BATCH_H
#define REC_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "rec/rng.h"
#include "rec/util.h"

struct rec_batches {
	uint32_t *order;          /* (n) this epoch's order of the rows */
	size_t n;
	uint32_t *first;          /* (steps + 1) rec_batches_epoch_steps' steps */
	uint64_t steps;
	uint32_t *count;          /* (parts, steps) its counting sort's */
	uint32_t *step;           /* (n) and each row's step */
	int parts;
	int32_t *ustamp, *istamp; /* (users), (items): last batch that touched a row */
	int32_t *urows, *irows;   /* (cap) the rows the current batch touched */
	size_t nu, ni;            /* how many */
	int users, items, cap;
	int32_t batch;            /* the current batch's number in the epoch */
};

/* For users x items tables and batches of at most cap rows; a batch may
 * start (rec_batches_next) before any epoch, no row touched.  Free with
 * rec_batches_free (also after a failure). */
int rec_batches_init(struct rec_batches *b, int users, int items, int cap,
                     struct rec_err *err);
void rec_batches_free(struct rec_batches *b);

/* Start an epoch over n rows: a fresh random order from rng. */
int rec_batches_epoch(struct rec_batches *b, size_t n, struct rec_rng *rng,
                      struct rec_err *err);

/* Start an epoch of steps over a table of total rows, which may be
 * spread over the ranks of a job: the table's order is a permutation
 * drawn from key alone (rec_rng_perm), cut into steps of batch rows (the
 * last one shorter), so that every rank places its own rows in the steps
 * of one order without the others'.  This rank's n rows are the table's
 * rows line[j] - 1 (line NULL: j, as a table's lines are when it came
 * whole from a file of one row a line); its rows of step s are
 * order[first[s] .. first[s + 1]), in the order of j, whatever the
 * threads that sort them.  A line past the table fails. */
int rec_batches_epoch_steps(struct rec_batches *b, size_t n, const uint32_t *line,
                            uint64_t total, int batch, uint64_t key, int threads,
                            struct rec_err *err);

/* Start the next batch: no rows touched yet. */
void rec_batches_next(struct rec_batches *b);

/* The batch uses user u and item i (each listed once a batch). */
static inline void
rec_batches_touch(struct rec_batches *b, int32_t u, int32_t i)
{
	if (b->ustamp[u] != b->batch) {
		b->ustamp[u] = b->batch;
		b->urows[b->nu++] = u;
	}
	if (b->istamp[i] != b->batch) {
		b->istamp[i] = b->batch;
		b->irows[b->ni++] = i;
	}
}

#endif
