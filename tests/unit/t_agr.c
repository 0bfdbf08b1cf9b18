/* t_agr.c - AttnGraphRec: the whole objective's gradient (propagation,
 * attention, either head; LightGCN and GCN layers), on ratings and with BPR,
 * against finite differences, and a given graph is used (what every
 * model promises is t_models.c's). */
#define _GNU_SOURCE   /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/agr.h"
#include "rec/params.h"
#include "rec/rng.h"

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

/* The objective under check: a rating model's on the rows of r, or
 * (r NULL) a ranking model's, BPR on the n triples (u, i, j). */
struct objective {
	const struct rec_ratings *r;
	const int32_t *u, *i, *j;
	size_t n;
	double floor;   /* of the analytic gradient (close_enough) */
};

static int
objective(struct rec_model *m, const struct objective *o, double *loss)
{
	return o->r ? rec_agr_objective(m, o->r, loss) :
	       rec_agr_bpr_objective(m, o->u, o->i, o->j, o->n, loss);
}

/* The objective's central difference along coordinate j at step eps. */
static double
numeric(struct rec_model *m, const struct objective *o, size_t j, float eps)
{
	struct rec_params *p = rec_agr_params(m);
	float keep = p->w[j];
	double up, down;

	p->w[j] = keep + eps;
	objective(m, o, &up);
	p->w[j] = keep - eps;
	objective(m, o, &down);
	p->w[j] = keep;
	return (up - down) / (2.0 * eps);
}

