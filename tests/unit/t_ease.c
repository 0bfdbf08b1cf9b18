/* t_ease.c - EASE (ease.h): B against the closed form computed here in
 * double, the items kept, the scores (weights, recency, the popularity
 * fallback), new users' histories, and the errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/ease.h"

/* 6 users x 5 items (ids 10..14), ratings 1..5, times in a known order:
 * user u's k-th row at time 100 u + (7 k) % 5. */
static struct rec_ratings *
toy(int reversed)
{
	static const float r[6][5] = {
		{ 5, 4, 0, 1, 3 }, { 4, 0, 5, 4, 0 }, { 0, 5, 4, 0, 4 },
		{ 2, 4, 4, 5, 0 }, { 5, 0, 0, 4, 5 }, { 4, 4, 0, 0, 2 },
	};
	struct rec_ratings *t = rec_ratings_new();

	for (int n = 0; n < 30; n++) {
		int j = reversed ? 29 - n : n, u = j / 5, i = j % 5;
		if (r[u][i] > 0)
			CHECK(rec_ratings_push(t, 100 + u, 10 + i, r[u][i],
			                       100 * u + (7 * i) % 5, n + 1, NULL) == 0);
	}
	return t;
}

/* The model's file, and its tensor name. */
static const float *
tensor_of(const struct rec_model *m, const char *name, char **buf,
          struct rec_st **st)
{
	size_t len;
	FILE *fp = open_memstream(buf, &len);
	const struct rec_tensor *t;

	CHECK(rec_model_save(m, fp, "e.st", NULL, NULL, 0, NULL) == 0);
	fclose(fp);
	CHECK(rec_st_load_mem(st, *buf, len, "e.st", NULL) == 0);
	t = *st ? rec_st_find(*st, name) : NULL;
	return t ? t->data : NULL;
}

/* B by the closed form in double: P = (X^T X + lambda I)^-1 by
 * Gauss-Jordan, B_ij = -P_ij / P_jj, B_jj = 0.  X (nu, ni). */
static void
closed_form(const double *X, int nu, int ni, double lambda, double *B)
{
	double *A = calloc((size_t)ni * 2 * ni, sizeof *A);

	for (int i = 0; i < ni; i++) {
		for (int j = 0; j < ni; j++) {
			double g = 0;
			for (int u = 0; u < nu; u++)
				g += X[u * ni + i] * X[u * ni + j];
			A[i * 2 * ni + j] = g + (i == j ? lambda : 0);
		}
		A[i * 2 * ni + ni + i] = 1;
	}
	for (int c = 0; c < ni; c++) {   /* SPD: no pivoting needed */
		double p = A[c * 2 * ni + c];
		for (int j = 0; j < 2 * ni; j++)
			A[c * 2 * ni + j] /= p;
		for (int i = 0; i < ni; i++) {
			double f = A[i * 2 * ni + c];
			if (i == c)
				continue;
			for (int j = 0; j < 2 * ni; j++)
				A[i * 2 * ni + j] -= f * A[c * 2 * ni + j];
		}
	}
	for (int i = 0; i < ni; i++)
		for (int j = 0; j < ni; j++)
			B[i * ni + j] = i == j ? 0 : -A[i * 2 * ni + ni + j] /
			                             A[j * 2 * ni + ni + j];
	free(A);
}

TEST(ease_b_is_the_closed_form)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_model *m, *m3 = NULL;
	struct rec_st *st = NULL, *st3 = NULL;
	char *buf = NULL, *buf3 = NULL;
	double X[6 * 5] = { 0 }, B[25];
	const float *b, *b3;

	h.lambda = 2;
	h.weak = 0.5f;
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && m->ranking && m->items.n == 5 && m->users.n == 6);
	if (!m)
		goto out;
	for (size_t j = 0; j < r->n; j++)
		X[r->user[j] * 5 + (r->items.ids[r->item[j]] - 10)] =
			r->rating[j] >= 3.5f ? 1 : 0.5;
	closed_form(X, 6, 5, 2, B);
	b = tensor_of(m, "B", &buf, &st);
	for (int j = 0; b && j < 25; j++)
		CHECK(fabs(b[j] - B[j]) <= 1e-5 * (1 + fabs(B[j])));
	for (int i = 0; b && i < 5; i++)
		CHECK(b[i * 5 + i] == 0);
	/* X^T X summed on 3 threads: each entry in the same order, the same
	 * bits (x = 0.5 makes them no whole counts) */
	h.threads = 3;
	m3 = rec_ease_make(&h, r, 0, NULL);
	CHECK(m3 != NULL);
	b3 = m3 ? tensor_of(m3, "B", &buf3, &st3) : NULL;
	CHECK(b && b3 && memcmp(b, b3, 25 * sizeof *b) == 0);
