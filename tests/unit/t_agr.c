/* t_agr.c - AttnGraphRec: the whole objective's gradient (propagation,
 * attention, head; LightGCN and GCN layers) against finite differences,
 * training lowers the loss, same seed same bytes, save -> load predicts
 * the same numbers, a given graph is used, and the OOM countdown over
 * make, save and load. */
#define _GNU_SOURCE   /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/agr.h"
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

static struct rec_agr_hparams
small(void)
{
	struct rec_agr_hparams h = REC_AGR_DEFAULTS;

	h.k = 3;
	h.layers = 2;
	h.attn_dim = 3;
	h.nmlp = 2;
	h.mlp[0] = 5;
	h.mlp[1] = 4;
	h.batch = 128;
	h.init_sd = 0.5f;   /* large enough that every path carries gradient */
	h.reg = 0.01f;
	return h;
}

/* The objective's central difference along coordinate j at step eps. */
static double
numeric(struct rec_model *m, const struct rec_ratings *r, size_t j, float eps)
{
	struct rec_params *p = rec_agr_params(m);
	float keep = p->w[j];
	double up, down;

	p->w[j] = keep + eps;
	rec_agr_objective(m, r, &up);
	p->w[j] = keep - eps;
	rec_agr_objective(m, r, &down);
	p->w[j] = keep;
	return (up - down) / (2.0 * eps);
}

/* The objective is a float network's: each evaluation carries rounding
 * of about 1e-8, so a central difference at eps = 1e-2 is good to about
 * 1e-6, and one at eps / 4 four times worse.  a and b agree when they
 * are within 1% of each other or within 1% of floor, whichever is
 * larger: floor 1e-4 for the analytic gradient against eps, 4e-4 for
 * eps against eps / 4 (the test for a kink). */
static int
close_enough(double a, double b, double floor)
{
	double scale = fabs(a) + fabs(b);

	return fabs(a - b) <= 1e-2 * (scale > floor ? scale : floor);
}

/* Triple the weights of the attention and the head,
 * so that the gradients that flow through them stand well above that
 * rounding. */
static void
enlarge(struct rec_model *m)
{
	struct rec_params *p = rec_agr_params(m);

	for (int t = 0; t < p->nt; t++)
		if (strncmp(p->t[t].name, "attn.", 5) == 0 ||
		    strncmp(p->t[t].name, "mlp.", 4) == 0 ||
		    strncmp(p->t[t].name, "out.", 4) == 0)
			for (size_t j = 0; j < p->t[t].n; j++)
				p->w[p->t[t].off + j] *= 3;
}

/* Compare the analytic gradient of every parameter with central
 * differences (with the analytic coordinate tamper off by 5%, when not
 * negative).  A ReLU kink within eps of a coordinate makes the
 * objective non-smooth there: such coordinates (the steps eps and eps/4
 * disagree) are skipped, and counted in *kinks.  Returns the number of
 * smooth coordinates that disagree. */
