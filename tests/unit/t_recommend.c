/* t_recommend.c - top-K lists of a model with exclusions (recommend.h),
 * against a brute-force ranking, on a model whose scores are a table;
 * and by tiles, on a model with rank factors (model.h), against the
 * same model ranked from its rank_scores. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "rec/gemm.h"
#include "rec/recommend.h"
#include "rec/rng.h"

/* A model whose scores are the table score (nu, ni); an unknown user
 * (-1) scores every item 0. */
struct table_model {
	struct rec_model base;
	const float *score;
};

static int
table_scores(const struct rec_model *m, const int32_t *user, size_t n,
             float *out, struct rec_err *err)
{
	const struct table_model *t = (const struct table_model *)m;
	size_t ni = m->items.n;

	(void)err;
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < ni; i++)
			out[j * ni + i] = user[j] < 0 ? 0 : t->score[(size_t)user[j] * ni + i];
	return 0;
}

static const struct rec_model_ops table_ops = { .name = "table",
	.rank_scores = table_scores };

/* The same scores, on several threads at once; user 250 fails. */
static int
table_scores_reentrant(const struct rec_model *m, const int32_t *user, size_t n,
                       float *out, struct rec_err *err)
{
	for (size_t j = 0; j < n; j++)
		if (user[j] == 250)
			return rec_errf(err, NULL, 0, "user 250");
	return table_scores(m, user, n, out, err);
}

static const struct rec_model_ops table_reentrant_ops = { .name = "table",
	.rank_scores = table_scores_reentrant, .rank_scores_reentrant = 1 };

/* A table model of nu users (ids 1000 + u) and ni items whose ids go
 * down as the index goes up (id 5000 - 7 i), so that a tie's order by id
 * is not the order by index. */
static void
table_make(struct table_model *t, size_t nu, size_t ni, const float *score)
{
	int32_t ix;

	memset(t, 0, sizeof *t);
	t->base.ops = &table_ops;
	t->score = score;
	for (size_t u = 0; u < nu; u++)
		CHECK(rec_idmap_add(&t->base.users, 1000 + (int64_t)u, &ix) == 0);
	for (size_t i = 0; i < ni; i++)
		CHECK(rec_idmap_add(&t->base.items, 5000 - 7 * (int64_t)i, &ix) == 0);
}

/* The lists rec_recommend gives, gathered: (n, k) item indices, UINT32_MAX
 * past a list's end. */
struct gathered {
	uint32_t *item;
	size_t k, calls;
	int stop_at;          /* stop at this call (-1: never) */
	float *score;         /* (n, k) the items' scores, or NULL */
};

static int
gather(void *ctx, size_t beg, size_t n, size_t k, const uint32_t *item,
       const float *score, const size_t *len, struct rec_err *err)
{
	struct gathered *g = ctx;

	if ((int)g->calls++ == g->stop_at)
		return rec_errf(err, NULL, 0, "stopped");
	for (size_t j = 0; j < n; j++)
		for (size_t t = 0; t < g->k; t++) {
			int in = t < len[j] && t < k;
			g->item[(beg + j) * g->k + t] = in ? item[j * k + t] : UINT32_MAX;
			if (g->score)
				g->score[(beg + j) * g->k + t] = in ? score[j * k + t] : NAN;
		}
	return 0;
}

/* The brute-force list of user u (-1: all zeros): every item not in
 * ex[0..nex), best score first, ties by the smaller id, k at most. */
static void
brute_list(const struct table_model *t, int32_t u, const int32_t *ex, size_t nex,
           size_t k, uint32_t *out)
{
	size_t ni = t->base.items.n, len = 0;

	for (size_t r = 0; r < k; r++) {
		int64_t best = -1;
		for (size_t i = 0; i < ni; i++) {
			int taken = 0;
			float s = u < 0 ? 0 : t->score[(size_t)u * ni + i];
			for (size_t e = 0; e < nex; e++)
				taken |= ex[e] == (int32_t)i;
			for (size_t q = 0; q < len; q++)
				taken |= out[q] == i;
			if (taken)
				continue;
			if (best < 0) {
				best = (int64_t)i;
				continue;
			}
			float sb = u < 0 ? 0 : t->score[(size_t)u * ni + (size_t)best];
			if (s > sb || (s == sb && t->base.items.ids[i] < t->base.items.ids[best]))
				best = (int64_t)i;
		}
		out[r] = best < 0 ? UINT32_MAX : (uint32_t)best;
		len += best >= 0;
	}
}

