/*
 * agr.c - AttnGraphRec (see agr.h).
 *
 * The parameters are one slab (params.h) in two parts, each updated
 * densely by an Adam of its own: the propagation's (E^0, gcn's W_l) once
 * a block, the network's (the rest) once a batch.  The layers of the
 * propagation, E^1 .. E^L for every node (E^0 is the embeddings in the
 * slab), and their gradients live in buffers made once, as do the
 * activations of one batch: nothing is allocated in the training loop.
 * The propagated layers are a cache of the weights: "fresh" says whether
 * they are those of the current weights (E^0 and W_l, which do not
 * change within a block), and predicting propagates first when they are
 * not.
 *
 * An epoch's steps are one order of the whole table (with BPR, of its
 * positives) drawn from a key (rec_batches_epoch_steps), each row's
 * dropout masks (and a positive's negatives) from a generator of its
 * own, so that they depend on the row alone.  That makes a job of N
 * ranks (dist.h) compute what one process computes, up to the order of
 * float additions: synchronous data parallelism.  Each rank holds the
 * graph of its own users' ratings (rec_graph_build) and trains on its
 * rows of each step.  A user's row of A E is whole on its rank; an
 * item's is a sum over the ranks' edges, so each propagated layer's item
 * rows are summed over the ranks (forward), as are the item rows of each
 * layer's gradient before they flow back (backward).  The network's
 * gradients but the user biases are summed every step, E^0's item rows
 * (and gcn's W_l) at a block's end; every rank then takes the same Adam
 * steps on them.  Its own users' rows of E^0 and biases are a rank's
 * alone (their gradients are zero elsewhere: other ranks' copies never
 * move), and the save gathers them, and the graph, on rank 0.
 */
#include <math.h>
#include <string.h>

#include "rec/agr.h"
#include "rec/attn.h"
#include "rec/batch.h"
#include "rec/dist.h"
#include "rec/hparams.h"
#include "rec/layer.h"
#include "rec/parallel.h"
#include "rec/params.h"
#include "vector.h"

#define M REC_AGR_MAX_MLP
#define NL (REC_AGR_MAX_LAYERS + 1)

/* The activations of one batch of up to cap rows, and their gradients;
 * side 0 is the user's, side 1 the item's.  Each side's distinct nodes
 * are gathered once, in order of first appearance, however many of the
 * batch's pairs share them. */
struct work {
	int cap;
	int32_t *u, *i;                /* (n) model indices; -1 unknown */
	int nn[2];                     /* each side's distinct nodes */
	int32_t *node[2];              /* (nn) their nodes (rows of each layer);
	                                * -1 unknown (zeros) */
	int32_t *row[2];               /* (n) pair j's node among them */
	int32_t *slot;                 /* (nodes) a node's place among them;
	                                * -1 (all, between batches) */
	int32_t *tpos, *tneg;          /* BPR: triple q's positive and negative
	                                * rows */
	uint64_t *key;                 /* (n) in training, the seed of a row's
	                                * dropout masks */
	float *e[2], *d_e[2];          /* (nn, nl, k) the distinct nodes' layers */
	float *mean[2], *d_mean[2];    /* (nn, k) their mean layer: the query of
	                                * the other side's attention */
	float *t[2];                   /* (n, nl, h) attention's tanh */
	float *alpha[2];               /* (n, nl) attention weights */
	float *z[2], *d_z[2];          /* (n, k) attended representations */
	float *pe[2], *pq[2];          /* attention's scratch: (n, nl, h), (n, h) */
	float *x[M + 1], *d_x[M + 1];  /* x[0] (n, 3k) MLP input; x[l + 1] after layer l */
	float *mask_in;                /* (n, 3k) x[0]'s dropout mask */
	float *a[M], *d_a[M], *mask[M];   /* (n, width) after ReLU; dropout masks */
	float *out, *y, *target, *d_out, *d_y;   /* (n) */
	int dropped;
};

struct agr {
	struct rec_model base;         /* first: a struct agr is a struct rec_model */
	struct rec_agr_hparams h;      /* graph is NULL after make */
	struct rec_graph *g;           /* owned, in the model's numbering */
	struct rec_params p;
	size_t oE, obu, obi;           /* E^0: user then item rows, (nodes, k) */
	size_t oC[REC_AGR_MAX_LAYERS]; /* gcn: (k, k) a layer */
	size_t oAW[2], oAQ[2], oAb[2], oAv[2];   /* attention of each side */
	size_t oW[M], oB[M], oOut, omu;
	int nu, ni, nodes, nl, width[M + 1];
	struct rec_adam adam, adam_e;  /* the network's; the propagation's */
	float *E, *dE;                 /* (L, nodes, k) layers 1 .. L (layer 0 is
	                                * the embeddings) and their gradients,
	                                * summed over the block's batches so far
	                                * (zeros between blocks) */
	int pending;                   /* batches whose gradients of the layers
	                                * wait for the block's end */
	float *Y, *dY;                 /* gcn: (L, nodes, k) A E^l; (nodes, k) scratch */
	float *dC;                     /* gcn in a job: (k, k) scratch, the item
	                                * rows' share of W_l's gradient that ranks
	                                * but 0 drop */
	int fresh;                     /* E is the propagation of the weights */
	int part;                      /* g is this rank's part of a job's
	                                * graph (rec_graph_build), not all of it */
	double sent;                   /* in a job, the bytes the ranks sent
	                                * this epoch */
	struct work w;
	struct rec_batches b;
	struct rec_sample pos;         /* BPR: the training table's positives */
	double attn_sum[2][NL];        /* sum of attention weights this epoch */
	double attn_rows;
	float *arena;                  /* every float buffer above */
	int32_t *iarena;
};

static const struct rec_model_ops agr_ops;

/* ---- hyperparameters ---- */

static const char *const convs[] = { "lightgcn", "gcn", NULL };
static const char *const heads[] = { "mlp", "dot", NULL };
static const struct rec_agr_hparams agr_defaults = REC_AGR_DEFAULTS;

#define T struct rec_agr_hparams
static const struct rec_hparam agr_params[] = {
	REC_HP_ONE_OF(T, weight, "weight", "weight", rec_graph_weight_names,
	              "the edges of a graph built here"),
	REC_HP_INTEGER(T, k, "dim", "k", 1, 4096, "K", "embedding dimension"),
	REC_HP_INTEGER(T, layers, "layers", "layers", 0, REC_AGR_MAX_LAYERS, "N",
	               "graph-convolution layers"),
	REC_HP_ONE_OF(T, conv, "conv", "conv", convs,
	              "lightgcn (E' = A E) or gcn (E' = tanh(A E W))"),
	REC_HP_INTEGER(T, attn_dim, "attn-dim", "attn_dim", 1, 4096, "H",
	               "hidden size of the attention"),
	REC_HP_WIDTHS_OF(T, mlp, nmlp, REC_AGR_MAX_MLP, "mlp", "mlp", 1, 4096,
	                 "widths of the head's hidden layers"),
	REC_HP_NUMBER(T, lr, "lr", "lr", 1e-9, 100, "R", "learning rate of Adam"),
	REC_HP_NUMBER(T, reg, "reg", "reg", 0, 100, "R",
	              "L2 weight on each rating's embeddings and biases"),
	REC_HP_NUMBER(T, dropout, "dropout", "dropout", 0, 0.99, "P",
	              "dropout on the MLP's input and hidden layers"),
	REC_HP_INTEGER(T, batch, "batch", "batch", 1, 1 << 16, "N",
	               "ratings a step (with bpr: positives)"),
	REC_HP_NUMBER(T, init_sd, "init-sd", "init_sd", 0, 10, "S",
	              "embeddings start as N(0, S^2)"),
	REC_HP_ONE_OF(T, loss, "loss", "loss", rec_loss_names,
	              "mse on the ratings, or bpr on positives against\n"
	              "sampled negatives: a ranking model"),
	REC_HP_NUMBER(T, positive, "positive", "positive", 0, 5, "T",
	              "with bpr: ratings from T stars are positives"),
	REC_HP_INTEGER(T, negatives, "negatives", "negatives", 1, 1000, "N",
	               "with bpr: negatives drawn for each positive"),
	REC_HP_NEW_INTEGER(T, propagations, "propagations", "propagations", 1,
	                   1 << 30, "N",
	                   "blocks of batches an epoch at most, each\n"
	                   "propagating the graph once and stepping E^0\n"
	                   "once: the cost of an epoch is linear in the\n"
	                   "ratings"),
	REC_HP_NEW_ONE_OF(T, head, "head", "head", heads,
	                  "the MLP, or dot: z_u . z_i, no MLP"),
	REC_HP_INTEGER(T, threads, "threads", NULL, 1, 64, "N",
	               "threads of the graph and matrix products and of\n"
	               "the two sides' attention; the model is the\n"
	               "same, byte for byte, for any N"),
};
#undef T

