/*
 * ncf.c - NeuMF with side features (see ncf.h).
 *
 * The parameters are one slab (params.h).  The four embedding tables and
 * the two bias vectors come first and are updated row by row (the rows a
 * batch touched, lazy Adam, as in mf.c); everything from dense_off on
 * (side projection, MLP, output weights, global bias) is small and is
 * updated whole every step.  The gradients of the touched rows are
 * summed in small buffers of their own, a row a slot (the row's place
 * in the batch's list of users or items), not in the gradient slab,
 * whose tables would be a cache miss a row: the slab's gradient holds
 * the dense part only (and, for the gradient checks, a copy of the
 * rows).  The step updates each touched row and each part of the dense
 * weights on its own, so the threads share it out without changing a
 * bit.  Activations live in buffers sized for one batch, made once:
 * nothing is allocated in the training loop.
 *
 * In a job of N ranks (dist.h), synchronous data parallelism: each rank
 * trains on the rows of the users it owns (shard.h), and an epoch's
 * steps are one process's: one order of the job's whole table (with
 * BPR, of its positives), in which each rank places its own rows from a
 * key (rec_batches_epoch_steps), cut into batches, a row's dropout masks
 * (and a positive's negatives) drawn from its own key.  Each rank
 * runs the network on its rows of the batch; then one exchange gives
 * every rank the same gradient:
 * the dense part summed (rec_dist_sum_f32), and the touched item rows,
 * every rank's sent to every rank (rec_dist_allgatherv) and summed in
 * rank order.  A user's rows are on one rank alone: so are its
 * embeddings' gradients and updates, which no other rank ever reads (the
 * save gathers them).  Every rank then takes the same Adam step on the
 * dense part and on the union of the touched items.
 */
#include <math.h>
#include <string.h>

#include "rec/batch.h"
#include "rec/dist.h"
#include "rec/gemm.h"
#include "rec/hparams.h"
#include "rec/layer.h"
#include "rec/ncf.h"
#include "rec/parallel.h"
#include "rec/params.h"
#include "rec/rowsum.h"

#define L REC_NCF_MAX_LAYERS

/* The activations of one batch of up to cap rows, and their gradients. */
struct work {
	int cap;
	int32_t *u, *i;                /* (n) model indices; -1 unknown */
	int32_t *uz, *iz;              /* (n) the same, unknown -> row 0 */
	int32_t *us, *is;              /* (n) their slots: places in the
	                                * batch's b.urows, b.irows */
	int32_t *ucount, *icount;      /* (n) the rows a slot's user (item)
	                                * is in */
	float *gu, *gi, *mu, *mi;      /* (n, k) embeddings, after dropout */
	float *mgu, *mgi, *mmu, *mmi;  /* (n, k) their dropout masks */
	float *gmf;                    /* (n, k) */
	float *side;                   /* (n, d) projected side vectors */
	float *emb2;                   /* (n, 2k) [mu, mi], with side features */
	float *x[L + 1];               /* x[0] (n, in0) MLP input; x[l + 1] layer l's output after dropout */
	float *a[L];                   /* (n, width l) after ReLU, before dropout */
	float *mask[L];                /* (n, width l) dropout masks */
	float *zin;                    /* (n, k + last) */
	float *z, *y, *target;         /* (n) */
	int32_t *pos_row, *neg_row;    /* BPR: (n) each triple's positive and
	                                * negative rows; the negatives follow
	                                * the positives */
	float *pre_u, *d_pre_u;        /* BPR: (n, width 1) the user's part of
	                                * the first layer's product, a row a
	                                * positive, and its gradient */
	uint64_t *key;                 /* (n) in training, the seed of a row's
	                                * dropout masks */
	struct rec_rng *rng;           /* (n) row j's generator of them, from
	                                * one layer to the next */
	int dropped;                   /* forward drew dropout masks */
	/* gradients */
	float *d_zin, *d_gmf, *d_emb2, *d_side, *d_z, *d_y;
	float *d_x[L + 1], *d_a[L];
	float *d_gu, *d_gi, *d_mu, *d_mi;
	/* the touched rows' gradients, slot s that of row b.urows[s] (of
	 * the user tables) or b.irows[s] (of the item tables) */
	float *d_pg, *d_pm, *d_bu;     /* (n, k), (n, k), (n) */
	float *d_qg, *d_qm, *d_bi;
	float rs;                      /* the weight of the L2 term's gradient */
	double *norm;                  /* (2n) each touched row's share of the
	                                * L2 term, users' slots then items' */
};

struct ncf {
	struct rec_model base;         /* first: a struct ncf is a struct rec_model */
	struct rec_ncf_hparams h;      /* movies and tags are NULL after make */
	struct rec_side *side;         /* owned; NULL: no side features */
	struct rec_params p;
	size_t oPg, oQg, oPm, oQm, obu, obi;   /* row-wise part */
	size_t dense_off;
	size_t oS, oW[L], oB[L], oOut, omu;    /* dense part */
	int nu, ni, in0, width[L + 1];         /* width[0] = in0 */
	int d;                                 /* the side projection's width:
	                                        * h.side_dim, 0 without side */
	struct rec_adam adam;
	struct work w;
	struct rec_batches b;
	struct rec_sample pos;                 /* BPR: the training table's positives */
	int32_t *uslot, *islot;                /* (nu), (ni) a touched row's
	                                        * slot in the current batch */
	size_t ni_own;                         /* the items this rank's share
	                                        * touched (the step's b.ni is
	                                        * then the job's) */
	/* a job's (dist.h) */
	uint64_t total;                        /* the job's rows */
	struct rec_rowsum xsum;                /* the touched items' gradients,
	                                        * 2k + 1 floats a row */
	double sent;                           /* bytes sent, the last epoch */
	int32_t *own;                          /* (nown) a job's users of this
	                                        * rank, for the save */
	size_t nown;
};

static const struct rec_model_ops ncf_ops;

/* ---- hyperparameters ---- */

static const struct rec_ncf_hparams ncf_defaults = REC_NCF_DEFAULTS;

#define T struct rec_ncf_hparams
static const struct rec_hparam ncf_params[] = {
	REC_HP_INTEGER(T, tag_vocab, "tag-vocab", "tag_vocab", 0, 100000, "N",
	               "tags in the vocabulary: those on the most movies,\n"
	               "each on at least 2"),
	REC_HP_INTEGER(T, k, "dim", "k", 1, 4096, "K",
	               "dimension of each of the four embeddings"),
	REC_HP_WIDTHS_OF(T, mlp, nmlp, REC_NCF_MAX_LAYERS, "mlp", "mlp", 1, 4096,
	                 "widths of the MLP's hidden layers"),
	REC_HP_INTEGER(T, side_dim, "side-dim", "side_dim", 1, 4096, "D",
	               "dimension of the projected side vector"),
	REC_HP_NUMBER(T, lr, "lr", "lr", 1e-9, 100, "R", "learning rate of Adam"),
	REC_HP_NUMBER(T, reg, "reg", "reg", 0, 100, "R",
	              "L2 weight on each rating's embeddings and biases"),
	REC_HP_NUMBER(T, dropout, "dropout", "dropout", 0, 0.99, "P",
	              "dropout on the embeddings and the hidden layers"),
	REC_HP_INTEGER(T, batch, "batch", "batch", 1, 1 << 16, "N",
	               "ratings a step; with bpr, positives (each with\n"
	               "its negatives)"),
	REC_HP_NUMBER(T, init_sd, "init-sd", "init_sd", 0, 10, "S",
	              "embeddings start as N(0, S^2)"),
	REC_HP_INTEGER(T, threads, "threads", NULL, 1, 64, "N",
	               "threads of the matrix products; the model is\n"
	               "the same, byte for byte, for any N"),
	REC_HP_ONE_OF(T, loss, "loss", "loss", rec_loss_names,
	              "mse on the ratings, or bpr on positives against\n"
	              "sampled negatives: a ranking model"),
	REC_HP_NUMBER(T, positive, "positive", "positive", 0, 5, "T",
	              "with bpr: ratings from T stars are positives"),
	REC_HP_INTEGER(T, negatives, "negatives", "negatives", 1, 1000, "N",
	               "with bpr: negatives drawn for each positive"),
};
#undef T

/* Model files of recpipe 0.1.0 before the ranking losses: the MLP's widths were "layers", tag_vocab unsaved,
 * side_dim 0 without side features. */
static const struct rec_hp_before ncf_before[] = {
	{ "mlp", "layers", NULL, NULL },
	{ "tag_vocab", NULL, NULL, "200" },
	{ "side_dim", NULL, "0", "64" },
	{ "loss", NULL, NULL, "mse" },
	{ "positive", NULL, NULL, "3.5" },
	{ "negatives", NULL, NULL, "1" },
	{ NULL, NULL, NULL, NULL }
};