TEST(recommend_against_brute_force)
{
	/* 300 users (more than a block of 256), 40 items, scores from few
	 * values so that ties are many */
	enum { NU = 300, NI = 40, K = 7 };
	static float score[NU * NI];
	static uint32_t got[2][(NU + 1) * K], want[K];
	static float got_score[(NU + 1) * K];
	struct table_model t;
	struct rec_ratings *r = rec_ratings_new();
	struct rec_exclusions ex;
	struct rec_idmap listed = { 0 };
	struct rec_err err;
	int32_t user[NU + 1], ix;

	CHECK(r != NULL);
	if (!r)
		return;
	srand(7);
	for (size_t j = 0; j < NU * NI; j++)
		score[j] = (float)(rand() % 5);
	table_make(&t, NU, NI, score);
	/* listed: every user in reverse order, then one the model does not
	 * know; exclusions: user u's items u % 9 .. u % 9 + u % 5 (some
	 * repeated), an item the model does not know, and a row of a user
	 * who is not listed */
	for (size_t j = 0; j < NU; j++) {
		user[j] = NU - 1 - (int32_t)j;
		CHECK(rec_idmap_add(&listed, 1000 + user[j], &ix) == 0);
	}
	user[NU] = -1;
	CHECK(rec_idmap_add(&listed, 77, &ix) == 0);
	for (int u = 0; u < NU; u++)
		for (int i = u % 9; i <= u % 9 + u % 5; i++) {
			CHECK(rec_ratings_push(r, 1000 + u, 5000 - 7 * i, 4, 0, 0, NULL) == 0);
			if (i == u % 9 + 1)
				CHECK(rec_ratings_push(r, 1000 + u, 5000 - 7 * i, 3, 0, 0, NULL) == 0);
		}
	CHECK(rec_ratings_push(r, 1000, 99999, 4, 0, 0, NULL) == 0);
	CHECK(rec_ratings_push(r, 999999, 5000, 4, 0, 0, NULL) == 0);
	CHECK(rec_exclusions_build(&ex, r, &listed, &t.base.items, &err) == 0);
	CHECK(ex.n == NU + 1 && ex.start[NU + 1] == ex.start[NU]);
	for (int threads = 1; threads <= 3; threads += 2) {
		struct gathered g = { got[threads > 1], K, 0, -1, got_score };
		CHECK(rec_recommend(&t.base, user, NU + 1, K, &ex, threads, gather, &g,
		                    &err) == 0);
		CHECK(g.calls == 2);
	}
	CHECK(memcmp(got[0], got[1], sizeof got[0]) == 0);
	for (size_t j = 0; j <= NU; j++) {
		brute_list(&t, user[j], ex.item + ex.start[j], ex.start[j + 1] - ex.start[j],
		           K, want);
		CHECK(memcmp(got[0] + j * K, want, sizeof want) == 0);
		/* each with its score */
		for (size_t r2 = 0; r2 < K && want[r2] != UINT32_MAX; r2++)
			CHECK(got_score[j * K + r2] == (user[j] < 0 ? 0 :
			      score[(size_t)user[j] * NI + want[r2]]));
	}
	/* a list longer than the items left: every one of them, no more */
	{
		static uint32_t all[(NU + 1) * NI];
		struct gathered g = { all, NI, 0, -1, NULL };
		CHECK(rec_recommend(&t.base, user, NU + 1, 1000, &ex, 1, gather, &g, &err) == 0);
		for (size_t j = 0; j <= NU; j++) {
			size_t len = 0;
			while (len < NI && all[j * NI + len] != UINT32_MAX)
				len++;
			CHECK(len == NI - (ex.start[j + 1] - ex.start[j]) + (j < NU &&
			      user[j] % 5 >= 1));   /* one item excluded twice */
		}
	}
	/* the callback stops the call */
	{
		struct gathered g = { got[0], K, 0, 1, NULL };
		CHECK(rec_recommend(&t.base, user, NU + 1, K, NULL, 1, gather, &g, &err) == -1);
		CHECK(g.calls == 2 && strcmp(err.msg, "stopped") == 0);
	}
	rec_exclusions_free(&ex);
	CHECK(ex.start == NULL && ex.n == 0);
	rec_idmap_clear(&listed);
	rec_idmap_clear(&t.base.users);
	rec_idmap_clear(&t.base.items);
	rec_ratings_free(r);
}