/* Model files of recpipe 0.1.0 before the ranking losses. */
static const struct rec_hp_before agr_before[] = {
	{ "loss", NULL, NULL, "mse" },
	{ "positive", NULL, NULL, "3.5" },
	{ "negatives", NULL, NULL, "1" },
	{ NULL, NULL, NULL, NULL }
};

const struct rec_hparams_desc rec_agr_desc = {
	"agr", agr_params, sizeof agr_params / sizeof agr_params[0], &agr_defaults,
	NULL, NULL, NULL, agr_before
};

/* Whether the head is the MLP (else the dot product: no MLP weights or
 * buffers). */
static int
mlp_head(const struct agr *m)
{
	return m->h.head == REC_AGR_MLP;
}

/* ---- memory ---- */

/* The float buffers as (pointer, rows, cols) entries, carved from one
 * arena. */
struct carve {
	float **at;
	size_t rows, cols;
};

static int
carve_all(struct agr *m, int cap, struct rec_err *err)
{
	struct work *w = &m->w;
	const size_t n = (size_t)cap, k = (size_t)m->h.k, h = (size_t)m->h.attn_dim;
	const size_t nl = (size_t)m->nl, nodes = (size_t)m->nodes;
	struct carve c[64];
	size_t nc = 0, total = 0, off = 0;

#define ADD(p, r, cl) (c[nc++] = (struct carve){ &(p), (r), (cl) })
	for (int s = 0; s < 2; s++) {
		ADD(w->e[s], n * nl, k);
		ADD(w->d_e[s], n * nl, k);
		ADD(w->mean[s], n, k);
		ADD(w->d_mean[s], n, k);
		ADD(w->t[s], n * nl, h);
		ADD(w->alpha[s], n, nl);
		ADD(w->z[s], n, k);
		ADD(w->d_z[s], n, k);
	}
	for (int s = 0; s < 2; s++) {
		ADD(w->pe[s], n * nl, h);
		ADD(w->pq[s], n, h);
	}
	if (mlp_head(m)) {
		ADD(w->mask_in, n, 3 * k);
		for (int l = 0; l <= m->h.nmlp; l++) {
			ADD(w->x[l], n, (size_t)m->width[l]);
			ADD(w->d_x[l], n, (size_t)m->width[l]);
		}
		for (int l = 0; l < m->h.nmlp; l++) {
			ADD(w->a[l], n, (size_t)m->width[l + 1]);
			ADD(w->d_a[l], n, (size_t)m->width[l + 1]);
			ADD(w->mask[l], n, (size_t)m->width[l + 1]);
		}
	}
	ADD(w->out, n, 1);
	ADD(w->y, n, 1);
	ADD(w->target, n, 1);
	ADD(w->d_out, n, 1);
	ADD(w->d_y, n, 1);
	ADD(m->E, (nl - 1) * nodes, k);
	ADD(m->dE, (nl - 1) * nodes, k);
	if (m->h.conv == REC_AGR_GCN) {
		ADD(m->Y, nl * nodes, k);
		ADD(m->dY, nodes, k);
		ADD(m->dC, k, k);
	}
#undef ADD
	for (size_t j = 0; j < nc; j++) {
		size_t len;
		if (!rec_mul_ok(c[j].rows, c[j].cols, &len) || total + len < total)
			return rec_errf(err, NULL, 0, "the model is too large");
		total += len;
	}
	w->cap = cap;
	if (!(m->arena = rec_calloc(total ? total : 1, sizeof(float))) ||
	    !(m->iarena = rec_malloc_array(8 * n + nodes, sizeof(int32_t))) ||
	    !(w->key = rec_malloc_array(n, sizeof *w->key)))
		return rec_erroom(err, NULL);
	for (size_t j = 0; j < nc; j++) {
		*c[j].at = m->arena + off;
		off += c[j].rows * c[j].cols;
	}
	w->u = m->iarena;
	w->i = w->u + n;
	w->node[0] = w->i + n;
	w->node[1] = w->node[0] + n;
	w->row[0] = w->node[1] + n;
	w->row[1] = w->row[0] + n;
	w->tpos = w->row[1] + n;
	w->tneg = w->tpos + n;
	w->slot = w->tneg + n;
	for (size_t x = 0; x < nodes; x++)
		w->slot[x] = -1;
	return 0;
}

static void
agr_free(struct rec_model *base)
{
	struct agr *m = (struct agr *)base;

	rec_params_free(&m->p);
	rec_idmap_clear(&m->base.users);
	rec_idmap_clear(&m->base.items);
	rec_graph_free(m->g);
	rec_free(m->arena);
	rec_free(m->iarena);
	rec_free(m->w.key);
	rec_batches_free(&m->b);
	rec_sample_free(&m->pos);
	rec_free(m);
}

/* A model over graph g (owned from now on), zero weights. */
static struct agr *
agr_alloc(const struct rec_agr_hparams *h, struct rec_graph *g,
          struct rec_err *err)
{
	struct agr *m = rec_calloc(1, sizeof *m);
	struct rec_params *p;
	const char *side[2] = { "user", "item" };
	char name[32];
	int k = h->k, a = h->attn_dim;

