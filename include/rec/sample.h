/*
 * sample.h - what a ranking loss (BPR) trains on: the positives of a
 * training table, every row rated at least T stars, and negatives drawn
 * for them, each an item uniformly from those that are not the user's
 * positives.
 *
 *	struct rec_sample s = { 0 };
 *	rec_sample_init(&s, r, 3.5f, err);
 *	for each positive t < s.n: row s.row[t] of r, user u = r->user[row];
 *		j = rec_sample_negative(&s, u, rng);   (-1: none to draw)
 *	rec_sample_free(&s);
 */
#ifndef REC_SAMPLE_H
#define REC_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "rec/batch.h"
#include "rec/ratings.h"
#include "rec/rng.h"
#include "rec/util.h"

/* A trainer's loss: the squared error on the ratings, or BPR, which
 * makes a ranking model (model.h).  Its names, by value, for the
 * hyperparameter tables: rec_loss_names. */
enum rec_loss { REC_LOSS_MSE, REC_LOSS_BPR };
extern const char *const rec_loss_names[];   /* NULL-terminated */

struct rec_sample {
	const struct rec_ratings *of;   /* the table they were drawn from
	                                 * (borrowed) */
	uint32_t *row;                  /* (n) the positives' rows of it, in
	                                 * table order */
	size_t n;
	size_t *start;                  /* (users + 1) user u's positives are */
	int32_t *item;                  /* item[start[u] .. start[u + 1]),
	                                 * ascending (n) */
	int items;                      /* negatives are drawn from [0, items) */
	uint32_t *index;                /* (n) a job's: each positive's place
	                                 * among the job's positives in file
	                                 * order, from 1; NULL in one process
	                                 * (positive t's is t + 1) */
	uint64_t total;                 /* the job's positives (one process: n) */
};

/* Replace s's positives by those of r: its rows of at least positive
 * stars (s zeroed, or of an earlier call).  r must outlive s's use.  -1
 * on no positives ("no positives (ratings of at least 3.5 stars) to
 * train on") or out of memory, s then as it was. */
int rec_sample_init(struct rec_sample *s, const struct rec_ratings *r,
                    float positive, struct rec_err *err);

/* rec_sample_init in a job (dist.h) whose table is spread over its
 * ranks, r this rank's part, read in ranges (shard.h: its rows' lines
 * the file's, a row a line, ascending): this rank may have no
 * positives, the job must, and s->index places each of this rank's
 * among the job's.  One process: rec_sample_init.  A collective, failing
 * on every rank alike (s then empty); besides the positives it holds a
 * window of 2^22 bits and sends the job's lines / 8 bytes to rank 0 and
 * back. */
int rec_sample_init_job(struct rec_sample *s, const struct rec_ratings *r,
                        float positive, struct rec_err *err);

/* An item that is not one of user u's positives, uniform; -1 when 100
 * draws met only positives (u has nearly every item). */
int32_t rec_sample_negative(const struct rec_sample *s, int32_t u,
                            struct rec_rng *rng);

/* The start of an epoch of BPR steps, the same in a job as in one
 * process: s the positives of r (rec_sample_init_job, once for r), b's
 * steps one order of the job's positives drawn from a key of rng
 * (rec_batches_epoch_steps, threads sorting) cut into steps of batch,
 * and *draw_key rng's next draw, the key of the positives' own
 * generators (rec_sample_seed).  A collective, failing alike on every
 * rank. */
int rec_sample_epoch(struct rec_sample *s, const struct rec_ratings *r,
                     float positive, struct rec_batches *b, int batch,
                     int threads, struct rec_rng *rng, uint64_t *draw_key,
                     struct rec_err *err);

/* Seed g, the generator of s's positive p (its index in s) for an
 * epoch's draw_key: from the positive's place among the job's, so the
 * same whichever rank holds it. */
void rec_sample_seed(const struct rec_sample *s, uint32_t p, uint64_t draw_key,
                     struct rec_rng *g);

void rec_sample_free(struct rec_sample *s);   /* zeroes s; NULL-safe */

#endif