/* A model whose rank_scores runs on every thread: the lists of one
 * thread's scores, and its error from whichever part meets it. */
TEST(recommend_scores_on_threads)
{
	enum { NU = 600, NI = 30, K = 5 };
	static float score[NU * NI];
	static uint32_t got[3][NU * K];
	struct table_model t;
	struct rec_err err;
	int32_t user[NU];

	srand(11);
	for (size_t j = 0; j < NU * NI; j++)
		score[j] = (float)(rand() % 7);
	table_make(&t, NU, NI, score);
	for (int j = 0; j < NU; j++)
		user[j] = j < 250 ? j : NU - 1 - (j - 250);   /* 250 comes last */
	for (int pass = 0; pass < 3; pass++) {
		struct gathered g = { got[pass], K, 0, -1, NULL };
		t.base.ops = pass ? &table_reentrant_ops : &table_ops;
		CHECK(rec_recommend(&t.base, user, NU - 1, K, NULL, pass ? 2 * pass - 1 : 1,
		                    gather, &g, &err) == 0);
	}
	CHECK(memcmp(got[0], got[1], sizeof got[0]) == 0);
	CHECK(memcmp(got[0], got[2], sizeof got[0]) == 0);
	{
		struct gathered g = { got[2], K, 0, -1, NULL };
		CHECK(rec_recommend(&t.base, user, NU, K, NULL, 3, gather, &g, &err) == -1);
		CHECK(strcmp(err.msg, "user 250") == 0 && g.calls == 2);
	}
	rec_idmap_clear(&t.base.users);
	rec_idmap_clear(&t.base.items);
}

TEST(recommend_out_of_memory)
{
	enum { NU = 3, NI = 5 };
	static const float score[NU * NI] = { 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0, 0, 1, 1, 0 };
	struct table_model t;
	struct rec_ratings *r = rec_ratings_new();
	int32_t user[NU] = { 0, 1, 2 };
	uint32_t got[NU * 2];

	CHECK(r && rec_ratings_push(r, 1000, 5000, 4, 0, 0, NULL) == 0);
	table_make(&t, NU, NI, score);
	for (long n = 0;; n++) {
		struct rec_exclusions ex;
		struct rec_err err = { 0 };
		struct gathered g = { got, 2, 0, -1, NULL };
		int rc;

		rec_alloc_fail_after(n, 1);
		rc = rec_exclusions_build(&ex, r, &t.base.users, &t.base.items, &err);
		if (rc == 0)
			rc = rec_recommend(&t.base, user, NU, 2, &ex, 1, gather, &g, &err);
		rec_alloc_fail_after(-1, 0);
		rec_exclusions_free(&ex);
		if (rc == 0) {
			CHECK(n > 2 && got[0] == 4 && got[1] == 3 && got[2] == 0 && got[4] == 3 && got[5] == 2);
			break;
		}
		CHECK(strcmp(err.msg, "out of memory") == 0);
		if (n > 100)
			break;
	}
	rec_idmap_clear(&t.base.users);
	rec_idmap_clear(&t.base.items);
	rec_ratings_free(r);
}