	if (!m) {
		rec_graph_free(g);
		rec_erroom(err, NULL);
		return NULL;
	}
	m->base.ops = &agr_ops;
	m->base.ranking = h->loss == REC_LOSS_BPR;
	m->h = *h;
	m->h.graph = NULL;
	m->h.weight = g->weight;   /* a given graph's weighting wins */
	m->g = g;
	if (g->nodes > INT32_MAX) {
		rec_errf(err, NULL, 0, "too many users and items");
		goto fail;
	}
	m->nu = (int)g->nu;
	m->ni = (int)g->ni;
	m->nodes = (int)g->nodes;
	m->nl = h->layers + 1;
	m->width[0] = 3 * k;
	for (int l = 0; l < h->nmlp; l++)
		m->width[l + 1] = h->mlp[l];
	m->adam = (struct rec_adam)REC_ADAM_DEFAULTS;
	m->adam.lr = h->lr;
	m->adam_e = m->adam;
	p = &m->p;
	if (rec_params_add(p, "user_emb", 2, m->nu, k, &m->oE, err) ||
	    rec_params_add(p, "item_emb", 2, m->ni, k, &(size_t){ 0 }, err) ||
	    rec_params_add(p, "user_bias", 1, m->nu, 1, &m->obu, err) ||
	    rec_params_add(p, "item_bias", 1, m->ni, 1, &m->obi, err))
		goto fail;
	for (int l = 0; h->conv == REC_AGR_GCN && l < h->layers; l++) {
		snprintf(name, sizeof name, "conv.%d.w", l);
		if (rec_params_add(p, name, 2, k, k, &m->oC[l], err))
			goto fail;
	}
	for (int s = 0; s < 2; s++) {
		snprintf(name, sizeof name, "attn.%s.w", side[s]);
		if (rec_params_add(p, name, 2, a, k, &m->oAW[s], err))
			goto fail;
		snprintf(name, sizeof name, "attn.%s.q", side[s]);
		if (rec_params_add(p, name, 2, a, k, &m->oAQ[s], err))
			goto fail;
		snprintf(name, sizeof name, "attn.%s.b", side[s]);
		if (rec_params_add(p, name, 1, a, 1, &m->oAb[s], err))
			goto fail;
		snprintf(name, sizeof name, "attn.%s.v", side[s]);
		if (rec_params_add(p, name, 1, a, 1, &m->oAv[s], err))
			goto fail;
	}
	for (int l = 0; mlp_head(m) && l < h->nmlp; l++) {
		snprintf(name, sizeof name, "mlp.%d.w", l);
		if (rec_params_add(p, name, 2, m->width[l + 1], m->width[l], &m->oW[l], err))
			goto fail;
		snprintf(name, sizeof name, "mlp.%d.b", l);
		if (rec_params_add(p, name, 1, m->width[l + 1], 1, &m->oB[l], err))
			goto fail;
	}
	if ((mlp_head(m) &&
	     rec_params_add(p, "out.w", 2, 1, m->width[h->nmlp], &m->oOut, err)) ||
	    rec_params_add(p, "global_bias", 0, 1, 1, &m->omu, err) ||
	    rec_params_alloc(p, err) ||
	    carve_all(m, h->batch * (m->base.ranking ? 1 + h->negatives : 1),
	              err) != 0)
		goto fail;
	return m;
fail:
	if (err && !err->msg[0])
		rec_erroom(err, NULL);
	agr_free(&m->base);
	return NULL;
}

/* ---- propagation ---- */

/* Layer l of the propagation, (nodes, k). */
static float *
layer_of(const struct agr *m, int l)
{
	return l == 0 ? m->p.w + m->oE : m->E + (size_t)(l - 1) * m->nodes * m->h.k;
}

/* x (n) summed over the ranks, its bytes counted as every rank but
 * rank 0 sending them to rank 0 and rank 0 sending the sum back to each
 * (MPI's own reduction may move them otherwise). */
static void
sum_floats(struct agr *m, float *x, size_t n)
{
	rec_dist_sum_f32_now(x, n);
	m->sent += 2.0 * (rec_dist_size() - 1) * (double)n * sizeof(float);
}

/* The item rows of x (nodes, k), a layer or a layer's gradient, summed
 * over the ranks when the graph is this rank's part of a job's (each
 * rank then holds its edges' share of them). */
static void
sum_items(struct agr *m, float *x)
{
	if (m->part)
		sum_floats(m, x + (size_t)m->nu * m->h.k, (size_t)m->ni * m->h.k);
}

/* E^1 .. E^L of the current weights, unless they are there already.  A
 * collective when m->part. */
static void
propagate(struct agr *m)
{
	const struct rec_graph *g = m->g;
	const size_t layer = (size_t)m->nodes * m->h.k;
	const int k = m->h.k;

	if (m->fresh)
		return;
	for (int l = 0; l < m->h.layers; l++) {
		const float *in = layer_of(m, l);
		float *next = layer_of(m, l + 1);
		if (m->h.conv == REC_AGR_LIGHTGCN) {
			rec_spmm(next, 0, g->indptr, g->indices, g->values, in,
			         g->nodes, k, m->h.threads);
			sum_items(m, next);
			continue;
		}
		float *y = m->Y + l * layer;
		rec_spmm(y, 0, g->indptr, g->indices, g->values, in, g->nodes, k,
		         m->h.threads);
		sum_items(m, y);
		rec_linear_forward(next, y, m->p.w + m->oC[l], NULL, m->nodes, k, k,
		                   m->h.threads);
		for (size_t j = 0; j < layer; j++)
			next[j] = tanhf(next[j]);
	}
	m->fresh = 1;
}

/* ---- the network ---- */

/* Side s's distinct nodes among the n pairs of w, their layers
 * (unknown: zeros) and their mean layer. */
static void
gather_side(const struct agr *m, struct work *w, int n, int s)
{
	const size_t k = (size_t)m->h.k, nl = (size_t)m->nl;
	const int32_t *side = s == 0 ? w->u : w->i;
	const int32_t base = s == 0 ? 0 : m->nu;
	int unknown = -1, nn = 0;

	for (int j = 0; j < n; j++) {
		int32_t node = side[j] < 0 ? -1 : base + side[j];
		if (node < 0) {
			if (unknown < 0)
				w->node[s][unknown = nn++] = -1;
			w->row[s][j] = unknown;
			continue;
		}
		if (w->slot[node] < 0)
			w->node[s][w->slot[node] = nn++] = node;
		w->row[s][j] = w->slot[node];
	}
	w->nn[s] = nn;
	for (int x = 0; x < nn; x++) {
		const int32_t node = w->node[s][x];
		float *e = w->e[s] + (size_t)x * nl * k, *q = w->mean[s] + (size_t)x * k;
		if (node < 0) {
			memset(e, 0, nl * k * sizeof(float));
			memset(q, 0, k * sizeof(float));
			continue;
		}
		w->slot[node] = -1;
		for (size_t l = 0; l < nl; l++)
			memcpy(e + l * k, layer_of(m, (int)l) + (size_t)node * k,
			       k * sizeof(float));
		memcpy(q, e, k * sizeof(float));
		for (size_t l = 1; l < nl; l++)
			for (size_t c = 0; c < k; c++)
				q[c] += e[l * k + c];
		for (size_t c = 0; c < k; c++)
			q[c] /= (float)nl;
	}
}

/* Side s's attention: z, alpha and t from its nodes and the other side's
 * means. */
static void
attn_forward_side(const struct agr *m, struct work *w, int n, int s)
{
	const float *P = m->p.w;

	rec_attn_forward(w->z[s], w->alpha[s], w->t[s], w->e[s], w->mean[1 - s],
	                 w->row[s], w->row[1 - s], P + m->oAW[s], P + m->oAQ[s],
	                 P + m->oAb[s], P + m->oAv[s], w->pe[s], w->pq[s], n,
	                 w->nn[s], w->nn[1 - s], m->nl, m->h.k, m->h.attn_dim,
	                 m->h.threads);
}

/* The same in parts, for the ranking of every item (agr_rank_scores):
 * side s's projection of its nodes' layers, pe[s], which needs only
 * gather_side's work on side s; that of its queries, pq[s], which needs
 * only side 1 - s's; and then the rest. */
static void
project_nodes(const struct agr *m, struct work *w, int s)
{
	rec_linear_forward(w->pe[s], w->e[s], m->p.w + m->oAW[s], m->p.w + m->oAb[s],
	                   w->nn[s] * m->nl, m->h.k, m->h.attn_dim, m->h.threads);
}

static void
project_queries(const struct agr *m, struct work *w, int s)
{
	rec_linear_forward(w->pq[s], w->mean[1 - s], m->p.w + m->oAQ[s], NULL,
	                   w->nn[1 - s], m->h.k, m->h.attn_dim, m->h.threads);
}

static void
attend_side(const struct agr *m, struct work *w, int n, int s)
{
	rec_attn_attend(w->z[s], w->alpha[s], w->t[s], w->e[s], w->pe[s], w->pq[s],
	                w->row[s], w->row[1 - s], m->p.w + m->oAv[s], n, m->nl,
	                m->h.k, m->h.attn_dim);
}

/* Side s's attention backward: d_e[s] and d_mean[1 - s] (overwritten),
 * and the side's attention weights' gradients (added to). */
