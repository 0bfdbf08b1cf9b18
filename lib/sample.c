/*
 * sample.c - positives and sampled negatives of a ranking loss (see
 * sample.h).  A negative is drawn by rejection: uniform over the items,
 * again while it is one of the user's positives (a binary search of
 * them), which for the sparse users of rating data takes about one draw.
 */
#include <stdlib.h>

#include "rec/sample.h"

const char *const rec_loss_names[] = { "mse", "bpr", NULL };

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

int
rec_sample_init(struct rec_sample *s, const struct rec_ratings *r,
                float positive, struct rec_err *err)
{
	const size_t nu = r->users.n;
	size_t n = 0, *start;
	uint32_t *row;
	int32_t *item;

	for (size_t j = 0; j < r->n; j++)
		n += r->rating[j] >= positive;
	if (n == 0)
		return rec_errf(err, NULL, 0, "no positives (ratings of at least %g "
		                "stars) to train on", (double)positive);
	row = rec_malloc_array(n, sizeof *row);
	item = rec_malloc_array(n, sizeof *item);
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
	*s = (struct rec_sample){ 0 };
}