const struct rec_hparams_desc rec_ncf_desc = {
	"ncf", ncf_params, sizeof ncf_params / sizeof ncf_params[0], &ncf_defaults,
	NULL, NULL, NULL, ncf_before
};

/* ---- memory ---- */

static void
work_free(struct work *w)
{
	void **all[] = {
		(void **)&w->u, (void **)&w->i, (void **)&w->uz, (void **)&w->iz,
		(void **)&w->us, (void **)&w->is, (void **)&w->ucount,
		(void **)&w->icount, (void **)&w->key, (void **)&w->rng,
		(void **)&w->norm,
		(void **)&w->d_pg, (void **)&w->d_pm, (void **)&w->d_bu,
		(void **)&w->d_qg, (void **)&w->d_qm, (void **)&w->d_bi,
		(void **)&w->gu, (void **)&w->gi, (void **)&w->mu, (void **)&w->mi,
		(void **)&w->mgu, (void **)&w->mgi, (void **)&w->mmu, (void **)&w->mmi,
		(void **)&w->gmf, (void **)&w->side, (void **)&w->emb2, (void **)&w->zin,
		(void **)&w->z, (void **)&w->y, (void **)&w->target, (void **)&w->pos_row,
		(void **)&w->neg_row, (void **)&w->pre_u, (void **)&w->d_pre_u,
		(void **)&w->d_zin, (void **)&w->d_gmf, (void **)&w->d_emb2,
		(void **)&w->d_side, (void **)&w->d_z, (void **)&w->d_y,
		(void **)&w->d_gu, (void **)&w->d_gi, (void **)&w->d_mu, (void **)&w->d_mi,
	};
	for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) {
		rec_free(*all[j]);
		*all[j] = NULL;
	}
	for (int l = 0; l <= L; l++) {
		rec_free(w->x[l]);
		rec_free(w->d_x[l]);
		w->x[l] = w->d_x[l] = NULL;
	}
	for (int l = 0; l < L; l++) {
		rec_free(w->a[l]);
		rec_free(w->mask[l]);
		rec_free(w->d_a[l]);
		w->a[l] = w->mask[l] = w->d_a[l] = NULL;
	}
}

/* n floats (or ints), or NULL: one of the work buffers. */
static void *
buf(size_t rows, size_t cols, size_t size)
{
	size_t n;

	if (!rec_mul_ok(rows, cols ? cols : 1, &n))
		return NULL;
	return rec_malloc_array(n, size);
}

static int
work_alloc(struct ncf *m, int cap)
{
	struct work *w = &m->w;
	const size_t n = (size_t)cap, k = (size_t)m->h.k, d = (size_t)m->d;
	const size_t last = (size_t)m->width[m->h.nmlp], f = sizeof(float);
	int ok;

	w->cap = cap;
	ok = (w->u = buf(n, 1, 4)) && (w->i = buf(n, 1, 4)) &&
	     (w->uz = buf(n, 1, 4)) && (w->iz = buf(n, 1, 4)) &&
	     (w->us = buf(n, 1, 4)) && (w->is = buf(n, 1, 4)) &&
	     (w->ucount = buf(n, 1, 4)) && (w->icount = buf(n, 1, 4)) &&
	     (w->key = buf(n, 1, sizeof(uint64_t))) &&
	     (w->rng = buf(n, 1, sizeof(struct rec_rng))) &&
	     (w->norm = buf(2 * n, 1, sizeof(double))) &&
	     (w->d_pg = buf(n, k, f)) && (w->d_pm = buf(n, k, f)) &&
	     (w->d_bu = buf(n, 1, f)) && (w->d_qg = buf(n, k, f)) &&
	     (w->d_qm = buf(n, k, f)) && (w->d_bi = buf(n, 1, f)) &&
	     (w->gu = buf(n, k, f)) && (w->gi = buf(n, k, f)) &&
	     (w->mu = buf(n, k, f)) && (w->mi = buf(n, k, f)) &&
	     (w->mgu = buf(n, k, f)) && (w->mgi = buf(n, k, f)) &&
	     (w->mmu = buf(n, k, f)) && (w->mmi = buf(n, k, f)) &&
	     (w->gmf = buf(n, k, f)) && (w->side = buf(n, d, f)) &&
	     (w->emb2 = buf(n, 2 * k, f)) && (w->zin = buf(n, k + last, f)) &&
	     (w->z = buf(n, 1, f)) && (w->y = buf(n, 1, f)) &&
	     (w->target = buf(n, 1, f)) && (w->pos_row = buf(n, 1, 4)) &&
	     (w->neg_row = buf(n, 1, 4)) &&
	     (w->pre_u = buf(n, (size_t)m->width[1], f)) &&
	     (w->d_pre_u = buf(n, (size_t)m->width[1], f)) &&
	     (w->d_zin = buf(n, k + last, f)) && (w->d_gmf = buf(n, k, f)) &&
	     (w->d_emb2 = buf(n, 2 * k, f)) && (w->d_side = buf(n, d, f)) &&
	     (w->d_z = buf(n, 1, f)) && (w->d_y = buf(n, 1, f)) &&
	     (w->d_gu = buf(n, k, f)) && (w->d_gi = buf(n, k, f)) &&
	     (w->d_mu = buf(n, k, f)) && (w->d_mi = buf(n, k, f));
	for (int l = 0; ok && l <= m->h.nmlp; l++)
		ok = (w->x[l] = buf(n, (size_t)m->width[l], f)) &&
		     (w->d_x[l] = buf(n, (size_t)m->width[l], f));
	for (int l = 0; ok && l < m->h.nmlp; l++)
		ok = (w->a[l] = buf(n, (size_t)m->width[l + 1], f)) &&
		     (w->mask[l] = buf(n, (size_t)m->width[l + 1], f)) &&
		     (w->d_a[l] = buf(n, (size_t)m->width[l + 1], f));
	return ok ? 0 : -1;
}

static void
ncf_free(struct rec_model *base)
{
	struct ncf *m = (struct ncf *)base;

	rec_params_free(&m->p);
	rec_idmap_clear(&m->base.users);
	rec_idmap_clear(&m->base.items);
	rec_side_free(m->side);
	work_free(&m->w);
	rec_batches_free(&m->b);
	rec_sample_free(&m->pos);
	rec_free(m->uslot);
	rec_free(m->islot);
	rec_rowsum_free(&m->xsum);
	rec_free(m->own);
	rec_free(m);
}

/* The rows of a batch: a ranking model's are its positives and all
 * their negatives; in a job of N ranks a step's may be N - 1 more. */
static int
batch_rows(const struct rec_ncf_hparams *h)
{
	return h->batch * (h->loss == REC_LOSS_BPR ? 1 + h->negatives : 1) +
	       rec_dist_size() - 1;
}

/* A model of nu users and ni items with side (owned from now on, may be
 * NULL), zero weights. */
static struct ncf *
ncf_alloc(const struct rec_ncf_hparams *h, int nu, int ni,
          struct rec_side *side, struct rec_err *err)
{
	struct ncf *m = rec_calloc(1, sizeof *m);
	struct rec_params *p;
	char name[32];
	int k = h->k, nf = side ? side->nfeat : 0;

	if (!m) {
		rec_side_free(side);
		rec_erroom(err, NULL);
		return NULL;
	}
	m->base.ops = &ncf_ops;
	m->base.ranking = h->loss == REC_LOSS_BPR;
	m->h = *h;
	m->h.movies = NULL;
	m->h.tags = NULL;
	m->side = side;
	m->d = side ? h->side_dim : 0;
	m->nu = nu;
	m->ni = ni;
	m->in0 = 2 * k + m->d;
	m->width[0] = m->in0;
	for (int l = 0; l < h->nmlp; l++)
		m->width[l + 1] = h->mlp[l];
	m->adam = (struct rec_adam)REC_ADAM_DEFAULTS;
	m->adam.lr = h->lr;
	p = &m->p;
	if (rec_params_add(p, "gmf.user", 2, nu, k, &m->oPg, err) ||
	    rec_params_add(p, "gmf.item", 2, ni, k, &m->oQg, err) ||
	    rec_params_add(p, "mlp.user", 2, nu, k, &m->oPm, err) ||
	    rec_params_add(p, "mlp.item", 2, ni, k, &m->oQm, err) ||
	    rec_params_add(p, "user_bias", 1, nu, 1, &m->obu, err) ||
	    rec_params_add(p, "item_bias", 1, ni, 1, &m->obi, err))
		goto fail;
	m->dense_off = p->n;
	if (side && rec_params_add(p, "side.proj", 2, nf, m->d, &m->oS, err))
		goto fail;
	for (int l = 0; l < h->nmlp; l++) {
		snprintf(name, sizeof name, "mlp.%d.w", l);
		if (rec_params_add(p, name, 2, m->width[l + 1], m->width[l], &m->oW[l], err))
			goto fail;
		snprintf(name, sizeof name, "mlp.%d.b", l);
		if (rec_params_add(p, name, 1, m->width[l + 1], 1, &m->oB[l], err))
			goto fail;
	}
	if (rec_params_add(p, "out.w", 2, 1, k + m->width[h->nmlp], &m->oOut, err) ||
	    rec_params_add(p, "global_bias", 0, 1, 1, &m->omu, err) ||
	    rec_params_alloc(p, err) ||
	    work_alloc(m, batch_rows(h)) != 0 ||
	    !(m->uslot = buf((size_t)nu, 1, 4)) || !(m->islot = buf((size_t)ni, 1, 4)) ||
	    rec_rowsum_init(&m->xsum, ni, (size_t)batch_rows(h), 2 * (size_t)k + 1,
	                    err) != 0)
		goto fail;
	return m;
fail:
	if (err && !err->msg[0])
		rec_erroom(err, NULL);
	ncf_free(&m->base);
	return NULL;
}

