/* t_lstmrec.c - the LSTM recommender: the whole training objective's
 * gradient against finite differences (the planted error caught), the
 * prediction reads the order of the history, histories as of a time,
 * the biases start at the bias-only model, the learning rate falls each
 * epoch, and every allocation failure, of the histories' paths too, is
 * an "out of memory" (what every model promises is t_models.c's). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/lstmrec.h"
#include "rec/params.h"

/* 12 users x 9 items, each user's ratings at distinct times. */
static struct rec_ratings *
toy(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 12; u++)
		for (int i = 0; i < 9; i++)
			if ((u + 2 * i) % 3 != 0)
				rec_ratings_push(r, 100 + u, 200 + i,
				                 (float)(1 + ((u * i) % 9) / 2),
				                 1000 + ((u + 5 * i) % 9) * 10, (long)r->n + 1,
				                 NULL);
	return r;
}

static struct rec_lstmrec_hparams
small(void)
{
	struct rec_lstmrec_hparams h = REC_LSTMREC_DEFAULTS;

	h.k = 3;
	h.hidden = 4;
	h.seq_len = 3;
	h.chunk = 2;
	h.nmlp = 2;
	h.mlp[0] = 5;
	h.mlp[1] = 4;
	h.batch = 8;
	h.init_sd = 0.5f;   /* large enough that every path carries gradient */
	h.reg = 0.01f;
	h.truncate = 0;     /* the exact gradient of the objective */
	return h;
}

/* The objective's central difference along coordinate j at step eps. */
static double
numeric(struct rec_model *m, size_t first, size_t n, size_t j, float eps)
{
	struct rec_params *p = rec_lstmrec_params(m);
	float keep = p->w[j];
	double up, down;

	p->w[j] = keep + eps;
	rec_lstmrec_objective(m, first, n, &up);
	p->w[j] = keep - eps;
	rec_lstmrec_objective(m, first, n, &down);
	p->w[j] = keep;
	return (up - down) / (2.0 * eps);
}

static int
close_enough(double a, double b)
{
	double scale = fabs(a) + fabs(b);

	return fabs(a - b) <= 1e-2 * (scale > 1e-3 ? scale : 1e-3);
}

/* Compare the analytic gradient of every parameter with central
 * differences over chunks [first, first + n) (with the analytic
 * coordinate tamper off by 5%, when not negative) at the steps 2.5e-3
 * and 6.25e-4.  A ReLU kink within a step of a coordinate, or float32
 * noise on a tiny derivative, makes the two disagree: when the analytic
 * value matches neither, such a coordinate is counted in *rough, not as
 * an error.  Returns the number of smooth coordinates that disagree. */
static int
gradcheck(struct rec_model *m, size_t first, size_t n, int *rough, long tamper)
{
	struct rec_params *p = rec_lstmrec_params(m);
	float *analytic = malloc(p->n * sizeof *analytic);
	double loss;
	int bad = 0;

	*rough = 0;
	CHECK(rec_lstmrec_objective(m, first, n, &loss) == 0);
	memcpy(analytic, p->g, p->n * sizeof *analytic);
	if (tamper >= 0)
		analytic[tamper] *= 1.05f;
	for (size_t j = 0; j < p->n; j++) {
		double n2 = numeric(m, first, n, j, 2.5e-3f);
		double n3 = numeric(m, first, n, j, 6.25e-4f);
		if (close_enough(analytic[j], n2) || close_enough(analytic[j], n3))
			continue;
		if (!close_enough(n2, n3))
			++*rough;
		else
			bad++;
	}
	free(analytic);
	return bad;
}

/* The coordinate of tensor t of m with the largest gradient on chunks
 * [0, n). */
static long
largest(struct rec_model *m, int t, size_t n)
{
	struct rec_params *p = rec_lstmrec_params(m);
	size_t best = p->t[t].off;
	double loss;

	CHECK(rec_lstmrec_objective(m, 0, n, &loss) == 0);
	for (size_t j = p->t[t].off; j < p->t[t].off + p->t[t].n; j++)
		if (fabsf(p->g[j]) > fabsf(p->g[best]))
			best = j;
	return (long)best;
}

