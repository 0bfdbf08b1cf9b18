/*
 * genres.c - genres of top-K lists and histories (see genres.h).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

void
rec_genres_overlap_counts(uint64_t hist, uint64_t rec, int count[REC_OVERLAP_NCOLS])
{
	count[REC_OVERLAP_HIST] = rec_genres_popcount(hist);
	count[REC_OVERLAP_REC] = rec_genres_popcount(rec);
	count[REC_OVERLAP_BOTH] = rec_genres_popcount(hist & rec);
	count[REC_OVERLAP_HIST_ONLY] = rec_genres_popcount(hist & ~rec);
	count[REC_OVERLAP_REC_ONLY] = rec_genres_popcount(rec & ~hist);
}

static int
by_user(const void *pa, const void *pb)
{
	int64_t a = ((const struct rec_overlap_row *)pa)->user,
	        b = ((const struct rec_overlap_row *)pb)->user;

	return (a > b) - (a < b);
}

int
rec_genres_overlap(struct rec_overlap *o, const struct rec_movies *m,
                   const struct rec_lists *ls, const int32_t *lmi,
                   const struct rec_ratings *hist, const int32_t *hmi,
                   struct rec_err *err)
{
	size_t nu = ls->users.n;
	uint64_t *hm, *rm;

	*o = (struct rec_overlap){ 0 };
	if (rec_genres_masks(m, ls, lmi, hist, hmi, &hm, &rm, err) != 0)
		return -1;
	if (!(o->row = rec_malloc_array(nu ? nu : 1, sizeof *o->row))) {
		rec_free(hm);
		rec_free(rm);
		return rec_erroom(err, NULL);
	}
	o->n = nu;
	for (size_t i = 0; i < nu; i++) {
		int count[REC_OVERLAP_NCOLS];
		o->row[i] = (struct rec_overlap_row){ ls->users.ids[i], hm[i], rm[i] };
		rec_genres_overlap_counts(hm[i], rm[i], count);
		for (int c = 0; c < REC_OVERLAP_NCOLS; c++)
			o->mean[c] += count[c];
		o->hist_all |= hm[i];
		o->rec_all |= rm[i];
		o->no_history += hm[i] == 0;
	}
	for (int c = 0; nu && c < REC_OVERLAP_NCOLS; c++)
		o->mean[c] /= (double)nu;
	qsort(o->row, nu, sizeof *o->row, by_user);
	rec_free(hm);
	rec_free(rm);
	return 0;
}

void
rec_genres_overlap_free(struct rec_overlap *o)
{
	rec_free(o->row);
	*o = (struct rec_overlap){ 0 };
}

void
rec_genres_order(const struct rec_movies *m, const uint64_t *c1,
                 const uint64_t *c2, size_t *ix)
{
	/* insertion sort: 64 genres at most, and no context for qsort */
	for (size_t g = 0; g < m->ngenres; g++) {
		size_t j = g;
		for (; j > 0; j--) {
			size_t a = ix[j - 1];
			int before = c1[g] != c1[a] ? c1[g] > c1[a] :
			             c2 && c2[g] != c2[a] ? c2[g] > c2[a] :
			             strcmp(m->genre[g], m->genre[a]) < 0;
			if (!before)
				break;
			ix[j] = a;
		}
		ix[j] = g;
	}
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