static void
attn_backward_side(const struct agr *m, struct work *w, int n, int s)
{
	const size_t k = (size_t)m->h.k, nl = (size_t)m->nl;
	const float *P = m->p.w;
	float *G = m->p.g;

	memset(w->d_e[s], 0, (size_t)w->nn[s] * nl * k * sizeof(float));
	memset(w->d_mean[1 - s], 0, (size_t)w->nn[1 - s] * k * sizeof(float));
	rec_attn_backward(w->d_e[s], w->d_mean[1 - s], G + m->oAW[s], G + m->oAQ[s],
	                  G + m->oAb[s], G + m->oAv[s], w->d_z[s], w->e[s],
	                  w->mean[1 - s], w->row[s], w->row[1 - s], w->alpha[s],
	                  w->t[s], P + m->oAW[s], P + m->oAQ[s], P + m->oAv[s],
	                  w->pe[s], w->pq[s], n, w->nn[s], w->nn[1 - s], m->nl,
	                  m->h.k, m->h.attn_dim, m->h.threads);
}

/* fn on both sides, at once on two threads when the model has them: the
 * sides write apart, so either order gives the same bits. */
typedef void side_fn(const struct agr *m, struct work *w, int n, int s);

struct sides {
	const struct agr *m;
	struct work *w;
	int n;
	side_fn *fn;
};

static void
run_sides(void *ctx, size_t beg, size_t end, int part)
{
	const struct sides *j = ctx;

	(void)part;
	for (size_t s = beg; s < end; s++)
		j->fn(j->m, j->w, j->n, (int)s);
}

static void
both_sides(const struct agr *m, struct work *w, int n, side_fn *fn)
{
	struct sides j = { m, w, n, fn };

	rec_parallel_for(2, m->h.threads > 1 ? 2 : 1, run_sides, &j);
}

/* The gradient of layer l, (nodes, k): E^0's in the slab, the others'
 * in dE. */
static float *
grad_of(const struct agr *m, int l)
{
	return l == 0 ? m->p.g + m->oE : m->dE + (size_t)(l - 1) * m->nodes * m->h.k;
}

/* Add the batch's gradients of every layer (w->d_e) into the layers'
 * gradients, each node's rows.  (A batch that is trained on has no
 * unknown nodes.) */
static void
add_batch_grads(const struct agr *m, const struct work *w)
{
	const size_t k = (size_t)m->h.k, nl = (size_t)m->nl;

	for (size_t l = 0; l < nl; l++)
		for (int s = 0; s < 2; s++)
			for (int x = 0; x < w->nn[s]; x++) {
				float *dx = grad_of(m, (int)l) + (size_t)w->node[s][x] * k;
				const float *ge = w->d_e[s] + ((size_t)x * nl + l) * k;
				for (size_t c = 0; c < k; c++)
					dx[c] += ge[c];
			}
}

/* The gradients of the layers back through the propagation, last first,
 * into E^0's (and gcn's W_l's) in the slab; dE is left zeros.  A
 * collective when m->part: each layer's item rows summed over the ranks
 * before they flow back, and gcn's W_l's gradient, to which the item
 * rows (the same on every rank) then add once, on rank 0. */
static void
propagate_backward(struct agr *m)
{
	const struct rec_graph *g = m->g;
	const size_t layer = (size_t)m->nodes * m->h.k, users = (size_t)m->nu * m->h.k;
	const int k = m->h.k, L = m->h.layers;

	for (int l = L - 1; l >= 0; l--) {
		float *d_next = grad_of(m, l + 1), *d_in = grad_of(m, l);
		const float *by = d_next;
		sum_items(m, d_next);
		if (m->h.conv == REC_AGR_GCN) {
			const float *next = layer_of(m, l + 1), *y = m->Y + l * layer;
			float *dW = m->p.g + m->oC[l];
			const float *W = m->p.w + m->oC[l];
			for (size_t j = 0; j < layer; j++)   /* through tanh, in place */
				d_next[j] *= 1 - next[j] * next[j];
			memset(m->dY, 0, layer * sizeof(float));
			if (!m->part)
				rec_linear_backward(m->dY, dW, NULL, d_next, y, W, m->nodes,
				                    k, k, m->h.threads);
			else {
				rec_linear_backward(m->dY, dW, NULL, d_next, y, W, m->nu,
				                    k, k, m->h.threads);
				memset(m->dC, 0, (size_t)k * k * sizeof(float));
				rec_linear_backward(m->dY + users, rec_dist_rank() == 0 ?
				                    dW : m->dC, NULL, d_next + users, y + users,
				                    W, m->ni, k, k, m->h.threads);
				sum_floats(m, dW, (size_t)k * k);
			}
			by = m->dY;
		}
		/* A is symmetric: the transpose product is A's own */
		rec_spmm(d_in, 1, g->indptr, g->indices, g->values, by, g->nodes, k,
		         m->h.threads);
	}
	sum_items(m, grad_of(m, 0));
	memset(m->dE, 0, (size_t)L * layer * sizeof(float));
}

/* Row j's dropout masks, of the MLP's input and of each hidden layer,
 * from a generator of its own seeded with w->key[j]: they depend on the
 * row alone, not on the rows beside it nor on the rank that has it. */
static void
draw_masks(const struct agr *m, struct work *w, int j)
{
	const float drop = m->h.dropout;
	const int in = 3 * m->h.k;
	struct rec_rng g;

	rec_rng_seed(&g, w->key[j]);
	rec_dropout_mask(w->mask_in + (size_t)j * in, &g, drop, 1, in);
	for (int l = 0; l < m->h.nmlp; l++)
		rec_dropout_mask(w->mask[l] + (size_t)j * m->width[l + 1], &g, drop, 1,
		                 m->width[l + 1]);
}

/* The MLP on the n rows' attended representations z: its output w . h
 * into out.  train: in training (dropout on, w->key the rows' seeds). */
static void
mlp_forward(const struct agr *m, struct work *w, int n, int train)
{
	const float *P = m->p.w;
	const int k = m->h.k, nm = m->h.nmlp, last = m->width[nm];
	const float drop = m->h.dropout;

	for (int j = 0; j < n; j++) {
		const float *zu = w->z[0] + (size_t)j * k, *zi = w->z[1] + (size_t)j * k;
		float *x = w->x[0] + (size_t)j * 3 * k;
		for (int c = 0; c < k; c++) {
			x[c] = zu[c];
			x[k + c] = zi[c];
			x[2 * k + c] = zu[c] * zi[c];
		}
	}
	w->dropped = train && drop > 0;
	if (w->dropped) {
		for (int j = 0; j < n; j++)
			draw_masks(m, w, j);
		rec_dropout_forward(w->x[0], w->x[0], w->mask_in, n, 3 * k);
	}
	for (int l = 0; l < nm; l++)
		rec_hidden_forward(w->x[l + 1], w->a[l], w->dropped ? w->mask[l] : NULL,
		                   w->x[l], P + m->oW[l], P + m->oB[l], n, m->width[l],
		                   m->width[l + 1], m->h.threads);
	rec_linear_forward(w->out, w->x[nm], P + m->oOut, NULL, n, last, 1,
	                   m->h.threads);
}

/* The head on the n rows' attended representations z: y, the network's
 * output on [0, 1]; or for a ranking model out, the score s.  train: in
 * training (dropout on). */
static void
head(const struct agr *m, struct work *w, int n, int train)
{
	const float *P = m->p.w;
	const int k = m->h.k;

	if (mlp_head(m))
		mlp_forward(m, w, n, train);
	else
		for (int j = 0; j < n; j++)
			w->out[j] = vec_dot(w->z[0] + (size_t)j * k, w->z[1] + (size_t)j * k, k);
	if (m->base.ranking) {
		for (int j = 0; j < n; j++)
			if (w->i[j] >= 0)
				w->out[j] += P[m->obi + w->i[j]];
		return;
	}
	rec_bias_forward(w->out, w->u, w->i, P + m->omu, P + m->obu, P + m->obi,
	                 n);
	rec_sigmoid_forward(w->y, w->out, n, 1);
}

