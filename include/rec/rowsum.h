/*
 * rowsum.h - the rows of a table that a training step touched, each
 * with a record of floats (its gradient), summed over the ranks of a job
 * (dist.h): every rank's records go to every rank, and each rank adds
 * them up in rank order, so that every rank holds the same rows with
 * the same bits.
 *
 *	struct rec_rowsum x;
 *	rec_rowsum_init(&x, items, cap, width, err);
 *	each step: for each of this rank's n touched rows s:
 *		float *g = rec_rowsum_put(&x, s, row);   fill g[0 .. width)
 *	    u = rec_rowsum_exchange(&x, n, rows);      (a collective)
 *	    for s < u: row rows[s], its sum rec_rowsum_sum(&x, s)
 *	rec_rowsum_free(&x);
 *
 * The rows come out in order of first appearance (rank 0's own order
 * first, then each rank's new ones); a row's sum is its first record,
 * then each later one added, in rank order.  One rank: the rows and
 * records as put.
 */
#ifndef REC_ROWSUM_H
#define REC_ROWSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rec/util.h"

struct rec_rowsum {
	size_t width;          /* floats a record */
	size_t cap;            /* records a step, the job's, at most */
	float *send, *recv;    /* (cap, 1 + width): a row (int32_t bits),
	                        * then its record */
	uint64_t *count;       /* (ranks) each rank's records */
	int64_t *stamp, step;  /* (rows) the exchange that last saw a row */
	int32_t *slot;         /* (rows) its place in the union */
	size_t received;       /* the last exchange's records, every rank's */
};

/* For a table of rows rows and steps whose records, summed over the
 * ranks, are at most cap.  Free with rec_rowsum_free (also after a
 * failure). */
int rec_rowsum_init(struct rec_rowsum *x, int rows, size_t cap, size_t width,
                    struct rec_err *err);
void rec_rowsum_free(struct rec_rowsum *x);   /* zeroes x */

/* This rank's record s, of row; its width floats, for the caller to
 * fill. */
static inline float *
rec_rowsum_put(struct rec_rowsum *x, size_t s, int32_t row)
{
	float *at = x->send + s * (1 + x->width);

	memcpy(at, &row, sizeof row);
	return at + 1;
}

/* The exchange (a collective) of this rank's n records: returns the
 * number u of distinct rows of the job's, rows[0 .. u) (the caller's,
 * cap) those rows, rec_rowsum_sum(x, s) the sum of row s's records. */
size_t rec_rowsum_exchange(struct rec_rowsum *x, size_t n, int32_t *rows);

static inline const float *
rec_rowsum_sum(const struct rec_rowsum *x, size_t s)
{
	return x->recv + s * (1 + x->width) + 1;
}

#endif