/* A model with rank factors: user u's vector uvec[u dim ..], item i's
 * ivec[i dim ..] and term[i]; its rank_scores are the factors' scores
 * (a product by rec_sgemm plus the terms), as the tiles compute them. */
struct factor_model {
	struct rec_model base;
	int dim;
	const float *uvec, *ivec, *term;
};

static const float *
factor_user(const struct rec_model *m, int32_t u)
{
	const struct factor_model *f = (const struct factor_model *)m;

	return f->uvec + (size_t)u * (size_t)f->dim;
}

static void
factor_factors(const struct rec_model *m, struct rec_rank_factors *out)
{
	const struct factor_model *f = (const struct factor_model *)m;

	*out = (struct rec_rank_factors){ f->dim, f->ivec, f->term, factor_user };
}

static int
factor_scores(const struct rec_model *m, const int32_t *user, size_t n,
              float *out, struct rec_err *err)
{
	const struct factor_model *f = (const struct factor_model *)m;
	size_t ni = m->items.n, dim = (size_t)f->dim;
	float *u = calloc(n * dim + 1, sizeof *u);

	(void)err;
	CHECK(u != NULL);
	for (size_t j = 0; u && j < n; j++)
		if (user[j] >= 0)
			memcpy(u + j * dim, factor_user(m, user[j]), dim * sizeof *u);
	rec_sgemm(0, 1, (int)n, (int)ni, (int)dim, 1.0f, u, (int)dim, f->ivec,
	          (int)dim, 0.0f, out, (int)ni, 1);
	for (size_t j = 0; j < n; j++)
		for (size_t i = 0; i < ni; i++)
			out[j * ni + i] += f->term[i];
	free(u);
	return 0;
}

/* by tiles, and (no rank_factors) from rank_scores */
static const struct rec_model_ops factor_ops = { .name = "factors",
	.rank_scores = factor_scores, .rank_factors = factor_factors };
static const struct rec_model_ops scores_ops = { .name = "factors",
	.rank_scores = factor_scores };