/* The network on the n rows of w, from the propagated layers (head). */
static void
forward(const struct agr *m, struct work *w, int n, int train)
{
	both_sides(m, w, n, gather_side);
	both_sides(m, w, n, attn_forward_side);
	head(m, w, n, train);
}

/* What predict gives for row j of w after forward: a rating on the star
 * scale, or a ranking model's score s. */
static float
prediction(const struct agr *m, const struct work *w, int j)
{
	return m->base.ranking ? w->out[j] : rec_to_stars(w->y[j]);
}

/* The gradient of the MLP's output (w->d_out) into its weights' and
 * that of z (w->d_z, overwritten). */
static void
mlp_backward(struct agr *m, struct work *w, int n)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const int k = m->h.k, nm = m->h.nmlp, last = m->width[nm];

	memset(w->d_x[nm], 0, (size_t)n * last * sizeof(float));
	rec_linear_backward(w->d_x[nm], G + m->oOut, NULL, w->d_out, w->x[nm],
	                    P + m->oOut, n, last, 1, m->h.threads);
	for (int l = nm - 1; l >= 0; l--) {
		memset(w->d_x[l], 0, (size_t)n * m->width[l] * sizeof(float));
		rec_hidden_backward(w->d_x[l], G + m->oW[l], G + m->oB[l], w->d_a[l],
		                    w->d_x[l + 1], w->dropped ? w->mask[l] : NULL, w->a[l],
		                    w->x[l], P + m->oW[l], n, m->width[l], m->width[l + 1],
		                    m->h.threads);
	}
	/* [z_u, z_i, z_u * z_i], after dropout */
	if (w->dropped)
		rec_dropout_backward(w->d_x[0], w->mask_in, n, 3 * k);
	for (int j = 0; j < n; j++) {
		const float *zu = w->z[0] + (size_t)j * k, *zi = w->z[1] + (size_t)j * k;
		const float *g = w->d_x[0] + (size_t)j * 3 * k;
		float *gu = w->d_z[0] + (size_t)j * k, *gi = w->d_z[1] + (size_t)j * k;
		for (int c = 0; c < k; c++)
			gu[c] = g[c] + g[2 * k + c] * zi[c];
		for (int c = 0; c < k; c++)
			gi[c] = g[k + c] + g[2 * k + c] * zu[c];
	}
}

/* The gradient of the n rows' logits (w->d_out) into m->p.g, back
 * through the biases, the head, the attention and the propagation. */
static void
network_backward(struct agr *m, struct work *w, int n)
{
	float *G = m->p.g;
	const int k = m->h.k;
	const size_t nl = (size_t)m->nl;

	if (m->base.ranking)
		for (int j = 0; j < n; j++)
			G[m->obi + w->i[j]] += w->d_out[j];
	else
		rec_bias_backward(G + m->omu, G + m->obu, G + m->obi, w->d_out, w->u,
		                  w->i, n);
	if (mlp_head(m))
		mlp_backward(m, w, n);
	else   /* z_u . z_i */
		for (int j = 0; j < n; j++) {
			const float *zu = w->z[0] + (size_t)j * k, *zi = w->z[1] + (size_t)j * k;
			float *gu = w->d_z[0] + (size_t)j * k, *gi = w->d_z[1] + (size_t)j * k;
			for (int c = 0; c < k; c++) {
				gu[c] = w->d_out[j] * zi[c];
				gi[c] = w->d_out[j] * zu[c];
			}
		}
	both_sides(m, w, n, attn_backward_side);
	/* each layer's share of its node's mean (the other side's query) */
	for (int s = 0; s < 2; s++)
		for (int x = 0; x < w->nn[s]; x++) {
			const float *gq = w->d_mean[s] + (size_t)x * k;
			float *ge = w->d_e[s] + (size_t)x * nl * k;
			for (size_t l = 0; l < nl; l++)
				for (int c = 0; c < k; c++)
					ge[l * k + c] += gq[c] / (float)nl;
		}
	add_batch_grads(m, w);
}

/* |e|^2 for node x's row e of E^0, and rs e added to its gradient */
static double
l2_node(struct agr *m, size_t x, float rs)
{
	const int k = m->h.k;
	const float *e = m->p.w + m->oE + x * k;
	float *g = m->p.g + m->oE + x * k;

	for (int c = 0; c < k; c++)
		g[c] += rs * e[c];
	return vec_dot(e, e, k);
}

/* Gradients of the mean squared error (plus the L2 term) of a batch of
 * count rows, of which w holds n (in a job, this rank's share; else
 * count = n), into m->p.g, the layers' into their gradients
 * (propagate_backward takes them further); returns the n rows' summed
 * objective. */
static double
backward(struct agr *m, struct work *w, int n, int count)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const float rs = 2.0f * m->h.reg / (float)count;
	double total;

	total = rec_mse_forward(w->d_y, w->y, w->target, n) * n;
	if (count != n)   /* the gradient of the job's mean */
		for (int j = 0; j < n; j++)
			w->d_y[j] = (float)(2.0 * ((double)w->y[j] - w->target[j]) / count);
	memset(w->d_out, 0, (size_t)n * sizeof(float));
	rec_sigmoid_backward(w->d_out, w->d_y, w->y, n, 1);
	network_backward(m, w, n);
	/* L2 on each row's E^0 rows and biases, as often as the row occurs */
	for (int j = 0; j < n; j++) {
		size_t u = (size_t)w->u[j], i = (size_t)w->i[j];
		double norm = l2_node(m, u, rs) + l2_node(m, (size_t)m->nu + i, rs);
		G[m->obu + u] += rs * P[m->obu + u];
		G[m->obi + i] += rs * P[m->obi + i];
		norm += (double)P[m->obu + u] * P[m->obu + u] +
		        (double)P[m->obi + i] * P[m->obi + i];
		total += m->h.reg * norm;
	}
	return total;
}

/* BPR (agr.h): gradients of the objective of the t triples of w's n rows
 * (w->tpos, w->tneg), from their scores w->out, divided by count (the
 * batch's triples; in a job, the step's whole), as backward's; returns
 * the t triples' summed objective. */
static double
bpr_backward(struct agr *m, struct work *w, int n, int t, int count)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const float rs = 2.0f * m->h.reg / (float)count;
	double total;

	memset(w->d_out, 0, (size_t)n * sizeof(float));
	total = rec_bpr_forward(w->d_out, w->out, w->tpos, w->tneg, t,
	                        1.0f / (float)count);
	network_backward(m, w, n);
	for (int q = 0; q < t; q++) {
		size_t u = (size_t)w->u[w->tpos[q]];
		size_t i = (size_t)w->i[w->tpos[q]], j = (size_t)w->i[w->tneg[q]];
		double norm = l2_node(m, u, rs) + l2_node(m, (size_t)m->nu + i, rs) +
		              l2_node(m, (size_t)m->nu + j, rs);
		G[m->obi + i] += rs * P[m->obi + i];
		G[m->obi + j] += rs * P[m->obi + j];
		norm += (double)P[m->obi + i] * P[m->obi + i] +
		        (double)P[m->obi + j] * P[m->obi + j];
		total += m->h.reg * norm;
	}
	return total;
}

/* ---- training ---- */

/* Add the attention weights of w's n rows to the epoch's sums. */
static void
attn_count(struct agr *m, const struct work *w, int n)
{
	for (int s = 0; s < 2; s++)
		for (int j = 0; j < n; j++)
			for (int l = 0; l < m->nl; l++)
				m->attn_sum[s][l] += w->alpha[s][(size_t)j * m->nl + l];
	m->attn_rows += n;
}

/* The slab's part that f is applied to, off and n, in pieces:
 * the propagation's (E^0, then gcn's W_l) or the network's. */
typedef void part_fn(struct agr *m, size_t off, size_t n);

