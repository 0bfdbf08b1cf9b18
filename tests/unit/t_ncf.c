/* t_ncf.c - NeuMF: the whole network's gradient against finite
 * differences, with and without side features, on ratings and with BPR;
 * a ranking model's rank scores against its predictions (what every
 * model promises is t_models.c's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/ncf.h"
#include "rec/params.h"

/* 12 users x 9 items; the same toy as t_model.c. */
static struct rec_ratings *
toy(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 12; u++)
		for (int i = 0; i < 9; i++)
			if ((u + 2 * i) % 3 != 0)
				rec_ratings_push(r, 100 + u, 200 + i,
				                 (float)(1 + ((u * i) % 9) / 2), u * 10 + i,
				                 (long)r->n + 1, NULL);
	return r;
}

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

static struct rec_movies *
movies(void)
{
	static const char csv[] = "movieId,title,genres\n"
		"200,A,Comedy\n201,B,Drama|Comedy\n202,\"C, The\",Action\n"
		"203,D,(no genres listed)\n204,E,Drama\n205,F,Action|Drama\n"
		"206,G,Comedy\n207,H,Horror\n";   /* 208 is missing */
	struct rec_movies *m = rec_movies_new();
	FILE *fp = text(csv);

	CHECK(rec_movies_read(m, fp, "movies.csv", NULL) == 0);
	fclose(fp);
	return m;
}

static struct rec_tags *
tags(void)
{
	static const char csv[] = "userId,movieId,tag,timestamp\n"
		"1,200,funny,1\n1,201,Funny,1\n2,202,dark,1\n2,203,dark,1\n"
		"3,204,long,1\n3,205,funny,1\n";
	struct rec_tags *t = NULL;
	FILE *fp = text(csv);

	CHECK(rec_tags_read(&t, fp, "tags.csv", NULL) == 0);
	fclose(fp);
	return t;
}

static struct rec_ncf_hparams
small(void)
{
	struct rec_ncf_hparams h = REC_NCF_DEFAULTS;

	h.k = 3;
	h.nmlp = 2;
	h.mlp[0] = 5;
	h.mlp[1] = 4;
	h.side_dim = 3;
	h.batch = 128;
	h.init_sd = 0.5f;   /* large enough that every path carries gradient */
	h.reg = 0.01f;
	return h;
}

/* BPR's n positives (u, i), each with neg negatives j, in model
 * indices. */
struct triples {
	const int32_t *u, *i, *j;
	size_t n, neg;
};

/* The objective of a batch: the rows of r, or (tr not NULL) BPR's of the
 * triples tr. */
static int
objective(struct rec_model *m, const struct rec_ratings *r,
          const struct triples *tr, double *loss)
{
	if (tr)
		return rec_ncf_bpr_objective(m, tr->u, tr->i, tr->j, tr->n, tr->neg,
		                             loss);
	return rec_ncf_objective(m, r, loss);
}

/* The objective's central difference along coordinate j at step eps. */
static double
numeric(struct rec_model *m, const struct rec_ratings *r,
        const struct triples *tr, size_t j, float eps)
{
	struct rec_params *p = rec_ncf_params(m);
	float keep = p->w[j];
	double up, down;

	p->w[j] = keep + eps;
	objective(m, r, tr, &up);
	p->w[j] = keep - eps;
	objective(m, r, tr, &down);
	p->w[j] = keep;
	return (up - down) / (2.0 * eps);
}

/* Within 1%, or both within 1e-6 of 0: the objective is a float
 * computation, and a central difference of a gradient that cancels (a
 * bias that moves a positive's logit and its negative's alike) is its
 * rounding, up to about 1e-7 at these steps. */
static int
close_enough(double a, double b)
{
	double scale = fabs(a) + fabs(b);

	return fabs(a - b) <= 1e-2 * (scale > 1e-4 ? scale : 1e-4);
}

/* Compare the analytic gradient of every parameter with central
 * differences (with the analytic coordinate tamper off by 5%, when not
 * negative).  A ReLU kink within eps of a coordinate makes the
 * objective non-smooth there: such coordinates (the steps eps and eps/4
 * disagree) are skipped, and counted in *kinks.  Returns the number of
 * smooth coordinates that disagree. */