TEST(recommend_by_tiles_as_from_scores)
{
	/* 300 users (two blocks of 126 and a part), 1100 items (two tiles
	 * of 512 and a part that is no whole chunk of 64); exclusions on
	 * both sides of the tiles' edges; lists of 7 and lists longer than
	 * the items left */
	enum { NU = 300, NI = 1100, MAXDIM = 9, K = 7 };
	static float uvec[NU * MAXDIM], ivec[NI * MAXDIM], term[NI];
	static uint32_t got[3][(NU + 1) * NI];
	static float got_score[3][(NU + 1) * NI], table[(NU + 1) * NI];
	static uint32_t want[K];
	static const int dims[] = { 0, 3, 9 };
	struct factor_model f;
	struct table_model t;
	struct rec_ratings *r = rec_ratings_new();
	struct rec_exclusions ex;
	struct rec_err err;
	struct rec_rng rng;
	int32_t user[NU + 1], ix;

	CHECK(r != NULL);
	if (!r)
		return;
	memset(&f, 0, sizeof f);
	for (size_t u = 0; u < NU; u++) {
		user[u] = (int32_t)(u * 7 % NU);
		CHECK(rec_idmap_add(&f.base.users, 1000 + (int64_t)u, &ix) == 0);
	}
	user[NU] = -1;
	for (size_t i = 0; i < NI; i++)
		CHECK(rec_idmap_add(&f.base.items, 50000 - 7 * (int64_t)i, &ix) == 0);
	for (int u = 0; u < NU; u++) {
		static const int edge[] = { 0, 511, 512, 1023, 1024, 1099 };
		for (int e = 0; e < 6; e++)
			if ((u + e) % 3 != 0)
				CHECK(rec_ratings_push(r, 1000 + user[u], 50000 - 7 * edge[e],
				                       4, 0, 0, NULL) == 0);
		CHECK(rec_ratings_push(r, 1000 + user[u], 50000 - 7 * (u * 13 % NI),
		                       4, 0, 0, NULL) == 0);
	}
	{
		struct rec_idmap listed = { 0 };
		for (size_t j = 0; j <= NU; j++)
			CHECK(rec_idmap_add(&listed, j < NU ? 1000 + user[j] : 77, &ix) == 0);
		CHECK(rec_exclusions_build(&ex, r, &listed, &f.base.items, &err) == 0);
		rec_idmap_clear(&listed);
	}
	rec_rng_seed(&rng, 5);
	for (int trial = 0; trial < 6; trial++) {
		/* few values (many ties), or any */
		int dim = dims[trial % 3], few = trial < 3;
		f.dim = dim;
		f.uvec = uvec;
		f.ivec = ivec;
		f.term = term;
		for (size_t j = 0; j < NU * MAXDIM; j++)
			uvec[j] = few ? (float)rec_rng_below(&rng, 3) - 1 :
			                (float)rec_rng_uniform(&rng) - 0.5f;
		for (size_t j = 0; j < NI * MAXDIM; j++)
			ivec[j] = few ? (float)rec_rng_below(&rng, 3) - 1 :
			                (float)rec_rng_uniform(&rng) - 0.5f;
		for (size_t i = 0; i < NI; i++)
			term[i] = few ? (float)rec_rng_below(&rng, 2) :
			                (float)rec_rng_uniform(&rng);
		for (size_t k = K; k <= 2000; k += 2000 - K) {
			size_t kk = k < NI ? k : NI;
			/* by tiles on 1 and 3 threads, then from rank_scores */
			for (int run = 0; run < 3; run++) {
				struct gathered g = { got[run], kk, 0, -1, got_score[run] };
				f.base.ops = run < 2 ? &factor_ops : &scores_ops;
				CHECK(rec_recommend(&f.base, user, NU + 1, k, &ex, run ? 3 : 1,
				                    gather, &g, &err) == 0);
			}
			CHECK(memcmp(got[0], got[2], (NU + 1) * kk * sizeof got[0][0]) == 0);
			CHECK(memcmp(got[1], got[2], (NU + 1) * kk * sizeof got[0][0]) == 0);
			CHECK(memcmp(got_score[0], got_score[2],
			             (NU + 1) * kk * sizeof got_score[0][0]) == 0);
			if (k > NI) {
				/* every item left, no more */
				for (size_t j = 0; j <= NU; j++) {
					size_t len = 0, left = NI;
					while (len < NI && got[0][j * NI + len] != UINT32_MAX)
						len++;
					for (size_t i = 0; i < NI; i++) {
						int out = 0;
						for (size_t e = ex.start[j]; e < ex.start[j + 1]; e++)
							out |= ex.item[e] == (int32_t)i;
						left -= (size_t)out;
					}
					CHECK(len == left);
				}
				continue;
			}
			/* lists of 7: the brute-force ranking of the scores */
			CHECK(factor_scores(&f.base, user, NU + 1, table, &err) == 0);
			t.base = f.base;
			t.score = table;
			for (size_t j = 0; j <= NU; j++) {
				brute_list(&t, (int32_t)j, ex.item + ex.start[j],
				           ex.start[j + 1] - ex.start[j], K, want);
				CHECK(memcmp(got[0] + j * K, want, sizeof want) == 0);
			}
		}
	}
	rec_exclusions_free(&ex);
	rec_idmap_clear(&f.base.users);
	rec_idmap_clear(&f.base.items);
	rec_ratings_free(r);
}

/* By tiles in rounds (lists of 8192: rounds of 126 users), each round's
 * lists emitted while the next is scored: the rounds in order, the same
 * lists on 1 and 2 threads as from rank_scores; a callback that stops
 * the second call stops the call. */