static void
each_piece(struct agr *m, int propagation, part_fn *f)
{
	const size_t conv = m->h.conv == REC_AGR_GCN ? m->oAW[0] - m->oC[0] : 0;

	if (propagation) {
		f(m, m->oE, m->obu - m->oE);
		if (conv)
			f(m, m->oC[0], conv);
	} else {
		f(m, m->obu, (conv ? m->oC[0] : m->oAW[0]) - m->obu);
		f(m, m->oAW[0], m->p.n - m->oAW[0]);
	}
}

static void
network_adam(struct agr *m, size_t off, size_t n)
{
	rec_adam_update(&m->p, &m->adam, off, n);
	memset(m->p.g + off, 0, n * sizeof(float));
}

static void
propagation_adam(struct agr *m, size_t off, size_t n)
{
	float *g = m->p.g + off;

	if (m->pending > 1)   /* the block's mean */
		for (size_t j = 0; j < n; j++)
			g[j] /= (float)m->pending;
	rec_adam_update(&m->p, &m->adam_e, off, n);
	memset(g, 0, n * sizeof(float));
}

/* In a job, the network's gradients summed over the ranks, but the user
 * biases': each is its user's rank's alone. */
static void
sum_network(struct agr *m)
{
	const size_t first = m->h.conv == REC_AGR_GCN ? m->oC[0] : m->oAW[0];

	if (!m->part)
		return;
	sum_floats(m, m->p.g + m->obi, first - m->obi);
	sum_floats(m, m->p.g + m->oAW[0], m->p.n - m->oAW[0]);
}

/* One step on w's n rows (in a job, this rank's share of the step, maybe
 * none) of a batch of count: forward from the block's layers, backward
 * by the model's loss (t triples with BPR, count the step's), Adam on the
 * network's weights.  Returns the n rows' summed objective.  A
 * collective in a job. */
static double
step(struct agr *m, struct work *w, int n, int t, int count)
{
	double total = 0;

	propagate(m);
	if (n > 0 && (!m->base.ranking || t > 0)) {
		forward(m, w, n, 1);
		attn_count(m, w, n);
		total = m->base.ranking ? bpr_backward(m, w, n, t, count) :
		                          backward(m, w, n, count);
	}
	sum_network(m);
	rec_adam_begin(&m->adam);
	each_piece(m, 0, network_adam);
	m->pending++;
	return total;
}

/* The end of a block: its gradients back through the propagation, and
 * Adam on the propagation's weights (with none pending, nothing). */
static void
end_block(struct agr *m)
{
	if (m->pending == 0)
		return;
	propagate_backward(m);
	rec_adam_begin(&m->adam_e);
	each_piece(m, 1, propagation_adam);
	m->pending = 0;
	m->fresh = 0;
}

/* Whether step q of nb ends a block when they fall into at most p. */
static int
ends_block(uint64_t q, uint64_t nb, uint64_t p)
{
	return q + 1 == nb || (q + 1) * p / nb != q * p / nb;
}

/* The end of an epoch: in a job, its attention sums the job's, and the
 * layers propagated now, by every rank, so that predicting (on some
 * ranks only) need not. */
static void
end_epoch(struct agr *m)
{
	if (!m->part)
		return;
	rec_dist_sum_f64(&m->attn_sum[0][0], 2 * NL);
	rec_dist_sum_f64(&m->attn_rows, 1);
	propagate(m);
}

/* An epoch of BPR: the job's positives (m->pos, placed among them by
 * rec_sample_init_job) in one order drawn from rng
 * (rec_batches_epoch_steps), cut into steps of batch positives, each
 * followed in w's rows by the negatives drawn for it.  A positive's
 * negatives and the dropout keys of its rows come from a generator of
 * its own, seeded by a key of the epoch's and the positive's place,
 * whichever rank holds it.  A step's loss is the mean over its
 * positives times --negatives (a draw that found no negative adds
 * nothing). */
static int
agr_epoch_bpr(struct agr *m, const struct rec_ratings *r, struct rec_rng *rng,
              double *loss, struct rec_err *err)
{
	struct work *w = &m->w;
	const int batch = m->h.batch, neg = m->h.negatives;
	uint64_t draw_key;
	double sum[2] = { 0, 0 };   /* objective, triples */

	if (rec_sample_epoch(&m->pos, r, m->h.positive, &m->b, batch, m->h.threads,
	                     rng, &draw_key, err) != 0)
		return -1;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const size_t beg = m->b.first[s];
		const int np = (int)(m->b.first[s + 1] - beg);
		const uint64_t job_pos = m->pos.total - s * (uint64_t)batch;
		int n = np, t = 0;

		for (int q = 0; q < np; q++) {
			uint32_t row = m->pos.row[m->b.order[beg + (size_t)q]];
			w->u[q] = r->user[row];
			w->i[q] = r->item[row];
		}
		for (int q = 0; q < np; q++) {
			struct rec_rng g;

			rec_sample_seed(&m->pos, m->b.order[beg + (size_t)q], draw_key, &g);
			w->key[q] = rec_rng_next(&g);
			for (int d = 0; d < neg; d++) {
				int32_t j = rec_sample_negative(&m->pos, w->u[q], &g);
				if (j < 0)
					continue;
				w->u[n] = w->u[q];
				w->i[n] = j;
				w->key[n] = rec_rng_next(&g);
				w->tpos[t] = q;
				w->tneg[t++] = n++;
			}
		}
		sum[0] += step(m, w, n, t, (job_pos < (uint64_t)batch ? (int)job_pos : batch) *
		                           neg);
		sum[1] += t;
		if (ends_block(s, m->b.steps, (uint64_t)m->h.propagations))
			end_block(m);
	}
	end_epoch(m);
	rec_dist_sum_f64(sum, 2);   /* the job's */
	*loss = sum[1] > 0 ? sum[0] / sum[1] : 0;
	return 0;
}

/* An epoch of ratings: the job's whole table in one order drawn from
 * rng (rec_batches_epoch_steps), cut into steps of batch rows, of which
 * each rank takes its own, each row's dropout masks drawn from a key of
 * the epoch's and the row's, whichever rank holds it. */
static int
agr_epoch(struct rec_model *base, const struct rec_ratings *r,
          struct rec_rng *rng, double *loss, struct rec_err *err)
{
	struct agr *m = (struct agr *)base;
	struct work *w = &m->w;
	const int batch = m->h.batch;
	/* a job's rows are its file's lines, one a row (shard.h); one
	 * process's are its table's, which may have come from two files */
	const uint32_t *line = rec_dist_size() > 1 ? r->line : NULL;
	int64_t rows = (int64_t)r->n;
	uint64_t order_key, mask_key;
	double total = 0;

	memset(m->attn_sum, 0, sizeof m->attn_sum);
	m->attn_rows = 0;
	m->sent = 0;
	if (m->base.ranking)
		return agr_epoch_bpr(m, r, rng, loss, err);
	rec_dist_sum_i64(&rows, 1);
	order_key = rec_rng_next(rng);
	mask_key = rec_rng_next(rng);
	if (rec_dist_agree(rec_batches_epoch_steps(&m->b, r->n, line, (uint64_t)rows,
	                                           batch, order_key, m->h.threads, err),
	                   err) != 0)
		return -1;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const size_t beg = m->b.first[s];
		const int n = (int)(m->b.first[s + 1] - beg);
		const uint64_t job_rows = (uint64_t)rows - s * (uint64_t)batch;

		for (int j = 0; j < n; j++) {
			uint32_t row = m->b.order[beg + (size_t)j];
			w->u[j] = r->user[row];
			w->i[j] = r->item[row];
			w->target[j] = rec_to_unit(r->rating[row]);
			w->key[j] = rec_rng_mix(mask_key + (line ? line[row] - 1 : row));
		}
		total += step(m, w, n, 0, job_rows < (uint64_t)batch ? (int)job_rows : batch);
		if (ends_block(s, m->b.steps, (uint64_t)m->h.propagations))
			end_block(m);
	}
	end_epoch(m);
	rec_dist_sum_f64(&total, 1);   /* the job's */
	*loss = total / (double)rows;
	return 0;
}

