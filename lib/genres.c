/*
 * genres.c - genres of top-K lists and histories (see genres.h).
 */
#include <inttypes.h>
#include <stdlib.h>

#include "rec/genres.h"

int
rec_genres_popcount(uint64_t mask)
{
	return __builtin_popcountll(mask);
}

int
rec_genres_lists(const struct rec_movies *m, const char *mname,
                 const struct rec_lists *ls, const char *lname, int32_t **mi,
                 struct rec_err *err)
{
	int32_t *v = rec_malloc_array(ls->n, sizeof *v);

	*mi = NULL;
	if (!v)
		return rec_erroom(err, mname);
	for (size_t j = 0; j < ls->n; j++)
		if ((v[j] = rec_movies_find(m, ls->item[j])) < 0) {
			rec_free(v);
			return rec_errf(err, lname, (long)ls->line[j], "item %" PRId64
			                " is not in %s", ls->item[j], mname);
		}
	*mi = v;
	return 0;
}

int
rec_genres_history(const struct rec_movies *m, const char *mname,
                   const struct rec_ratings *hist, const char *hname,
                   double liked, int32_t **mi, struct rec_err *err)
{
	int32_t *v = rec_malloc_array(hist->n, sizeof *v);

	*mi = NULL;
	if (!v)
		return rec_erroom(err, mname);
	for (size_t i = 0; i < hist->n; i++) {
		int64_t id = hist->items.ids[hist->item[i]];
		if ((v[i] = rec_movies_find(m, id)) < 0) {
			rec_free(v);
			return rec_errf(err, hname, rec_ratings_line(hist, i), "item %"
			                PRId64 " is not in %s", id, mname);
		}
		if ((double)hist->rating[i] < liked)
			v[i] = -1;
	}
	*mi = v;
	return 0;
}

uint64_t
rec_genres_count(const struct rec_movies *m, const int32_t *mi, size_t n,
                 uint64_t *cnt)
{
	uint64_t labels = 0;

	for (size_t j = 0; j < n; j++) {
		uint64_t g = mi[j] < 0 ? 0 : m->genres[mi[j]];
		labels += (uint64_t)rec_genres_popcount(g);
		for (; g; g &= g - 1)
			cnt[__builtin_ctzll(g)]++;
	}
	return labels;
}

int
rec_genres_masks(const struct rec_movies *m, const struct rec_lists *ls,
                 const int32_t *lmi, const struct rec_ratings *hist,
                 const int32_t *hmi, uint64_t **hmask, uint64_t **rmask,
                 struct rec_err *err)
{
	size_t nu = ls->users.n;
	uint64_t *h = rec_calloc(nu, sizeof *h), *r = rec_calloc(nu, sizeof *r);

	*hmask = *rmask = NULL;
	if (!h || !r) {
		rec_free(h);
		rec_free(r);
		return rec_erroom(err, NULL);
	}
	for (size_t i = 0; i < nu; i++)
		for (size_t j = ls->start[i]; j < ls->start[i + 1]; j++)
			r[i] |= m->genres[lmi[j]];
	for (size_t k = 0; hist && k < hist->n; k++) {
		int32_t li;
		if (hmi[k] < 0)
			continue;
		li = rec_idmap_find(&ls->users, hist->users.ids[hist->user[k]]);
		if (li >= 0)
			h[li] |= m->genres[hmi[k]];
	}
	*hmask = h;
	*rmask = r;
	return 0;
}

/* The order of rec_genres_user_rows, through a file-scope pointer: qsort
 * takes no context argument in C11. */
static const struct rec_ratings *sort_hist;

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct rec_ratings *h = sort_hist;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int64_t ia = h->items.ids[h->item[a]], ib = h->items.ids[h->item[b]];

	if (h->rating[a] != h->rating[b])
		return h->rating[a] > h->rating[b] ? -1 : 1;
	if (h->ts[a] != h->ts[b])
		return h->ts[a] > h->ts[b] ? -1 : 1;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	return a < b ? -1 : a > b;
}

int
rec_genres_user_rows(const struct rec_ratings *hist, const int32_t *hmi,
                     int64_t user, uint32_t **rows, size_t *n,
                     struct rec_err *err)
{
	int32_t u = rec_idmap_find(&hist->users, user);
	size_t c = 0;
	uint32_t *v;

	*rows = NULL;
	*n = 0;
	for (size_t i = 0; u >= 0 && i < hist->n; i++)
		c += hist->user[i] == u && hmi[i] >= 0;
	if (!(v = rec_malloc_array(c, sizeof *v)))
		return rec_erroom(err, NULL);
	c = 0;
	for (size_t i = 0; u >= 0 && i < hist->n; i++)
		if (hist->user[i] == u && hmi[i] >= 0)
			v[c++] = (uint32_t)i;
	sort_hist = hist;
	qsort(v, c, sizeof *v, cmp_rows);
	*rows = v;
	*n = c;
	return 0;
}