/* ---- the network ---- */

/* Gather the embeddings of rows [beg, end) of w->u, w->i (unknown:
 * zeros). */
static void
gather(const struct ncf *m, struct work *w, size_t beg, size_t end)
{
	const float *P = m->p.w;
	const int k = m->h.k, n = (int)(end - beg);
	const size_t row = beg * (size_t)k;

	for (size_t j = beg; j < end; j++) {
		w->uz[j] = w->u[j] < 0 ? 0 : w->u[j];
		w->iz[j] = w->i[j] < 0 ? 0 : w->i[j];
	}
	rec_embedding_forward(w->gu + row, w->uz + beg, P + m->oPg, n, k);
	rec_embedding_forward(w->gi + row, w->iz + beg, P + m->oQg, n, k);
	rec_embedding_forward(w->mu + row, w->uz + beg, P + m->oPm, n, k);
	rec_embedding_forward(w->mi + row, w->iz + beg, P + m->oQm, n, k);
	for (size_t j = beg; j < end; j++) {
		if (w->u[j] < 0) {
			memset(w->gu + j * k, 0, (size_t)k * sizeof(float));
			memset(w->mu + j * k, 0, (size_t)k * sizeof(float));
		}
		if (w->i[j] < 0) {
			memset(w->gi + j * k, 0, (size_t)k * sizeof(float));
			memset(w->mi + j * k, 0, (size_t)k * sizeof(float));
		}
	}
}

/* out (d) = Ws^T side_i, the sum of the projection rows of item i's
 * features (i < 0: zeros). */
static void
side_project(const struct ncf *m, float *out, int32_t i)
{
	const int d = m->d;
	const float *S = m->p.w + m->oS;

	memset(out, 0, (size_t)d * sizeof(float));
	if (i < 0)
		return;
	for (int64_t e = m->side->start[i]; e < m->side->start[i + 1]; e++) {
		const float *row = S + (size_t)m->side->feat[e] * d;
		for (int c = 0; c < d; c++)
			out[c] += row[c];
	}
}

/* The row of w's positive whose negative is row j of a BPR batch of np
 * positives (a positive's: j). */
static int
positive_of(const struct work *w, int np, int j)
{
	return j < np ? j : w->pos_row[j - np];
}

/* A model and a work whose rows the threads share (rec_part_fn's ctx). */
struct rows {
	const struct ncf *m;
	struct work *w;
	int np;      /* a BPR batch's positives, or 0 */
	int layer;   /* activate_part's */
};

/* Row j's dropout masks of the embeddings, from a generator of its own
 * seeded with w->key[j] and left in w->rng[j] for the hidden layers', so
 * that they depend on the row alone (not on the rows beside it, nor on
 * the rank of a job that computes it).  A BPR batch's negative takes
 * its positive's masks of the user's embeddings: the first draws of its
 * positive's generator. */
static void
draw_embedding_masks(const struct ncf *m, struct work *w, int np, size_t j)
{
	const int k = m->h.k;
	const size_t at = j * (size_t)k;
	const size_t pos = np > 0 ? (size_t)positive_of(w, np, (int)j) : j;
	const float drop = m->h.dropout;
	struct rec_rng *g = &w->rng[j];

	rec_rng_seed(g, w->key[pos]);
	rec_dropout_mask(w->mgu + at, g, drop, 1, k);
	rec_dropout_mask(w->mmu + at, g, drop, 1, k);
	if (pos != j)
		rec_rng_seed(g, w->key[j]);
	rec_dropout_mask(w->mgi + at, g, drop, 1, k);
	rec_dropout_mask(w->mmi + at, g, drop, 1, k);
}

/* The network's first layers for rows [beg, end), which need no other
 * row: the embeddings gathered and dropped, the GMF product, the MLP's
 * input (rec_part_fn). */
static void
front_part(void *ctx, size_t beg, size_t end, int t)
{
	const struct rows *r = ctx;
	const struct ncf *m = r->m;
	struct work *w = r->w;
	const int k = m->h.k, n = (int)(end - beg);
	const size_t row = beg * (size_t)k, in0 = (size_t)m->in0;

	(void)t;
	gather(m, w, beg, end);
	if (w->dropped) {
		for (size_t j = beg; j < end; j++)
			draw_embedding_masks(m, w, r->np, j);
		rec_dropout_forward(w->gu + row, w->gu + row, w->mgu + row, n, k);
		rec_dropout_forward(w->gi + row, w->gi + row, w->mgi + row, n, k);
		rec_dropout_forward(w->mu + row, w->mu + row, w->mmu + row, n, k);
		rec_dropout_forward(w->mi + row, w->mi + row, w->mmi + row, n, k);
	}
	rec_mul_forward(w->gmf + row, w->gu + row, w->gi + row, n, k);
	if (!m->side) {   /* the MLP's input is [mu, mi] */
		rec_concat_forward(w->x[0] + row * 2, w->mu + row, w->mi + row, n, k, k);
		return;
	}
	rec_concat_forward(w->emb2 + row * 2, w->mu + row, w->mi + row, n, k, k);
	for (size_t j = beg; j < end; j++)
		side_project(m, w->side + j * (size_t)m->d, w->i[j]);
	rec_concat_forward(w->x[0] + beg * in0, w->emb2 + row * 2,
	                   w->side + beg * (size_t)m->d, n, 2 * k, m->d);
}

/* Hidden layer r->layer's ReLU, then its dropout, for rows [beg, end):
 * a, the layer's product on entry, becomes relu(a); its output is a,
 * masked by masks that each row's generator draws (rec_part_fn). */
static void
activate_part(void *ctx, size_t beg, size_t end, int t)
{
	const struct rows *r = ctx;
	const int l = r->layer, out = r->m->width[l + 1];
	struct work *w = r->w;
	float *a = w->a[l] + beg * (size_t)out, *y = w->x[l + 1] + beg * (size_t)out;
	float *mask = w->mask[l] + beg * (size_t)out;
	const int n = (int)(end - beg);

	(void)t;
	for (size_t j = beg; w->dropped && j < end; j++)
		rec_dropout_mask(mask + (j - beg) * (size_t)out, &w->rng[j],
		                 r->m->h.dropout, 1, out);
	rec_hidden_activate(y, a, w->dropped ? mask : NULL, n, out);
}

/* Hidden layer l's activation of the n rows of w (activate_part). */
static void
activate(const struct ncf *m, struct work *w, int l, int n)
{
	struct rows rows = { m, w, 0, l };

	rec_parallel_for((size_t)n, m->h.threads, activate_part, &rows);
}

/* The first hidden layer of a BPR batch of np positives (forward's layer
 * 0): a negative's row of the MLP's input starts with its positive's
 * mu, so the product of W0's first k columns and mu is computed once a
 * positive (into pre_u) and added to the rest of each row's product. */
static void
first_layer_bpr(const struct ncf *m, struct work *w, int n, int np)
{
	const float *W0 = m->p.w + m->oW[0], *b0 = m->p.w + m->oB[0];
	const int k = m->h.k, in0 = m->in0, w1 = m->width[1], th = m->h.threads;
	float *a = w->a[0];

	rec_sgemm(0, 1, np, w1, k, 1.0f, w->x[0], in0, W0, in0, 0.0f, w->pre_u,
	          w1, th);
	for (int j = 0; j < n; j++) {
		const float *pu = w->pre_u + (size_t)positive_of(w, np, j) * w1;
		for (int c = 0; c < w1; c++)
			a[(size_t)j * w1 + c] = b0[c] + pu[c];
	}
	rec_sgemm(0, 1, n, w1, in0 - k, 1.0f, w->x[0] + k, in0, W0 + k, in0, 1.0f,
	          a, w1, th);
	activate(m, w, 0, n);
}

