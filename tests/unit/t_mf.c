/* t_mf.c - matrix factorisation's gradient: the minibatch objective's
 * against central differences (the planted error caught), and the step
 * of per-rating SGD against that gradient (it moves p_u, q_i, b_u and
 * b_i by -lr times it, and leaves mu). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "rec/mf.h"
#include "rec/params.h"

/* 5 users x 4 items, most pairs rated. */
static struct rec_ratings *
toy(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 5; u++)
		for (int i = 0; i < 4; i++)
			if ((u + i) % 4 != 0)
				CHECK(rec_ratings_push(r, 10 + u, 20 + i,
				                       0.5f + (float)((u * 3 + i * 2) % 10) / 2,
				                       0, (long)r->n + 1, NULL) == 0);
	return r;
}

/* A model with weights large enough that every term carries gradient. */
static struct rec_model *
model(const struct rec_ratings *r, int per_rating, int k)
{
	struct rec_mf_hparams h = REC_MF_DEFAULTS;
	struct rec_model *m;
	struct rec_params *p;

	h.k = k;
	h.reg = 0.05f;
	h.init_sd = 0.5f;
	h.dropout = 0;
	if (per_rating) {
		h.opt = REC_OPT_SGD;
		h.batch = 1;
		h.lr = 0.01f;
	}
	m = rec_mf_make(&h, r, 5, NULL);
	CHECK(m != NULL);
	p = rec_mf_params(m);
	for (size_t j = 0; j < p->n; j++)   /* biases too */
		p->w[j] += 0.3f * (float)((j * 7) % 5) / 5 - 0.1f;
	return m;
}

/* The central differences of the objective on r along every coordinate. */
static double *
numeric(struct rec_model *m, const struct rec_ratings *r)
{
	struct rec_params *p = rec_mf_params(m);
	double *num = malloc(p->n * sizeof *num), up, down;
	const float eps = 1e-2f;

	for (size_t j = 0; j < p->n; j++) {
		float keep = p->w[j];
		p->w[j] = keep + eps;
		CHECK(rec_mf_objective(m, r, &up) == 0);
		p->w[j] = keep - eps;
		CHECK(rec_mf_objective(m, r, &down) == 0);
		p->w[j] = keep;
		num[j] = (up - down) / (2.0 * eps);
	}
	return num;
}

TEST(mf_gradient_matches_finite_differences)
{
	struct rec_ratings *r = toy();

	for (int k = 3; k <= 19; k += 16) {
		struct rec_model *m = model(r, 0, k);
		struct rec_params *p = rec_mf_params(m);
		double loss, *num = numeric(m, r);
		struct grad_cmp c;

		CHECK(rec_mf_objective(m, r, &loss) == 0);
		c = grad_compare(p->g, num, p->n);
		CHECK(c.bad == 0);
		/* and a planted 5% error in one coordinate of Q is caught */
		p->g[p->t[1].off + 4] *= 1.05f;
		c = grad_compare(p->g, num, p->n);
		CHECK(c.bad == 1 && c.worst == p->t[1].off + 4);
		free(num);
		rec_model_free(m);
	}
	rec_ratings_free(r);
}

/* BPR's objective on fixed triples against central differences, and a
 * planted error caught. */
TEST(mf_bpr_gradient_matches_finite_differences)
{
	static const int32_t u[] = { 0, 1, 2, 3, 4, 0, 2 }, i[] = { 1, 2, 3, 0, 1, 3, 0 },
	                     j[] = { 2, 0, 1, 3, 2, 0, 2 };
	struct rec_ratings *r = toy();

	for (int k = 3; k <= 19; k += 16) {
		struct rec_mf_hparams h = REC_MF_DEFAULTS;
		struct rec_model *m;
		struct rec_params *p;
		double loss, up, down, *num;
		const float eps = 1e-2f;
		struct grad_cmp c;

		h.k = k;
		h.reg = 0.05f;
		h.init_sd = 0.5f;
		h.dropout = 0;
		h.loss = REC_LOSS_BPR;
		m = rec_mf_make(&h, r, 5, NULL);
		CHECK(m && m->ranking);
		if (!m)
			continue;
		p = rec_mf_params(m);
		for (size_t t = 0; t < p->n; t++)
			p->w[t] += 0.3f * (float)((t * 7) % 5) / 5 - 0.1f;
		num = malloc(p->n * sizeof *num);
		for (size_t t = 0; t < p->n; t++) {
			float keep = p->w[t];
			p->w[t] = keep + eps;
			rec_mf_bpr_objective(m, u, i, j, 7, &up);
			p->w[t] = keep - eps;
			rec_mf_bpr_objective(m, u, i, j, 7, &down);
			p->w[t] = keep;
			num[t] = (up - down) / (2.0 * eps);
		}
		CHECK(rec_mf_bpr_objective(m, u, i, j, 7, &loss) == 0 && loss > 0);
		c = grad_compare(p->g, num, p->n);
		CHECK(c.bad == 0);
		p->g[p->t[1].off + 2] *= 1.05f;   /* q of item 0 */
		c = grad_compare(p->g, num, p->n);
		CHECK(c.bad == 1 && c.worst == p->t[1].off + 2);
		free(num);
		rec_model_free(m);
	}
	rec_ratings_free(r);
}