TEST(recommend_by_tiles_in_rounds)
{
	enum { NU = 300, NI = 9000, DIM = 2, K = 8192 };
	static float uvec[NU * DIM], ivec[NI * DIM], term[NI];
	uint32_t *got[3] = { malloc((size_t)NU * K * sizeof *got[0]),
	                     malloc((size_t)NU * K * sizeof *got[1]),
	                     malloc((size_t)NU * K * sizeof *got[2]) };
	struct factor_model f;
	struct rec_err err;
	struct rec_rng rng;
	int32_t user[NU], ix;

	CHECK(got[0] && got[1] && got[2]);
	if (!got[0] || !got[1] || !got[2])
		goto out;
	memset(&f, 0, sizeof f);
	rec_rng_seed(&rng, 8);
	for (int u = 0; u < NU; u++) {
		user[u] = NU - 1 - u;
		CHECK(rec_idmap_add(&f.base.users, u, &ix) == 0);
	}
	for (int i = 0; i < NI; i++)
		CHECK(rec_idmap_add(&f.base.items, 90000 - (int64_t)i, &ix) == 0);
	for (size_t j = 0; j < NU * DIM; j++)
		uvec[j] = (float)rec_rng_uniform(&rng) - 0.5f;
	for (size_t j = 0; j < NI * DIM; j++)
		ivec[j] = (float)rec_rng_below(&rng, 5) - 2;   /* many ties */
	for (size_t i = 0; i < NI; i++)
		term[i] = (float)rec_rng_uniform(&rng);
	f.base.ops = &factor_ops;
	f.dim = DIM;
	f.uvec = uvec;
	f.ivec = ivec;
	f.term = term;
	for (int run = 0; run < 3; run++) {
		struct gathered g = { got[run], K, 0, -1, NULL };
		f.base.ops = run < 2 ? &factor_ops : &scores_ops;
		CHECK(rec_recommend(&f.base, user, NU, K, NULL, run < 2 ? run + 1 : 1,
		                    gather, &g, &err) == 0);
		CHECK(g.calls == 3 || run == 2);
	}
	CHECK(memcmp(got[0], got[1], (size_t)NU * K * sizeof *got[0]) == 0);
	CHECK(memcmp(got[0], got[2], (size_t)NU * K * sizeof *got[0]) == 0);
	f.base.ops = &factor_ops;
	for (int run = 0; run < 2; run++) {
		struct gathered g = { got[run], K, 0, 1, NULL };
		CHECK(rec_recommend(&f.base, user, NU, K, NULL, run + 1, gather, &g,
		                    &err) == -1);
		CHECK(g.calls == 2 && strcmp(err.msg, "stopped") == 0);
	}
	rec_idmap_clear(&f.base.users);
	rec_idmap_clear(&f.base.items);
out:
	for (int run = 0; run < 3; run++)
		free(got[run]);
}

TEST(recommend_by_tiles_out_of_memory)
{
	enum { NU = 3, NI = 5 };
	static const float uvec[NU * 2] = { 1, 0, 0, 1, -1, 1 };
	static const float ivec[NI * 2] = { 1, 0, 0, 1, 1, 1, 0, 0, 2, 0 };
	static const float term[NI] = { 0 };
	struct table_model t;
	struct factor_model f;
	struct rec_ratings *r = rec_ratings_new();
	int32_t user[NU] = { 0, 1, 2 };
	uint32_t got[NU * 2];

	CHECK(r && rec_ratings_push(r, 1000, 5000, 4, 0, 0, NULL) == 0);
	table_make(&t, NU, NI, NULL);
	f = (struct factor_model){ t.base, 2, uvec, ivec, term };
	f.base.ops = &factor_ops;
	for (long n = 0;; n++) {
		struct rec_exclusions ex;
		struct rec_err err = { 0 };
		struct gathered g = { got, 2, 0, -1, NULL };
		int rc;

		rec_alloc_fail_after(n, 1);
		rc = rec_exclusions_build(&ex, r, &t.base.users, &t.base.items, &err);
		if (rc == 0)
			rc = rec_recommend(&f.base, user, NU, 2, &ex, 2, gather, &g, &err);
		rec_alloc_fail_after(-1, 0);
		rec_exclusions_free(&ex);
		if (rc == 0) {
			/* user 0: item 4 (2), then 2 (1; item 0 excluded); user
			 * 1: items 1 and 2 tie, the smaller id (item 2) first */
			CHECK(n > 2 && got[0] == 4 && got[1] == 2 && got[2] == 2 && got[3] == 1);
			break;
		}
		CHECK(strcmp(err.msg, "out of memory") == 0);
		if (n > 100)
			break;
	}
	rec_idmap_clear(&t.base.users);
	rec_idmap_clear(&t.base.items);
	rec_ratings_free(r);
}

