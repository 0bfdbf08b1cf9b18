/*
 * sample.c - positives and sampled negatives of a ranking loss (see
 * sample.h).  A negative is drawn by rejection: uniform over the items,
 * again while it is one of the user's positives (a binary search of
 * them), which for the sparse users of rating data takes about one draw.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rec/dist.h"
#include "rec/sample.h"

const char *const rec_loss_names[] = { "mse", "bpr", NULL };

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

static int
no_positives(float positive, struct rec_err *err)
{
	return rec_errf(err, NULL, 0, "no positives (ratings of at least %g "
	                "stars) to train on", (double)positive);
}

/* s = the positives of r (s as it was on failure), which may be none
 * when none_ok. */
static int
init(struct rec_sample *s, const struct rec_ratings *r, float positive,
     int none_ok, struct rec_err *err)
{
	const size_t nu = r->users.n;
	size_t n = 0, *start;
	uint32_t *row;
	int32_t *item;

	for (size_t j = 0; j < r->n; j++)
		n += r->rating[j] >= positive;
	if (n == 0 && !none_ok)
		return no_positives(positive, err);
	row = rec_malloc_array(n ? n : 1, sizeof *row);
	item = rec_malloc_array(n ? n : 1, sizeof *item);
	start = rec_calloc(nu + 2, sizeof *start);
	if (!row || !item || !start) {
		rec_free(row);
		rec_free(item);
		rec_free(start);
		return rec_erroom(err, NULL);
	}
	/* a counting sort by user: count into start[u + 2], add up, then
	 * place at start[u + 1]++ */
	n = 0;
	for (size_t j = 0; j < r->n; j++)
		if (r->rating[j] >= positive) {
			row[n++] = (uint32_t)j;
			start[r->user[j] + 2]++;
		}
	for (size_t u = 2; u < nu + 2; u++)
		start[u] += start[u - 1];
	for (size_t t = 0; t < n; t++)
		item[start[r->user[row[t]] + 1]++] = r->item[row[t]];
	for (size_t u = 0; u < nu; u++)
		qsort(item + start[u], start[u + 1] - start[u], sizeof *item, cmp_i32);
	rec_sample_free(s);
	s->of = r;
	s->row = row;
	s->n = n;
	s->start = start;
	s->item = item;
	s->items = (int)r->items.n;
	s->total = n;
	return 0;
}

int
rec_sample_init(struct rec_sample *s, const struct rec_ratings *r,
                float positive, struct rec_err *err)
{
	return init(s, r, positive, 0, err);
}

enum { WINDOW = 1 << 22 };   /* lines whose bits are summed at once */

/* The line of row j of r. */
static uint64_t
line_of(const struct rec_ratings *r, size_t j)
{
	return r->line ? r->line[j] : (uint64_t)j + 1;
}

int
rec_sample_init_job(struct rec_sample *s, const struct rec_ratings *r,
                    float positive, struct rec_err *err)
{
	const size_t words = WINDOW / 64;
	int64_t count[2], *bits = NULL;
	uint64_t lines, base = 0, prev = 0;
	uint32_t *index = NULL;
	size_t t = 0;
	int rc;

	if (rec_dist_size() == 1)
		return rec_sample_init(s, r, positive, err);
	if (rec_dist_agree(init(s, r, positive, 1, err), err) != 0) {
		rec_sample_free(s);
		return -1;
	}
	count[0] = (int64_t)s->n;
	count[1] = (int64_t)r->n;
	rec_dist_sum_i64(count, 2);
	if (count[0] == 0) {
		rec_sample_free(s);
		return no_positives(positive, err);
	}
	lines = (uint64_t)count[1];
	rc = 0;
	for (size_t j = 0; j < s->n && rc == 0; j++) {
		uint64_t at = line_of(r, s->row[j]);
		if (at <= prev || at > lines)
			rc = rec_errf(err, NULL, 0, "positive %zu is line %" PRIu64 " of a "
			              "table of %" PRIu64 " rows, after line %" PRIu64,
			              j, at, lines, prev);
		prev = at;
	}
	if (rc == 0 && (!(index = rec_malloc_array(s->n ? s->n : 1, sizeof *index)) ||
	                !(bits = rec_malloc_array(words, sizeof *bits))))
		rc = rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) != 0) {
		rec_free(index);
		rec_free(bits);
		rec_sample_free(s);
		return -1;
	}
	/* Each window of lines: every rank's positives' bits, summed (a line
	 * is one rank's: the sum is their union); a positive's place is the
	 * bits before its own. */
	for (uint64_t w0 = 0; w0 < lines; w0 += WINDOW) {
		size_t end = t;
		uint64_t below = base;
		size_t word = 0;

		memset(bits, 0, words * sizeof *bits);
		for (; end < s->n && line_of(r, s->row[end]) - 1 < w0 + WINDOW; end++) {
			uint64_t b = line_of(r, s->row[end]) - 1 - w0;
			bits[b / 64] |= (int64_t)(UINT64_C(1) << (b % 64));
		}
		rec_dist_sum_i64(bits, words);
		for (; t < end; t++) {
			uint64_t b = line_of(r, s->row[t]) - 1 - w0;
			for (; word < b / 64; word++)
				below += (uint64_t)__builtin_popcountll((uint64_t)bits[word]);
			index[t] = (uint32_t)(below + (uint64_t)__builtin_popcountll(
				(uint64_t)bits[word] & ((UINT64_C(1) << (b % 64)) - 1)) + 1);
		}
		for (size_t c = 0; c < words; c++)
			base += (uint64_t)__builtin_popcountll((uint64_t)bits[c]);
	}
	rec_free(bits);
	s->index = index;
	s->total = base;
	return 0;
}

int32_t
rec_sample_negative(const struct rec_sample *s, int32_t u, struct rec_rng *rng)
{
	const int32_t *first = s->item + s->start[u];
	size_t n = s->start[u + 1] - s->start[u];

	for (int tries = 0; tries < 100; tries++) {
		int32_t j = (int32_t)rec_rng_below(rng, (uint64_t)s->items);
		if (!bsearch(&j, first, n, sizeof *first, cmp_i32))
			return j;
	}
	return -1;
}

void
rec_sample_free(struct rec_sample *s)
{
	if (!s)
		return;
	rec_free(s->row);
	rec_free(s->start);
	rec_free(s->item);
	rec_free(s->index);
	*s = (struct rec_sample){ 0 };
}

int
rec_sample_epoch(struct rec_sample *s, const struct rec_ratings *r,
                 float positive, struct rec_batches *b, int batch, int threads,
                 struct rec_rng *rng, uint64_t *draw_key, struct rec_err *err)
{
	uint64_t order_key;

	if (s->of != r && rec_sample_init_job(s, r, positive, err) != 0)
		return -1;
	order_key = rec_rng_next(rng);
	*draw_key = rec_rng_next(rng);
	return rec_dist_agree(rec_batches_epoch_steps(b, s->n, s->index, s->total,
	                                              batch, order_key, threads, err),
	                      err);
}

void
rec_sample_seed(const struct rec_sample *s, uint32_t p, uint64_t draw_key,
                struct rec_rng *g)
{
	rec_rng_seed(g, rec_rng_mix(draw_key + (s->index ? s->index[p] - 1 : p)));
}