/* One epoch of per-rating SGD on one rating is one step: every weight but
 * mu moves by -lr times the objective's gradient on that rating (the
 * checked one, and the numerical one). */
TEST(mf_per_rating_step_follows_the_gradient)
{
	static const int ks[] = { 3, 19, 64 };   /* the tail, the vectors, k = 64's own path */
	struct rec_ratings *one = rec_ratings_new();
	const float lr = 0.01f;   /* model()'s */

	CHECK(rec_ratings_push(one, 12, 21, 4.5f, 0, 1, NULL) == 0);
	for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++) {
		struct rec_model *m = model(one, 1, ks[c]);
		struct rec_params *p = rec_mf_params(m);
		size_t bad = 0, mu = p->t[4].off;
		double loss, *num = numeric(m, one);
		float *w0 = malloc(p->n * sizeof *w0);
		struct rec_rng rng;

		CHECK(rec_mf_objective(m, one, &loss) == 0);
		memcpy(w0, p->w, p->n * sizeof *w0);
		rec_rng_seed(&rng, 1);
		CHECK(m->ops->epoch(m, one, &rng, &loss, NULL) == 0);
		for (size_t j = 0; j < p->n; j++) {
			double step = (double)(p->w[j] - w0[j]) / -lr;
			/* the step is the checked gradient's; that gradient is
			 * the numerical one, where rounding allows (the objective
			 * of k = 64 is good to about 1e-8: 1e-6 at eps 1e-2) */
			if (j != mu && (grad_relerr(step, p->g[j]) > GRAD_TOL ||
			                fabs(p->g[j] - num[j]) > GRAD_TOL *
			                fmax(fabs(p->g[j]) + fabs(num[j]), 1e-3)))
				bad++;
		}
		CHECK(bad == 0);
		CHECK(p->w[mu] == w0[mu]);   /* mu stays at the training mean's logit */
		free(w0);
		free(num);
		rec_model_free(m);
	}
	rec_ratings_free(one);
}

/* A new user folded in from ratings (rec-score --history): for MSE,
 * the user's ratings are predicted better than by the fallback of an
 * unknown user; for BPR, its positives rank above its other items; the
 * users the model knows keep their vectors. */