/* The exclusions of a file read in parts, one a thread, as read whole:
 * a file past 1 MiB (parts are read), users and items some of which
 * the maps lack; then a bad line in the last part, at the line a whole
 * read names. */
TEST(exclusions_read_in_parts_as_whole)
{
	char path[] = "/tmp/t_recommend.XXXXXX";
	struct rec_idmap users = { 0 }, items = { 0 };
	struct rec_exclusions whole, part;
	struct rec_err e1, e2;
	FILE *fp[3] = { NULL, NULL, NULL };
	int fd = mkstemp(path);
	int32_t ix;

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	fp[0] = fdopen(fd, "w+");
	CHECK(fp[0] != NULL);
	if (!fp[0])
		goto out;
	for (int j = 0; j < 120000; j++)   /* about 1.5 MiB */
		fprintf(fp[0], "%d\t%d\t%.1f\t%d\n", j * 7 % 3001, j * 13 % 557,
		        0.5 + j % 10 * 0.5, 1000000 + j);
	fflush(fp[0]);
	for (int u = 3000; u >= 0; u -= 2)    /* every other user, backwards */
		CHECK(rec_idmap_add(&users, u, &ix) == 0);
	for (int i = 0; i < 500; i++)         /* items 500 .. 556 unknown */
		CHECK(rec_idmap_add(&items, i, &ix) == 0);
	for (int t = 1; t < 3; t++) {
		fp[t] = fopen(path, "r");
		CHECK(fp[t] != NULL);
		if (!fp[t])
			goto out;
	}
	rewind(fp[0]);
	CHECK(rec_exclusions_read(&whole, fp, 1, "x", &users, &items, &e1) == 0);
	rewind(fp[0]);
	CHECK(rec_exclusions_read(&part, fp, 3, "x", &users, &items, &e2) == 0);
	CHECK(whole.n == users.n && part.n == users.n);
	CHECK(whole.start[users.n] > 50000);
	CHECK(memcmp(whole.start, part.start, (users.n + 1) * sizeof *whole.start) == 0);
	CHECK(memcmp(whole.item, part.item, whole.start[users.n] * sizeof *whole.item) == 0);
	rec_exclusions_free(&whole);
	rec_exclusions_free(&part);

	/* line 119,990 of 120,001 a bad one */
	fseek(fp[0], 0, SEEK_END);
	fprintf(fp[0], "1\t2\t3.5\n");
	fflush(fp[0]);
	{
		long at = 0;
		char line[64];
		rewind(fp[0]);
		for (int j = 0; j < 119989; j++)
			if (fgets(line, sizeof line, fp[0]))
				at = ftell(fp[0]);
		fseek(fp[0], at, SEEK_SET);
		fputc('x', fp[0]);
		fflush(fp[0]);
	}
	rewind(fp[0]);
	CHECK(rec_exclusions_read(&whole, fp, 1, "x", &users, &items, &e1) == -1);
	rewind(fp[0]);
	rewind(fp[1]);
	rewind(fp[2]);
	CHECK(rec_exclusions_read(&part, fp, 3, "x", &users, &items, &e2) == -1);
	CHECK(e1.line == 119990);
	CHECK(e2.line == e1.line);
	CHECK(strcmp(e1.msg, e2.msg) == 0 && strcmp(e1.file, e2.file) == 0);
	CHECK(whole.start == NULL && part.start == NULL);
out:
	for (int t = 0; t < 3; t++)
		if (fp[t])
			fclose(fp[t]);
	unlink(path);
	rec_idmap_clear(&users);
	rec_idmap_clear(&items);
}
