/* t_recommend.c - top-K lists of a model with exclusions (recommend.h),
 * against a brute-force ranking, on a model whose scores are a table. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/recommend.h"

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