/* A model of the toy whose LSTM matters: the head's weights tripled, so
 * that the gradients of the LSTM's weights are well above float noise. */
static struct rec_model *
for_gradcheck(const struct rec_ratings *r, uint64_t seed)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_model *m = rec_lstmrec_make(&h, r, seed, NULL);
	struct rec_params *p = rec_lstmrec_params(m);

	for (int t = 0; t < p->nt; t++)
		if (strncmp(p->t[t].name, "mlp.", 4) == 0 || strcmp(p->t[t].name, "out.w") == 0)
			for (size_t j = p->t[t].off; j < p->t[t].off + p->t[t].n; j++)
				p->w[j] *= 3.0f;
	return m;
}

TEST(lstmrec_gradient_matches_finite_differences)
{
	struct rec_ratings *r = toy();
	struct rec_model *m = for_gradcheck(r, 3);
	int rough;

	CHECK(m != NULL);
	if (m) {
		size_t nc = rec_lstmrec_chunks(m);
		/* 12 users of 6 ratings in chunks of 2: 36 chunks; the first
		 * batch mixes chunks with no history, a short one and a full one
		 * (left padding), the last batch the users' last chunks */
		CHECK(nc == 36);
		CHECK(gradcheck(m, 0, 8, &rough, -1) == 0);
		CHECK(rough * 10 < (int)rec_lstmrec_params(m)->n);
		CHECK(gradcheck(m, nc - 8, 8, &rough, -1) == 0);
		CHECK(rough * 10 < (int)rec_lstmrec_params(m)->n);
	}
	rec_model_free(m);
	rec_ratings_free(r);
}

