/*
 * batch.c - epochs and minibatches (see batch.h).
 */
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

void
rec_batches_next(struct rec_batches *b)
{
	b->batch++;
	b->nu = b->ni = 0;
}