/* The objective is a float network's: each evaluation carries rounding
 * of about 1e-8, so a central difference at eps = 1e-2 is good to about
 * 1e-6, and one at eps / 4 four times worse.  a and b agree when they
 * are within 1% of each other or within 1% of floor, whichever is
 * larger: floor 1e-4 for the analytic gradient against eps, 4e-4 for
 * eps against eps / 4 (the test for a kink).  BPR's objective takes the
 * scores themselves (about 3 in size here), not a sigmoid of them on
 * [0, 1]: its evaluations carry rounding of about 1e-7, and the
 * analytic gradient's floor is 1e-3 (the kink test's stays, so that
 * noise counts as a kink rather than passing one). */
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
gradcheck(struct rec_model *m, const struct objective *o, int *kinks,
          long tamper)
{
	struct rec_params *p = rec_agr_params(m);
	float *analytic = malloc(p->n * sizeof *analytic);
	double loss;
	int bad = 0;

	*kinks = 0;
	CHECK(objective(m, o, &loss) == 0);
	memcpy(analytic, p->g, p->n * sizeof *analytic);
	if (tamper >= 0)   /* a planted 5% error, to show the check can fail */
		analytic[tamper] *= 1.05f;
	for (size_t j = 0; j < p->n; j++) {
		double n1 = numeric(m, o, j, 1e-2f), n2 = numeric(m, o, j, 2.5e-3f);
		if (!close_enough(n1, n2, 4e-4))
			++*kinks;
		else if (!close_enough(analytic[j], n1, o->floor))
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
	const struct objective o = { few, NULL, NULL, NULL, 0, 1e-4 };
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
			CHECK(gradcheck(m, &o, &kinks, -1) == 0);
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
	const struct objective o = { few, NULL, NULL, NULL, 0, 1e-4 };
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
	CHECK(gradcheck(m, &o, &kinks, (long)top) == 1);
	rec_model_free(m);
	rec_ratings_free(r);
	rec_ratings_free(few);
}

/* BPR's objective, through the same network on both rows of each
 * triple, against central differences, for LightGCN and GCN layers; and
 * the largest gradient of an item embedding off by 5% is caught.  The
 * triples share users and items, and item 4 is a positive of one and a
 * negative of another. */
TEST(agr_bpr_gradient_matches_finite_differences)
{
	static const int32_t u[] = { 0, 3, 3, 7, 11, 5 }, i[] = { 1, 4, 2, 8, 0, 6 },
	                     j[] = { 4, 0, 7, 2, 8, 1 };
	const struct objective o = { NULL, u, i, j, 6, 1e-3 };
	static const int32_t none[256];   /* valid triples, one batch and more */
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy();
	int kinks;

	h.loss = REC_LOSS_BPR;
	h.reg = 0.1f;   /* so that the L2 term's gradient shows */
	for (int conv = 0; conv < 2; conv++) {
		h.conv = conv ? REC_AGR_GCN : REC_AGR_LIGHTGCN;
		struct rec_model *m = rec_agr_make(&h, r, 4 + conv, NULL);
		struct rec_params *p;
		size_t first, top;
		double loss;

		CHECK(m && m->ranking);
		if (!m)
			continue;
		enlarge(m);
		p = rec_agr_params(m);
		for (size_t x = 0; x < p->t[3].n; x++)   /* item_bias, from 0 */
			p->w[p->t[3].off + x] = 0.1f * (float)((int)(x * 7 % 5) - 2);
		CHECK(gradcheck(m, &o, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)p->n);
		CHECK(rec_agr_bpr_objective(m, u, i, j, 6, &loss) == 0 && loss > 0);
		/* mu and b_u drop out of a difference: no gradient */
		for (int t = 0; t < p->nt; t++)
			if (strcmp(p->t[t].name, "global_bias") == 0 ||
			    strcmp(p->t[t].name, "user_bias") == 0)
				for (size_t x = 0; x < p->t[t].n; x++)
					CHECK(p->g[p->t[t].off + x] == 0);
		first = top = p->t[1].off;   /* item_emb */
		for (size_t x = first; x < first + p->t[1].n; x++)
			if (fabs(p->g[x]) > fabs(p->g[top]))
				top = x;
		CHECK(gradcheck(m, &o, &kinks, (long)top) == 1);
		/* the rating objective is not a ranking model's, and the
		 * triples must fit one batch and be the model's */
		CHECK(rec_agr_objective(m, r, &loss) == -1);
		CHECK(rec_agr_bpr_objective(m, u, i, j, 0, &loss) == -1);
		CHECK(rec_agr_bpr_objective(m, none, none, none, (size_t)h.batch + 1,
		                            &loss) == -1);
		CHECK(rec_agr_bpr_objective(m, u, j, (const int32_t[]){ 9, 0, 0, 0, 0, 0 },
		                            6, &loss) == -1);
		rec_model_free(m);
	}
	rec_ratings_free(r);
}

/* The dot head (z_u . z_i, no MLP), on ratings and with BPR, for
 * LightGCN and GCN layers, against central differences; the model has
 * no MLP weights, and the largest gradient of a user embedding off by
 * 5% is caught. */
TEST(agr_dot_head_gradient_matches_finite_differences)
{
	static const int32_t u[] = { 0, 3, 3, 7, 11, 5 }, i[] = { 1, 4, 2, 8, 0, 6 },
	                     j[] = { 4, 0, 7, 2, 8, 1 };
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy(), *few = some(r, 8);
	int kinks;

	h.head = REC_AGR_DOT;
	h.reg = 0.1f;
	for (int c = 0; c < 4; c++) {
		const int bpr = c / 2;
		const struct objective o = { bpr ? NULL : few, u, i, j, 6,
		                             bpr ? 1e-3 : 1e-4 };
		struct rec_model *m;
		struct rec_params *p;
		size_t top;
		double loss;

		h.conv = c % 2 ? REC_AGR_GCN : REC_AGR_LIGHTGCN;
		h.loss = bpr ? REC_LOSS_BPR : REC_LOSS_MSE;
		m = rec_agr_make(&h, r, 6 + c, NULL);
		CHECK(m && m->ranking == bpr);
		if (!m)
			continue;
		enlarge(m);
		p = rec_agr_params(m);
		for (int t = 0; t < p->nt; t++)
			CHECK(strncmp(p->t[t].name, "mlp.", 4) != 0 &&
			      strcmp(p->t[t].name, "out.w") != 0);
		CHECK(gradcheck(m, &o, &kinks, -1) == 0);
		CHECK(kinks * 10 < (int)p->n);
		CHECK(objective(m, &o, &loss) == 0 && loss > 0);
		top = p->t[0].off;   /* user_emb */
		for (size_t x = top; x < p->t[0].off + p->t[0].n; x++)
			if (fabs(p->g[x]) > fabs(p->g[top]))
				top = x;
		CHECK(gradcheck(m, &o, &kinks, (long)top) == 1);
		rec_model_free(m);
	}
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

/* Ranking every item gives predict's numbers bit for bit, for a rating
 * and a ranking model with either head, over several chunks of items (the batch is
 * smaller than the catalogue), for known users and an unknown one. */
TEST(agr_rank_scores_are_predictions)
{
	static const int32_t users[] = { 0, 7, -1, 11, 0 };
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy();

	h.batch = 2;
	h.dropout = 0.2f;
	for (int c = 0; c < 4; c++) {
		const int ranking = c % 2;
		struct rec_train_opts o = { .epochs = 2, .seed = 9 };
		struct rec_train_result res;
		struct rec_model *m = NULL;
		struct rec_err err = { 0 };
		float rank[5 * 9], pred[9];
		int32_t us[9], is[9];

		h.loss = ranking ? REC_LOSS_BPR : REC_LOSS_MSE;
		h.head = c / 2 ? REC_AGR_DOT : REC_AGR_MLP;
		CHECK(rec_train(&m, rec_agr_make, &h, r, NULL, &o, &res, &err) == 0);
		if (!m)
			continue;
		CHECK(m->items.n == 9 && m->ranking == ranking);
		CHECK(m->ops->rank_scores(m, users, 5, rank, &err) == 0);
		for (int x = 0; x < 5; x++) {
			for (int i = 0; i < 9; i++)
				us[i] = users[x], is[i] = i;
			m->ops->predict(m, us, is, 9, pred);
			CHECK(memcmp(rank + x * 9, pred, sizeof pred) == 0);
		}
		rec_model_free(m);
	}
	rec_ratings_free(r);
}

/* The largest change of the n floats from off between two slabs. */
static float
moved(const float *a, const float *b, size_t off, size_t n)
{
	float most = 0;

	for (size_t j = off; j < off + n; j++)
		if (fabsf(a[j] - b[j]) > most)
			most = fabsf(a[j] - b[j]);
	return most;
}

/* With the epoch's 5 batches in one block (--propagations 1), E^0
 * takes one Adam step, which moves each coordinate by about lr at most
 * (Adam's first step is lr times the gradient's sign), while the
 * network's weights take five; with a block a batch, E^0 takes five
 * too. */
TEST(agr_propagations_step_the_embeddings_once_a_block)
{
	struct rec_agr_hparams h = small();
	struct rec_ratings *r = toy();

	h.batch = 16;   /* 72 ratings: 5 batches */
	h.dropout = 0;
	for (int one = 0; one < 2; one++) {
		struct rec_model *m;
		struct rec_params *p;
		struct rec_rng rng;
		struct rec_err err = { 0 };
		float *before;
		double loss;
		size_t emb, net;

		h.propagations = one ? 1 : 5;
		m = rec_agr_make(&h, r, 3, NULL);
		p = rec_agr_params(m);
		CHECK(strcmp(p->t[0].name, "user_emb") == 0 &&
		      strcmp(p->t[1].name, "item_emb") == 0);
		emb = p->t[0].n + p->t[1].n;
		net = p->n - p->t[p->nt - 3].off;   /* the last MLP layer on */
		before = malloc(p->n * sizeof(float));
		memcpy(before, p->w, p->n * sizeof(float));
		rec_rng_seed(&rng, 4);
		CHECK(m->ops->epoch(m, r, &rng, &loss, &err) == 0);
		CHECK(moved(p->w, before, p->t[p->nt - 3].off, net) > 2 * h.lr);
		if (one)
			CHECK(moved(p->w, before, 0, emb) <= 1.001f * h.lr &&
			      moved(p->w, before, 0, emb) > 0.9f * h.lr);
		else
			CHECK(moved(p->w, before, 0, emb) > 2 * h.lr);
		free(before);
		rec_model_free(m);
	}
	rec_ratings_free(r);
}