TEST(lstmrec_gradcheck_can_fail)
{
	struct rec_ratings *r = toy();
	struct rec_model *m = for_gradcheck(r, 3);
	struct rec_params *p = rec_lstmrec_params(m);
	int rough;

	/* one coordinate of the LSTM's recurrent weights, off by 5% */
	CHECK(strcmp(p->t[5].name, "lstm.wh") == 0);
	CHECK(gradcheck(m, 0, 8, &rough, largest(m, 5, 8)) == 1);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* The ranking model (BPR) of the toy, with 2 negatives a positive (the
 * toy's ratings of 3 stars and up), its query weights tripled. */
static struct rec_model *
ranking_for_gradcheck(const struct rec_ratings *r, uint64_t seed)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_model *m;
	struct rec_params *p;

	h.loss = REC_LOSS_BPR;
	h.positive = 3;
	h.negatives = 2;
	m = rec_lstmrec_make(&h, r, seed, NULL);
	p = rec_lstmrec_params(m);
	for (int t = 0; t < p->nt; t++)
		if (strcmp(p->t[t].name, "query.w") == 0)
			for (size_t j = p->t[t].off; j < p->t[t].off + p->t[t].n; j++)
				p->w[j] *= 3.0f;
	return m;
}

TEST(lstmrec_bpr_gradient_matches_finite_differences)
{
	struct rec_ratings *r = toy();
	struct rec_model *m = ranking_for_gradcheck(r, 3);
	struct rec_params *p;
	size_t nc;
	double loss;
	int rough;

	CHECK(m != NULL && m->ranking);
	if (!m) {
		rec_ratings_free(r);
		return;
	}
	p = rec_lstmrec_params(m);
	nc = rec_lstmrec_chunks(m);
	/* no MLP, no global bias: the query in their place */
	for (int t = 0; t < p->nt; t++)
		CHECK(strncmp(p->t[t].name, "mlp.", 4) != 0 &&
		      strcmp(p->t[t].name, "global_bias") != 0);
	CHECK(strcmp(p->t[p->nt - 2].name, "query.w") == 0);
	/* the toy's chunks without a rating of 3 stars or more are left out */
	CHECK(nc > 8 && nc < 36);
	CHECK(rec_lstmrec_objective(m, 0, 8, &loss) == 0 && loss > 0);
	CHECK(gradcheck(m, 0, 8, &rough, -1) == 0);
	CHECK(rough * 10 < (int)p->n);
	CHECK(gradcheck(m, nc - 8, 8, &rough, -1) == 0);
	CHECK(rough * 10 < (int)p->n);
	/* and it can fail: a coordinate of the query's weights off by 5% */
	CHECK(gradcheck(m, 0, 8, &rough, largest(m, p->nt - 2, 8)) == 1);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* A ranking model's scores of every item (rank_scores) are its
 * predictions, user by user, unknown users included, and a ranking
 * model refuses nothing of the rest: set_history and predict_at. */
TEST(lstmrec_bpr_rank_scores_are_its_predictions)
{
	struct rec_ratings *r = toy();
	struct rec_model *m = ranking_for_gradcheck(r, 1);
	int32_t user[3] = { 0, 5, -1 };
	float all[3 * 9], one[9];
	struct rec_err err = { 0 };

	CHECK(m->ops->rank_scores(m, user, 3, all, &err) == 0);
	for (int j = 0; j < 3; j++) {
		int32_t us[9], it[9];
		for (int i = 0; i < 9; i++) {
			us[i] = user[j];
			it[i] = i;
		}
		m->ops->predict(m, us, it, 9, one);
		for (int i = 0; i < 9; i++)
			CHECK(fabsf(all[j * 9 + i] - one[i]) < 1e-5f);
	}
	/* the users' scores differ: the history and the user count */
	CHECK(all[0] != all[9]);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* The toy's ratings of user 100 with their times reversed or shifted. */
static struct rec_ratings *
history_of_100(const struct rec_ratings *r, int reverse, int64_t shift)
{
	struct rec_ratings *h = rec_ratings_new();

	for (size_t j = 0; j < r->n; j++)
		if (r->users.ids[r->user[j]] == 100)
			rec_ratings_push(h, 100, r->items.ids[r->item[j]], r->rating[j],
			                 (reverse ? 5000 - r->ts[j] : r->ts[j]) + shift,
			                 (long)h->n + 1, NULL);
	return h;
}

/* A history adds the users the model does not know: a state of their
 * own, no embedding, no bias.  So user 999 given user 100's ratings
 * scores every item as user 100 does once user 100's embedding and bias
 * are zeroed; before, it had the fallback of an unknown user.  For the
 * rating model and the ranking model. */
TEST(lstmrec_history_adds_new_users)
{
	struct rec_ratings *r = toy();
	struct rec_ratings *h = history_of_100(r, 0, 0);

	for (size_t j = 0; j < h->n; j++)
		h->users.ids[h->user[j]] = 999;
	h->users.ids[0] = 999;
	for (int ranking = 0; ranking < 2; ranking++) {
		struct rec_model *m = ranking ? ranking_for_gradcheck(r, 1) : for_gradcheck(r, 1);
		struct rec_params *p = rec_lstmrec_params(m);
		int64_t items[9], u100[9], u999[9];
		float before[9], none[9], a[9], b[9];
		struct rec_unknown unk = { 0 };
		struct rec_err err = { 0 };
		char *buf = NULL;
		size_t len = 0;
		FILE *fp;

		for (int i = 0; i < 9; i++) {
			items[i] = 200 + i;
			u100[i] = 100;
			u999[i] = 999;
		}
		rec_model_predict_ids(m, u999, items, 9, before, &unk);
		CHECK(unk.users == 9);
		CHECK(rec_model_set_history(m, h, &err) == 0);
		CHECK(rec_idmap_find(&m->users, 999) >= 0);
		unk.users = 0;
		rec_model_predict_ids(m, u999, items, 9, a, &unk);
		CHECK(unk.users == 0);
		/* user 100's own history is gone (not in h): user 100 now has
		 * the empty history, 999 user 100's */
		for (int t = 0; t < p->nt; t++)
			if (strcmp(p->t[t].name, "user.emb") == 0 ||
			    strcmp(p->t[t].name, "user_bias") == 0)
				memset(p->w + p->t[t].off, 0, (size_t)p->t[t].cols * sizeof(float));
		CHECK(rec_idmap_find(&m->users, 100) == 0);
		rec_model_predict_ids(m, u100, items, 9, none, &unk);
		for (int i = 0; i < 9; i++)
			CHECK(none[i] == before[i]);
		struct rec_ratings *both = rec_ratings_new();
		for (size_t j = 0; j < h->n; j++) {
			rec_ratings_push(both, 100, h->items.ids[h->item[j]], h->rating[j],
			                 h->ts[j], (long)both->n + 1, NULL);
			rec_ratings_push(both, 999, h->items.ids[h->item[j]], h->rating[j],
			                 h->ts[j], (long)both->n + 1, NULL);
		}
		CHECK(rec_model_set_history(m, both, &err) == 0);
		rec_model_predict_ids(m, u100, items, 9, b, &unk);
		rec_model_predict_ids(m, u999, items, 9, a, &unk);
		/* (the ReLUs of the rating model's head block the state for
		 * some items; the ranking model's dot products for none) */
		int moved = 0;
		for (int i = 0; i < 9; i++) {
			CHECK(a[i] == b[i]);
			moved += a[i] != before[i];
		}
		CHECK(moved == 9 || (!ranking && moved >= 5));
		/* such a model is for scoring only */
		fp = open_memstream(&buf, &len);
		CHECK(rec_model_save(m, fp, "l.st", NULL, NULL, 0, &err) == -1);
		CHECK(strstr(err.msg, "not saved") != NULL);
		fclose(fp);
		free(buf);
		rec_ratings_free(both);
		rec_model_free(m);
	}
	rec_ratings_free(r);
	rec_ratings_free(h);
}

/* The toy's ratings of user `of` as those of user `as` (then another
 * user's, when `and` is not 0, as user `and_as`). */
static struct rec_ratings *
ratings_as(const struct rec_ratings *r, int64_t of, int64_t as, int64_t and,
           int64_t and_as)
{
	struct rec_ratings *h = rec_ratings_new();

	for (size_t j = 0; j < r->n; j++) {
		int64_t u = r->users.ids[r->user[j]];
		if (u == of || (and != 0 && u == and))
			rec_ratings_push(h, u == of ? as : and_as, r->items.ids[r->item[j]],
			                 r->rating[j], r->ts[j], (long)h->n + 1, NULL);
	}
	return h;
}

/* The fold-in objective's central difference along coordinate c. */
static double
fold_numeric(struct rec_model *m, int32_t u, float *U, int c, float eps)
{
	float keep = U[c], g[3];
	double up, down;

	U[c] = keep + eps;
	rec_lstmrec_fold_objective(m, u, U, g, &up);
	U[c] = keep - eps;
	rec_lstmrec_fold_objective(m, u, U, g, &down);
	U[c] = keep;
	return (up - down) / (2.0 * eps);
}

/* A ranking model's new user (user 105's ratings as user 999's): the
 * gradient of the fold-in objective against central differences, at
 * zero and at a point away from it, and a coordinate off by 5% caught. */
TEST(lstmrec_bpr_fold_in_gradient_matches_finite_differences)
{
	struct rec_ratings *r = toy(), *h = ratings_as(r, 105, 999, 0, 0);
	struct rec_model *m = ranking_for_gradcheck(r, 3);
	struct rec_err err = { 0 };
	float at[2][3] = { { 0, 0, 0 }, { 0.4f, -0.7f, 0.2f } }, g[3];
	double loss;
	int32_t u;

	CHECK(rec_model_set_history(m, h, &err) == 0);
	u = rec_idmap_find(&m->users, 999);
	CHECK(u == 12);
	for (int p = 0; p < 2; p++) {
		int worst = 0;
		CHECK(rec_lstmrec_fold_objective(m, u, at[p], g, &loss) == 0 && loss > 0);
		for (int c = 0; c < 3; c++) {
			CHECK(close_enough(g[c], fold_numeric(m, u, at[p], c, 1e-3f)));
			worst = fabsf(g[c]) > fabsf(g[worst]) ? c : worst;
		}
		CHECK(!close_enough(1.05 * g[worst], fold_numeric(m, u, at[p], worst, 1e-3f)));
	}
	/* a rating model has no fold-in */
	struct rec_model *mse = for_gradcheck(r, 3);
	CHECK(rec_model_set_history(mse, h, &err) == 0);
	CHECK(rec_lstmrec_fold_objective(mse, 12, at[0], g, &loss) == -1);
	CHECK(rec_lstmrec_user_emb(mse, 12) == NULL);
	rec_model_free(mse);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(h);
}

/* The fold-in lowers its objective from the zero embedding and ranks
 * the new user's positives above the user's other items; the trained
 * users keep their embeddings. */
TEST(lstmrec_bpr_fold_in_fits_the_new_user)
{
	struct rec_ratings *r = toy(), *h = ratings_as(r, 105, 999, 101, 101);
	struct rec_model *m = ranking_for_gradcheck(r, 3);
	struct rec_err err = { 0 };
	float zero[3] = { 0, 0, 0 }, U[3], g[3], s[9], pos = 0, neg = 0;
	float u101[3];
	double at0, atU;
	int32_t u, npos = 0;

	memcpy(u101, rec_lstmrec_user_emb(m, 1), sizeof u101);
	CHECK(rec_model_set_history(m, h, &err) == 0);
	u = rec_idmap_find(&m->users, 999);
	CHECK(memcmp(u101, rec_lstmrec_user_emb(m, 1), sizeof u101) == 0);
	CHECK(rec_lstmrec_user_emb(m, u) != NULL);
	memcpy(U, rec_lstmrec_user_emb(m, u), sizeof U);
	CHECK(U[0] != 0 && U[1] != 0 && U[2] != 0);
	CHECK(rec_lstmrec_fold_objective(m, u, zero, g, &at0) == 0);
	CHECK(rec_lstmrec_fold_objective(m, u, U, g, &atU) == 0);
	CHECK(atU < 0.5 * at0);
	/* user 105's positives (3 stars and up): items 201, 203, 207 */
	CHECK(m->ops->rank_scores(m, &u, 1, s, &err) == 0);
	for (int i = 0; i < 9; i++) {
		int64_t id = m->items.ids[i];
		int is_pos = id == 201 || id == 203 || id == 207;
		*(is_pos ? &pos : &neg) += s[i];
		npos += is_pos;
	}
	CHECK(npos == 3);
	CHECK(pos / 3 > neg / 6);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(h);
}

/* A new user's embedding is the same bytes whatever the other users of
 * the history and the threads: its negatives come from its own id. */
TEST(lstmrec_bpr_fold_in_is_the_users_own)
{
	struct rec_ratings *r = toy();
	struct rec_ratings *alone = ratings_as(r, 105, 999, 0, 0);
	struct rec_ratings *two = ratings_as(r, 107, 998, 105, 999);
	struct rec_ratings *other = ratings_as(r, 107, 998, 0, 0);
	struct rec_lstmrec_hparams hp = small();
	struct rec_model *a = ranking_for_gradcheck(r, 3), *b;
	struct rec_err err = { 0 };
	int32_t ua, ub;

	hp.loss = REC_LOSS_BPR;
	hp.positive = 3;
	hp.negatives = 2;
	hp.threads = 3;
	b = rec_lstmrec_make(&hp, r, 3, NULL);
	/* the same weights as a's */
	memcpy(rec_lstmrec_params(b)->w, rec_lstmrec_params(a)->w,
	       rec_lstmrec_params(a)->n * sizeof(float));
	CHECK(rec_model_set_history(a, alone, &err) == 0);
	CHECK(rec_model_set_history(b, two, &err) == 0);
	ua = rec_idmap_find(&a->users, 999);
	ub = rec_idmap_find(&b->users, 999);
	CHECK(ua == 12 && ub == 12);   /* 998 is b's 13 */
	CHECK(memcmp(rec_lstmrec_user_emb(a, ua), rec_lstmrec_user_emb(b, ub),
	             3 * sizeof(float)) == 0);
	CHECK(memcmp(rec_lstmrec_user_emb(b, 12), rec_lstmrec_user_emb(b, 13),
	             3 * sizeof(float)) != 0);
	/* a history without 999: 999 has none to fold in, zero */
	CHECK(rec_model_set_history(a, other, &err) == 0);
	CHECK(rec_idmap_find(&a->users, 998) == 13);
	CHECK(memcmp(rec_lstmrec_user_emb(a, 13), rec_lstmrec_user_emb(b, 13),
	             3 * sizeof(float)) == 0);
	for (int c = 0; c < 3; c++)
		CHECK(rec_lstmrec_user_emb(a, 12)[c] == 0);
	CHECK(rec_lstmrec_user_emb(a, 14) == NULL);
	rec_model_free(a);
	rec_model_free(b);
	rec_ratings_free(r);
	rec_ratings_free(alone);
	rec_ratings_free(two);
	rec_ratings_free(other);
}

/* The two tests below take the untrained model of the gradient check
 * (seed 1), whose head passes user 100's state on to the output (with
 * widths 5 and 4 the ReLUs of some seeds block it); trained on the toy,
 * whose ratings are no sequence to read, a model may rightly ignore the
 * history of user 100, who rated everything 1 star. */
TEST(lstmrec_prediction_reads_the_order_of_the_history)
{
	struct rec_ratings *r = toy();
	struct rec_ratings *fwd = history_of_100(r, 0, 0), *rev = history_of_100(r, 1, 0);
	struct rec_ratings *later = history_of_100(r, 0, 777);
	struct rec_model *m = for_gradcheck(r, 1);
	int64_t users[3] = { 100, 100, 100 }, items[3] = { 200, 203, 208 };
	float p0[3], pf[3], pr[3], pl[3];
	struct rec_unknown unk = { 0 };
	struct rec_err err = { 0 };

	rec_model_predict_ids(m, users, items, 3, p0, &unk);
	CHECK(rec_model_set_history(m, fwd, &err) == 0);
	rec_model_predict_ids(m, users, items, 3, pf, &unk);
	/* user 100 has 6 ratings, seq_len 3: the stored history is the last
	 * 3 of the same sequence */
	CHECK(memcmp(p0, pf, sizeof p0) == 0);
	CHECK(rec_model_set_history(m, rev, &err) == 0);
	rec_model_predict_ids(m, users, items, 3, pr, &unk);
	for (int j = 0; j < 3; j++)
		CHECK(fabsf(pr[j] - pf[j]) > 1e-4f);
	/* only the order counts, not the times themselves */
	CHECK(rec_model_set_history(m, later, &err) == 0);
	rec_model_predict_ids(m, users, items, 3, pl, &unk);
	CHECK(memcmp(pf, pl, sizeof pf) == 0);
	CHECK(unk.users == 0 && unk.items == 0);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(fwd);
	rec_ratings_free(rev);
	rec_ratings_free(later);
}

TEST(lstmrec_history_as_of_a_time)
{
	struct rec_ratings *r = toy();
	struct rec_ratings *h = history_of_100(r, 0, 0), *cut = rec_ratings_new();
	struct rec_model *m = for_gradcheck(r, 1);
	struct rec_unknown unk = { 0 };
	struct rec_err err = { 0 };
	int64_t t0 = INT64_MAX, users[4] = { 100, 100, 100, 100 };
	int64_t items[4] = { 201, 201, 201, 201 }, ts[4];
	float at[4], full[1], before[1], none[1];

	/* user 100's entries before its third one, as a history of their own */
	for (size_t j = 0; j < h->n; j++)
		t0 = h->ts[j] < t0 ? h->ts[j] : t0;
	CHECK(rec_model_set_history(m, h, &err) == 0);
	ts[0] = INT64_MAX;   /* after everything: the latest history */
	ts[1] = t0;          /* strictly before the first entry: none */
	/* user 100's times: 1050 1010 1020 1070 1080 1040 (toy) */
	const int64_t third = 1040;
	for (size_t j = 0; j < h->n; j++)
		if (h->ts[j] < third)
			rec_ratings_push(cut, 100, h->items.ids[h->item[j]], h->rating[j],
			                 h->ts[j], (long)cut->n + 1, NULL);
	CHECK(cut->n == 2 && t0 == 1010);
	ts[2] = third;
	ts[3] = third;       /* the same window twice */
	CHECK(rec_model_predict_ids_at(m, users, items, ts, 4, at, &unk, &err) == 0);
	rec_model_predict_ids(m, users, items, 1, full, &unk);
	CHECK(at[0] == full[0]);
	CHECK(at[2] == at[3]);
	CHECK(rec_model_set_history(m, cut, &err) == 0);
	rec_model_predict_ids(m, users, items, 1, before, &unk);
	CHECK(at[2] == before[0]);
	rec_ratings_free(cut);
	cut = rec_ratings_new();
	rec_ratings_push(cut, 999, 200, 3, 1, 1, NULL);   /* nobody it knows */
	CHECK(rec_model_set_history(m, cut, &err) == 0);
	rec_model_predict_ids(m, users, items, 1, none, &unk);
	CHECK(at[1] == none[0]);
	CHECK(at[0] != at[1] && at[0] != at[2]);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(h);
	rec_ratings_free(cut);
}

/* The biases of a new model are those of the bias-only model fitted in
 * closed form (lstmrec.c: three alternating passes of shrunk means of
 * the residuals, shrinkage 5, in the scaled ratings), as logits around
 * mu: computed here again from the formula. */
TEST(lstmrec_biases_start_at_the_bias_only_model)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_ratings *r = toy();
	struct rec_model *m = rec_lstmrec_make(&h, r, 1, NULL);
	const struct rec_params *p = rec_lstmrec_params(m);
	const float *bu = NULL, *bi = NULL, *mu = NULL;
	double b[12 + 9] = { 0 }, sum[12 + 9], den[12 + 9] = { 0 }, mean = 0;

	for (int t = 0; t < p->nt; t++) {
		const float *w = p->w + p->t[t].off;
		if (strcmp(p->t[t].name, "user_bias") == 0)
			bu = w;
		else if (strcmp(p->t[t].name, "item_bias") == 0)
			bi = w;
		else if (strcmp(p->t[t].name, "global_bias") == 0)
			mu = w;
	}
	CHECK(bu && bi && mu && r->users.n == 12 && r->items.n == 9);
	for (size_t j = 0; j < r->n; j++) {
		mean += (r->rating[j] - 0.5) / 4.5;
		den[r->user[j]] += 1;
		den[12 + r->item[j]] += 1;
	}
	mean /= (double)r->n;
	for (int pass = 0; pass < 3; pass++) {
		memset(sum, 0, sizeof sum);
		for (size_t j = 0; j < r->n; j++)
			sum[12 + r->item[j]] += (r->rating[j] - 0.5) / 4.5 - mean - b[r->user[j]];
		for (int i = 0; i < 9; i++)
			b[12 + i] = sum[12 + i] / (den[12 + i] + 5);
		for (size_t j = 0; j < r->n; j++)
			sum[r->user[j]] += (r->rating[j] - 0.5) / 4.5 - mean - b[12 + r->item[j]];
		for (int u = 0; u < 12; u++)
			b[u] = sum[u] / (den[u] + 5);
	}
	double s = 1 / (1 + exp(-(double)*mu)), slope = s * (1 - s);
	CHECK(fabs(*mu - log(mean / (1 - mean))) < 1e-6);
	for (int u = 0; u < 12; u++)
		CHECK(fabs(bu[u] - b[u] / slope) < 1e-5);
	for (int i = 0; i < 9; i++)
		CHECK(fabs(bi[i] - b[12 + i] / slope) < 1e-5);
	/* user 100 rated everything 1 star: well below the mean */
	CHECK(r->users.ids[0] == 100 && bu[0] < -0.5f);
	rec_model_free(m);
	rec_ratings_free(r);
}

/* The learning rate falls each epoch (by 0.7): the weights move less and
 * less.  Under a constant rate the sixth epoch of this toy moves them
 * about as far as the first. */
TEST(lstmrec_weights_settle_as_the_learning_rate_falls)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_ratings *r = toy();
	struct rec_model *m;
	struct rec_params *p;
	struct rec_rng rng;
	struct rec_err err = { 0 };
	double moved[6], loss;
	float *before;

	h.lr = 0.01f;
	m = rec_lstmrec_make(&h, r, 2, NULL);
	p = rec_lstmrec_params(m);
	before = malloc(p->n * sizeof *before);
	CHECK(before != NULL);
	rec_rng_seed(&rng, 2);
	for (int e = 0; e < 6; e++) {
		memcpy(before, p->w, p->n * sizeof *before);
		CHECK(m->ops->epoch(m, r, &rng, &loss, &err) == 0);
		moved[e] = 0;
		for (size_t j = 0; j < p->n; j++)
			moved[e] += (double)(p->w[j] - before[j]) * (p->w[j] - before[j]);
		moved[e] = sqrt(moved[e]);
	}
	CHECK(moved[5] < 0.3 * moved[0]);
	free(before);
	rec_model_free(m);
	rec_ratings_free(r);
}

TEST(lstmrec_out_of_memory_everywhere)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_ratings *r = toy(), *hist = history_of_100(r, 1, 0);
	struct rec_train_opts o = { .epochs = 2, .patience = 5, .seed = 1 };

	for (long n = 0;; n++) {
		struct rec_err err = { 0 };
		struct rec_train_result res;
		struct rec_model *m = NULL, *back = NULL;
		char *buf = NULL;
		size_t len = 0;
		int rc;

		rec_alloc_fail_after(n, 1);
		rc = rec_train(&m, rec_lstmrec_make, &h, r, r, &o, &res, &err);
		if (rc == 0) {
			FILE *fp = open_memstream(&buf, &len);
			rc = rec_model_save(m, fp, "l.st", NULL, NULL, 0, &err);
			fclose(fp);
		}
		if (rc == 0) {
			FILE *fp = fmemopen(buf, len, "r");
			rc = rec_model_load(&back, fp, "l.st", &err);
			fclose(fp);
		}
		if (rc == 0)
			rc = rec_model_set_history(back, hist, &err);
		if (rc == 0) {
			int64_t users[2] = { 100, 101 }, items[2] = { 201, 202 };
			int64_t ts[2] = { 1045, 1045 };
			float out[2];
			struct rec_unknown unk = { 0 };
			rc = rec_model_predict_ids_at(back, users, items, ts, 2, out, &unk,
			                              &err);
		}
		rec_alloc_fail_after(-1, 0);
		rec_model_free(m);
		rec_model_free(back);
		free(buf);
		if (rc == 0)
			break;
		CHECK(strcmp(err.msg, "out of memory") == 0);
		if (strcmp(err.msg, "out of memory") != 0) {
			fprintf(stderr, "n = %ld: %s\n", n, err.msg);
			break;
		}
	}
	rec_ratings_free(r);
	rec_ratings_free(hist);
}