/* y = the network's output on [0, 1] for the n rows of w; train: with
 * dropout, row j's masks drawn from w->key[j].  np > 0: a BPR
 * batch, its first np rows the positives and the rest their negatives
 * (w->pos_row), each of which shares its positive's user embeddings,
 * dropout masks included. */
static void
forward(const struct ncf *m, struct work *w, int n, int np, int train)
{
	const float *P = m->p.w;
	const int k = m->h.k, nl = m->h.nmlp, last = m->width[nl];
	struct rows rows = { m, w, np, 0 };

	w->dropped = train && m->h.dropout > 0;
	rec_parallel_for((size_t)n, m->h.threads, front_part, &rows);
	if (np > 0)
		first_layer_bpr(m, w, n, np);
	for (int l = np > 0; l < nl; l++) {
		rec_linear_forward(w->a[l], w->x[l], P + m->oW[l], P + m->oB[l], n,
		                   m->width[l], m->width[l + 1], m->h.threads);
		activate(m, w, l, n);
	}
	rec_concat_forward(w->zin, w->gmf, w->x[nl], n, k, last);
	rec_linear_forward(w->z, w->zin, P + m->oOut, NULL, n, k + last, 1,
	                   m->h.threads);
	rec_bias_forward(w->z, w->u, w->i, P + m->omu, P + m->obu, P + m->obi, n);
	rec_sigmoid_forward(w->y, w->z, n, 1);
}

/* The slots of the n rows of w, whose users and items m->b lists, and
 * how many rows each slot's user and item are in. */
static void
find_slots(struct ncf *m, struct work *w, int n)
{
	for (size_t s = 0; s < m->b.nu; s++) {
		m->uslot[m->b.urows[s]] = (int32_t)s;
		w->ucount[s] = 0;
	}
	for (size_t s = 0; s < m->b.ni; s++) {
		m->islot[m->b.irows[s]] = (int32_t)s;
		w->icount[s] = 0;
	}
	for (int j = 0; j < n; j++) {
		w->us[j] = m->uslot[w->u[j]];
		w->is[j] = m->islot[w->i[j]];
		w->ucount[w->us[j]]++;
		w->icount[w->is[j]]++;
	}
}

/* Back through front_part for rows [beg, end): from the gradient of
 * the GMF product and of the MLP's input (d_emb2 with side features,
 * else d_x[0]) to the gathered embeddings' (rec_part_fn). */
static void
back_part(void *ctx, size_t beg, size_t end, int t)
{
	const struct rows *r = ctx;
	const struct ncf *m = r->m;
	struct work *w = r->w;
	const int k = m->h.k, n = (int)(end - beg);
	const size_t row = beg * (size_t)k, f = sizeof(float);
	const float *d_emb = (m->side ? w->d_emb2 : w->d_x[0]) + row * 2;

	(void)t;
	memset(w->d_gu + row, 0, (size_t)n * k * f);
	memset(w->d_gi + row, 0, (size_t)n * k * f);
	memset(w->d_mu + row, 0, (size_t)n * k * f);
	memset(w->d_mi + row, 0, (size_t)n * k * f);
	rec_mul_backward(w->d_gu + row, w->d_gi + row, w->d_gmf + row, w->gu + row,
	                 w->gi + row, n, k);
	rec_concat_backward(w->d_mu + row, w->d_mi + row, d_emb, n, k, k);
	if (w->dropped) {
		rec_dropout_backward(w->d_gu + row, w->mgu + row, n, k);
		rec_dropout_backward(w->d_gi + row, w->mgi + row, n, k);
		rec_dropout_backward(w->d_mu + row, w->mmu + row, n, k);
		rec_dropout_backward(w->d_mi + row, w->mmi + row, n, k);
	}
}

/* Back through first_layer_bpr from d_x[1] to d_x[0] (zeros on entry)
 * and the gradients of W0 and b0: the user's part once a positive, from
 * the sum of the gradients of its rows (left in the positive's row of
 * d_x[0], zeros in the negatives'). */
static void
first_layer_bpr_backward(struct ncf *m, struct work *w, int n, int np)
{
	const float *W0 = m->p.w + m->oW[0];
	float *dW0 = m->p.g + m->oW[0], *db0 = m->p.g + m->oB[0];
	const int k = m->h.k, in0 = m->in0, w1 = m->width[1], th = m->h.threads;
	float *d_a = w->d_a[0], *d_pu = w->d_pre_u;

	rec_hidden_activate_backward(d_a, w->d_x[1], w->dropped ? w->mask[0] : NULL,
	                             w->a[0], n, w1);
	memcpy(d_pu, d_a, (size_t)np * w1 * sizeof(float));
	for (int j = np; j < n; j++) {
		const float *g = d_a + (size_t)j * w1;
		float *to = d_pu + (size_t)positive_of(w, np, j) * w1;
		for (int c = 0; c < w1; c++)
			to[c] += g[c];
	}
	for (int j = 0; j < np; j++)
		for (int c = 0; c < w1; c++)
			db0[c] += d_pu[(size_t)j * w1 + c];
	rec_sgemm(0, 0, n, in0 - k, w1, 1.0f, d_a, w1, W0 + k, in0, 1.0f,
	          w->d_x[0] + k, in0, th);
	rec_sgemm(1, 0, w1, in0 - k, n, 1.0f, d_a, w1, w->x[0] + k, in0, 1.0f,
	          dW0 + k, in0, th);
	rec_sgemm(0, 0, np, k, w1, 1.0f, d_pu, w1, W0, in0, 1.0f, w->d_x[0], in0, th);
	rec_sgemm(1, 0, w1, k, np, 1.0f, d_pu, w1, w->x[0], in0, 1.0f, dW0, in0, th);
}

/* Back from w->d_z (n), the gradient of a batch's loss in the logits,
 * into m->p.g (the dense part) and the touched rows' gradients of w
 * (each row once in m->b); the L2 term of each of the n rows, whose
 * gradient is weighted by rs (2 reg over the loss's count), is left to
 * penalize (the step's, where the rows are read anyway).  np as
 * forward had it.  Returns total plus the loss of the batch. */
static double
backward_logits(struct ncf *m, struct work *w, int n, int np, float rs,
                double total)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const int k = m->h.k, nl = m->h.nmlp, last = m->width[nl];
	const size_t nu = m->b.nu, ni = m->b.ni, f = sizeof(float);
	struct rows rows = { m, w, 0, 0 };

	find_slots(m, w, n);
	memset(w->d_pg, 0, nu * k * f);
	memset(w->d_pm, 0, nu * k * f);
	memset(w->d_bu, 0, nu * f);
	memset(w->d_qg, 0, ni * k * f);
	memset(w->d_qm, 0, ni * k * f);
	memset(w->d_bi, 0, ni * f);
	if (m->base.ranking)   /* mu and b_u drop out of a difference: held at 0 */
		for (int j = 0; j < n; j++)
			w->d_bi[w->is[j]] += w->d_z[j];
	else
		rec_bias_backward(G + m->omu, w->d_bu, w->d_bi, w->d_z, w->us,
		                  w->is, n);
	memset(w->d_zin, 0, (size_t)n * (k + last) * sizeof(float));
	rec_linear_backward(w->d_zin, G + m->oOut, NULL, w->d_z, w->zin, P + m->oOut,
	                    n, k + last, 1, m->h.threads);
	memset(w->d_gmf, 0, (size_t)n * k * sizeof(float));
	memset(w->d_x[nl], 0, (size_t)n * last * sizeof(float));
	rec_concat_backward(w->d_gmf, w->d_x[nl], w->d_zin, n, k, last);
	for (int l = nl - 1; l >= 0; l--) {
		memset(w->d_x[l], 0, (size_t)n * m->width[l] * sizeof(float));
		if (l == 0 && np > 0)
			first_layer_bpr_backward(m, w, n, np);
		else
			rec_hidden_backward(w->d_x[l], G + m->oW[l], G + m->oB[l],
			                    w->d_a[l], w->d_x[l + 1],
			                    w->dropped ? w->mask[l] : NULL, w->a[l], w->x[l],
			                    P + m->oW[l], n, m->width[l], m->width[l + 1],
			                    m->h.threads);
	}
	if (m->side) {
		const int d = m->d;
		memset(w->d_emb2, 0, (size_t)n * 2 * k * sizeof(float));
		memset(w->d_side, 0, (size_t)n * d * sizeof(float));
		rec_concat_backward(w->d_emb2, w->d_side, w->d_x[0], n, 2 * k, d);
		for (int j = 0; j < n; j++) {
			const float *g = w->d_side + (size_t)j * d;
			for (int64_t e = m->side->start[w->i[j]]; e < m->side->start[w->i[j] + 1]; e++) {
				float *row = G + m->oS + (size_t)m->side->feat[e] * d;
				for (int c = 0; c < d; c++)
					row[c] += g[c];
			}
		}
	}
	rec_parallel_for((size_t)n, m->h.threads, back_part, &rows);
	rec_embedding_backward(w->d_pg, w->d_gu, w->us, n, k);
	rec_embedding_backward(w->d_qg, w->d_gi, w->is, n, k);
	rec_embedding_backward(w->d_pm, w->d_mu, w->us, n, k);
	rec_embedding_backward(w->d_qm, w->d_mi, w->is, n, k);
	w->rs = rs;
	return total;
}

