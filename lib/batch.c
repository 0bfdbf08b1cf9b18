/*
 * batch.c - epochs and minibatches (see batch.h).
 */
#include <inttypes.h>
#include <string.h>

#include "rec/batch.h"

/* No row touched by any batch yet. */
static void
forget_batches(struct rec_batches *b)
{
	for (int u = 0; u < b->users; u++)
		b->ustamp[u] = -1;
	for (int i = 0; i < b->items; i++)
		b->istamp[i] = -1;
	b->batch = -1;
}

/* The step of row j of rec_batches_epoch_steps. */
static uint64_t
step_of(const struct rec_rng_perm *perm, const uint32_t *line, size_t j,
        int batch)
{
	return rec_rng_perm_at(perm, line ? line[j] - 1 : j) / (uint64_t)batch;
}

int
rec_batches_init(struct rec_batches *b, int users, int items, int cap,
                 struct rec_err *err)
{
	memset(b, 0, sizeof *b);
	b->users = users;
	b->items = items;
	b->cap = cap;
	if (!(b->ustamp = rec_malloc_array((size_t)users + 1, sizeof *b->ustamp)) ||
	    !(b->istamp = rec_malloc_array((size_t)items + 1, sizeof *b->istamp)) ||
	    !(b->urows = rec_malloc_array((size_t)cap, sizeof *b->urows)) ||
	    !(b->irows = rec_malloc_array((size_t)cap, sizeof *b->irows)))
		return rec_erroom(err, NULL);
	forget_batches(b);
	return 0;
}

void
rec_batches_free(struct rec_batches *b)
{
	rec_free(b->order);
	rec_free(b->first);
	rec_free(b->ustamp);
	rec_free(b->istamp);
	rec_free(b->urows);
	rec_free(b->irows);
	memset(b, 0, sizeof *b);
}

int
rec_batches_epoch(struct rec_batches *b, size_t n, struct rec_rng *rng,
                  struct rec_err *err)
{
	if (b->n != n) {
		uint32_t *o = rec_realloc_array(b->order, n, sizeof *o);
		if (!o)
			return rec_erroom(err, NULL);
		b->order = o;
		b->n = n;
	}
	rec_rng_permutation(rng, b->order, n);
	forget_batches(b);
	return 0;
}

int
rec_batches_epoch_steps(struct rec_batches *b, size_t n, const uint32_t *line,
                        uint64_t total, int batch, uint64_t key,
                        struct rec_err *err)
{
	const uint64_t steps = (total + (uint64_t)batch - 1) / (uint64_t)batch;
	struct rec_rng_perm perm;
	uint32_t *p;

	for (size_t j = 0; j < n; j++)
		if (line && (line[j] == 0 || line[j] > total))
			return rec_errf(err, NULL, 0, "row %zu is line %" PRIu32
			                " of a table of %" PRIu64 " rows", j, line[j], total);
	if (b->n != n) {
		if (!(p = rec_realloc_array(b->order, n, sizeof *p)))
			return rec_erroom(err, NULL);
		b->order = p;
		b->n = n;
	}
	if (b->steps != steps || !b->first) {
		if (!(p = rec_realloc_array(b->first, steps + 1, sizeof *p)))
			return rec_erroom(err, NULL);
		b->first = p;
		b->steps = steps;
	}
	/* a counting sort of the rows by step: first[s + 1] counts step s's,
	 * then first[s] is where its next row goes, then where it starts */
	rec_rng_perm_init(&perm, total, key);
	memset(b->first, 0, (steps + 1) * sizeof *b->first);
	for (size_t j = 0; j < n; j++)
		b->first[step_of(&perm, line, j, batch) + 1]++;
	for (uint64_t s = 0; s < steps; s++)
		b->first[s + 1] += b->first[s];
	for (size_t j = 0; j < n; j++)
		b->order[b->first[step_of(&perm, line, j, batch)]++] = (uint32_t)j;
	memmove(b->first + 1, b->first, steps * sizeof *b->first);
	b->first[0] = 0;
	forget_batches(b);
	return 0;
}

void
rec_batches_next(struct rec_batches *b)
{
	b->batch++;
	b->nu = b->ni = 0;
}