TEST(lstmrec_truncated_gradient)
{
	struct rec_lstmrec_hparams h = small();
	struct rec_ratings *r = toy();
	struct rec_model *full, *cut;
	struct rec_params *pf, *pc;
	double lf, lc;
	int same_head = 1, lstm_differs = 0;

	full = rec_lstmrec_make(&h, r, 3, NULL);
	h.truncate = 1;
	cut = rec_lstmrec_make(&h, r, 3, NULL);
	pf = rec_lstmrec_params(full);
	pc = rec_lstmrec_params(cut);
	/* the last batch: chunks with history before them */
	size_t nc = rec_lstmrec_chunks(full);
	CHECK(rec_lstmrec_objective(full, nc - 8, 8, &lf) == 0);
	CHECK(rec_lstmrec_objective(cut, nc - 8, 8, &lc) == 0);
	CHECK(lf == lc);   /* the same forward */
	for (int t = 0; t < pf->nt; t++) {
		const struct rec_param *q = &pf->t[t];
		int lstm = strncmp(q->name, "lstm.", 5) == 0;
		for (size_t j = q->off; j < q->off + q->n; j++) {
			if (lstm)
				lstm_differs |= fabsf(pf->g[j] - pc->g[j]) > 1e-7f;
			else if (strcmp(q->name, "item.emb") != 0)
				same_head &= pf->g[j] == pc->g[j];
		}
	}
	/* the head, the user embeddings and the biases see the same
	 * gradient; only the LSTM (and the history's item embeddings) less */
	CHECK(same_head);
	CHECK(lstm_differs);
	rec_model_free(full);
	rec_model_free(cut);
	rec_ratings_free(r);
}