/* Gradients of the mean squared error of a batch of count rows, of which
 * w holds n (in a job, this rank's share; else count = n), the L2 term to
 * come from penalize; returns the error summed over the n rows. */
static double
backward(struct ncf *m, struct work *w, int n, int count)
{
	double total = rec_mse_forward(w->d_y, w->y, w->target, n) * n;

	if (count != n)   /* the gradient of the job's mean */
		for (int j = 0; j < n; j++)
			w->d_y[j] = (float)(2.0 * ((double)w->y[j] - w->target[j]) / count);
	memset(w->d_z, 0, (size_t)n * sizeof(float));
	rec_sigmoid_backward(w->d_z, w->d_y, w->y, n, 1);
	return backward_logits(m, w, n, 0, 2.0f * m->h.reg / (float)count, total);
}

/* The same for BPR, the rows of w its np positives and then their nneg
 * negatives (paired by w->pos_row, w->neg_row), of a batch of count
 * triples (in a job, the step's whole; else count = nneg); the loss
 * summed over the nneg triples. */
static double
backward_bpr(struct ncf *m, struct work *w, int np, int nneg, int count)
{
	double total;

	memset(w->d_z, 0, (size_t)(np + nneg) * sizeof(float));
	total = rec_bpr_forward(w->d_z, w->z, w->pos_row, w->neg_row, nneg,
	                        1.0f / (float)count);

	return backward_logits(m, w, np + nneg, np, 2.0f * m->h.reg / (float)count,
	                       total);
}

/* ---- training ---- */

/* The L2 term of the row of slot s, in the batch's touched rows of two
 * tables of k columns (from offsets t1, t2) and of a bias vector (from
 * bias), whose gradients are g1, g2, gb: the gradient added as often as
 * the row is in the batch (as a sum over the batch's rows would add
 * it), and the row's share of the term's value returned. */
static double
penalize_row(struct ncf *m, int32_t row, size_t s, int count, size_t t1,
             size_t t2, size_t bias, float *g1, float *g2, float *gb)
{
	const float *P = m->p.w, rs = m->w.rs;
	const size_t k = (size_t)m->h.k;
	const float *w1 = P + t1 + (size_t)row * k, *w2 = P + t2 + (size_t)row * k;
	const float wb = P[bias + (size_t)row];

	for (int c = 0; c < count; c++) {
		rec_axpy(g1 + s * k, rs, w1, (int)k);
		rec_axpy(g2 + s * k, rs, w2, (int)k);
		gb[s] += rs * wb;
	}
	return count * ((double)rec_sumsq(w1, (int)k) + rec_sumsq(w2, (int)k) +
	                (double)wb * wb);
}

/* Touched row e (the users' slots, then the items'): its slot, its row
 * and the offsets of its three tables (the GMF and MLP embeddings, the
 * bias) in the slabs. */
static size_t
touched_offsets(const struct ncf *m, size_t e, int32_t *row, size_t t[3])
{
	const int user = e < m->b.nu;
	const size_t s = user ? e : e - m->b.nu;

	*row = user ? m->b.urows[s] : m->b.irows[s];
	t[0] = user ? m->oPg : m->oQg;
	t[1] = user ? m->oPm : m->oQm;
	t[2] = user ? m->obu : m->obi;
	return s;
}

/* Ask for touched row e's weights and moments ahead of its step: the rows
 * are scattered over tables larger than the cache, and the step waits on
 * every line of them otherwise. */
static void
prefetch_row(const struct ncf *m, size_t e)
{
	const struct rec_params *p = &m->p;
	const size_t k = (size_t)m->h.k;
	size_t t[3];
	int32_t row;

	touched_offsets(m, e, &row, t);
	for (int j = 0; j < 3; j++) {
		size_t len = j < 2 ? k : 1, off = t[j] + (size_t)row * len;
		for (size_t c = 0; c < len; c += 64 / sizeof(float)) {
			__builtin_prefetch(p->w + off + c, 1);
			__builtin_prefetch(p->m + off + c, 1);
			__builtin_prefetch(p->v + off + c, 1);
		}
	}
}

/* What touched_row does to a row: its L2 term, its Adam step, or both. */
enum { PENALIZE = 1, ADAM = 2 };

/* Touched row e: penalize_row (when what has PENALIZE), then the row's
 * Adam step (when it has ADAM). */
static void
touched_row(struct ncf *m, size_t e, int what)
{
	struct work *w = &m->w;
	const struct rec_params *p = &m->p;
	const int user = e < m->b.nu;
	const size_t k = (size_t)m->h.k;
	size_t t[3];
	int32_t row;
	const size_t s = touched_offsets(m, e, &row, t);
	float *g[3] = { user ? w->d_pg : w->d_qg, user ? w->d_pm : w->d_qm,
	                user ? w->d_bu : w->d_bi };

	if (what & PENALIZE)
		w->norm[e] = penalize_row(m, row, s, user ? w->ucount[s] : w->icount[s],
		                          t[0], t[1], t[2], g[0], g[1], g[2]);
	if (!(what & ADAM))
		return;
	for (int j = 0; j < 3; j++) {
		size_t len = j < 2 ? k : 1, off = t[j] + (size_t)row * len;
		rec_adam_apply(&m->adam, p->w + off, p->m + off, p->v + off,
		               g[j] + s * len, len);
	}
}

/* A step's work, cut into units for the threads: the touched rows (the
 * users', then the items'), then the dense weights UNIT floats at a
 * time.  Each unit updates its own floats: any cut gives the same bits. */
enum { UNIT = 256 };

/* How many touched rows ahead the step asks for (prefetch_row). */
enum { AHEAD = 2 };

static size_t
step_units(const struct ncf *m)
{
	return m->b.nu + m->b.ni + (m->p.n - m->dense_off + UNIT - 1) / UNIT;
}

/* The step's units [beg, end) (rec_part_fn). */
static void
step_part(void *ctx, size_t beg, size_t end, int t)
{
	struct ncf *m = ctx;
	const size_t rows = m->b.nu + m->b.ni;

	(void)t;
	for (size_t e = beg; e < end; e++) {
		if (e < rows) {
			if (e + AHEAD < end && e + AHEAD < rows)
				prefetch_row(m, e + AHEAD);
			/* the items' L2 terms came before the exchange */
			touched_row(m, e, e < m->b.nu ? PENALIZE | ADAM : ADAM);
		} else {
			size_t off = m->dense_off + (e - rows) * UNIT;
			size_t len = m->p.n - off < UNIT ? m->p.n - off : UNIT;
			rec_adam_update(&m->p, &m->adam, off, len);
			memset(m->p.g + off, 0, len * sizeof(float));
		}
	}
}

/* The L2 term of the batch's rows summed over its touched rows (this
 * rank's: its users, then the ni_own items of its share), as
 * touched_row left it. */
static double
penalty(const struct ncf *m)
{
	double sum = 0;

	for (size_t e = 0; e < m->b.nu + m->ni_own; e++)
		sum += m->w.norm[e];
	return m->h.reg * sum;
}

/* The touched items' L2 terms [beg, end) (rec_part_fn). */
static void
penalize_part(void *ctx, size_t beg, size_t end, int t)
{
	struct ncf *m = ctx;

	(void)t;
	for (size_t e = beg; e < end; e++)
		touched_row(m, m->b.nu + e, PENALIZE);
}

/* The exchange of a step in a job (a collective): the touched item rows
 * of every rank's share, their gradients summed in rank order, become
 * the step's (m->b.irows and the work's item gradients: the same on
 * every rank, in order of first appearance), and the dense gradients
 * are summed.  Counts the bytes sent. */