out:
	rec_st_free(st);
	rec_st_free(st3);
	free(buf);
	free(buf3);
	rec_model_free(m);
	rec_model_free(m3);
	rec_ratings_free(r);
}

/* x (A | C) = (A^-1 C) in place by Gauss-Jordan, A (n, n) symmetric
 * positive definite, C (n, n): the n x 2n rows of M. */
static void
solve_direct(double *M, int n)
{
	for (int c = 0; c < n; c++) {
		double p = M[c * 2 * n + c];
		for (int j = 0; j < 2 * n; j++)
			M[c * 2 * n + j] /= p;
		for (int i = 0; i < n; i++) {
			double f = M[i * 2 * n + c];
			if (i == c)
				continue;
			for (int j = 0; j < 2 * n; j++)
				M[i * 2 * n + j] -= f * M[c * 2 * n + j];
		}
	}
}

/* The sequential part: T against (S^T S + seq_lambda I)^-1 S^T Y with S
 * and Y built row by row here (each user's prefixes and next items), and
 * the scores of a user: x B plus seq_weight seq_decay^k x T. */
TEST(ease_seq_t_is_the_closed_form)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_model *m;
	struct rec_st *st = NULL;
	char *buf = NULL;
	double S[30 * 5] = { 0 }, Y[30 * 5] = { 0 }, M[5 * 10] = { 0 };
	double hx[6][5];
	int hi[6][5], hn[6] = { 0 }, rows = 0;
	const float *B, *T;
	float s[5];
	int32_t u0 = 0;

	h.lambda = 2;
	h.weak = 0.5f;
	h.seq_weight = 2;
	h.seq_decay = 0.5f;
	h.seq_lambda = 0.7f;
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && m->items.n == 5);
	if (!m)
		goto out;
	/* histories in time order: user u's item i is at time (7 i) % 5, so
	 * the items come as 0, 3, 1, 4, 2 */
	for (int k = 0; k < 5; k++)
		for (size_t j = 0; j < r->n; j++) {
			int u = r->user[j], i = (int)r->items.ids[r->item[j]] - 10;
			if (i == (int[]){ 0, 3, 1, 4, 2 }[k]) {
				hi[u][hn[u]] = i;
				hx[u][hn[u]++] = r->rating[j] >= 3.5f ? 1 : 0.5;
			}
		}
	for (int u = 0; u < 6; u++)
		for (int t = 1; t < hn[u]; t++, rows++) {
			for (int p = 0; p < t; p++)
				S[rows * 5 + hi[u][p]] += pow(0.5, t - 1 - p) * hx[u][p];
			Y[rows * 5 + hi[u][t]] = hx[u][t];
		}
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++) {
			for (int t = 0; t < rows; t++) {
				M[i * 10 + j] += S[t * 5 + i] * S[t * 5 + j];
				M[i * 10 + 5 + j] += S[t * 5 + i] * Y[t * 5 + j];
			}
			M[i * 10 + j] += i == j ? 0.7 : 0;
		}
	solve_direct(M, 5);
	B = tensor_of(m, "B", &buf, &st);
	T = st ? rec_st_find(st, "T")->data : NULL;
	CHECK(B && T);
	if (!B || !T)
		goto out;
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 5; j++)
			CHECK(fabs(T[i * 5 + j] - M[i * 10 + 5 + j]) <=
			      1e-5 * (1 + fabs(M[i * 10 + 5 + j])));
	CHECK(m->ops->rank_scores(m, &u0, 1, s, NULL) == 0);
	for (int j = 0; j < 5; j++) {
		double want = 0;
		for (int k = 0; k < hn[0]; k++)
			want += hx[0][k] * (B[hi[0][k] * 5 + j] +
			                    2 * pow(0.5, hn[0] - 1 - k) * T[hi[0][k] * 5 + j]);
		CHECK(fabs(s[j] - want) <= 1e-5 * (1 + fabs(want)));
	}
