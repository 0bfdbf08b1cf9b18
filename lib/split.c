/*
 * split.c - per-user and global train/test/validation splits.
 *
 * The result depends only on the rows, never on their order in the input:
 * a user's rows are sorted by (timestamp, item id) first, and the random
 * order of --by random is drawn from a generator seeded with the seed and
 * the user's id.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/rng.h"
#include "rec/split.h"

struct row {
	int64_t ts, item;
	uint32_t i;
};

static int
by_time(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->item > y->item) - (x->item < y->item);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

size_t
rec_split_count(double share, size_t n)
{
	/* The epsilon keeps 0.7 x 5 = 3.4999999999999996 at 4. */
	double v = floor(share * (double)n + 0.5 + 1e-9);

	return v <= 0 ? 0 : v >= (double)n ? n : (size_t)v;
}

/* The global cut for --global-ratio. */
static int
global_cut(const struct rec_ratings *r, double share, int64_t *cut,
           struct rec_err *err)
{
	int64_t *ts = rec_malloc_array(r->n, sizeof *ts);
	size_t k = rec_split_count(share, r->n);

	if (!ts)
		return rec_erroom(err, NULL);
	memcpy(ts, r->ts, r->n * sizeof *ts);
	qsort(ts, r->n, sizeof *ts, cmp_i64);
	*cut = k < r->n ? ts[k] : ts[r->n - 1] + 1;
	rec_free(ts);
	return 0;
}

/* How many of a user's n rows, in order, go to train: at least one, and
 * with n >= 2 at least one to test. */
static size_t
train_count(const struct rec_split_opts *o, size_t n)
{
	size_t ntrain;

	if (o->leave_last > 0)
		ntrain = n > (size_t)o->leave_last ? n - (size_t)o->leave_last : 1;
	else
		ntrain = rec_split_count(o->ratio, n);
	if (n >= 1 && ntrain == 0)
		ntrain = 1;
	if (n >= 2 && ntrain == n)
		ntrain = n - 1;
	return ntrain;
}

int
rec_split(const struct rec_ratings *r, const struct rec_split_opts *o,
          uint8_t *part, struct rec_split_stats *st, struct rec_err *err)
{
	size_t *start = NULL, maxn = 0;
	uint32_t *ix = NULL;
	struct row *rows = NULL;
	int64_t newest_train = INT64_MIN;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (o->global == 2 && r->n && global_cut(r, o->global_ratio, &st->cut, err) != 0)
		return -1;
	if (o->global == 1)
		st->cut = o->global_time;
	if (rec_ratings_by_user(r, &start, &ix, err) != 0)
		return -1;
	for (size_t u = 0; u < r->users.n; u++)
		if (start[u + 1] - start[u] > maxn)
			maxn = start[u + 1] - start[u];
	if (!(rows = rec_malloc_array(maxn, sizeof *rows))) {
		rec_erroom(err, NULL);
		goto out;
	}
	for (size_t u = 0; u < r->users.n; u++) {
		size_t n = start[u + 1] - start[u], ntrain, nvalid;

		for (size_t k = 0; k < n; k++) {
			uint32_t i = ix[start[u] + k];
			rows[k].ts = r->ts[i];
			rows[k].item = r->items.ids[r->item[i]];
			rows[k].i = i;
		}
		qsort(rows, n, sizeof *rows, by_time);
		if (o->by == REC_SPLIT_RANDOM && !o->global) {
			struct rec_rng g;
			rec_rng_seed(&g, o->seed ^ rec_rng_mix((uint64_t)r->users.ids[u]));
			for (size_t k = n; k > 1; k--) {
				size_t j = (size_t)rec_rng_below(&g, k);
				struct row t = rows[k - 1];
				rows[k - 1] = rows[j];
				rows[j] = t;
			}
		}
		if (o->global) {
			for (ntrain = 0; ntrain < n && rows[ntrain].ts < st->cut; ntrain++)
				;
		} else {
			ntrain = train_count(o, n);
		}
		nvalid = rec_split_count(o->valid_ratio, ntrain);
		if (nvalid >= ntrain && ntrain > 0)
			nvalid = ntrain - 1;
		for (size_t k = 0; k < n; k++) {
			int p = k >= ntrain ? REC_PART_TEST :
			        k >= ntrain - nvalid ? REC_PART_VALID : REC_PART_TRAIN;
			part[rows[k].i] = (uint8_t)p;
			st->n[p]++;
			if (p == REC_PART_TRAIN && rows[k].ts > newest_train)
				newest_train = rows[k].ts;
		}
	}
	for (size_t i = 0; i < r->n; i++)
		if (part[i] == REC_PART_TEST && r->ts[i] < newest_train)
			st->leaked++;
	rc = 0;
out:
	rec_free(start);
	rec_free(ix);
	rec_free(rows);
	return rc;
}