static void
exchange(struct ncf *m)
{
	struct work *w = &m->w;
	const size_t k = (size_t)m->h.k, rec = 2 * k + 2, f = sizeof(float);
	const size_t dense = m->p.n - m->dense_off;

	for (size_t s = 0; s < m->b.ni; s++) {
		float *at = rec_rowsum_put(&m->xsum, s, m->b.irows[s]);
		memcpy(at, w->d_qg + s * k, k * f);
		memcpy(at + k, w->d_qm + s * k, k * f);
		at[2 * k] = w->d_bi[s];
	}
	/* the step's rows are at most the work's cap: so are their items */
	m->b.ni = rec_rowsum_exchange(&m->xsum, m->b.ni, m->b.irows);
	for (size_t s = 0; s < m->b.ni; s++) {
		const float *at = rec_rowsum_sum(&m->xsum, s);
		memcpy(w->d_qg + s * k, at, k * f);
		memcpy(w->d_qm + s * k, at + k, k * f);
		w->d_bi[s] = at[2 * k];
	}
	rec_dist_sum_f32_now(m->p.g + m->dense_off, dense);
	/* each rank's rows to the N - 1 others; the dense sum to rank 0 and
	 * back (MPI's own reduction may move them otherwise) */
	m->sent += (double)(rec_dist_size() - 1) *
	           (double)(m->xsum.received * rec + 2 * dense) * (double)f;
}

/* The L2 term of the batch (its gradient with the touched rows'), in a
 * job the exchange, then one Adam step on the gradients of the batch,
 * lazy on the rows it touched; the dense gradients are zeroed after it.
 * Returns this rank's share of the L2 term.  A collective in a job. */
static double
step(struct ncf *m)
{
	rec_parallel_for(m->b.ni, m->h.threads, penalize_part, m);
	m->ni_own = m->b.ni;
	if (rec_dist_size() > 1)
		exchange(m);
	rec_adam_begin(&m->adam);
	rec_parallel_for(step_units(m), m->h.threads, step_part, m);
	return penalty(m);
}

/* An epoch of BPR, the same in a job as in one process but for the
 * order of float additions: the job's positives (m->pos, placed among
 * them by rec_sample_init_job) in one order drawn from rng
 * (rec_batches_epoch_steps), cut into steps of batch positives, each
 * followed in the work's rows by the negatives drawn for it.  A
 * positive's negatives and the dropout keys of its rows come from a
 * generator of its own, seeded by a key of the epoch's and the
 * positive's place, whichever rank holds it.  The loss of a step is
 * the mean over its positives times --negatives (a draw that found no
 * negative adds nothing). */
static int
ncf_epoch_bpr(struct ncf *m, const struct rec_ratings *r, struct rec_rng *rng,
              double *loss, struct rec_err *err)
{
	struct work *w = &m->w;
	const int batch = m->h.batch, neg = m->h.negatives;
	uint64_t draw_key;
	double sum[2] = { 0, 0 };

	if (rec_sample_epoch(&m->pos, r, m->h.positive, &m->b, batch, m->h.threads,
	                     rng, &draw_key, err) != 0)
		return -1;
	m->sent = 0;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const size_t beg = m->b.first[s];
		const int np = (int)(m->b.first[s + 1] - beg);
		const uint64_t job_pos = m->pos.total - s * (uint64_t)batch;
		int n = np;

		rec_batches_next(&m->b);
		/* the positives first, in a loop of their own: the scattered
		 * reads of the table overlap */
		for (int t = 0; t < np; t++) {
			uint32_t row = m->pos.row[m->b.order[beg + (size_t)t]];
			w->u[t] = r->user[row];
			w->i[t] = r->item[row];
		}
		for (int t = 0; t < np; t++) {
			struct rec_rng g;

			rec_batches_touch(&m->b, w->u[t], w->i[t]);
			rec_sample_seed(&m->pos, m->b.order[beg + (size_t)t], draw_key, &g);
			w->key[t] = rec_rng_next(&g);
			for (int q = 0; q < neg; q++) {
				int32_t j = rec_sample_negative(&m->pos, w->u[t], &g);
				if (j < 0)
					continue;
				w->u[n] = w->u[t];
				w->i[n] = j;
				w->key[n] = rec_rng_next(&g);
				w->pos_row[n - np] = t;
				w->neg_row[n - np] = n;
				rec_batches_touch(&m->b, w->u[t], j);
				n++;
			}
		}
		if (np > 0) {
			forward(m, w, n, np, 1);
			sum[0] += backward_bpr(m, w, np, n - np,
			                       (job_pos < (uint64_t)batch ? (int)job_pos : batch) *
			                       neg);
			sum[1] += n - np;
		}
		sum[0] += step(m);
	}
	rec_dist_sum_f64(sum, 2);   /* the job's */
	*loss = sum[1] > 0 ? sum[0] / sum[1] : 0;
	return 0;
}

/* An epoch of ratings, the same in a job as in one process but for the
 * order of float additions: the job's whole table in one order drawn
 * from rng (rec_batches_epoch_steps), cut into steps of batch rows, of
 * which each rank takes its own, each row's dropout masks drawn from a
 * key of the epoch's and the row's (draw_embedding_masks), whichever
 * rank holds it. */
static int
ncf_epoch(struct rec_model *base, const struct rec_ratings *r,
          struct rec_rng *rng, double *loss, struct rec_err *err)
{
	struct ncf *m = (struct ncf *)base;
	struct work *w = &m->w;
	const int batch = m->h.batch;
	/* a job's rows are its file's lines, one a row (shard.h); one
	 * process's are its table's, which may have come from two files */
	const uint32_t *line = rec_dist_size() > 1 ? r->line : NULL;
	int64_t rows = (int64_t)r->n;
	uint64_t order_key, mask_key;
	double sum[2] = { 0, (double)r->n };

	if (m->base.ranking)
		return ncf_epoch_bpr(m, r, rng, loss, err);
	rec_dist_sum_i64(&rows, 1);
	m->total = (uint64_t)rows;
	order_key = rec_rng_next(rng);
	mask_key = rec_rng_next(rng);
	if (rec_dist_agree(rec_batches_epoch_steps(&m->b, r->n, line, m->total, batch,
	                                           order_key, m->h.threads, err),
	                   err) != 0)
		return -1;
	m->sent = 0;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const size_t beg = m->b.first[s];
		const int n = (int)(m->b.first[s + 1] - beg);
		const uint64_t job_rows = m->total - s * (uint64_t)batch;

		rec_batches_next(&m->b);
		for (int j = 0; j < n; j++) {
			uint32_t row = m->b.order[beg + (size_t)j];
			int32_t u = r->user[row], i = r->item[row];
			w->u[j] = u;
			w->i[j] = i;
			w->target[j] = rec_to_unit(r->rating[row]);
			w->key[j] = rec_rng_mix(mask_key + (line ? line[row] - 1 : row));
			rec_batches_touch(&m->b, u, i);
		}
		if (n > 0) {   /* a rank may have no rows in a step */
			forward(m, w, n, 0, 1);
			sum[0] += backward(m, w, n,
			                   job_rows < (uint64_t)batch ? (int)job_rows : batch);
		}
		sum[0] += step(m);
	}
	rec_dist_sum_f64(sum, 2);   /* the job's */
	*loss = sum[0] / sum[1];
	return 0;
}

struct rec_params *
rec_ncf_params(struct rec_model *base)
{
	return &((struct ncf *)base)->p;
}

/* The gradients of the rows of slot s (of row rows[s]) of two tables
 * (rows of k, from t1 and t2) and a bias vector, g1, g2 and gb, copied
 * into the slab's, for each of the n slots. */
static void
rows_to_slab(struct ncf *m, const int32_t *rows, size_t n, size_t t1,
             size_t t2, size_t bias, const float *g1, const float *g2,
             const float *gb)
{
	const size_t k = (size_t)m->h.k;

	for (size_t s = 0; s < n; s++) {
		size_t row = (size_t)rows[s];
		memcpy(m->p.g + t1 + row * k, g1 + s * k, k * sizeof(float));
		memcpy(m->p.g + t2 + row * k, g2 + s * k, k * sizeof(float));
		m->p.g[bias + row] = gb[s];
	}
}

/* Forward and backward through the n rows of w as the gradient checks
 * see them: the whole gradient in the slab's; returns the batch's
 * summed objective (BPR's when nneg > 0: the last nneg rows are the
 * negatives of pos_row, neg_row). */
