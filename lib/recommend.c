/*
 * recommend.c - top-K lists of a model (see recommend.h).
 *
 * A block of users is scored by one rank_scores call (for MF one sgemm,
 * on OpenBLAS's threads); its users' exclusions and selections are then
 * spread over the threads (rec_parallel_for), each user's row of scores
 * masked to -INFINITY at its excluded items, which rec_topk never picks.
 */
#include <math.h>

#include "rec/parallel.h"
#include "rec/recommend.h"
#include "rec/topk.h"

int
rec_exclusions_build(struct rec_exclusions *ex, const struct rec_ratings *r,
                     const struct rec_idmap *users,
                     const struct rec_idmap *items, struct rec_err *err)
{
	size_t n = users->n, *start;
	int32_t *item;

	*ex = (struct rec_exclusions){ 0 };
	start = rec_calloc(n + 2, sizeof *start);
	item = rec_malloc_array(r->n ? r->n : 1, sizeof *item);
	if (!start || !item) {
		rec_free(start);
		rec_free(item);
		return rec_erroom(err, NULL);
	}
	/* A counting sort of the rows by listed user, in two passes: count
	 * into start[j + 2], add up, then place at start[j + 1]++. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n; i++) {
			int32_t j = rec_idmap_find(users, r->users.ids[r->user[i]]);
			int32_t it = rec_idmap_find(items, r->items.ids[r->item[i]]);
			if (j < 0 || it < 0)
				continue;
			if (pass == 0)
				start[j + 2]++;
			else
				item[start[j + 1]++] = it;
		}
		if (pass == 0)
			for (size_t j = 2; j < n + 2; j++)
				start[j] += start[j - 1];
	}
	ex->n = n;
	ex->start = start;
	ex->item = item;
	return 0;
}

void
rec_exclusions_free(struct rec_exclusions *ex)
{
	rec_free(ex->start);
	rec_free(ex->item);
	*ex = (struct rec_exclusions){ 0 };
}

/* One block of users being ranked: scores (nb, ni) in, lists out. */
struct block {
	const struct rec_model *m;
	const struct rec_exclusions *ex;
	size_t k, beg;            /* list length; the block's first user */
	float *scores;
	uint32_t *best;           /* (nb, k) */
	float *best_score;        /* (nb, k) */
	size_t *len;              /* (nb) */
};

/* Exclude and select for the block's users [beg, end) (one thread). */
static void
select_part(void *arg, size_t beg, size_t end, int t)
{
	const struct block *b = arg;
	const size_t ni = b->m->items.n;

	(void)t;
	for (size_t j = beg; j < end; j++) {
		float *row = b->scores + j * ni;
		size_t u = b->beg + j;
		if (b->ex)
			for (size_t e = b->ex->start[u]; e < b->ex->start[u + 1]; e++)
				row[b->ex->item[e]] = -INFINITY;
		b->len[j] = rec_topk(row, b->m->items.ids, ni, b->k, b->best + j * b->k);
		for (size_t r = 0; r < b->len[j]; r++)
			b->best_score[j * b->k + r] = row[b->best[j * b->k + r]];
	}
}

int
rec_recommend(const struct rec_model *m, const int32_t *user, size_t n,
              size_t k, const struct rec_exclusions *ex, int threads,
              rec_lists_fn *emit, void *ctx, struct rec_err *err)
{
	const size_t ni = m->items.n;
	struct block b = { .m = m, .ex = ex };
	size_t block;
	int rc = 0;

	/* Blocks of up to 256 users and 64 MiB of scores; a list is never
	 * longer than the catalogue. */
	block = ni ? (16u << 20) / ni : 256;
	block = block < 1 ? 1 : block > 256 ? 256 : block;
	b.k = k < ni ? k : ni ? ni : 1;
	b.scores = rec_malloc_array(block * (ni ? ni : 1), sizeof *b.scores);
	b.best = rec_malloc_array(block * b.k, sizeof *b.best);
	b.best_score = rec_malloc_array(block * b.k, sizeof *b.best_score);
	b.len = rec_malloc_array(block, sizeof *b.len);
	if (!b.scores || !b.best || !b.best_score || !b.len) {
		rc = rec_erroom(err, NULL);
		goto out;
	}
	for (size_t beg = 0; beg < n && rc == 0; beg += block) {
		size_t nb = n - beg < block ? n - beg : block;
		if ((rc = m->ops->rank_scores(m, user + beg, nb, b.scores, err)) != 0)
			break;
		b.beg = beg;
		rec_parallel_for(nb, threads, select_part, &b);
		rc = emit(ctx, beg, nb, b.k, b.best, b.best_score, b.len, err);
	}
out:
	rec_free(b.scores);
	rec_free(b.best);
	rec_free(b.best_score);
	rec_free(b.len);
	return rc ? -1 : 0;
}