out:
	rec_st_free(st);
	free(buf);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* A model without the sequential part has no T; its file is read back
 * with one, and a T in a model of seq_weight 0 is refused. */
TEST(ease_seq_file)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_model *m = rec_ease_make(&h, r, 0, NULL), *back = NULL;
	struct rec_st *st = NULL;
	char *buf = NULL;
	struct rec_err err = { 0 };

	CHECK(m && tensor_of(m, "B", &buf, &st) && !rec_st_find(st, "T"));
	CHECK(st && !rec_st_meta(st, "seq_weight"));
	rec_st_free(st);
	free(buf);
	rec_model_free(m);
	h.seq_weight = 1;
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && tensor_of(m, "T", &buf, &st) != NULL);
	CHECK(st && strcmp(rec_st_meta(st, "seq_weight"), "1") == 0);
	CHECK(st && rec_ease_load(&back, st, &err) == 0 && back);
	rec_model_free(back);
	back = NULL;
	if (st)   /* the same file, said to have no sequential part */
		for (size_t j = 0; j < st->nmeta; j++)
			if (strcmp(st->meta_key[j], "seq_weight") == 0)
				strcpy(st->meta_val[j], "0");
	CHECK(st && rec_ease_load(&back, st, &err) == -1 && !back);
	CHECK(strstr(err.msg, "unexpected tensor 'T'") != NULL);
	rec_st_free(st);
	free(buf);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* B fitted again with another lambda is B of a fit with that lambda;
 * T stays. */
TEST(ease_set_lambda)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_model *m, *fresh;
	struct rec_st *sm = NULL, *sf = NULL;
	char *bm = NULL, *bf = NULL;
	const float *Bm, *Bf;

	h.lambda = 2;
	h.seq_weight = 1;
	m = rec_ease_make(&h, r, 0, NULL);
	h.lambda = 7;
	fresh = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && fresh && rec_ease_set_lambda(m, 7, NULL) == 0);
	Bm = m ? tensor_of(m, "B", &bm, &sm) : NULL;
	Bf = fresh ? tensor_of(fresh, "B", &bf, &sf) : NULL;
	CHECK(Bm && Bf && memcmp(Bm, Bf, 25 * sizeof *Bm) == 0);
	CHECK(sm && sf && memcmp(rec_st_find(sm, "T")->data, rec_st_find(sf, "T")->data,
	                         25 * sizeof(float)) == 0);
	CHECK(sm && strcmp(rec_st_meta(sm, "lambda"), "7") == 0);
	rec_st_free(sm);
	rec_st_free(sf);
	free(bm);
	free(bf);
	rec_model_free(m);
	rec_model_free(fresh);
	rec_ratings_free(r);
}

TEST(ease_input_order_changes_nothing)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *a = toy(0), *b = toy(1);
	struct rec_model *ma = rec_ease_make(&h, a, 0, NULL), *mb = rec_ease_make(&h, b, 0, NULL);
	struct rec_st *sa = NULL, *sb = NULL;
	char *ba = NULL, *bb = NULL;
	const float *Ba = tensor_of(ma, "B", &ba, &sa), *Bb = tensor_of(mb, "B", &bb, &sb);

	CHECK(Ba && Bb && memcmp(Ba, Bb, ma->items.n * ma->items.n * sizeof *Ba) == 0);
	rec_st_free(sa);
	rec_st_free(sb);
	free(ba);
	free(bb);
	rec_model_free(ma);
	rec_model_free(mb);
	rec_ratings_free(a);
	rec_ratings_free(b);
}

/* Items: those with an interaction, the most interacted with first when
 * max_items cuts, ties by the smaller id; in the map by id. */