static double
objective_batch(struct ncf *m, int n, int nneg)
{
	struct work *w = &m->w;
	double total;

	memset(m->p.g, 0, m->p.n * sizeof(float));
	rec_batches_next(&m->b);
	for (int j = 0; j < n; j++)
		rec_batches_touch(&m->b, w->u[j], w->i[j]);
	forward(m, w, n, nneg ? n - nneg : 0, 0);
	total = nneg ? backward_bpr(m, w, n - nneg, nneg, nneg) : backward(m, w, n, n);
	for (size_t e = 0; e < m->b.nu + m->b.ni; e++)
		touched_row(m, e, PENALIZE);
	m->ni_own = m->b.ni;
	total += penalty(m);
	rows_to_slab(m, m->b.urows, m->b.nu, m->oPg, m->oPm, m->obu, w->d_pg,
	             w->d_pm, w->d_bu);
	rows_to_slab(m, m->b.irows, m->b.ni, m->oQg, m->oQm, m->obi, w->d_qg,
	             w->d_qm, w->d_bi);
	return total;
}

int
rec_ncf_objective(struct rec_model *base, const struct rec_ratings *r,
                  double *loss)
{
	struct ncf *m = (struct ncf *)base;
	struct work *w = &m->w;
	double total;

	if (r->n == 0 || r->n > (size_t)w->cap)
		return -1;
	for (size_t j = 0; j < r->n; j++) {
		w->u[j] = rec_idmap_find(&m->base.users, r->users.ids[r->user[j]]);
		w->i[j] = rec_idmap_find(&m->base.items, r->items.ids[r->item[j]]);
		w->target[j] = rec_to_unit(r->rating[j]);
		if (w->u[j] < 0 || w->i[j] < 0)
			return -1;
	}
	total = objective_batch(m, (int)r->n, 0);
	*loss = total / (double)r->n;
	return 0;
}

int
rec_ncf_bpr_objective(struct rec_model *base, const int32_t *u, const int32_t *i,
                      const int32_t *j, size_t n, size_t neg, double *loss)
{
	struct ncf *m = (struct ncf *)base;
	struct work *w = &m->w;
	size_t rows = n;

	if (n == 0 || neg == 0 || neg > (size_t)w->cap || n > (size_t)w->cap / (1 + neg))
		return -1;
	for (size_t t = 0; t < n; t++) {
		w->u[t] = u[t];
		w->i[t] = i[t];
		for (size_t s = 0; s < neg; s++, rows++) {
			w->u[rows] = u[t];
			w->i[rows] = j[t * neg + s];
			w->pos_row[rows - n] = (int32_t)t;
			w->neg_row[rows - n] = (int32_t)rows;
		}
	}
	*loss = objective_batch(m, (int)rows, (int)(n * neg)) / (double)(n * neg);
	return 0;
}

/* ---- using the model ---- */

static void
ncf_predict(const struct rec_model *base, const int32_t *user,
            const int32_t *item, size_t n, float *out)
{
	/* The work buffers are scratch, not state: predicting changes
	 * nothing a caller can see (and is not thread-safe). */
	struct ncf *m = (struct ncf *)base;
	struct work *w = &m->w;

	for (size_t beg = 0; beg < n; beg += (size_t)w->cap) {
		int len = (int)(n - beg < (size_t)w->cap ? n - beg : (size_t)w->cap);
		memcpy(w->u, user + beg, (size_t)len * sizeof *w->u);
		memcpy(w->i, item + beg, (size_t)len * sizeof *w->i);
		forward(m, w, len, 0, 0);
		for (int j = 0; j < len; j++)   /* a ranking model: its logit */
			out[beg + (size_t)j] = m->base.ranking ? w->z[j] : rec_to_stars(w->y[j]);
	}
}

/* out (n, ni) = a ranking model's z of every item for each user, as
 * predict gives it in fewer operations: the first hidden layer's product
 * is a user part plus an item part, each computed once, and the GMF
 * branch is one product, (w_g * pg_u) . qg_i.  A rating model ranks by
 * predict. */
static int
ncf_rank_scores(const struct rec_model *base, const int32_t *user, size_t n,
                float *out, struct rec_err *err)
{
	const struct ncf *m = (const struct ncf *)base;
	const float *P = m->p.w, *W0 = P + m->oW[0], *wout = P + m->oOut;
	const int k = m->h.k, ni = m->ni, nl = m->h.nmlp, d = m->d, in0 = m->in0;
	const int w1 = m->width[1], last = m->width[nl], th = m->h.threads;
	size_t wide = 0;
	float *side, *item_pre, *pg, *pre, *x[2];
	int rc = -1;

	if (!m->base.ranking)
		return rec_model_rank_by_predict(base, user, n, out, err);
	if (n == 0)
		return 0;
	for (int l = 1; l <= nl; l++)
		wide = wide > (size_t)m->width[l] ? wide : (size_t)m->width[l];
	side = buf((size_t)ni, (size_t)d, sizeof(float));
	item_pre = buf((size_t)ni, (size_t)w1, sizeof(float));
	pg = buf(n, (size_t)k, sizeof(float));
	pre = buf(1, (size_t)w1, sizeof(float));
	x[0] = buf((size_t)ni, wide, sizeof(float));
	x[1] = buf((size_t)ni, wide, sizeof(float));
	if (!side || !item_pre || !pg || !pre || !x[0] || !x[1]) {
		rec_erroom(err, NULL);
		goto out;
	}
	/* the items' part of the first layer: b0 + [qm_i, Ws^T side_i] times
	 * W0's columns from k on */
	for (int i = 0; i < ni; i++)
		memcpy(item_pre + (size_t)i * w1, P + m->oB[0], (size_t)w1 * sizeof(float));
	rec_sgemm(0, 1, ni, w1, k, 1.0f, P + m->oQm, k, W0 + k, in0, 1.0f,
	          item_pre, w1, th);
	if (m->side) {
		for (int i = 0; i < ni; i++)
			side_project(m, side + (size_t)i * d, i);
		rec_sgemm(0, 1, ni, w1, d, 1.0f, side, d, W0 + 2 * k, in0, 1.0f,
		          item_pre, w1, th);
	}
	/* the GMF branch of every user at once */
	for (size_t j = 0; j < n; j++)
		for (int c = 0; c < k; c++)
			pg[j * k + c] = user[j] < 0 ? 0 :
			                P[m->oPg + (size_t)user[j] * k + c] * wout[c];
	rec_sgemm(0, 1, (int)n, ni, k, 1.0f, pg, k, P + m->oQg, k, 0.0f, out, ni, th);
	/* the MLP branch, user by user over every item */
	for (size_t j = 0; j < n; j++) {
		float *row = out + j * ni;
		int cur = 0;

		memset(pre, 0, (size_t)w1 * sizeof(float));
		if (user[j] >= 0)
			rec_sgemm(0, 1, 1, w1, k, 1.0f, P + m->oPm + (size_t)user[j] * k, k,
			          W0, in0, 0.0f, pre, w1, th);
		for (int i = 0; i < ni; i++)
			for (int c = 0; c < w1; c++) {
				float v = item_pre[(size_t)i * w1 + c] + pre[c];
				x[0][(size_t)i * w1 + c] = v > 0 ? v : 0;
			}
		for (int l = 1; l < nl; l++, cur ^= 1) {
			rec_linear_forward(x[cur ^ 1], x[cur], P + m->oW[l], P + m->oB[l],
			                   ni, m->width[l], m->width[l + 1], th);
			rec_relu_forward(x[cur ^ 1], x[cur ^ 1], ni, m->width[l + 1]);
		}
		/* the output weights' MLP part, into the free buffer's column */
		rec_sgemm(0, 1, ni, 1, last, 1.0f, x[cur], last, wout + k, k + last,
		          0.0f, x[cur ^ 1], 1, th);
		for (int i = 0; i < ni; i++)
			row[i] += x[cur ^ 1][i] + P[m->obi + i];
	}
	rc = 0;
out:
	rec_free(side);
	rec_free(item_pre);
	rec_free(pg);
	rec_free(pre);
	rec_free(x[0]);
	rec_free(x[1]);
	return rc;
}

static void
ncf_copy_weights(struct rec_model *dst, const struct rec_model *src)
{
	rec_params_copy_weights(&((struct ncf *)dst)->p, &((const struct ncf *)src)->p);
}

/* ---- creating, saving, loading ---- */

/* U(-1/sqrt(in), 1/sqrt(in)), PyTorch's default for linear layers. */
static void
init_uniform(float *v, size_t n, int in, struct rec_rng *rng)
{
	float a = 1.0f / sqrtf((float)(in > 0 ? in : 1));

	for (size_t j = 0; j < n; j++)
		v[j] = a * (2.0f * rec_rng_uniform(rng) - 1.0f);
}

struct rec_model *
rec_ncf_make(const void *hp, const struct rec_ratings *r, uint64_t seed,
             struct rec_err *err)
{
	const struct rec_ncf_hparams *h = hp;
	struct rec_side *side = NULL;
	struct rec_rng rng;
	struct ncf *m;
	float *P;
	int rc = 0;