static int
gradcheck(struct rec_model *m, const struct rec_ratings *r, int *kinks,
          long tamper)
{
	struct rec_params *p = rec_agr_params(m);
	float *analytic = malloc(p->n * sizeof *analytic);
	double loss;
	int bad = 0;

	*kinks = 0;
	CHECK(rec_agr_objective(m, r, &loss) == 0);
	memcpy(analytic, p->g, p->n * sizeof *analytic);
	if (tamper >= 0)   /* a planted 5% error, to show the check can fail */
		analytic[tamper] *= 1.05f;
	for (size_t j = 0; j < p->n; j++) {
		double n1 = numeric(m, r, j, 1e-2f), n2 = numeric(m, r, j, 2.5e-3f);
		if (!close_enough(n1, n2, 4e-4))
			++*kinks;
		else if (!close_enough(analytic[j], n1, 1e-4))
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

TEST(agr_gradient_matches_finite_differences)
{
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy(), *few = some(r, 8);
	struct rec_err err = { 0 };
	int kinks;

	for (int conv = 0; conv < 2; conv++) {
		h.conv = conv ? REC_AGR_GCN : REC_AGR_LIGHTGCN;
		for (int w = 0; w < 2; w++) {
			h.weight = w ? REC_GRAPH_RATING : REC_GRAPH_BINARY;
			struct rec_model *m = rec_agr_make(&h, r, 3 + conv, &err);
			CHECK(m != NULL);
			if (!m)
				continue;
			enlarge(m);
			CHECK(gradcheck(m, few, &kinks, -1) == 0);
			CHECK(kinks * 10 < (int)rec_agr_params(m)->n);
			rec_model_free(m);
		}
	}
	rec_ratings_free(r);
	rec_ratings_free(few);
}

TEST(agr_gradcheck_can_fail)
{
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy(), *few = some(r, 8);
	struct rec_model *m = rec_agr_make(&h, r, 3, NULL);
	struct rec_params *p = rec_agr_params(m);
	size_t first = p->t[1].off, top = first;   /* item_emb */
	double loss;
	int kinks;

	/* the largest gradient of an item embedding (reached only through
	 * the propagation and the attention), off by 5% */
	enlarge(m);
	CHECK(rec_agr_objective(m, few, &loss) == 0);
	for (size_t j = first; j < first + p->t[1].n; j++)
		if (fabs(p->g[j]) > fabs(p->g[top]))
			top = j;
	CHECK(gradcheck(m, few, &kinks, (long)top) == 1);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(few);
}

static char *
save(const struct rec_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(rec_model_save(m, fp, "a.st", NULL, NULL, 0, NULL) == 0);
	fclose(fp);
	return buf;
}

TEST(agr_trains_saves_loads)
{
	struct rec_agr_hparams h = small();
	struct rec_train_opts o = { .epochs = 40, .patience = 5, .seed = 7 };
	struct rec_train_result res;
	struct rec_ratings *r = toy();
	struct rec_model *m, *m2, *back = NULL;
	struct rec_err err = { 0 };
	double before = 0, after = 0;
	size_t len, len2;
	char *a, *b;

	h.batch = 16;
	h.lr = 0.01f;
	h.dropout = 0.1f;
	h.init_sd = 0.1f;
	h.conv = REC_AGR_GCN;
	m = rec_agr_make(&h, r, 7, &err);
	CHECK(m && rec_model_rmse(m, r, &before, &err) == 0);
	rec_model_free(m);
	CHECK(rec_train(&m, rec_agr_make, &h, r, NULL, &o, &res, &err) == 0);
	CHECK(rec_model_rmse(m, r, &after, &err) == 0);
	CHECK(after < 0.8 * before);
	CHECK(rec_train(&m2, rec_agr_make, &h, r, NULL, &o, &res, &err) == 0);
	a = save(m, &len);
	b = save(m2, &len2);
	CHECK(len == len2 && memcmp(a, b, len) == 0);
	FILE *fp = fmemopen(a, len, "r");
	CHECK(rec_model_load(&back, fp, "a.st", &err) == 0);
	fclose(fp);
	if (back) {
		int64_t users[] = { 100, 105, 111, 999, 100 };
		int64_t items[] = { 200, 208, 203, 200, 999 };
		float p1[5], p2[5];
		struct rec_unknown unk = { 0 };
		rec_model_predict_ids(m, users, items, 5, p1, &unk);
		rec_model_predict_ids(back, users, items, 5, p2, &unk);
		CHECK(memcmp(p1, p2, sizeof p1) == 0);
		CHECK(unk.users == 2 && unk.items == 2);
		/* rank_scores are the predictions */
		int32_t u = 4, us[9], is[9];
		float rank[9], pred[9];
		CHECK(back->ops->rank_scores(back, &u, 1, rank, &err) == 0);
		for (int i = 0; i < 9; i++)
			us[i] = 4, is[i] = i;
		back->ops->predict(back, us, is, 9, pred);
		CHECK(memcmp(rank, pred, sizeof rank) == 0);
		/* the file written again from the loaded model is the same */
		char *c = save(back, &len2);
		CHECK(len == len2 && memcmp(a, c, len) == 0);
		free(c);
	}
	free(a);
	free(b);
	rec_model_free(m);
	rec_model_free(m2);
	rec_model_free(back);
	rec_ratings_free(r);
}

/* A graph given in the hyperparameters is the model's when it is the
 * graph of the ratings (in another numbering: renumbered), and a graph
 * of the ratings is built when it is not. */
TEST(agr_uses_a_given_graph)
{
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy(), *rev = rec_ratings_new(), *few = some(r, 8);
	struct rec_graph *g = NULL;
	struct rec_model *m1, *m2, *m3;
	size_t l1, l2, l3;
	char *a, *b, *c;

	for (size_t j = r->n; j-- > 0;)
		rec_ratings_push(rev, r->users.ids[r->user[j]], r->items.ids[r->item[j]],
		                 r->rating[j], 0, (long)(r->n - j), NULL);
	CHECK(rec_graph_build(&g, rev, REC_GRAPH_RATING, NULL) == 0);
	h.weight = REC_GRAPH_RATING;
	m1 = rec_agr_make(&h, r, 5, NULL);
	h.graph = g;
	h.weight = REC_GRAPH_BINARY;   /* the given graph's weighting wins */
	m2 = rec_agr_make(&h, r, 5, NULL);
	m3 = rec_agr_make(&h, few, 5, NULL);   /* not few's graph: built */
	a = save(m1, &l1);
	b = save(m2, &l2);
	c = save(m3, &l3);
	CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
	CHECK(memmem(c, l3, "\"weight\":\"rating\"", 17) != NULL);
	free(a);
	free(b);
	free(c);
	rec_model_free(m1);
	rec_model_free(m2);
	rec_model_free(m3);
	rec_graph_free(g);
	rec_ratings_free(r);
	rec_ratings_free(rev);
	rec_ratings_free(few);
}

TEST(agr_oom_loop)
{
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy();

	h.conv = REC_AGR_GCN;
	for (long n = 0; n < 100000; n++) {
		struct rec_err err = { 0 };
		struct rec_model *m, *back = NULL;
		char *buf = NULL;
		size_t len = 0;
		int rc;

		rec_alloc_fail_after(n, 1);
		m = rec_agr_make(&h, r, 1, &err);
		rc = m ? 0 : -1;
		if (m) {
			FILE *fp = open_memstream(&buf, &len);
			rc = rec_model_save(m, fp, "a.st", NULL, NULL, 0, &err);
			fclose(fp);
		}
		if (rc == 0) {
			FILE *fp = fmemopen(buf, len, "r");
			rc = rec_model_load(&back, fp, "a.st", &err);
			fclose(fp);
		}
		rec_alloc_fail_after(-1, 0);
		rec_model_free(m);
		rec_model_free(back);
		free(buf);
		if (rc == 0)
			break;
		CHECK(strcmp(err.msg, "out of memory") == 0);
	}
	rec_ratings_free(r);
}