static int
gradcheck(struct rec_model *m, const struct rec_ratings *r,
          const struct triples *tr, int *kinks, long tamper)
{
	struct rec_params *p = rec_ncf_params(m);
	float *analytic = malloc(p->n * sizeof *analytic);
	double loss;
	int bad = 0;

	*kinks = 0;
	CHECK(objective(m, r, tr, &loss) == 0 && loss > 0);
	memcpy(analytic, p->g, p->n * sizeof *analytic);
	if (tamper >= 0)   /* a planted 5% error, to show the check can fail */
		analytic[tamper] *= 1.05f;
	for (size_t j = 0; j < p->n; j++) {
		double n1 = numeric(m, r, tr, j, 1e-2f), n2 = numeric(m, r, tr, j, 2.5e-3f);
		if (!close_enough(n1, n2))
			++*kinks;
		else if (!close_enough(analytic[j], n1))
			bad++;
	}
	free(analytic);
	return bad;
}

/* A few rows of r: few ReLU units sit near a kink. */
static struct rec_ratings *
some(const struct rec_ratings *r, size_t n)
{
	struct rec_ratings *s = rec_ratings_new();

	for (size_t j = 0; j < n; j++)
		rec_ratings_push(s, r->users.ids[r->user[j * 5]],
		                 r->items.ids[r->item[j * 5]], r->rating[j * 5], 0,
		                 (long)j + 1, NULL);
	return s;
}

TEST(ncf_gradient_matches_finite_differences)
{
	struct rec_ncf_hparams h = small();
	struct rec_ratings *r = toy(), *few = some(r, 8);
	struct rec_movies *mv = movies();
	struct rec_tags *tg = tags();
	struct rec_err err = { 0 };
	struct rec_model *m;

	int kinks;

	m = rec_ncf_make(&h, r, 3, &err);
	CHECK(m != NULL);
	if (m) {
		CHECK(gradcheck(m, few, NULL, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)rec_ncf_params(m)->n);
	}
	rec_model_free(m);
	h.movies = mv;
	h.tags = tg;
	h.tag_vocab = 5;
	m = rec_ncf_make(&h, r, 4, &err);
	CHECK(m != NULL);
	if (m) {
		CHECK(gradcheck(m, few, NULL, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)rec_ncf_params(m)->n);
	}
	rec_model_free(m);
	rec_movies_free(mv);
	rec_tags_free(tg);
	rec_ratings_free(r);
	rec_ratings_free(few);
}

TEST(ncf_gradcheck_can_fail)
{
	struct rec_ncf_hparams h = small();
	struct rec_ratings *r = toy(), *few = some(r, 8);
	struct rec_model *m = rec_ncf_make(&h, r, 3, NULL);
	struct rec_params *p = rec_ncf_params(m);
	int kinks;

	/* one coordinate of the first MLP layer's weights, off by 5% */
	CHECK(gradcheck(m, few, NULL, &kinks, (long)p->t[6].off + 2) == 1);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(few);
}


/* Fixed triples of the toy's users and items (model indices). */
static const int32_t tu[] = { 0, 1, 2, 3, 4, 0, 2, 11 }, ti[] = { 1, 2, 3, 0, 1, 3, 0, 8 },
                     tj[] = { 2, 0, 1, 3, 2, 0, 2, 4 };
static const struct triples toy_triples = { tu, ti, tj, 8, 1 };

/* Positives with three negatives each, as training draws them: the
 * negatives share their positive's user part of the first layer. */
static const int32_t gu[] = { 0, 3, 11, 0 }, gi[] = { 1, 0, 8, 3 },
                     gj[] = { 2, 4, 5, 1, 2, 5, 0, 1, 2, 4, 5, 6 };
static const struct triples toy_groups = { gu, gi, gj, 4, 3 };