/* The mean attention weight of each layer over the last epoch's training
 * pairs: the user side's layers 0..L, then the item side's; in a job,
 * then the bytes the ranks sent. */
static int
agr_epoch_extra(const struct rec_model *base, double *out)
{
	const struct agr *m = (const struct agr *)base;

	for (int s = 0; s < 2; s++)
		for (int l = 0; l < m->nl; l++)
			out[s * m->nl + l] = m->attn_rows > 0 ?
				m->attn_sum[s][l] / m->attn_rows : NAN;
	if (m->part)
		out[2 * m->nl] = m->sent;
	return 2 * m->nl + m->part;
}

struct rec_params *
rec_agr_params(struct rec_model *base)
{
	return &((struct agr *)base)->p;
}

int
rec_agr_objective(struct rec_model *base, const struct rec_ratings *r,
                  double *loss)
{
	struct agr *m = (struct agr *)base;
	struct work *w = &m->w;

	if (m->base.ranking || r->n == 0 || r->n > (size_t)w->cap)
		return -1;
	memset(m->p.g, 0, m->p.n * sizeof(float));
	for (size_t j = 0; j < r->n; j++) {
		w->u[j] = rec_idmap_find(&m->base.users, r->users.ids[r->user[j]]);
		w->i[j] = rec_idmap_find(&m->base.items, r->items.ids[r->item[j]]);
		w->target[j] = rec_to_unit(r->rating[j]);
		if (w->u[j] < 0 || w->i[j] < 0)
			return -1;
	}
	m->fresh = 0;
	propagate(m);
	forward(m, w, (int)r->n, 0);
	*loss = backward(m, w, (int)r->n, (int)r->n) / (double)r->n;
	propagate_backward(m);
	return 0;
}

int
rec_agr_bpr_objective(struct rec_model *base, const int32_t *u,
                      const int32_t *i, const int32_t *j, size_t n,
                      double *loss)
{
	struct agr *m = (struct agr *)base;
	struct work *w = &m->w;

	if (!m->base.ranking || n == 0 || n > (size_t)w->cap / 2)
		return -1;
	for (size_t t = 0; t < n; t++) {
		if (u[t] < 0 || u[t] >= m->nu || i[t] < 0 || i[t] >= m->ni ||
		    j[t] < 0 || j[t] >= m->ni)
			return -1;
		w->u[t] = w->u[n + t] = u[t];
		w->i[t] = i[t];
		w->i[n + t] = j[t];
		w->tpos[t] = (int32_t)t;
		w->tneg[t] = (int32_t)(n + t);
	}
	memset(m->p.g, 0, m->p.n * sizeof(float));
	m->fresh = 0;
	propagate(m);
	forward(m, w, 2 * (int)n, 0);
	*loss = bpr_backward(m, w, 2 * (int)n, (int)n, (int)n) / (double)n;
	propagate_backward(m);
	return 0;
}

/* ---- using the model ---- */

static void
agr_predict(const struct rec_model *base, const int32_t *user,
            const int32_t *item, size_t n, float *out)
{
	/* The propagated layers and the work buffers are caches and
	 * scratch, not state: predicting changes nothing a caller can see
	 * (and is not thread-safe). */
	struct agr *m = (struct agr *)base;
	struct work *w = &m->w;

	propagate(m);
	for (size_t beg = 0; beg < n; beg += (size_t)w->cap) {
		int len = (int)(n - beg < (size_t)w->cap ? n - beg : (size_t)w->cap);
		memcpy(w->u, user + beg, (size_t)len * sizeof *w->u);
		memcpy(w->i, item + beg, (size_t)len * sizeof *w->i);
		forward(m, w, len, 0);
		for (int j = 0; j < len; j++)
			out[beg + (size_t)j] = prediction(m, w, j);
	}
}

/* predict's numbers for every item, bit for bit (the same products of
 * the same shapes, in the chunks of items predict takes), but with each
 * chunk's item side (its nodes' layers, their means and both
 * projections that come from them) made once for all n users rather
 * than once a user. */
static int
agr_rank_scores(const struct rec_model *base, const int32_t *user, size_t n,
                float *out, struct rec_err *err)
{
	struct agr *m = (struct agr *)base;
	struct work *w = &m->w;
	const size_t ni = (size_t)m->ni;

	(void)err;
	propagate(m);
	for (size_t beg = 0; beg < ni; beg += (size_t)w->cap) {
		int len = (int)(ni - beg < (size_t)w->cap ? ni - beg : (size_t)w->cap);
		for (int j = 0; j < len; j++)
			w->i[j] = (int32_t)(beg + (size_t)j);
		gather_side(m, w, len, 1);
		project_nodes(m, w, 1);
		project_queries(m, w, 0);
		for (size_t x = 0; x < n; x++) {
			for (int j = 0; j < len; j++)
				w->u[j] = user[x];
			gather_side(m, w, len, 0);
			project_nodes(m, w, 0);
			project_queries(m, w, 1);
			both_sides(m, w, len, attend_side);
			head(m, w, len, 0);
			for (int j = 0; j < len; j++)
				out[x * ni + beg + (size_t)j] = prediction(m, w, j);
		}
	}
	return 0;
}

/* The weights, and the layers propagated from them when they are: a
 * copy in a job predicts without propagating (end_epoch). */
static void
agr_copy_weights(struct rec_model *dst, const struct rec_model *src)
{
	struct agr *d = (struct agr *)dst;
	const struct agr *s = (const struct agr *)src;

	rec_params_copy_weights(&d->p, &s->p);
	if (s->fresh)
		memcpy(d->E, s->E, (size_t)(d->nl - 1) * d->nodes * d->h.k * sizeof *d->E);
	d->fresh = s->fresh;
}

/* ---- creating, saving, loading ---- */

/* U(-a, a) */
static void
init_uniform(float *v, size_t n, float a, struct rec_rng *rng)
{
	for (size_t j = 0; j < n; j++)
		v[j] = a * (2.0f * rec_rng_uniform(rng) - 1.0f);
}

/* The graph the model of r uses (see rec_agr_hparams.graph). */
static struct rec_graph *
graph_for(const struct rec_agr_hparams *h, const struct rec_ratings *r,
          struct rec_err *err)
{
	struct rec_graph *g = NULL;

	if (h->graph && rec_graph_match(&g, h->graph, r, NULL, err) == 0)
		return g;
	if (h->graph && strcmp(err->msg, "out of memory") == 0)
		return NULL;
	err->msg[0] = '\0';
	if (rec_graph_build(&g, r, h->graph ? h->graph->weight : h->weight, err) != 0)
		return NULL;
	return g;
}

struct rec_model *
rec_agr_make(const void *hp, const struct rec_ratings *r, uint64_t seed,
             struct rec_err *err)
{
	const struct rec_agr_hparams *h = hp;
	struct rec_err scratch = { 0 };
	struct rec_graph *g;
	struct rec_rng rng;
	struct agr *m = NULL;
	float *P;
	const int k = h->k, a = h->attn_dim;
	int rc = -1;