TEST(mf_fold_in_new_users)
{
	struct rec_ratings *r = toy(), *h = rec_ratings_new();

	/* user 99 rates like user 12 (items 20..23) */
	for (size_t j = 0; j < r->n; j++)
		if (r->users.ids[r->user[j]] == 12)
			CHECK(rec_ratings_push(h, 99, r->items.ids[r->item[j]], r->rating[j],
			                       0, (long)j + 1, NULL) == 0);
	CHECK(rec_ratings_push(h, 99, 77, 5, 0, 99, NULL) == 0);   /* unknown item */
	for (int bpr = 0; bpr <= 1; bpr++) {
		struct rec_mf_hparams hp = REC_MF_DEFAULTS;
		struct rec_train_opts o = { .epochs = 60, .patience = 5, .seed = 2 };
		struct rec_train_result res;
		struct rec_model *m = NULL;
		int64_t users[4], items[4];
		float before[4], after[4], known[4], known_after[4];
		struct rec_unknown unk = { 0 };
		size_t n = 0;

		hp.k = 3;
		hp.lr = 0.05f;
		hp.dropout = 0;
		hp.batch = 4;
		hp.loss = bpr ? REC_LOSS_BPR : REC_LOSS_MSE;
		CHECK(rec_train(&m, rec_mf_make, &hp, r, NULL, &o, &res, NULL) == 0);
		if (!m)
			continue;
		for (size_t j = 0; j < h->n && n < 4; j++) {
			if (h->items.ids[h->item[j]] == 77)
				continue;
			users[n] = 99;
			items[n++] = h->items.ids[h->item[j]];
		}
		rec_model_predict_ids(m, users, items, n, before, &unk);
		for (size_t t = 0; t < n; t++)
			users[t] = 12;
		rec_model_predict_ids(m, users, items, n, known, &unk);
		CHECK(rec_model_set_history(m, h, NULL) == 0);
		CHECK(rec_idmap_find(&m->users, 99) == 5);   /* added after 10..14 */
		rec_model_predict_ids(m, users, items, n, known_after, &unk);
		CHECK(memcmp(known, known_after, n * sizeof *known) == 0);
		for (size_t t = 0; t < n; t++)
			users[t] = 99;
		rec_model_predict_ids(m, users, items, n, after, &unk);
		if (!bpr) {
			/* better than the fallback, and near user 12's own fit */
			double e0 = 0, e1 = 0, e12 = 0;
			for (size_t t = 0; t < n; t++) {
				float y = h->rating[t];
				e0 += (before[t] - y) * (before[t] - y);
				e1 += (after[t] - y) * (after[t] - y);
				e12 += (known[t] - y) * (known[t] - y);
			}
			CHECK(e1 < 0.5 * e0 && e1 < 2 * e12 + 0.05);
		} else {
			/* the mean score of 99's positives above that of its others */
			int32_t u = rec_idmap_find(&m->users, 99);
			float s[4];
			double pos = 0, neg = 0;
			int np = 0, nn = 0;
			CHECK(m->ops->rank_scores(m, &u, 1, s, NULL) == 0);
			for (int i = 0; i < 4; i++) {
				int positive = 0;
				for (size_t j = 0; j < h->n; j++)
					positive |= h->items.ids[h->item[j]] == m->items.ids[i] &&
					            h->rating[j] >= 3.5f;
				if (positive)
					pos += s[i], np++;
				else
					neg += s[i], nn++;
			}
			CHECK(np > 0 && nn > 0 && pos / np > neg / nn);
		}
		rec_model_free(m);
	}
	rec_ratings_free(r);
	rec_ratings_free(h);
}

/* n cells of users < nu and items < ni drawn from r, ratings 0.5 to 5. */
static void
random_cells(struct rec_cell *c, int n, int nu, int ni, struct rec_rng *r)
{
	for (int j = 0; j < n; j++) {
		c[j].user = (int32_t)(rec_rng_next(r) % (uint64_t)nu);
		c[j].item = (int32_t)(rec_rng_next(r) % (uint64_t)ni);
		c[j].rating = 0.5f + 0.5f * (float)(rec_rng_next(r) % 10);
	}
}

/* Per-rating SGD's versions for each instruction set take the same steps
 * on P, Q and the biases, and add up the same objective: AVX-512 the
 * same bits as AVX2 with FMA, the base version (no FMA) within rounding
 * of them.  k = 3 (the tail alone), 19, 40 (vectors and tails) and 64
 * (its own path); cells of 7 users and 5 items, so that rows repeat. */
TEST(mf_per_rating_isas_agree)
{
	static const int ks[] = { 3, 19, 40, 64 };
	static const char *name[] = { "avx512", "avx2", "base" };
	enum { NU = 7, NI = 5, N = 300 };
	struct rec_cell c[N];
	struct rec_rng r;

	rec_rng_seed(&r, 3);
	random_cells(c, N, NU, NI, &r);
	for (size_t kc = 0; kc < sizeof ks / sizeof ks[0]; kc++) {
		const int k = ks[kc];
		const size_t n = (size_t)(NU + NI) * (k + 1);   /* P, Q, bu, bi */
		float *w0 = malloc(n * sizeof *w0), *w[3];
		double loss[3];
		int ran[3];

		for (size_t j = 0; j < n; j++)
			w0[j] = 0.3f * rec_rng_normal(&r);
		for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++) {
			float *x = w[isa] = malloc(n * sizeof *x);

			memcpy(x, w0, n * sizeof *x);
			loss[isa] = 0;
			ran[isa] = rec_mf_sgd_isa(isa, x, x + NU * k, x + (NU + NI) * k,
			                          x + (NU + NI) * k + NU, 0.2f, c, N, k,
			                          0.5f, 0.01f, &loss[isa]) == 0;
			if (!ran[isa] && kc == 0)
				fprintf(stderr, "mf sgd: no %s version in this build or CPU\n",
				        name[isa]);
		}
		CHECK(ran[REC_GEMM_BASE]);
		CHECK(loss[REC_GEMM_BASE] > 0);
		if (ran[REC_GEMM_AVX512] && ran[REC_GEMM_AVX2]) {
			CHECK(memcmp(w[REC_GEMM_AVX512], w[REC_GEMM_AVX2], n * sizeof *w0) == 0);
			CHECK(loss[REC_GEMM_AVX512] == loss[REC_GEMM_AVX2]);
		}
		for (int isa = REC_GEMM_AVX512; isa < REC_GEMM_BASE; isa++) {
			size_t bad = 0;

			if (!ran[isa])
				continue;
			for (size_t j = 0; j < n; j++)
				bad += fabsf(w[isa][j] - w[REC_GEMM_BASE][j]) > 1e-4f;
			CHECK(bad == 0);
			CHECK_NEAR(loss[isa], loss[REC_GEMM_BASE], 1e-6 * loss[REC_GEMM_BASE]);
			/* and it is not the base version under another name */
			CHECK(k < 19 || memcmp(w[isa], w[REC_GEMM_BASE], n * sizeof *w0) != 0);
		}
		for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++)
			free(w[isa]);
		free(w0);
	}
}