TEST(ease_items_kept)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_model *m;

	/* interactions (>= 3.5): 10: 4, 11: 4, 12: 3, 13: 3, 14: 2 */
	h.max_items = 3;
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && m->items.n == 3 && m->items.ids[0] == 10 && m->items.ids[1] == 11 &&
	      m->items.ids[2] == 12);
	rec_model_free(m);
	h.max_items = 0;
	h.positive = 5;   /* 5 stars only: 10, 11, 12, 13, 14 each once or more */
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m && m->items.n == 5);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* Scores: user 0 (items 10 and 11 from 3.5 stars, at times 0 and 2)
 * with recency 0.5 weighs 11 by 1 and 10 by 0.5; an unknown user, and a
 * user with no interaction, get the popularity. */
TEST(ease_scores)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0), *hist = rec_ratings_new();
	struct rec_model *m;
	struct rec_st *st = NULL;
	char *buf = NULL;
	const float *B, *pop;
	float s[5], want[5];
	int32_t u0 = 0, unknown = -1, newu;

	h.lambda = 3;
	h.recency = 0.5f;
	m = rec_ease_make(&h, r, 0, NULL);
	CHECK(m != NULL);
	if (!m)
		goto out;
	B = tensor_of(m, "B", &buf, &st);
	pop = st ? rec_st_find(st, "item_pop")->data : NULL;
	CHECK(B && pop);
	if (!B || !pop)
		goto out;
	CHECK(pop[0] == 4 && pop[1] == 4 && pop[2] == 3 && pop[3] == 3 && pop[4] == 2);
	CHECK(m->ops->rank_scores(m, &u0, 1, s, NULL) == 0);
	for (int i = 0; i < 5; i++)
		want[i] = 0.5f * B[0 * 5 + i] + 1.0f * B[1 * 5 + i];
	for (int i = 0; i < 5; i++)
		CHECK(fabsf(s[i] - want[i]) <= 1e-6f);
	CHECK(m->ops->rank_scores(m, &unknown, 1, s, NULL) == 0);
	CHECK(memcmp(s, pop, sizeof s) == 0);
	/* a history: user 100 keeps nothing of its own (none in hist); user
	 * 777, new, has 12 (5 stars) and 13 (2 stars: no interaction) */
	CHECK(rec_ratings_push(hist, 777, 12, 5, 50, 1, NULL) == 0 &&
	      rec_ratings_push(hist, 777, 13, 2, 60, 2, NULL) == 0 &&
	      rec_ratings_push(hist, 777, 99, 5, 70, 3, NULL) == 0);
	CHECK(rec_model_set_history(m, hist, NULL) == 0);
	newu = rec_idmap_find(&m->users, 777);
	CHECK(newu == 6);
	CHECK(m->ops->rank_scores(m, &newu, 1, s, NULL) == 0);
	CHECK(memcmp(s, B + 2 * 5, sizeof s) == 0);
	CHECK(m->ops->rank_scores(m, &u0, 1, s, NULL) == 0);
	CHECK(memcmp(s, pop, sizeof s) == 0);
out:
	rec_st_free(st);
	free(buf);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(hist);
}

TEST(ease_errors)
{
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	struct rec_ratings *r = toy(0);
	struct rec_err err = { 0 };
	struct rec_model *m;

	h.positive = 5.5f;   /* above every rating: no interaction */
	CHECK(rec_ease_make(&h, r, 0, &err) == NULL);
	CHECK(strcmp(err.msg, "no interactions (ratings of at least 5.5 stars)") == 0);
	h.positive = 3.5f;
	h.mem_limit = 50;    /* 5 x 5 x 4 = 100 bytes */
	CHECK(rec_ease_make(&h, r, 0, &err) == NULL);
	CHECK(strcmp(err.msg, "an EASE model of 5 items needs 0 MB, over the limit "
	             "of 0 MB: keep fewer items with --max-items") == 0);
	/* 100 bytes fit in 250; with the sequential part B, T and the fit's
	 * third array take 300 */
	h.mem_limit = 250;
	m = rec_ease_make(&h, r, 0, &err);
	CHECK(m != NULL);
	rec_model_free(m);
	h.seq_weight = 1;
	CHECK(rec_ease_make(&h, r, 0, &err) == NULL);
	CHECK(strstr(err.msg, "keep fewer items with --max-items") != NULL);
	rec_ratings_free(r);
}
