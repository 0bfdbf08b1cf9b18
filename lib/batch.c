/*
 * batch.c - epochs and minibatches (see batch.h).
 */
#include <inttypes.h>
#include <string.h>

#include "rec/batch.h"
#include "rec/parallel.h"

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

/* rec_batches_epoch_steps' counting sort of the rows by step, in
 * contiguous parts of the rows, one a thread: part t's count of step s's
 * rows is count[t steps + s], then where its next row of s goes; row j's
 * step is evaluated once, into step[j]. */
struct sort {
	struct rec_rng_perm perm;
	const uint32_t *line;
	uint64_t batch, steps;
	uint32_t *count, *order, *step;
};

/* The step of row j. */
static uint64_t
step_of(const struct sort *s, size_t j)
{
	return rec_rng_perm_at(&s->perm, s->line ? s->line[j] - 1 : j) / s->batch;
}

static void
count_part(void *ctx, size_t beg, size_t end, int t)
{
	const struct sort *s = ctx;
	uint32_t *count = s->count + (size_t)t * s->steps;

	memset(count, 0, s->steps * sizeof *count);
	for (size_t j = beg; j < end; j++)
		count[s->step[j] = (uint32_t)step_of(s, j)]++;
}

static void
place_part(void *ctx, size_t beg, size_t end, int t)
{
	const struct sort *s = ctx;
	uint32_t *next = s->count + (size_t)t * s->steps;

	for (size_t j = beg; j < end; j++)
		s->order[next[s->step[j]]++] = (uint32_t)j;
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
	rec_free(b->count);
	rec_free(b->step);
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
		rec_free(b->step);   /* no longer of n rows */
		b->step = NULL;
	}
	rec_rng_permutation(rng, b->order, n);
	forget_batches(b);
	return 0;
}

int
rec_batches_epoch_steps(struct rec_batches *b, size_t n, const uint32_t *line,
                        uint64_t total, int batch, uint64_t key, int threads,
                        struct rec_err *err)
{
	const uint64_t steps = (total + (uint64_t)batch - 1) / (uint64_t)batch;
	const int parts = threads < 1 ? 1 : threads > 64 ? 64 : threads;
	struct sort sort = { .line = line, .batch = (uint64_t)batch, .steps = steps };
	uint32_t *p, at = 0;

	for (size_t j = 0; j < n; j++)
		if (line && (line[j] == 0 || line[j] > total))
			return rec_errf(err, NULL, 0, "row %zu is line %" PRIu32
			                " of a table of %" PRIu64 " rows", j, line[j], total);
	if (b->n != n || !b->step) {
		if (!(p = rec_realloc_array(b->order, n, sizeof *p)))
			return rec_erroom(err, NULL);
		b->order = p;
		if (!(p = rec_realloc_array(b->step, n, sizeof *p)))
			return rec_erroom(err, NULL);
		b->step = p;
		b->n = n;
	}
	if (b->steps != steps || b->parts != parts || !b->first) {
		if (!(p = rec_realloc_array(b->first, steps + 1, sizeof *p)))
			return rec_erroom(err, NULL);
		b->first = p;
		if (!(p = rec_realloc_array(b->count, steps * (size_t)parts, sizeof *p)))
			return rec_erroom(err, NULL);
		b->count = p;
		b->steps = steps;
		b->parts = parts;
	}
	/* each part counts its rows of each step; a step's rows are then
	 * part 0's, part 1's, ... (each part's in the order of j, so the
	 * order does not depend on the parts) */
	rec_rng_perm_init(&sort.perm, total, key);
	sort.count = b->count;
	sort.order = b->order;
	sort.step = b->step;
	rec_parallel_for(n, parts, count_part, &sort);
	for (uint64_t s = 0; s < steps; s++) {
		b->first[s] = at;
		for (int t = 0; t < parts; t++) {
			uint32_t *count = &b->count[(size_t)t * steps + s], c = *count;

			*count = at;
			at += c;
		}
	}
	b->first[steps] = at;
	rec_parallel_for(n, parts, place_part, &sort);
	forget_batches(b);
	return 0;
}

void
rec_batches_next(struct rec_batches *b)
{
	b->batch++;
	b->nu = b->ni = 0;
}
