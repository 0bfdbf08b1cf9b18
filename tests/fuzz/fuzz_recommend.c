/* fuzz_recommend - rec_exclusions_build and rec_recommend (recommend.h)
 * on a model whose scores come from the bytes (finite ones as rank
 * factors, by tiles, when the first byte's top bit is set): up to 6
 * users, 70 items, lists of up to 12, scores from five values (many
 * ties) or NaN and the infinities, exclusions from the bytes.  Every
 * list has distinct items, none excluded, as many as k or as the items
 * left; with finite scores it is the brute-force ranking (best score,
 * then the smaller id). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rec/recommend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAXU = 6, MAXI = 70, MAXK = 12 };

struct fuzz_model {
	struct rec_model base;
	float score[MAXU * MAXI];
};

static int
scores(const struct rec_model *m, const int32_t *user, size_t n, float *out,
       struct rec_err *err)
{
	const struct fuzz_model *f = (const struct fuzz_model *)m;
	size_t ni = m->items.n;

	(void)err;
	for (size_t j = 0; j < n; j++)
		memcpy(out + j * ni, f->score + (size_t)user[j] * ni, ni * sizeof *out);
	return 0;
}

static const struct rec_model_ops ops = { .name = "fuzz", .rank_scores = scores };

/* The same scores as rank factors, ranked by tiles (finite scores only:
 * 0 times an infinity is NaN): user u's vector is the u-th unit vector
 * of dimension nu, item i's holds its scores, no item term. */
static float unit[MAXU * MAXU], item_vec[MAXI * MAXU], no_term[MAXI];
static int dim;

static const float *
unit_vector(const struct rec_model *m, int32_t u)
{
	(void)m;
	return unit + (size_t)u * (size_t)dim;
}

static void
factors(const struct rec_model *m, struct rec_rank_factors *f)
{
	(void)m;
	*f = (struct rec_rank_factors){ dim, item_vec, no_term, unit_vector };
}

static const struct rec_model_ops tiled_ops = { .name = "fuzz",
	.rank_scores = scores, .rank_factors = factors };

struct lists {
	uint32_t item[MAXU * MAXK];
	float score[MAXU * MAXK];
	size_t len[MAXU];
};

static int
keep(void *ctx, size_t beg, size_t n, size_t k, const uint32_t *item,
     const float *score, const size_t *len, struct rec_err *err)
{
	struct lists *l = ctx;

	(void)err;
	for (size_t j = 0; j < n; j++) {
		l->len[beg + j] = len[j];
		memcpy(l->item + (beg + j) * MAXK, item + j * k, len[j] * sizeof *item);
		memcpy(l->score + (beg + j) * MAXK, score + j * k, len[j] * sizeof *score);
	}
	return 0;
}

/* Whether item i ranks above item b for user u: a better score, or the
 * same and a smaller id. */
static int
above(const struct fuzz_model *f, size_t u, size_t i, size_t b)
{
	size_t ni = f->base.items.n;
	float si = f->score[u * ni + i], sb = f->score[u * ni + b];

	return si > sb || (si == sb && f->base.items.ids[i] < f->base.items.ids[b]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_model f;
	static struct lists l;
	struct rec_ratings *r = rec_ratings_new();
	struct rec_exclusions ex;
	struct rec_err err;
	int32_t user[MAXU], ix;
	size_t nu, ni, k, p = 3;
	int finite = 1;

	if (size < 3 || !r) {
		rec_ratings_free(r);
		return 0;
	}
	memset(&f, 0, sizeof f);
	f.base.ops = &ops;
	nu = 1 + data[0] % MAXU;
	ni = data[1] % (MAXI + 1);
	k = 1 + data[2] % MAXK;
	for (size_t u = 0; u < nu; u++) {
		user[u] = (int32_t)u;
		if (rec_idmap_add(&f.base.users, (int64_t)u, &ix) != 0)
			goto out;
	}
	for (size_t i = 0; i < ni; i++)   /* ids that do not follow the indices */
		if (rec_idmap_add(&f.base.items, (int64_t)((i * 37) % 101), &ix) != 0)
			goto out;
	for (size_t j = 0; j < nu * ni; j++) {
		uint8_t b = p < size ? data[p++] : 0;
		f.score[j] = b == 250 ? NAN : b == 251 ? INFINITY : b == 252 ?
		             -INFINITY : (float)(b % 5);
		finite &= b < 250 || b > 252;
	}
	if (finite && data[0] & 0x80) {   /* by tiles */
		dim = (int)nu;
		memset(unit, 0, sizeof unit);
		for (size_t u = 0; u < nu; u++) {
			unit[u * nu + u] = 1;
			for (size_t i = 0; i < ni; i++)
				item_vec[i * nu + u] = f.score[u * ni + i];
		}
		f.base.ops = &tiled_ops;
	}
	for (; p + 1 < size; p += 2)   /* exclusions: (user, item id) pairs */
		if (rec_ratings_push(r, data[p] % 8, data[p + 1] % 110, 3, 0, 0, NULL) != 0)
			goto out;
	if (rec_exclusions_build(&ex, r, &f.base.users, &f.base.items, &err) != 0)
		goto out;
	if (rec_recommend(&f.base, user, nu, k, &ex, 1 + (int)(size % 2), keep, &l,
	                  &err) != 0)
		__builtin_trap();
	for (size_t u = 0; u < nu; u++) {
		uint8_t taken[MAXI] = { 0 };
		size_t left = ni;
		for (size_t e = ex.start[u]; e < ex.start[u + 1]; e++)
			if (!taken[ex.item[e]]) {   /* an item may be excluded twice */
				taken[ex.item[e]] = 1;
				left--;
			}
		if (l.len[u] > k || (finite && l.len[u] != (left < k ? left : k)))
			__builtin_trap();
		for (size_t t = 0; t < l.len[u]; t++) {
			uint32_t i = l.item[u * MAXK + t];
			float s = l.score[u * MAXK + t], want = f.score[u * ni + i];
			if (i >= ni || taken[i] ||   /* out of range, excluded or a repeat */
			    memcmp(&s, &want, sizeof s) != 0)   /* not its score */
				__builtin_trap();
			taken[i] = 1;
			if (!finite)
				continue;
			/* nothing left out ranks above it, and it ranks below the
			 * one before it */
			for (size_t b = 0; b < ni; b++)
				if (!taken[b] && above(&f, u, b, i))
					__builtin_trap();
			if (t > 0 && !above(&f, u, l.item[u * MAXK + t - 1], i))
				__builtin_trap();
		}
	}
	rec_exclusions_free(&ex);
out:
	rec_idmap_clear(&f.base.users);
	rec_idmap_clear(&f.base.items);
	rec_ratings_free(r);
	return 0;
}