/* Per-rating SGD takes neighbouring steps that share no user and no
 * item together: in every version that gives the same bits as one step
 * at a time (one cell a call).  Cells of 40 users and 30 items, so that
 * most neighbours are apart and some share a row; k = 64 (its own path)
 * and 19. */
TEST(mf_per_rating_groups_are_single_steps)
{
	static const int ks[] = { 19, 64 };
	enum { NU = 40, NI = 30, N = 500 };
	struct rec_cell c[N];
	struct rec_rng r;

	rec_rng_seed(&r, 5);
	random_cells(c, N, NU, NI, &r);
	for (size_t kc = 0; kc < sizeof ks / sizeof ks[0]; kc++) {
		const int k = ks[kc];
		const size_t n = (size_t)(NU + NI) * (k + 1);   /* P, Q, bu, bi */
		float *w0 = malloc(n * sizeof *w0), *all = malloc(n * sizeof *all),
		      *one = malloc(n * sizeof *one);

		for (size_t j = 0; j < n; j++)
			w0[j] = 0.3f * rec_rng_normal(&r);
		for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++) {
			double loss_all = 0, loss_one = 0;
			int ran;

			memcpy(all, w0, n * sizeof *all);
			memcpy(one, w0, n * sizeof *one);
			ran = rec_mf_sgd_isa(isa, all, all + NU * k, all + (NU + NI) * k,
			                     all + (NU + NI) * k + NU, 0.2f, c, N, k, 0.5f,
			                     0.01f, &loss_all) == 0;
			if (!ran)
				continue;
			for (int j = 0; j < N; j++)
				CHECK(rec_mf_sgd_isa(isa, one, one + NU * k,
				                     one + (NU + NI) * k,
				                     one + (NU + NI) * k + NU, 0.2f, c + j, 1, k,
				                     0.5f, 0.01f, &loss_one) == 0);
			CHECK(memcmp(all, one, n * sizeof *all) == 0);
			CHECK(loss_all == loss_one);
		}
		free(w0);
		free(all);
		free(one);
	}
}

/* The step's sigmoid, in every version, is within 1e-7 of 1 / (1 + e^-z)
 * (in double) on [-20, 20] and beyond, and 0 and 1 are its limits. */
TEST(mf_per_rating_sigmoid_error)
{
	for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++) {
		double worst = 0;
		float s;

		if (rec_mf_sgd_sigmoid(isa, 0, &s) != 0)
			continue;
		for (int j = -400000; j <= 400000; j++) {
			float z = (float)j * 5e-5f;

			CHECK(rec_mf_sgd_sigmoid(isa, z, &s) == 0);
			worst = fmax(worst, fabs(s - 1 / (1 + exp(-(double)z))));
		}
		CHECK(worst <= 1e-7);
		CHECK(rec_mf_sgd_sigmoid(isa, 1e30f, &s) == 0 && s == 1);
		CHECK(rec_mf_sgd_sigmoid(isa, -1e30f, &s) == 0 && s >= 0 && s < 1e-37f);
		CHECK(rec_mf_sgd_sigmoid(isa, 0, &s) == 0 && s == 0.5f);
	}
}
