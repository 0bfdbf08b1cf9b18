/* fuzz_genres - the genre statistics of genres.h on inputs from the bytes:
 * a movies file, top-K lists and a history (ratings), separated by NUL
 * bytes.  When all three read and every item is a movie: the counts of
 * each overlap row add up (history = both + history only, list = both +
 * list only), the rows go by user id, the means are those of the rows,
 * and rec_genres_order is a permutation in the promised order. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rec/genres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The part of data[0..size) after the p-th NUL byte, up to the next. */
static FILE *
part(const uint8_t *data, size_t size, int p)
{
	size_t beg = 0, end;

	for (; p > 0; p--) {
		const uint8_t *z = memchr(data + beg, 0, size - beg);
		if (!z)
			return NULL;
		beg = (size_t)(z - data) + 1;
	}
	const uint8_t *z = memchr(data + beg, 0, size - beg);
	end = z ? (size_t)(z - data) : size;
	return end > beg ? fmemopen((void *)(data + beg), end - beg, "r") : NULL;
}

static void
check(const struct rec_movies *m, const struct rec_lists *ls,
      const struct rec_ratings *h)
{
	struct rec_err err;
	struct rec_overlap o;
	int32_t *lmi = NULL, *hmi = NULL;
	uint64_t cnt[REC_GENRES_MAX] = { 0 }, seen = 0;
	size_t ix[REC_GENRES_MAX];
	double sum[REC_OVERLAP_NCOLS] = { 0 };

	if (rec_genres_lists(m, "m", ls, "l", &lmi, &err) != 0 ||
	    rec_genres_history(m, "m", h, "h", 3.5, &hmi, &err) != 0 ||
	    rec_genres_overlap(&o, m, ls, lmi, h, hmi, &err) != 0)
		goto out;
	if (o.n != ls->users.n)
		__builtin_trap();
	for (size_t j = 0; j < o.n; j++) {
		int c[REC_OVERLAP_NCOLS];
		rec_genres_overlap_counts(o.row[j].hist, o.row[j].rec, c);
		if (c[REC_OVERLAP_HIST] != c[REC_OVERLAP_BOTH] + c[REC_OVERLAP_HIST_ONLY] ||
		    c[REC_OVERLAP_REC] != c[REC_OVERLAP_BOTH] + c[REC_OVERLAP_REC_ONLY] ||
		    (j > 0 && o.row[j - 1].user >= o.row[j].user) ||
		    (o.row[j].hist | o.row[j].rec) & ~o.hist_all & ~o.rec_all)
			__builtin_trap();
		for (int k = 0; k < REC_OVERLAP_NCOLS; k++)
			sum[k] += c[k];
	}
	for (int k = 0; o.n && k < REC_OVERLAP_NCOLS; k++)
		if (sum[k] / (double)o.n != o.mean[k])
			__builtin_trap();
	rec_genres_overlap_free(&o);
	rec_genres_count(m, lmi, ls->n, cnt);
	rec_genres_order(m, cnt, NULL, ix);
	for (size_t j = 0; j < m->ngenres; j++) {
		if (ix[j] >= m->ngenres || seen >> ix[j] & 1 ||
		    (j > 0 && (cnt[ix[j - 1]] < cnt[ix[j]] ||
		               (cnt[ix[j - 1]] == cnt[ix[j]] &&
		                strcmp(m->genre[ix[j - 1]], m->genre[ix[j]]) >= 0))))
			__builtin_trap();
		seen |= (uint64_t)1 << ix[j];
	}
out:
	rec_free(lmi);
	rec_free(hmi);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_movies *m = rec_movies_new();
	struct rec_lists *ls = rec_lists_new();
	struct rec_ratings *h = rec_ratings_new();
	FILE *fm = part(data, size, 0), *fl = part(data, size, 1),
	     *fh = part(data, size, 2);
	struct rec_err err;

	if (m && ls && h && fm && fl && fh &&
	    rec_movies_read(m, fm, "m", &err) == 0 &&
	    rec_lists_read(ls, fl, "l", SIZE_MAX, &err) == 0 &&
	    rec_ratings_read_tsv(h, fh, "h", &err) == 0)
		check(m, ls, h);
	if (fm)
		fclose(fm);
	if (fl)
		fclose(fl);
	if (fh)
		fclose(fh);
	rec_movies_free(m);
	rec_lists_free(ls);
	rec_ratings_free(h);
	return 0;
}