	if (err)
		err->msg[0] = '\0';
	if (rec_model_has_ratings(r, err) != 0)
		return NULL;
	/* in a job every failure is agreed before the next collective */
	if (h->movies || h->tags)
		rc = rec_side_build(&side, r, h->movies, h->tags, h->tag_vocab,
		                    NULL, err);
	if (rec_dist_agree(rc, err) != 0) {
		rec_side_free(side);
		return NULL;
	}
	if (side && side->nfeat == 0) {   /* no tag qualified, no genres: none */
		rec_side_free(side);
		side = NULL;
	}
	m = ncf_alloc(h, (int)r->users.n, (int)r->items.n, side, err);
	rc = m ? 0 : -1;
	if (rc == 0 &&
	    (rec_model_init_maps(&m->base, r, err) != 0 ||
	     rec_batches_init(&m->b, m->nu, m->ni, batch_rows(h), err) != 0 ||
	     (rec_dist_size() > 1 &&
	      rec_ratings_users(r, &m->own, &m->nown, err) != 0))) {
		if (err && !err->msg[0])
			rec_erroom(err, NULL);
		rc = -1;
	}
	if (rec_dist_agree(rc, err) != 0) {
		if (m)
			ncf_free(&m->base);
		return NULL;
	}
	P = m->p.w;
	rec_rng_seed(&rng, seed);
	for (size_t j = m->oPg; j < m->obu; j++)   /* the four embedding tables */
		P[j] = h->init_sd * rec_rng_normal(&rng);
	if (m->side)
		init_uniform(P + m->oS, (size_t)m->side->nfeat * m->d,
		             m->side->nfeat, &rng);
	for (int l = 0; l < h->nmlp; l++) {
		init_uniform(P + m->oW[l], (size_t)m->width[l + 1] * m->width[l],
		             m->width[l], &rng);
		init_uniform(P + m->oB[l], (size_t)m->width[l + 1], m->width[l], &rng);
	}
	init_uniform(P + m->oOut, (size_t)(h->k + m->width[h->nmlp]),
	             h->k + m->width[h->nmlp], &rng);
	P[m->omu] = m->base.ranking ? 0 : rec_model_mean_logit(r);
	return &m->base;
}

/* Rank 0's *whole (caller frees) = the slab with every rank's users'
 * rows (the GMF and the MLP embedding, the bias; the items' and the
 * dense weights are the same on every rank).  A collective. */
static int
gather_users(const struct ncf *m, float **whole, struct rec_err *err)
{
	const size_t k = (size_t)m->h.k;
	const struct rec_params_rows users = { 3, { m->oPg, m->oPm, m->obu }, { k, k, 1 },
	                                       m->nu };
	const int32_t *own[1] = { m->own };

	return rec_params_gather(&m->p, &users, 1, own, &m->nown, whole, err);
}

static int
ncf_save(const struct rec_model *base, FILE *fp, const char *file,
         const char *const *xkey, const char *const *xval, size_t nx,
         struct rec_err *err)
{
	const struct ncf *m = (const struct ncf *)base;
	struct rec_tensor t[4 + REC_MAX_PARAMS];
	const char *key[4] = { "genres", "tags", "side_names", "tag_period" };
	const char *val[4];
	char num[2][16], *names = NULL;
	size_t nt = 2, nm = 3;
	float *whole = NULL;
	int rc;

	if (rec_dist_size() > 1) {   /* a job: the ranks' users to rank 0 */
		if (gather_users(m, &whole, err) != 0)
			return -1;
		if (rec_dist_rank() > 0)
			return 0;
	}
	if (m->side && !(names = rec_side_names_join(m->side, err))) {
		rec_free(whole);
		return -1;
	}
	snprintf(num[0], sizeof num[0], "%d", m->side ? m->side->ngenre : 0);
	snprintf(num[1], sizeof num[1], "%d", m->side ? m->side->ntag : 0);
	val[0] = num[0];
	val[1] = num[1];
	val[2] = names ? names : "";
	if (m->side && m->side->ntag > 0)   /* the protocol of side.h */
		val[nm++] = "tagger_last_train_rating";
	rec_model_map_tensors(base, t);
	if (m->side) {
		const struct rec_side *sd = m->side;
		struct rec_tensor *a = &t[nt++], *b = &t[nt++];
		memset(a, 0, 2 * sizeof *a);
		snprintf(a->name, sizeof a->name, "side_start");
		a->dtype = REC_I64;
		a->ndim = 1;
		a->shape[0] = (int64_t)sd->ni + 1;
		a->data = sd->start;
		a->nbytes = (sd->ni + 1) * sizeof(int64_t);
		snprintf(b->name, sizeof b->name, "side_feat");
		b->dtype = REC_I64;
		b->ndim = 1;
		b->shape[0] = (int64_t)sd->nnz;
		b->data = sd->feat;
		b->nbytes = sd->nnz * sizeof(int64_t);
	}
	rec_params_tensors(&m->p, t + nt);
	for (int j = 0; whole && j < m->p.nt; j++)
		t[nt + j].data = whole + ((const float *)t[nt + j].data - m->p.w);
	rc = rec_model_write(fp, file, &rec_ncf_desc, &m->h, t, nt + (size_t)m->p.nt,
	                     key, val, nm, xkey, xval, nx, err);
	rec_free(names);
	rec_free(whole);
	return rc;
}

int
rec_ncf_load(struct rec_model **out, const struct rec_st *st, struct rec_err *err)
{
	static const char *const side_tensors[] = { "side_start", "side_feat", NULL };
	struct rec_ncf_hparams h = REC_NCF_DEFAULTS;
	const struct rec_tensor *uids, *iids, *ss, *sf;
	struct rec_side *side = NULL;
	const char *joined;
	char **names = NULL;
	long ng, ntag;
	struct ncf *m;
	int rc;

	*out = NULL;
	if (rec_hparams_load(&rec_ncf_desc, &h, st, err) != 0 ||
	    rec_st_meta_count(&ng, st, "genres", 0, 64 + 1, err) != 0 ||
	    rec_st_meta_count(&ntag, st, "tags", 0, 1000000, err) != 0 ||
	    rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, NULL, err) != 0 ||
	    rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, NULL, err) != 0)
		return -1;
	if (uids->shape[0] > INT32_MAX || iids->shape[0] > INT32_MAX)
		return rec_errf(err, st->name, 0, "too many users or items");
	if (ng + ntag > 0) {
		int64_t shape[1] = { iids->shape[0] + 1 };
		if (!(joined = rec_st_meta(st, "side_names")))
			return rec_errf(err, st->name, 0, "missing metadata 'side_names'");
		if (rec_st_tensor(&ss, st, "side_start", REC_I64, 1, shape, err) != 0 ||
		    rec_st_tensor(&sf, st, "side_feat", REC_I64, 1, NULL, err) != 0 ||
		    rec_side_names_split(&names, joined, (int)(ng + ntag), st->name, err) != 0)
			return -1;
		rc = rec_side_from_csr(&side, (int)ng, (int)ntag, (const char *const *)names,
		                       (size_t)iids->shape[0], ss->data, (size_t)sf->shape[0],
		                       sf->data, st->name, err);
		rec_free(names);
		if (rc != 0)
			return -1;
	}
	if (err)
		err->msg[0] = '\0';
	if (!(m = ncf_alloc(&h, (int)uids->shape[0], (int)iids->shape[0], side, err))) {
		if (err)
			snprintf(err->file, sizeof err->file, "%s", st->name);
		return -1;
	}
	if (rec_model_load_map(&m->base.users, st, "user_ids", m->nu, err) != 0 ||
	    rec_model_load_map(&m->base.items, st, "item_ids", m->ni, err) != 0 ||
	    rec_params_load(&m->p, st, err) != 0 ||
	    rec_model_no_extra(st, &m->p, m->side ? side_tensors : NULL, err) != 0) {
		ncf_free(&m->base);
		return -1;
	}
	*out = &m->base;
	return 0;
}

/* In a job: the bytes the ranks sent in the last epoch. */
static int
ncf_epoch_extra(const struct rec_model *base, double *out)
{
	if (rec_dist_size() == 1)
		return 0;
	out[0] = ((const struct ncf *)base)->sent;
	return 1;
}

static const struct rec_model_ops ncf_ops = {
	.name = "ncf",
	.epoch = ncf_epoch,
	.predict = ncf_predict,
	.rank_scores = ncf_rank_scores,
	.copy_weights = ncf_copy_weights,
	.save = ncf_save,
	.save_gathers = 1,
	.free = ncf_free,
	.epoch_extra = ncf_epoch_extra,
};