	if (!err)
		err = &scratch;
	err->msg[0] = '\0';
	if (rec_model_has_ratings(r, err) != 0)
		return NULL;
	if (!(g = graph_for(h, r, err)))   /* a job's failure is every rank's */
		return NULL;
	if ((m = agr_alloc(h, g, err)) && rec_model_init_maps(&m->base, r, err) == 0 &&
	    rec_batches_init(&m->b, m->nu, m->ni, h->batch, err) == 0)
		rc = 0;
	else if (!err->msg[0])
		rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) != 0) {
		if (m)
			agr_free(&m->base);
		return NULL;
	}
	m->part = rec_dist_size() > 1;
	P = m->p.w;
	rec_rng_seed(&rng, seed);
	for (size_t j = 0; j < (size_t)m->nodes * k; j++)
		P[m->oE + j] = h->init_sd * rec_rng_normal(&rng);
	for (int l = 0; h->conv == REC_AGR_GCN && l < h->layers; l++)   /* Glorot */
		init_uniform(P + m->oC[l], (size_t)k * k, sqrtf(3.0f / (float)k), &rng);
	for (int s = 0; s < 2; s++) {
		init_uniform(P + m->oAW[s], (size_t)a * k, 1 / sqrtf((float)k), &rng);
		init_uniform(P + m->oAQ[s], (size_t)a * k, 1 / sqrtf((float)k), &rng);
		init_uniform(P + m->oAv[s], (size_t)a, 1 / sqrtf((float)a), &rng);
	}
	for (int l = 0; mlp_head(m) && l < h->nmlp; l++) {
		float b = 1 / sqrtf((float)m->width[l]);
		init_uniform(P + m->oW[l], (size_t)m->width[l + 1] * m->width[l], b, &rng);
		init_uniform(P + m->oB[l], (size_t)m->width[l + 1], b, &rng);
	}
	if (mlp_head(m))
		init_uniform(P + m->oOut, (size_t)m->width[h->nmlp],
		             1 / sqrtf((float)m->width[h->nmlp]), &rng);
	P[m->omu] = rec_model_mean_logit(r);
	return &m->base;
}

/* Whether this rank holds user x: x has an edge in its part of the
 * graph (rec_params_gather_held). */
static int
holds_user(const void *ctx, int32_t x)
{
	const struct agr *m = ctx;

	return m->g->indptr[x + 1] > m->g->indptr[x];
}

/* Rank 0's *whole (caller frees) = the slab with every rank's users'
 * rows of E^0 and biases (the rest of the slab is the same on every
 * rank).  A collective. */
static int
gather_users(const struct agr *m, float **whole, struct rec_err *err)
{
	const struct rec_params_rows users = { 2, { m->oE, m->obu }, { (size_t)m->h.k, 1 },
	                                       m->nu };

	return rec_params_gather_held(&m->p, &users, holds_user, m, whole, err);
}

static int
agr_save(const struct rec_model *base, FILE *fp, const char *file,
         const char *const *xkey, const char *const *xval, size_t nx,
         struct rec_err *err)
{
	static const char *const names[3] = { "graph.indptr", "graph.indices",
	                                      "graph.values" };
	const struct agr *m = (const struct agr *)base;
	struct rec_graph *all = NULL;
	const struct rec_graph *g = m->g;
	struct rec_tensor t[5 + REC_MAX_PARAMS];
	float *whole = NULL;
	int rc;

	if (m->part) {   /* a job: the graph and the ranks' users to rank 0 */
		if (rec_graph_gather(&all, m->g, err) != 0)
			return -1;
		if (gather_users(m, &whole, err) != 0) {
			rec_graph_free(all);
			return -1;
		}
		g = all;
	}
	if (rec_dist_rank() > 0)
		return 0;
	const void *data[3] = { g->indptr, g->indices, g->values };
	const int64_t n[3] = { g->nodes + 1, g->nnz, g->nnz };
	rec_model_map_tensors(base, t);
	for (int j = 0; j < 3; j++) {
		struct rec_tensor *x = &t[2 + j];
		memset(x, 0, sizeof *x);
		snprintf(x->name, sizeof x->name, "%s", names[j]);
		x->dtype = j == 2 ? REC_F32 : REC_I64;
		x->ndim = 1;
		x->shape[0] = n[j];
		x->data = (void *)data[j];
		x->nbytes = (size_t)n[j] * rec_st_dtype_size(x->dtype);
	}
	rec_params_tensors(&m->p, t + 5);
	for (int j = 0; whole && j < m->p.nt; j++)
		t[5 + j].data = whole + ((const float *)t[5 + j].data - m->p.w);
	rc = rec_model_write(fp, file, &rec_agr_desc, &m->h, t, 5 + (size_t)m->p.nt,
	                     NULL, NULL, 0, xkey, xval, nx, err);
	rec_graph_free(all);
	rec_free(whole);
	return rc;
}

/* The graph stored in st, for nu users and ni items, checked. */
static int
load_graph(struct rec_graph **out, const struct rec_st *st, int64_t nu,
           int64_t ni, enum rec_graph_weight weight, struct rec_err *err)
{
	const struct rec_tensor *ip, *ix, *vals;
	int64_t shape[1] = { nu + ni + 1 };
	struct rec_graph *g;

	*out = NULL;
	if (rec_st_tensor(&ip, st, "graph.indptr", REC_I64, 1, shape, err) != 0 ||
	    rec_st_tensor(&ix, st, "graph.indices", REC_I64, 1, NULL, err) != 0)
		return -1;
	shape[0] = ix->shape[0];
	if (rec_st_tensor(&vals, st, "graph.values", REC_F32, 1, shape, err) != 0 ||
	    rec_graph_check(nu, ni, ip->data, ix->data, vals->data, ix->shape[0],
	                    st->name, err) != 0)
		return -1;
	if (!(g = rec_calloc(1, sizeof *g)) ||
	    !(g->indptr = rec_malloc(ip->nbytes)) ||
	    !(g->indices = rec_malloc(ix->nbytes ? ix->nbytes : 1)) ||
	    !(g->values = rec_malloc(vals->nbytes ? vals->nbytes : 1))) {
		rec_graph_free(g);
		return rec_erroom(err, st->name);
	}
	g->weight = weight;
	g->nu = nu;
	g->ni = ni;
	g->nodes = nu + ni;
	g->nnz = ix->shape[0];
	memcpy(g->indptr, ip->data, ip->nbytes);
	memcpy(g->indices, ix->data, ix->nbytes);
	memcpy(g->values, vals->data, vals->nbytes);
	*out = g;
	return 0;
}

int
rec_agr_load(struct rec_model **out, const struct rec_st *st, struct rec_err *err)
{
	static const char *const graph_tensors[] = { "graph.indptr", "graph.indices",
	                                             "graph.values", NULL };
	struct rec_agr_hparams h = REC_AGR_DEFAULTS;
	const struct rec_tensor *uids, *iids;
	struct rec_graph *g;
	struct agr *m;

	*out = NULL;
	if (rec_hparams_load(&rec_agr_desc, &h, st, err) != 0 ||
	    rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, NULL, err) != 0 ||
	    rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, NULL, err) != 0)
		return -1;
	if (uids->shape[0] > INT32_MAX || iids->shape[0] > INT32_MAX)
		return rec_errf(err, st->name, 0, "too many users or items");
	if (load_graph(&g, st, uids->shape[0], iids->shape[0], h.weight, err) != 0)
		return -1;
	if (err)
		err->msg[0] = '\0';
	if (!(m = agr_alloc(&h, g, err))) {
		if (err)
			snprintf(err->file, sizeof err->file, "%s", st->name);
		return -1;
	}
	if (rec_model_load_map(&m->base.users, st, "user_ids", m->nu, err) != 0 ||
	    rec_model_load_map(&m->base.items, st, "item_ids", m->ni, err) != 0 ||
	    rec_params_load(&m->p, st, err) != 0 ||
	    rec_model_no_extra(st, &m->p, graph_tensors, err) != 0) {
		agr_free(&m->base);
		return -1;
	}
	*out = &m->base;
	return 0;
}

static const struct rec_model_ops agr_ops = {
	.name = "agr",
	.epoch = agr_epoch,
	.predict = agr_predict,
	.rank_scores = agr_rank_scores,
	.copy_weights = agr_copy_weights,
	.save = agr_save,
	.save_gathers = 1,
	.free = agr_free,
	.epoch_extra = agr_epoch_extra,
};
