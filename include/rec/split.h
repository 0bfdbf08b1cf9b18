/*
 * split.h - train/test(/validation) splits of a ratings table.
 *
 * Per user (the default): the user's rows in time order, ties broken by
 * item id (or in a seeded random order); the first round-half-up(ratio x n)
 * go to train, the rest to test, with at least one of each when n >= 2.
 * Or one cut in time for everyone (global): no look-ahead at all.  A
 * validation part is then carved from the end of each user's train part.
 */
#ifndef REC_SPLIT_H
#define REC_SPLIT_H

#include <stdint.h>

#include "rec/ratings.h"

enum { REC_PART_TRAIN, REC_PART_TEST, REC_PART_VALID };

enum rec_split_by { REC_SPLIT_TIME, REC_SPLIT_RANDOM };

struct rec_split_opts {
	enum rec_split_by by;
	double ratio;          /* train share of each user's rows */
	long leave_last;       /* > 0: each user's last N rows are test instead */
	int global;            /* 0 per user; 1 cut at global_time; 2 at global_ratio */
	int64_t global_time;   /* rows with timestamp >= it are test */
	double global_ratio;   /* the cut: the timestamp of row round(R x n) in time order */
	double valid_ratio;    /* share of each user's train rows moved to valid */
	uint64_t seed;         /* for REC_SPLIT_RANDOM */
};
#define REC_SPLIT_DEFAULTS { REC_SPLIT_TIME, 0.8, 0, 0, 0, 0.0, 0.0, 1 }

struct rec_split_stats {
	size_t n[3];           /* rows in train, test, valid */
	size_t leaked;         /* test rows older than the newest train row */
	int64_t cut;           /* the global cut, when global */
};

/* part[i] = REC_PART_* for every row of r.  r must hold no repeated
 * (user, item) (see rec_ratings_dedupe). */
int rec_split(const struct rec_ratings *r, const struct rec_split_opts *o,
              uint8_t *part, struct rec_split_stats *st, struct rec_err *err);

/* round-half-up(share x n), the one rounding rule of the splits. */
size_t rec_split_count(double share, size_t n);

#endif