TEST(ncf_bpr_gradient_matches_finite_differences)
{
	struct rec_ncf_hparams h = small();
	struct rec_ratings *r = toy();
	struct rec_movies *mv = movies();
	struct rec_tags *tg = tags();
	struct rec_err err = { 0 };
	struct rec_model *m;
	double loss;
	int kinks;

	h.loss = REC_LOSS_BPR;
	h.negatives = 3;
	for (int side = 0; side < 2; side++) {
		h.movies = side ? mv : NULL;
		h.tags = side ? tg : NULL;
		h.tag_vocab = 5;
		m = rec_ncf_make(&h, r, 3 + side, &err);
		CHECK(m != NULL && m->ranking);
		if (!m)
			continue;
		CHECK(gradcheck(m, NULL, &toy_triples, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)rec_ncf_params(m)->n);
		/* one coordinate of the output weights, off by 5% */
		CHECK(gradcheck(m, NULL, &toy_triples, &kinks,
		                (long)rec_ncf_params(m)->t[rec_ncf_params(m)->nt - 2].off + 2) == 1);
		/* mu and b_u drop out of a difference: no gradient */
		CHECK(rec_ncf_bpr_objective(m, tu, ti, tj, 8, 1, &loss) == 0);
		CHECK(rec_ncf_params(m)->g[rec_ncf_params(m)->t[4].off] == 0);
		CHECK(rec_ncf_bpr_objective(m, tu, ti, tj, 0, 1, &loss) == -1);
		CHECK(rec_ncf_bpr_objective(m, tu, ti, tj, 8, 0, &loss) == -1);
		CHECK(rec_ncf_bpr_objective(m, tu, ti, tj, 257, 1, &loss) == -1);
		/* several negatives a positive */
		CHECK(gradcheck(m, NULL, &toy_groups, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)rec_ncf_params(m)->n);
		/* a weight of the first layer on the user's embedding, off by 5% */
		CHECK(gradcheck(m, NULL, &toy_groups, &kinks,
		                (long)rec_ncf_params(m)->t[6].off + 1) == 1);
		rec_model_free(m);
	}
	rec_movies_free(mv);
	rec_tags_free(tg);
	rec_ratings_free(r);
}

/* A ranking model's rank scores are the logits predict gives, item by
 * item (to float rounding), for known and unknown users, with and without
 * side features, for one hidden layer and more. */
TEST(ncf_bpr_rank_scores_are_its_predictions)
{
	struct rec_ncf_hparams h = small();
	struct rec_ratings *r = toy();
	struct rec_movies *mv = movies();
	struct rec_tags *tg = tags();
	struct rec_rng rng;

	h.loss = REC_LOSS_BPR;
	h.tag_vocab = 5;
	rec_rng_seed(&rng, 5);
	for (int c = 0; c < 4; c++) {
		const int32_t users[3] = { 0, 7, -1 };
		struct rec_model *m;
		struct rec_params *p;
		float rank[3 * 9], pred[9];
		int32_t us[9], is[9];
		struct rec_err err = { 0 };

		h.nmlp = 1 + c / 2;
		h.movies = c % 2 ? mv : NULL;
		h.tags = c % 2 ? tg : NULL;
		m = rec_ncf_make(&h, r, 9, &err);
		CHECK(m != NULL && m->items.n == 9);
		if (!m)
			continue;
		p = rec_ncf_params(m);
		for (size_t t = 0; t < p->n; t++)   /* but mu and b_u, held at 0 */
			p->w[t] += 0.2f * (rec_rng_uniform(&rng) - 0.5f);
		memset(p->w + p->t[4].off, 0, 12 * sizeof(float));
		p->w[p->t[p->nt - 1].off] = 0;
		CHECK(m->ops->rank_scores(m, users, 3, rank, &err) == 0);
		for (int u = 0; u < 3; u++) {
			for (int i = 0; i < 9; i++)
				us[i] = users[u], is[i] = i;
			m->ops->predict(m, us, is, 9, pred);
			for (int i = 0; i < 9; i++)
				CHECK_NEAR(rank[u * 9 + i], pred[i], 1e-5 * (1 + fabs(pred[i])));
		}
		rec_model_free(m);
	}
	rec_movies_free(mv);
	rec_tags_free(tg);
	rec_ratings_free(r);
}
