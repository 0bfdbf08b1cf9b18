/*
 * lstmrec.c - the LSTM sequential recommender (see lstmrec.h).
 *
 * The parameters are one slab (params.h): the item and user embeddings
 * and biases first, updated row by row (lazy Adam), then from dense_off
 * the LSTM, the head and the global bias, updated whole every step.
 *
 * Histories: every user's ratings in time order, as model item indices
 * and star ratings, contiguous by user (struct hist).  A training chunk,
 * or a prediction's window, is a range of one user's entries.  The LSTM
 * runs time-major over a batch of such ranges, left-padded to the
 * longest one (lstm.h's mask); the input part of its gates comes from a
 * table of the batch's distinct items (E_i wx^T + b, one sgemm), not
 * from one sgemm over every step.  Every buffer is sized once, for a
 * batch of `batch` chunks of seq_len + chunk - 1 steps and batch x chunk
 * targets: nothing is allocated in training or in predict (predict_at
 * allocates its list of windows).
 *
 * A ranking model's head is the query q and its dot products: in place
 * of the MLP and mu, the tensors query.w and query.b.
 *
 * Predictions without a time use each user's last hidden state, cached
 * per user (stamped with the weights' version) and computed for the users
 * a call needs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/batch.h"
#include "rec/dist.h"
#include "rec/gemm.h"
#include "rec/hparams.h"
#include "rec/layer.h"
#include "rec/lstm.h"
#include "rec/lstmrec.h"
#include "rec/params.h"
#include "rec/rowsum.h"

#define L REC_LSTMREC_MAX_LAYERS

/* An epoch sorts the chunks of each run of BUCKET batches by length. */
enum { BUCKET = 8 };

/* Each user's history in time order: user u's entries are
 * [start[u], start[u + 1]). */
struct hist {
	size_t *start;       /* (nu + 1) */
	int32_t *item;       /* (len) model item index */
	float *rating;       /* (len) on the star scale */
	int64_t *ts;         /* (len) seconds, or NULL: times unknown (every
	                      * entry counts as before any time) */
	size_t len;
};

/* A training chunk: targets [tb, te) of one user, the LSTM over [hb, te - 1);
 * id its place among the job's chunks (place_chunks). */
struct chunk {
	int32_t user;
	uint32_t id;
	size_t hb, tb, te;
};

/* A chunk of an epoch's order, with the length of its LSTM run. */
struct bylen {
	uint32_t len, pos, ix;
};

/* A run of the LSTM: the entries [beg, end) of the history. */
struct window {
	size_t beg, end;
};

/* The activations of one batch, and their gradients. */
struct work {
	int tmax, nseq, ntgt;          /* capacity: steps, sequences, targets */
	/* the LSTM, time-major (t, n, .) */
	float *mask, *hs, *cs, *gates, *d_hs, *scratch, *wpack;
	int32_t *xslot;                /* (t, n) the step's item's slot, -1 padding */
	float *xr;                     /* (t, n) the step's rating on [0, 1] */
	/* the run's distinct items, in slots: the input part of the gates of
	 * an item is a table row, E_i wx[:, :k]^T + b, computed once a run */
	int32_t *slot;                 /* (ni) an item's slot, when stamp[i] == run */
	uint32_t *stamp, run;
	int32_t *sitem;                /* (t n) the item in each slot */
	int nslot;
	float *se, *sg, *sd, *sde;     /* (t n, k), (t n, 4h) x 2, (t n, k): the
	                                * slots' embeddings, input parts and
	                                * their gradients */
	float *wxr, *dwxr;             /* (4h) wx's rating column, its gradient */
	/* the head, one row a target */
	int32_t *u, *i, *hrow;         /* user, item (-1 unknown), state row (-1: zero) */
	uint64_t *key;                 /* in training, the seed of its dropout masks */
	float *target;
	float *z, *zmask;              /* (n, hidden + 2k) */
	float *xl[L + 1], *a[L], *lmask[L];
	float *o, *y;                  /* (n) */
	float *d_xl[L + 1], *d_a[L], *d_o, *d_y;
	int dropped;
	/* a ranking model's head: the states in z, their gradient in
	 * d_xl[0]; target row j's pairs are (s, j (1 + N)) for the scored
	 * rows s = j (1 + N) + 1 .. j (1 + N) + N, of items srow_item */
	float *q, *d_q;                /* (n, k) */
	int32_t *srow_item;            /* (n (1 + N)) the scored items, -1 none */
	float *sz, *d_sz;              /* (n (1 + N)) their scores, gradients */
	int32_t *pos, *neg;            /* (n N) the pairs' rows */
};

struct lstmrec {
	struct rec_model base;         /* first: a struct lstmrec is a struct rec_model */
	struct rec_lstmrec_hparams h;
	struct rec_params p;
	size_t oE, oU, obu, obi;       /* row-wise part */
	size_t dense_off;
	size_t oWx, oWh, oB, oW[L], oBl[L], oOut, omu;   /* dense part */
	size_t oQw, oQb;               /* a ranking model's query */
	struct rec_sample pos;         /* a ranking model in training: the
	                                * positives, whose negatives are drawn */
	int nu, ni, in, zw, width[L + 1];
	struct hist hist;
	struct chunk *chunks;          /* this rank's */
	size_t nchunks;
	/* the job's chunks (place_chunks), by id: their LSTM runs' lengths,
	 * their targets, and their index in chunks on this rank (-1: another
	 * rank's) */
	uint64_t total;
	uint32_t *run_len, *targets;
	int32_t *local;
	uint32_t *ix;                  /* (batch) a step's chunks on this rank */
	struct bylen *sorted;          /* (BUCKET batch) scratch of an epoch's order */
	struct window *win;            /* (nseq) */
	struct rec_adam adam;
	struct work w;
	struct rec_batches b;
	/* the cache of each user's last state */
	float *hu;                     /* (users, hidden) */
	uint64_t *hu_ver;              /* (users) the version each row is of */
	int32_t *pending;              /* (users) users to compute */
	size_t cap_users;              /* the rows of the three */
	uint64_t ver;                  /* of the weights and histories, from 1 */
	/* a job's of more than one rank (dist.h) */
	int part;                      /* this rank holds a part of the ratings */
	struct rec_rowsum xsum;        /* the touched items' gradients */
	double sent;                   /* the bytes the ranks sent in the last
	                                * epoch */
	/* a ranking model's users a history added (set_history): user
	 * nu + x has the embedding fold[x k ..], folded in, for x < nfold */
	float *fold;
	size_t nfold;
};

static const struct rec_model_ops lstmrec_ops;

/* ---- hyperparameters ---- */

static const char *const bptts[] = { "full", "chunk", NULL };
static const struct rec_lstmrec_hparams lstmrec_defaults = REC_LSTMREC_DEFAULTS;
/* the ranking model's own (rec-train-lstm(1) says how they were chosen) */
static const char *const bpr_defaults[] = {
	"batch", "8", "lr", "0.005", "lr-decay", "1", "reg", "0.003", NULL
};

static int
in_bpr(const void *hp)
{
	return ((const struct rec_lstmrec_hparams *)hp)->loss == REC_LOSS_BPR;
}

#define T struct rec_lstmrec_hparams
static const struct rec_hparam lstmrec_params[] = {
	REC_HP_INTEGER(T, k, "dim", "k", 1, 4096, "K",
	               "dimension of the user and item embeddings"),
	REC_HP_INTEGER(T, hidden, "hidden", "hidden", 1, 4096, "H",
	               "size of the LSTM state"),
	REC_HP_INTEGER(T, seq_len, "seq-len", "seq_len", 1, 4096, "N",
	               "history steps the LSTM reads"),
	REC_HP_INTEGER(T, chunk, "chunk", "chunk", 1, 4096, "N",
	               "targets of one training sequence"),
	REC_HP_NUMBER(T, horizon, "horizon", "horizon", 0, 1, "P",
	              "share of training targets predicted from an earlier\n"
	              "state of their sequence, not the one right before\n"
	              "them"),
	REC_HP_ONE_OF(T, truncate, "bptt", "bptt", bptts,
	              "backpropagate through every step of a training\n"
	              "sequence (full), or only through the steps of its\n"
	              "targets, the history before them a constant\n"
	              "(chunk: faster)"),
	REC_HP_WIDTHS_OF(T, mlp, nmlp, REC_LSTMREC_MAX_LAYERS, "mlp", "mlp", 1, 4096,
	                 "widths of the MLP's hidden layers"),
	REC_HP_NUMBER(T, lr, "lr", "lr", 1e-9, 100, "R",
	              "learning rate of Adam in the first epoch"),
	REC_HP_NEW_NUMBER(T, lr_decay, "lr-decay", "lr_decay", 1e-3, 1, "D",
	                  "each epoch's learning rate is D times the\n"
	                  "epoch's before"),
	REC_HP_NUMBER(T, reg, "reg", "reg", 0, 100, "R",
	              "L2 weight on each rating's embeddings and biases"),
	REC_HP_NUMBER(T, dropout, "dropout", "dropout", 0, 0.99, "P",
	              "dropout on the MLP's input and hidden layers"),
	REC_HP_INTEGER(T, batch, "batch", "batch", 1, 4096, "N",
	               "training sequences a step"),
	REC_HP_NUMBER(T, init_sd, "init-sd", "init_sd", 0, 10, "S",
	              "embeddings start as N(0, S^2)"),
	REC_HP_INTEGER(T, threads, "threads", NULL, 1, 64, "N",
	               "threads of the matrix products; the model is\n"
	               "the same, byte for byte, for any N"),
	REC_HP_ONE_OF(T, loss, "loss", "loss", rec_loss_names,
	              "mse on the ratings, or bpr on the next positive\n"
	              "against sampled negatives: a ranking model"),
	REC_HP_NUMBER(T, positive, "positive", "positive", 0, 5, "T",
	              "with bpr: ratings from T stars are positives"),
	REC_HP_INTEGER(T, negatives, "negatives", "negatives", 1, 1000, "N",
	               "with bpr: negatives drawn for each positive"),
};
#undef T

/* Model files of recpipe 0.1.0 before the MLP's widths were "mlp", and
 * before the ranking loss. */
static const struct rec_hp_before lstmrec_before[] = {
	{ "mlp", "layers", NULL, NULL },
	{ "loss", NULL, NULL, "mse" },
	{ "positive", NULL, NULL, "3.5" },
	{ "negatives", NULL, NULL, "1" },
	{ NULL, NULL, NULL, NULL }
};

const struct rec_hparams_desc rec_lstmrec_desc = {
	"lstm", lstmrec_params, sizeof lstmrec_params / sizeof lstmrec_params[0],
	&lstmrec_defaults, "bpr", in_bpr, bpr_defaults, lstmrec_before
};

/* ---- memory ---- */

static void
hist_free(struct hist *h)
{
	rec_free(h->start);
	rec_free(h->item);
	rec_free(h->rating);
	rec_free(h->ts);
	memset(h, 0, sizeof *h);
}

static void
work_free(struct work *w)
{
	void **all[] = {
		(void **)&w->mask, (void **)&w->hs, (void **)&w->cs,
		(void **)&w->gates, (void **)&w->d_hs, (void **)&w->scratch,
		(void **)&w->wpack,
		(void **)&w->xslot, (void **)&w->xr, (void **)&w->slot,
		(void **)&w->stamp, (void **)&w->sitem, (void **)&w->se,
		(void **)&w->sg, (void **)&w->sd, (void **)&w->sde, (void **)&w->wxr,
		(void **)&w->dwxr, (void **)&w->u, (void **)&w->key,
		(void **)&w->i, (void **)&w->hrow, (void **)&w->target, (void **)&w->z,
		(void **)&w->zmask, (void **)&w->o, (void **)&w->y, (void **)&w->d_o,
		(void **)&w->d_y, (void **)&w->q, (void **)&w->d_q,
		(void **)&w->srow_item, (void **)&w->sz, (void **)&w->d_sz,
		(void **)&w->pos, (void **)&w->neg,
	};
	w->xl[0] = NULL;   /* is z */
	for (size_t j = 0; j < sizeof all / sizeof all[0]; j++) {
		rec_free(*all[j]);
		*all[j] = NULL;
	}
	for (int l = 0; l <= L; l++) {
		rec_free(w->xl[l]);
		rec_free(w->d_xl[l]);
		w->xl[l] = w->d_xl[l] = NULL;
	}
	for (int l = 0; l < L; l++) {
		rec_free(w->a[l]);
		rec_free(w->lmask[l]);
		rec_free(w->d_a[l]);
		w->a[l] = w->lmask[l] = w->d_a[l] = NULL;
	}
}

/* rows x cols x a x size bytes, zeroed (padding steps must hold finite
 * values), or NULL. */
static void *
buf(size_t rows, size_t cols, size_t a, size_t size)
{
	size_t n;

	if (!rec_mul_ok(rows, cols, &n) || !rec_mul_ok(n, a, &n))
		return NULL;
	return rec_calloc(n ? n : 1, size);
}

static int
work_alloc(struct lstmrec *m)
{
	struct work *w = &m->w;
	const size_t t = (size_t)w->tmax, n = (size_t)w->nseq, nt = (size_t)w->ntgt;
	const size_t hd = (size_t)m->h.hidden, k = (size_t)m->h.k, f = sizeof(float);
	size_t sl = rec_lstm_scratch_len(w->tmax, w->nseq, m->h.hidden);
	const size_t neg = (size_t)m->h.negatives;
	const int nl = m->base.ranking ? 0 : m->h.nmlp;
	int ok;

	ok = (w->mask = buf(t, n, 1, f)) &&
	     (w->hs = buf(t, n, hd, f)) && (w->cs = buf(t, n, hd, f)) &&
	     (w->gates = buf(t, n, 4 * hd, f)) && (w->d_hs = buf(t, n, hd, f)) &&
	     (w->scratch = buf(sl, 1, 1, f)) &&
	     (w->wpack = buf(rec_lstm_wpack_len(m->h.hidden), 1, 1, f)) &&
	     (w->xslot = buf(t, n, 1, 4)) && (w->xr = buf(t, n, 1, f)) &&
	     (w->slot = buf((size_t)m->ni, 1, 1, 4)) &&
	     (w->stamp = buf((size_t)m->ni, 1, 1, 4)) &&
	     (w->sitem = buf(t, n, 1, 4)) && (w->se = buf(t, n, k, f)) &&
	     (w->sg = buf(t, n, 4 * hd, f)) && (w->sd = buf(t, n, 4 * hd, f)) &&
	     (w->sde = buf(t, n, k, f)) && (w->wxr = buf(4 * hd, 1, 1, f)) &&
	     (w->dwxr = buf(4 * hd, 1, 1, f)) &&
	     (w->u = buf(nt, 1, 1, 4)) && (w->i = buf(nt, 1, 1, 4)) &&
	     (w->key = buf(nt, 1, 1, sizeof *w->key)) &&
	     (w->hrow = buf(nt, 1, 1, 4)) && (w->target = buf(nt, 1, 1, f)) &&
	     (w->z = buf(nt, (size_t)m->zw, 1, f)) &&
	     (w->zmask = buf(nt, (size_t)m->zw, 1, f)) &&
	     (w->o = buf(nt, 1, 1, f)) && (w->y = buf(nt, 1, 1, f)) &&
	     (w->d_o = buf(nt, 1, 1, f)) && (w->d_y = buf(nt, 1, 1, f));
	if (ok && m->base.ranking)
		ok = (w->q = buf(nt, k, 1, f)) && (w->d_q = buf(nt, k, 1, f)) &&
		     (w->srow_item = buf(nt, 1 + neg, 1, 4)) &&
		     (w->sz = buf(nt, 1 + neg, 1, f)) &&
		     (w->d_sz = buf(nt, 1 + neg, 1, f)) &&
		     (w->pos = buf(nt, neg, 1, 4)) && (w->neg = buf(nt, neg, 1, 4));
	for (int l = 1; ok && l <= nl; l++)
		ok = (w->xl[l] = buf(nt, (size_t)m->width[l], 1, f)) != NULL;
	for (int l = 0; ok && l <= nl; l++)
		ok = (w->d_xl[l] = buf(nt, (size_t)m->width[l], 1, f)) != NULL;
	for (int l = 0; ok && l < nl; l++)
		ok = (w->a[l] = buf(nt, (size_t)m->width[l + 1], 1, f)) &&
		     (w->lmask[l] = buf(nt, (size_t)m->width[l + 1], 1, f)) &&
		     (w->d_a[l] = buf(nt, (size_t)m->width[l + 1], 1, f));
	w->xl[0] = w->z;
	return ok ? 0 : -1;
}

static void
lstmrec_free(struct rec_model *base)
{
	struct lstmrec *m = (struct lstmrec *)base;

	if (!m)
		return;
	rec_params_free(&m->p);
	rec_idmap_clear(&m->base.users);
	rec_idmap_clear(&m->base.items);
	hist_free(&m->hist);
	rec_free(m->chunks);
	rec_free(m->run_len);
	rec_free(m->targets);
	rec_free(m->local);
	rec_free(m->ix);
	rec_free(m->sorted);
	rec_free(m->win);
	work_free(&m->w);
	rec_rowsum_free(&m->xsum);
	rec_batches_free(&m->b);
	rec_sample_free(&m->pos);
	rec_free(m->hu);
	rec_free(m->hu_ver);
	rec_free(m->pending);
	rec_free(m->fold);
	rec_free(m);
}

/* The entries and negatives of a step's chunks, at most (the job's). */
static size_t
step_entries(const struct lstmrec *m)
{
	const struct rec_lstmrec_hparams *h = &m->h;

	return (size_t)h->batch * ((size_t)h->seq_len + (size_t)h->chunk *
	       (m->base.ranking ? 1 + (size_t)h->negatives : 1));
}

/* The rows a step touches, at most: its users' and items' (each step
 * touches a row once), no more than the step's entries and negatives. */
static int
touch_cap(const struct lstmrec *m)
{
	size_t rows = step_entries(m);
	size_t most = (size_t)(m->nu > m->ni ? m->nu : m->ni) + 1;

	return (int)(rows < most ? rows : most);
}

/* A model of nu users and ni items, zero weights, no history. */
static struct lstmrec *
lstmrec_alloc(const struct rec_lstmrec_hparams *h, int nu, int ni,
              struct rec_err *err)
{
	struct lstmrec *m = rec_calloc(1, sizeof *m);
	struct rec_params *p;
	const int k = h->k, hd = h->hidden;
	char name[32];

	if (!m) {
		rec_erroom(err, NULL);
		return NULL;
	}
	m->base.ops = &lstmrec_ops;
	m->base.ranking = h->loss == REC_LOSS_BPR;
	m->h = *h;
	m->nu = nu;
	m->ni = ni;
	m->in = k + 1;
	m->zw = hd + 2 * k;
	m->width[0] = m->zw;
	for (int l = 0; l < h->nmlp; l++)
		m->width[l + 1] = h->mlp[l];
	m->adam = (struct rec_adam)REC_ADAM_DEFAULTS;
	m->adam.lr = h->lr;
	m->ver = 1;
	m->w.tmax = h->seq_len + h->chunk - 1;
	m->w.nseq = h->batch;
	m->w.ntgt = h->batch * h->chunk;
	p = &m->p;
	if (rec_params_add(p, "item.emb", 2, ni, k, &m->oE, err) ||
	    rec_params_add(p, "user.emb", 2, nu, k, &m->oU, err) ||
	    rec_params_add(p, "user_bias", 1, nu, 1, &m->obu, err) ||
	    rec_params_add(p, "item_bias", 1, ni, 1, &m->obi, err))
		goto fail;
	m->dense_off = p->n;
	if (rec_params_add(p, "lstm.wx", 2, 4 * hd, m->in, &m->oWx, err) ||
	    rec_params_add(p, "lstm.wh", 2, 4 * hd, hd, &m->oWh, err) ||
	    rec_params_add(p, "lstm.b", 1, 4 * hd, 1, &m->oB, err))
		goto fail;
	if (m->base.ranking) {
		if (rec_params_add(p, "query.w", 2, k, hd, &m->oQw, err) ||
		    rec_params_add(p, "query.b", 1, k, 1, &m->oQb, err))
			goto fail;
	}
	for (int l = 0; !m->base.ranking && l < h->nmlp; l++) {
		snprintf(name, sizeof name, "mlp.%d.w", l);
		if (rec_params_add(p, name, 2, m->width[l + 1], m->width[l], &m->oW[l], err))
			goto fail;
		snprintf(name, sizeof name, "mlp.%d.b", l);
		if (rec_params_add(p, name, 1, m->width[l + 1], 1, &m->oBl[l], err))
			goto fail;
	}
	if ((!m->base.ranking &&
	     (rec_params_add(p, "out.w", 2, 1, m->width[h->nmlp], &m->oOut, err) ||
	      rec_params_add(p, "global_bias", 0, 1, 1, &m->omu, err))) ||
	    rec_params_alloc(p, err) != 0 || work_alloc(m) != 0 ||
	    !(m->win = buf((size_t)h->batch, 1, 1, sizeof *m->win)) ||
	    !(m->ix = buf((size_t)h->batch, 1, 1, sizeof *m->ix)) ||
	    !(m->sorted = buf((size_t)h->batch, BUCKET, 1, sizeof *m->sorted)) ||
	    !(m->hu = buf((size_t)nu, (size_t)hd, 1, sizeof(float))) ||
	    !(m->hu_ver = buf((size_t)nu, 1, 1, sizeof *m->hu_ver)) ||
	    !(m->pending = buf((size_t)nu, 1, 1, sizeof *m->pending)) ||
	    rec_batches_init(&m->b, nu, ni, touch_cap(m), err) != 0)
		goto fail;
	m->cap_users = (size_t)nu;
	return m;
fail:
	if (err && !err->msg[0])
		rec_erroom(err, NULL);
	lstmrec_free(&m->base);
	return NULL;
}

/* ---- histories ---- */

struct entry {
	int64_t ts;
	size_t row;
};

static int
by_time(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/* Room in the per-user caches for n users (their rows past the old ones
 * stale). */
static int
grow_users(struct lstmrec *m, size_t n)
{
	const size_t hd = (size_t)m->h.hidden;
	float *hu;
	uint64_t *ver;
	int32_t *pending;

	if (n <= m->cap_users)
		return 0;
	if (!(hu = rec_realloc_array(m->hu, n, hd * sizeof *hu)))
		return -1;
	m->hu = hu;
	if (!(ver = rec_realloc_array(m->hu_ver, n, sizeof *ver)))
		return -1;
	m->hu_ver = ver;
	memset(ver + m->cap_users, 0, (n - m->cap_users) * sizeof *ver);
	if (!(pending = rec_realloc_array(m->pending, n, sizeof *pending)))
		return -1;
	m->pending = pending;
	m->cap_users = n;
	return 0;
}

/* m->hist from the rows of r whose item m knows (by id), each user's in
 * time order, ties in row order; with times.  The users of r that m
 * does not know are added to its users after the trained ones. */
static int
hist_build(struct lstmrec *m, const struct rec_ratings *r, struct rec_err *err)
{
	struct rec_idmap users = { 0 };
	struct hist h = { 0 };
	struct entry *e = NULL;
	int32_t *uix = NULL, ix;
	size_t *fill = NULL, nu;

	for (size_t u = 0; u < m->base.users.n; u++)
		if (rec_idmap_add(&users, m->base.users.ids[u], &ix) != 0)
			goto oom;
	for (size_t u = 0; u < r->users.n; u++)
		if (rec_idmap_add(&users, r->users.ids[u], &ix) != 0)
			goto oom;
	nu = users.n;
	if (grow_users(m, nu) != 0 ||
	    !(h.start = rec_calloc(nu + 1, sizeof *h.start)) ||
	    !(fill = rec_calloc(nu + 1, sizeof *fill)) ||
	    !(uix = rec_malloc_array(r->n ? r->n : 1, sizeof *uix)))
		goto oom;
	for (size_t j = 0; j < r->n; j++) {
		int32_t u = rec_idmap_find(&users, r->users.ids[r->user[j]]);
		int32_t i = rec_idmap_find(&m->base.items, r->items.ids[r->item[j]]);
		uix[j] = i < 0 ? -1 : u;
		if (uix[j] >= 0)
			h.start[uix[j] + 1]++;
	}
	for (size_t u = 0; u < nu; u++)
		h.start[u + 1] += h.start[u];
	h.len = h.start[nu];
	if (!(e = rec_malloc_array(h.len ? h.len : 1, sizeof *e)) ||
	    !(h.item = rec_malloc_array(h.len ? h.len : 1, sizeof *h.item)) ||
	    !(h.rating = rec_malloc_array(h.len ? h.len : 1, sizeof *h.rating)) ||
	    !(h.ts = rec_malloc_array(h.len ? h.len : 1, sizeof *h.ts)))
		goto oom;
	memcpy(fill, h.start, (nu + 1) * sizeof *fill);
	for (size_t j = 0; j < r->n; j++)
		if (uix[j] >= 0)
			e[fill[uix[j]]++] = (struct entry){ r->ts[j], j };
	for (size_t u = 0; u < nu; u++) {
		size_t beg = h.start[u], n = h.start[u + 1] - beg;
		qsort(e + beg, n, sizeof *e, by_time);
		for (size_t j = beg; j < beg + n; j++) {
			size_t row = e[j].row;
			h.item[j] = rec_idmap_find(&m->base.items, r->items.ids[r->item[row]]);
			h.rating[j] = r->rating[row];
			h.ts[j] = e[j].ts;
		}
	}
	rec_free(e);
	rec_free(uix);
	rec_free(fill);
	hist_free(&m->hist);
	m->hist = h;
	rec_idmap_clear(&m->base.users);
	m->base.users = users;
	m->ver++;
	return 0;
oom:
	rec_free(e);
	rec_free(uix);
	rec_free(fill);
	hist_free(&h);
	rec_idmap_clear(&users);
	return rec_erroom(err, NULL);
}

/* Whether entry e of the history is a target: any rating, or for a
 * ranking model a positive. */
static int
is_target(const struct lstmrec *m, size_t e)
{
	return !m->base.ranking || m->hist.rating[e] >= m->h.positive;
}

/* The number of targets in the entries [tb, te). */
static uint32_t
count_targets(const struct lstmrec *m, size_t tb, size_t te)
{
	uint32_t n = 0;

	for (size_t e = tb; e < te; e++)
		n += (uint32_t)is_target(m, e);
	return n;
}

/* The training chunks of m->hist, but those without a target; each its
 * index for an id (one process's place_chunks). */
static int
chunks_build(struct lstmrec *m, struct rec_err *err)
{
	const size_t c = (size_t)m->h.chunk, sl = (size_t)m->h.seq_len;
	size_t n = 0;

	for (int u = 0; u < m->nu; u++)
		n += (m->hist.start[u + 1] - m->hist.start[u] + c - 1) / c;
	rec_free(m->chunks);
	m->nchunks = 0;
	if (n > UINT32_MAX)
		return rec_errf(err, NULL, 0, "more than %" PRIu32 " training "
		                "sequences", UINT32_MAX);
	if (!(m->chunks = rec_malloc_array(n ? n : 1, sizeof *m->chunks)))
		return rec_erroom(err, NULL);
	for (int u = 0; u < m->nu; u++) {
		size_t beg = m->hist.start[u], end = m->hist.start[u + 1];
		for (size_t tb = beg; tb < end; tb += c) {
			size_t te = end - tb > c ? tb + c : end;
			if (count_targets(m, tb, te) > 0) {
				m->chunks[m->nchunks] = (struct chunk){
					.user = u,
					.id = (uint32_t)m->nchunks,
					.hb = tb - beg > sl ? tb - sl : beg,
					.tb = tb,
					.te = te,
				};
				m->nchunks++;
			}
		}
	}
	return 0;
}

/* A chunk's record for place_chunks' exchange. */
struct placed {
	uint32_t id, run_len, targets;
};

/* Place this rank's chunks among the job's (a collective, failing alike
 * on every rank): the job's chunks in the order one process builds them
 * (by user, then in time), a chunk's id its place in it, so that every
 * rank orders the job's chunks alike; m->run_len, m->targets and
 * m->local of every id.  One process: the ids stay the indices. */
static int
place_chunks(struct lstmrec *m, struct rec_err *err)
{
	const size_t nu = (size_t)m->nu;
	int64_t *first = rec_calloc(nu + 1, sizeof *first);
	struct placed *mine = rec_malloc_array(m->nchunks ? m->nchunks : 1,
	                                       sizeof *mine), *all = NULL;
	size_t total = 0;
	int rc = -1;

	if (rec_dist_agree(first && mine ? 0 : rec_erroom(err, NULL), err) != 0)
		goto out;
	/* each user's chunks, summed over the ranks (a user's rows are on
	 * one rank), then the first id of each user's */
	for (size_t c = 0; c < m->nchunks; c++)
		first[m->chunks[c].user + 1]++;
	rec_dist_sum_i64(first + 1, nu);
	for (size_t u = 0; u < nu; u++)
		first[u + 1] += first[u];
	if ((uint64_t)first[nu] > UINT32_MAX) {
		rc = rec_errf(err, NULL, 0, "more than %" PRIu32 " training "
		              "sequences", UINT32_MAX);
		goto out;
	}
	for (size_t c = 0; c < m->nchunks; c++) {
		struct chunk *ch = &m->chunks[c];
		ch->id = (uint32_t)first[ch->user]++;
		mine[c] = (struct placed){ ch->id, (uint32_t)(ch->te - 1 - ch->hb),
		                           count_targets(m, ch->tb, ch->te) };
	}
	if (rec_dist_allgatherv(mine, m->nchunks, sizeof *mine, (void **)&all,
	                        &total, err) != 0)
		goto out;
	rec_free(m->run_len);
	rec_free(m->targets);
	rec_free(m->local);
	m->total = total;
	m->run_len = rec_malloc_array(total ? total : 1, sizeof *m->run_len);
	m->targets = rec_malloc_array(total ? total : 1, sizeof *m->targets);
	m->local = rec_malloc_array(total ? total : 1, sizeof *m->local);
	rc = m->run_len && m->targets && m->local ? 0 : rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	for (size_t j = 0; j < total; j++) {
		m->run_len[all[j].id] = all[j].run_len;
		m->targets[all[j].id] = all[j].targets;
		m->local[all[j].id] = -1;
	}
	for (size_t c = 0; c < m->nchunks; c++)
		m->local[m->chunks[c].id] = (int32_t)c;
out:
	rec_free(first);
	rec_free(mine);
	rec_free(all);
	return rc;
}

/* ---- the network ---- */

/* Fill the LSTM's gates with the input part of n runs win[0..n),
 * left-padded to t steps (the longest run), time-major; and mask,
 * xslot, xr and the slots of the run's distinct items. */
static void
lstm_input(const struct lstmrec *m, struct work *w, const struct window *win,
           int n, int t)
{
	const float *P = m->p.w;
	const int k = m->h.k, in = m->in, g4 = 4 * m->h.hidden;

	if (++w->run == 0) {   /* the stamps wrapped: start again */
		memset(w->stamp, 0, (size_t)m->ni * sizeof *w->stamp);
		w->run = 1;
	}
	w->nslot = 0;
	for (int r = 0; r < n; r++) {
		int len = (int)(win[r].end - win[r].beg), off = t - len;
		for (int s = 0; s < t; s++) {
			size_t at = (size_t)s * n + r;
			if (s < off) {
				w->mask[at] = 0.0f;
				w->xslot[at] = -1;
				continue;
			}
			size_t e = win[r].beg + (size_t)(s - off);
			int32_t it = m->hist.item[e];
			if (w->stamp[it] != w->run) {
				w->stamp[it] = w->run;
				w->slot[it] = w->nslot;
				w->sitem[w->nslot++] = it;
			}
			w->mask[at] = 1.0f;
			w->xslot[at] = w->slot[it];
			w->xr[at] = rec_to_unit(m->hist.rating[e]);
		}
	}
	/* the slots' input parts: sg = b + se wx[:, :k]^T */
	rec_embedding_forward(w->se, w->sitem, P + m->oE, w->nslot, k);
	for (int j = 0; j < w->nslot; j++)
		memcpy(w->sg + (size_t)j * g4, P + m->oB, (size_t)g4 * sizeof(float));
	if (w->nslot > 0)
		rec_sgemm(0, 1, w->nslot, g4, k, 1.0f, w->se, k, P + m->oWx,
		          in, 1.0f, w->sg, g4, m->h.threads);
	for (int g = 0; g < g4; g++)
		w->wxr[g] = P[m->oWx + (size_t)g * in + k];
	for (size_t at = 0; at < (size_t)t * n; at++) {
		float *a = w->gates + at * g4;
		if (w->xslot[at] < 0) {
			memset(a, 0, (size_t)g4 * sizeof *a);
			continue;
		}
		const float *sg = w->sg + (size_t)w->xslot[at] * g4;
		const float xr = w->xr[at];
		for (int g = 0; g < g4; g++)
			a[g] = sg[g] + xr * w->wxr[g];
	}
}

/* Run the LSTM over n runs (n <= w->nseq, each at most w->tmax long);
 * returns the number of steps t (>= 1).  The state after run r is at
 * hs row (t - 1) n + r. */
static int
lstm_run(const struct lstmrec *m, struct work *w, const struct window *win, int n)
{
	const float *P = m->p.w;
	int t = 1;

	for (int r = 0; r < n; r++)
		if ((int)(win[r].end - win[r].beg) > t)
			t = (int)(win[r].end - win[r].beg);
	lstm_input(m, w, win, n, t);
	rec_lstm_forward(w->hs, w->cs, w->gates, NULL, w->mask, P + m->oWx,
	                 P + m->oWh, P + m->oB, w->wpack, t, n, m->in,
	                 m->h.hidden, m->h.threads);
	return t;
}

/* Row j's dropout masks, of the head's input and of each hidden layer
 * (a ranking model: of its state), from a generator of its own seeded
 * with w->key[j]: they depend on the target alone, not on the rows
 * beside it nor on the rank that has it. */
static void
draw_masks(const struct lstmrec *m, struct work *w, int j)
{
	const float drop = m->h.dropout;
	const int in = m->base.ranking ? m->h.hidden : m->zw;
	struct rec_rng g;

	rec_rng_seed(&g, w->key[j]);
	rec_dropout_mask(w->zmask + (size_t)j * in, &g, drop, 1, in);
	for (int l = 0; !m->base.ranking && l < m->h.nmlp; l++)
		rec_dropout_mask(w->lmask[l] + (size_t)j * m->width[l + 1], &g, drop, 1,
		                 m->width[l + 1]);
}

/* The head over n target rows: y = the network's output on [0, 1] for
 * (w->u, w->i) with the state w->hrow of states (rows of hidden floats);
 * train: in training (dropout on, w->key the rows' seeds). */
static void
head_forward(const struct lstmrec *m, struct work *w, const float *states,
             int n, int train)
{
	const float *P = m->p.w;
	const int k = m->h.k, hd = m->h.hidden, zw = m->zw, nl = m->h.nmlp;
	const float drop = m->h.dropout;
	const size_t hb = (size_t)hd * sizeof(float), kb = (size_t)k * sizeof(float);

	for (int j = 0; j < n; j++) {
		float *z = w->z + (size_t)j * zw;
		if (w->hrow[j] >= 0)
			memcpy(z, states + (size_t)w->hrow[j] * hd, hb);
		else
			memset(z, 0, hb);
		if (w->u[j] >= 0)
			memcpy(z + hd, P + m->oU + (size_t)w->u[j] * k, kb);
		else
			memset(z + hd, 0, kb);
		if (w->i[j] >= 0)
			memcpy(z + hd + k, P + m->oE + (size_t)w->i[j] * k, kb);
		else
			memset(z + hd + k, 0, kb);
	}
	w->dropped = train && drop > 0;
	if (w->dropped) {
		for (int j = 0; j < n; j++)
			draw_masks(m, w, j);
		rec_dropout_forward(w->z, w->z, w->zmask, n, zw);
	}
	for (int l = 0; l < nl; l++)
		rec_hidden_forward(w->xl[l + 1], w->a[l], w->dropped ? w->lmask[l] : NULL,
		                   w->xl[l], P + m->oW[l], P + m->oBl[l], n, m->width[l],
		                   m->width[l + 1], m->h.threads);
	rec_linear_forward(w->o, w->xl[nl], P + m->oOut, NULL, n, m->width[nl], 1,
	                   m->h.threads);
	rec_bias_forward(w->o, w->u, w->i, P + m->omu, P + m->obu, P + m->obi, n);
	rec_sigmoid_forward(w->y, w->o, n, 1);
}

/* Gradients of the mean squared error of the n target rows (plus the L2
 * term) into m->p.g, the state rows' part into w->d_hs, as the mean over
 * count rows (the job's of the step; one process: n); returns the
 * summed objective.  Every row's user and item are known. */
static double
head_backward(struct lstmrec *m, struct work *w, int n, uint64_t count)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const int k = m->h.k, hd = m->h.hidden, zw = m->zw, nl = m->h.nmlp;
	const int last = m->width[nl];
	const float rs = 2.0f * m->h.reg / (float)count;
	double total;

	total = rec_mse_forward(w->d_y, w->y, w->target, n) * n;
	if (count != (uint64_t)n)   /* the gradient of the job's mean */
		for (int j = 0; j < n; j++)
			w->d_y[j] *= (float)n / (float)count;
	memset(w->d_o, 0, (size_t)n * sizeof(float));
	rec_sigmoid_backward(w->d_o, w->d_y, w->y, n, 1);
	rec_bias_backward(G + m->omu, G + m->obu, G + m->obi, w->d_o, w->u, w->i,
	                  n);
	memset(w->d_xl[nl], 0, (size_t)n * last * sizeof(float));
	rec_linear_backward(w->d_xl[nl], G + m->oOut, NULL, w->d_o, w->xl[nl],
	                    P + m->oOut, n, last, 1, m->h.threads);
	for (int l = nl - 1; l >= 0; l--) {
		memset(w->d_xl[l], 0, (size_t)n * m->width[l] * sizeof(float));
		rec_hidden_backward(w->d_xl[l], G + m->oW[l], G + m->oBl[l], w->d_a[l],
		                    w->d_xl[l + 1], w->dropped ? w->lmask[l] : NULL,
		                    w->a[l], w->xl[l], P + m->oW[l], n, m->width[l],
		                    m->width[l + 1], m->h.threads);
	}
	if (w->dropped)
		rec_dropout_backward(w->d_xl[0], w->zmask, n, zw);
	for (int j = 0; j < n; j++) {
		const float *d = w->d_xl[0] + (size_t)j * zw;
		size_t u = (size_t)w->u[j], i = (size_t)w->i[j];
		float *gu = G + m->oU + u * k, *gi = G + m->oE + i * k;
		const float *pu = P + m->oU + u * k, *pi = P + m->oE + i * k;
		double norm = 0;

		if (w->hrow[j] >= 0) {
			float *dh = w->d_hs + (size_t)w->hrow[j] * hd;
			for (int c = 0; c < hd; c++)
				dh[c] += d[c];
		}
		/* the embeddings' gradient and their L2 term, as often as the
		 * row occurs */
		for (int c = 0; c < k; c++) {
			gu[c] += d[hd + c] + rs * pu[c];
			gi[c] += d[hd + k + c] + rs * pi[c];
			norm += (double)pu[c] * pu[c] + (double)pi[c] * pi[c];
		}
		G[m->obu + u] += rs * P[m->obu + u];
		G[m->obi + i] += rs * P[m->obi + i];
		norm += (double)P[m->obu + u] * P[m->obu + u] +
		        (double)P[m->obi + i] * P[m->obi + i];
		total += m->h.reg * norm;
	}
	return total;
}

/* User u's embedding: trained, or folded in (a ranking model's user of
 * a history); NULL for none (-1, or a rating model's user of a
 * history). */
static const float *
user_emb(const struct lstmrec *m, int32_t u)
{
	if (u < 0)
		return NULL;
	if (u < m->nu)
		return m->p.w + m->oU + (size_t)u * m->h.k;
	return (size_t)(u - m->nu) < m->nfold ?
	       m->fold + (size_t)(u - m->nu) * m->h.k : NULL;
}

/* A ranking model's queries of n rows: q (n, k) = H Q^T + b_q + U u,
 * H (n, hidden) the rows' states, u = user[j] (user_emb). */
static void
query_forward(const struct lstmrec *m, float *q, const float *H,
              const int32_t *user, int n)
{
	const float *P = m->p.w;
	const int k = m->h.k;

	rec_linear_forward(q, H, P + m->oQw, P + m->oQb, n, m->h.hidden, k,
	                   m->h.threads);
	for (int j = 0; j < n; j++) {
		const float *pu = user_emb(m, user[j]);
		if (pu)
			rec_axpy(q + (size_t)j * k, 1.0f, pu, k);
	}
}

/* The states of n rows into H (n, hidden): row srow[j] of states, or
 * zero for -1. */
static void
gather_states(const struct lstmrec *m, float *H, const float *states,
              const int32_t *srow, int n)
{
	const size_t hd = (size_t)m->h.hidden;

	for (int j = 0; j < n; j++)
		if (srow[j] >= 0)
			memcpy(H + (size_t)j * hd, states + (size_t)srow[j] * hd,
			       hd * sizeof(float));
		else
			memset(H + (size_t)j * hd, 0, hd * sizeof(float));
}

/* The score of item i (-1: unknown, 0) for the query q: q . E i + b_i. */
static float
item_score(const struct lstmrec *m, const float *q, int32_t i)
{
	const float *P = m->p.w;
	const int k = m->h.k;
	const float *e;
	float s = 0;

	if (i < 0)
		return 0;
	e = P + m->oE + (size_t)i * k;
	for (int c = 0; c < k; c++)
		s += q[c] * e[c];
	return s + P[m->obi + i];
}

/* A ranking model's step over n target rows (w->u, w->i, w->hrow into
 * states) and their negatives (w->srow_item): forward, BPR (layer.h)
 * and the L2 term, backward into m->p.g and the state rows' part into
 * w->d_hs (the rows of states), as the mean over count pairs (the job's
 * targets of the step times negatives; a draw that found no negative
 * adds nothing).  train: dropout on the states (w->key the rows'
 * seeds).  Returns the summed objective. */
static double
rank_step(struct lstmrec *m, struct work *w, const float *states, int n,
          int train, uint64_t count)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const int k = m->h.k, hd = m->h.hidden, ns = 1 + m->h.negatives;
	float *H = w->z, *dH = w->d_xl[0];
	double total, norm = 0;
	int t = 0;

	gather_states(m, H, states, w->hrow, n);
	w->dropped = train && m->h.dropout > 0;
	if (w->dropped) {
		for (int j = 0; j < n; j++)
			draw_masks(m, w, j);
		rec_dropout_forward(H, H, w->zmask, n, hd);
	}
	query_forward(m, w->q, H, w->u, n);
	for (int j = 0; j < n; j++) {
		const int32_t *it = w->srow_item + (size_t)j * ns;
		for (int s = 0; s < ns; s++) {
			int r = j * ns + s;
			w->sz[r] = item_score(m, w->q + (size_t)j * k, it[s]);
			w->d_sz[r] = 0;
			if (s > 0 && it[s] >= 0) {
				w->pos[t] = j * ns;
				w->neg[t++] = r;
			}
		}
	}
	if (t == 0)
		return 0;
	total = rec_bpr_forward(w->d_sz, w->sz, w->pos, w->neg, t,
	                        1.0f / (float)count);
	/* back to the queries, the item rows, and each row's L2 term */
	const float rs = 2.0f * m->h.reg / (float)count;
	memset(w->d_q, 0, (size_t)n * k * sizeof(float));
	for (int j = 0; j < n; j++) {
		const int32_t *it = w->srow_item + (size_t)j * ns;
		const float *q = w->q + (size_t)j * k;
		const float *pu = P + m->oU + (size_t)w->u[j] * k;
		float *dq = w->d_q + (size_t)j * k, *gu = G + m->oU + (size_t)w->u[j] * k;
		for (int s = 0; s < ns; s++) {
			float d = w->d_sz[j * ns + s];
			size_t i = (size_t)it[s];
			if (it[s] < 0)
				continue;
			float *gi = G + m->oE + i * k;
			const float *pi = P + m->oE + i * k;
			rec_axpy(dq, d, pi, k);
			for (int c = 0; c < k; c++)
				gi[c] += d * q[c] + rs * pi[c];
			rec_axpy(gu, rs, pu, k);
			G[m->obi + i] += d + rs * P[m->obi + i];
			norm += (double)rec_sumsq(pu, k) + rec_sumsq(pi, k) +
			        (double)P[m->obi + i] * P[m->obi + i];
		}
		rec_axpy(gu, 1.0f, dq, k);
	}
	memset(dH, 0, (size_t)n * hd * sizeof(float));
	rec_linear_backward(dH, G + m->oQw, G + m->oQb, w->d_q, H, P + m->oQw, n,
	                    hd, k, m->h.threads);
	if (w->dropped)
		rec_dropout_backward(dH, w->zmask, n, hd);
	for (int j = 0; j < n; j++)
		if (w->hrow[j] >= 0)
			rec_axpy(w->d_hs + (size_t)w->hrow[j] * hd, 1.0f, dH + (size_t)j * hd, hd);
	return total + m->h.reg * norm;
}

/* The gradients of the input part of the gates, from da (rows, 4h), the
 * pre-activation gradients of the last run's steps (zero before row
 * from): into wx and the embeddings of the run's items. */
static void
lstm_input_backward(struct lstmrec *m, struct work *w, const float *da,
                    int from, int rows)
{
	const float *P = m->p.w;
	float *G = m->p.g;
	const int k = m->h.k, in = m->in, g4 = 4 * m->h.hidden;

	memset(w->sd, 0, (size_t)w->nslot * g4 * sizeof(float));
	memset(w->dwxr, 0, (size_t)g4 * sizeof(float));
	for (size_t at = (size_t)from; at < (size_t)rows; at++) {
		if (w->xslot[at] < 0)
			continue;
		const float *d = da + at * g4;
		float *sd = w->sd + (size_t)w->xslot[at] * g4;
		const float xr = w->xr[at];
		for (int g = 0; g < g4; g++) {
			sd[g] += d[g];
			w->dwxr[g] += xr * d[g];
		}
	}
	if (w->nslot == 0)
		return;
	/* wx[:, :k] += sd^T se;  sde = sd wx[:, :k] */
	rec_sgemm(1, 0, g4, k, w->nslot, 1.0f, w->sd, g4, w->se, k, 1.0f,
	          G + m->oWx, in, m->h.threads);
	for (int g = 0; g < g4; g++)
		G[m->oWx + (size_t)g * in + k] += w->dwxr[g];
	rec_sgemm(0, 0, w->nslot, k, g4, 1.0f, w->sd, g4, P + m->oWx, in, 0.0f,
	          w->sde, k, m->h.threads);
	rec_embedding_backward(G + m->oE, w->sde, w->sitem, w->nslot, k);
}

/* Forward and backward over this rank's chunks ix[0..n) (n >= 1) of a
 * step: gradients into m->p.g, as the mean over the job's count targets
 * of the step (0: these chunks'); in training (train), with dropout and
 * horizon, and the touched rows into m->b.  A chunk's draws (the
 * horizon's, a ranking model's negatives, its targets' dropout seeds)
 * come from a generator of its own, seeded by draw_key and the chunk's
 * id: they depend on the chunk alone.  Returns the summed objective,
 * *terms the number of its terms here (targets, or a ranking model's
 * targets times negatives). */
static double
chunk_step(struct lstmrec *m, const uint32_t *ix, int n, uint64_t draw_key,
           int train, uint64_t count, size_t *terms)
{
	struct work *w = &m->w;
	const int hd = m->h.hidden, in = m->in, ns = 1 + m->h.negatives;
	int t, nt = 0;
	double total;

	for (int r = 0; r < n; r++) {
		const struct chunk *c = &m->chunks[ix[r]];
		m->win[r] = (struct window){ c->hb, c->te - 1 };
	}
	t = lstm_run(m, w, m->win, n);
	for (int r = 0; r < n; r++) {
		const struct chunk *c = &m->chunks[ix[r]];
		int off = t - (int)(c->te - 1 - c->hb);
		struct rec_rng g;

		rec_rng_seed(&g, rec_rng_mix(draw_key + c->id));
		for (size_t p = c->tb; p < c->te; p++) {
			if (!is_target(m, p))
				continue;
			w->u[nt] = c->user;
			w->i[nt] = m->hist.item[p];
			w->target[nt] = rec_to_unit(m->hist.rating[p]);
			/* the state after entry q - 1 (none before the first):
			 * q = p, or in training with probability horizon a
			 * uniform draw from tb .. p */
			size_t q = p;
			if (train && m->h.horizon > 0 && rec_rng_uniform(&g) < m->h.horizon)
				q = c->tb + (size_t)rec_rng_below(&g, p - c->tb + 1);
			w->hrow[nt] = q == c->hb ? -1 :
			              (off + (int)(q - 1 - c->hb)) * n + r;
			if (train)
				rec_batches_touch(&m->b, c->user, w->i[nt]);
			for (int s = 0; m->base.ranking && s < ns; s++) {
				int32_t j = s == 0 ? w->i[nt] :
				            rec_sample_negative(&m->pos, c->user, &g);
				w->srow_item[(size_t)nt * ns + s] = j;
				if (train && j >= 0)
					rec_batches_touch(&m->b, c->user, j);
			}
			w->key[nt] = rec_rng_next(&g);
			nt++;
		}
		if (train)
			for (size_t p = c->hb; p + 1 < c->te; p++)
				rec_batches_touch(&m->b, c->user, m->hist.item[p]);
	}
	memset(w->d_hs, 0, (size_t)t * n * hd * sizeof(float));
	if (count == 0)
		count = (uint64_t)nt;
	if (m->base.ranking) {
		total = rank_step(m, w, w->hs, nt, train, count * (uint64_t)(ns - 1));
		*terms = (size_t)nt * (size_t)(ns - 1);
	} else {
		head_forward(m, w, w->hs, nt, train);
		total = head_backward(m, w, nt, count);
		*terms = (size_t)nt;
	}
	/* with truncate, back through the steps from the first state a
	 * target reads (the one before its chunk) only */
	int t0 = m->h.truncate ? t : 0;
	for (int r = 0; m->h.truncate && r < n; r++) {
		const struct chunk *c = &m->chunks[ix[r]];
		int off = t - (int)(c->te - 1 - c->hb);
		int first = c->tb == c->hb ? off : off + (int)(c->tb - 1 - c->hb);
		t0 = first < t0 ? first : t0;
	}
	rec_lstm_backward_trunc(NULL, NULL, m->p.g + m->oWh, m->p.g + m->oB,
	                        w->d_hs, NULL, w->mask, w->hs, w->cs, w->gates,
	                        m->p.w + m->oWx, m->p.w + m->oWh, w->scratch, t0, t,
	                        n, in, hd, m->h.threads);
	lstm_input_backward(m, w, w->scratch, t0 * n, t * n);
	return total;
}

/* ---- training ---- */

static int
by_len(const void *a, const void *b)
{
	const struct bylen *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Within each run of BUCKET batches of the epoch's order of the job's
 * chunks (by id), sort them by length (ties in order), so that a batch's
 * chunks are of about one length and little of the LSTM's work is
 * padding; the order stays random across runs and within a length. */
static void
bucket(struct lstmrec *m, uint32_t *order)
{
	const size_t span = (size_t)BUCKET * m->h.batch;

	for (size_t beg = 0; beg < m->total; beg += span) {
		size_t n = m->total - beg < span ? m->total - beg : span;
		for (size_t j = 0; j < n; j++)
			m->sorted[j] = (struct bylen){ m->run_len[order[beg + j]],
			                               (uint32_t)j, order[beg + j] };
		qsort(m->sorted, n, sizeof *m->sorted, by_len);
		for (size_t j = 0; j < n; j++)
			order[beg + j] = m->sorted[j].ix;
	}
}

/* Update, then zero the gradients of, rows of a table (rows of k) and its
 * bias vector. */
static void
step_rows(struct lstmrec *m, size_t table, size_t bias, const int32_t *rows,
          size_t n)
{
	const size_t k = (size_t)m->h.k;

	for (size_t j = 0; j < n; j++) {
		size_t off = table + (size_t)rows[j] * k, ob = bias + (size_t)rows[j];
		rec_adam_update(&m->p, &m->adam, off, k);
		rec_adam_update(&m->p, &m->adam, ob, 1);
		memset(m->p.g + off, 0, k * sizeof(float));
		m->p.g[ob] = 0.0f;
	}
}

/* Each epoch's learning rate is the last one's times lr_decay, from the
 * model's lr: the weights settle, so a model trained a few epochs more
 * or less (the refit's count, found on fewer ratings) is about the same.
 * Under a constant rate the rating LSTM kept fitting the ratings right
 * after each history while those further ahead got worse. */

/* The exchange of a step in a job (a collective): the touched item rows
 * of every rank's chunks, their gradients (embedding and bias) summed in
 * rank order, become the step's (m->b.irows and their rows of m->p.g:
 * the same on every rank), and the dense gradients are summed.  A
 * user's rows are its rank's alone.  Counts the bytes sent. */
static void
exchange(struct lstmrec *m)
{
	float *G = m->p.g;
	const size_t k = (size_t)m->h.k, dense = m->p.n - m->dense_off;

	for (size_t s = 0; s < m->b.ni; s++) {
		size_t i = (size_t)m->b.irows[s];
		float *at = rec_rowsum_put(&m->xsum, s, m->b.irows[s]);
		memcpy(at, G + m->oE + i * k, k * sizeof(float));
		at[k] = G[m->obi + i];
	}
	m->b.ni = rec_rowsum_exchange(&m->xsum, m->b.ni, m->b.irows);
	for (size_t s = 0; s < m->b.ni; s++) {
		size_t i = (size_t)m->b.irows[s];
		const float *at = rec_rowsum_sum(&m->xsum, s);
		memcpy(G + m->oE + i * k, at, k * sizeof(float));
		G[m->obi + i] = at[k];
	}
	rec_dist_sum_f32_now(G + m->dense_off, dense);
	/* each rank's rows (an index and k + 1 floats) to the N - 1 others;
	 * the dense sum to rank 0 and back */
	m->sent += (double)(rec_dist_size() - 1) *
	           (double)(m->xsum.received * (k + 2) + 2 * dense) * sizeof(float);
}

/* An epoch, the same in a job as in one process but for the order of
 * float additions: one order of the job's chunks drawn from rng (every
 * rank draws it whole), bucketed by length and cut into steps of batch
 * chunks, of which each rank runs its own; a step's gradient is the
 * mean over the job's targets of the step (a ranking model's: times
 * negatives). */
static int
lstmrec_epoch(struct rec_model *base, const struct rec_ratings *r,
              struct rec_rng *rng, double *loss, struct rec_err *err)
{
	struct lstmrec *m = (struct lstmrec *)base;
	const size_t batch = (size_t)m->h.batch;
	double sum[2] = { 0, 0 };   /* objective, terms */
	uint64_t draw_key;

	(void)r;   /* the sequences were built from it by make */
	if (m->total == 0)   /* the job's */
		return rec_errf(err, NULL, 0, "no ratings to train on");
	if (rec_dist_agree(rec_batches_epoch(&m->b, m->total, rng, err), err) != 0)
		return -1;
	draw_key = rec_rng_next(rng);
	bucket(m, m->b.order);
	m->sent = 0;
	for (size_t beg = 0; beg < m->total; beg += batch) {
		const size_t end = m->total - beg < batch ? m->total : beg + batch;
		uint64_t count = 0;
		int n = 0;

		for (size_t j = beg; j < end; j++) {
			uint32_t id = m->b.order[j];
			count += m->targets[id];
			if (m->local[id] >= 0)
				m->ix[n++] = (uint32_t)m->local[id];
		}
		rec_batches_next(&m->b);
		if (n > 0) {   /* a rank may have no chunks in a step */
			size_t terms;
			sum[0] += chunk_step(m, m->ix, n, draw_key, 1, count, &terms);
			sum[1] += (double)terms;
		}
		if (m->part)
			exchange(m);
		rec_adam_begin(&m->adam);
		step_rows(m, m->oU, m->obu, m->b.urows, m->b.nu);
		step_rows(m, m->oE, m->obi, m->b.irows, m->b.ni);
		rec_adam_update(&m->p, &m->adam, m->dense_off, m->p.n - m->dense_off);
		memset(m->p.g + m->dense_off, 0, (m->p.n - m->dense_off) * sizeof(float));
	}
	m->adam.lr *= m->h.lr_decay;
	m->ver++;
	rec_dist_sum_f64(sum, 2);   /* the job's */
	*loss = sum[0] / sum[1];
	return 0;
}

struct rec_params *
rec_lstmrec_params(struct rec_model *base)
{
	return &((struct lstmrec *)base)->p;
}

size_t
rec_lstmrec_chunks(const struct rec_model *base)
{
	return ((const struct lstmrec *)base)->nchunks;
}

int
rec_lstmrec_objective(struct rec_model *base, size_t first, size_t n,
                      double *loss)
{
	struct lstmrec *m = (struct lstmrec *)base;
	uint32_t *ix;
	size_t targets;
	double total;

	if (n == 0 || n > (size_t)m->h.batch || first > m->nchunks ||
	    n > m->nchunks - first || !(ix = rec_malloc_array(n, sizeof *ix)))
		return -1;
	for (size_t j = 0; j < n; j++)
		ix[j] = (uint32_t)(first + j);
	memset(m->p.g, 0, m->p.n * sizeof(float));
	total = chunk_step(m, ix, (int)n, 1, 0, 0, &targets);
	rec_free(ix);
	*loss = targets ? total / (double)targets : 0;
	return 0;
}

/* ---- using the model ---- */

/* The states after the runs win[0..n) into out (n, hidden), in LSTM
 * batches. */
static void
states(const struct lstmrec *mc, const struct window *win, size_t n, float *out)
{
	struct lstmrec *m = (struct lstmrec *)mc;   /* scratch buffers only */
	struct work *w = &m->w;
	const size_t hd = (size_t)m->h.hidden;

	for (size_t beg = 0; beg < n; beg += (size_t)w->nseq) {
		int nb = (int)(n - beg < (size_t)w->nseq ? n - beg : (size_t)w->nseq);
		int t = lstm_run(m, w, win + beg, nb);
		memcpy(out + beg * hd, w->hs + (size_t)(t - 1) * nb * hd,
		       (size_t)nb * hd * sizeof(float));
	}
}

/* The window of user u's history before entry cut: its last seq_len. */
static struct window
window_before(const struct lstmrec *m, int32_t u, size_t cut)
{
	size_t beg = m->hist.start[u], sl = (size_t)m->h.seq_len;

	return (struct window){ cut - beg > sl ? cut - sl : beg, cut };
}

/* Bring the cached states of the users in user[0..n) up to date. */
static void
refresh(const struct lstmrec *mc, const int32_t *user, size_t n)
{
	struct lstmrec *m = (struct lstmrec *)mc;
	const size_t hd = (size_t)m->h.hidden, nseq = (size_t)m->w.nseq;
	size_t np = 0;

	for (size_t j = 0; j < n; j++) {
		int32_t u = user[j];
		if (u >= 0 && m->hu_ver[u] != m->ver) {
			m->hu_ver[u] = m->ver;   /* listed once */
			m->pending[np++] = u;
		}
	}
	for (size_t beg = 0; beg < np; beg += nseq) {
		size_t nb = np - beg < nseq ? np - beg : nseq;
		for (size_t j = 0; j < nb; j++) {
			int32_t u = m->pending[beg + j];
			m->win[j] = window_before(m, u, m->hist.start[u + 1]);
		}
		int t = lstm_run(m, &m->w, m->win, (int)nb);
		for (size_t j = 0; j < nb; j++)
			memcpy(m->hu + (size_t)m->pending[beg + j] * hd,
			       m->w.hs + ((size_t)(t - 1) * nb + j) * hd, hd * sizeof(float));
	}
}

/* A user's row of the embeddings and biases: -1 for one a history
 * added (set_history), who has none. */
static int32_t
trained(const struct lstmrec *m, int32_t u)
{
	return u < m->nu ? u : -1;
}

/* Predict n rows whose state rows (srow) index states: the rating, or a
 * ranking model's score. */
static void
head_predict(const struct lstmrec *mc, const int32_t *user, const int32_t *item,
             const int32_t *srow, const float *states_, size_t n, float *out)
{
	struct lstmrec *m = (struct lstmrec *)mc;
	struct work *w = &m->w;
	const size_t cap = (size_t)w->ntgt, k = (size_t)m->h.k;

	for (size_t beg = 0; beg < n; beg += cap) {
		int len = (int)(n - beg < cap ? n - beg : cap);
		if (m->base.ranking) {
			gather_states(m, w->z, states_, srow + beg, len);
			query_forward(m, w->q, w->z, user + beg, len);
			for (int j = 0; j < len; j++)
				out[beg + (size_t)j] = item_score(m, w->q + (size_t)j * k,
				                                  item[beg + (size_t)j]);
			continue;
		}
		for (int j = 0; j < len; j++)
			w->u[j] = trained(m, user[beg + (size_t)j]);
		memcpy(w->i, item + beg, (size_t)len * sizeof *w->i);
		memcpy(w->hrow, srow + beg, (size_t)len * sizeof *w->hrow);
		head_forward(m, w, states_, len, 0);
		for (int j = 0; j < len; j++)
			out[beg + (size_t)j] = rec_to_stars(w->y[j]);
	}
}

static void
lstmrec_predict(const struct rec_model *base, const int32_t *user,
                const int32_t *item, size_t n, float *out)
{
	/* The work buffers and the cache are scratch, not state: predicting
	 * changes nothing a caller can see (and is not thread-safe). */
	const struct lstmrec *m = (const struct lstmrec *)base;

	refresh(m, user, n);
	/* the user's cached state row is the user: hrow = user */
	head_predict(m, user, item, user, m->hu, n, out);
}

/* out (n, items) = a ranking model's scores of every item for each of
 * the n users (rec_model_ops.rank_scores): their queries, then one
 * product with the item table.  A rating model ranks by predict. */
static int
lstmrec_rank_scores(const struct rec_model *base, const int32_t *user,
                    size_t n, float *out, struct rec_err *err)
{
	const struct lstmrec *m = (const struct lstmrec *)base;
	const float *P = m->p.w;
	const size_t cap = (size_t)m->w.ntgt, ni = (size_t)m->ni;
	struct work *w = (struct work *)&m->w;   /* scratch */

	if (!m->base.ranking)
		return rec_model_rank_by_predict(base, user, n, out, err);
	refresh(m, user, n);
	for (size_t beg = 0; beg < n; beg += cap) {
		int len = (int)(n - beg < cap ? n - beg : cap);
		float *o = out + beg * ni;
		/* the user's cached state row is the user */
		gather_states(m, w->z, m->hu, user + beg, len);
		query_forward(m, w->q, w->z, user + beg, len);
		for (int j = 0; j < len; j++)
			memcpy(o + (size_t)j * ni, P + m->obi, ni * sizeof(float));
		if (ni > 0)
			rec_sgemm(0, 1, len, (int)ni, m->h.k, 1.0f, w->q, m->h.k, P + m->oE,
			          m->h.k, 1.0f, o, (int)ni, m->h.threads);
	}
	return 0;
}

/* The first entry of user u at or after time ts (entries without times
 * are all before it). */
static size_t
cut_at(const struct lstmrec *m, int32_t u, int64_t ts)
{
	size_t lo = m->hist.start[u], hi = m->hist.start[u + 1];

	if (!m->hist.ts)
		return hi;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->hist.ts[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
lstmrec_predict_at(const struct rec_model *base, const int32_t *user,
                   const int32_t *item, const int64_t *ts, size_t n,
                   float *out, struct rec_err *err)
{
	const struct lstmrec *m = (const struct lstmrec *)base;
	struct window *win = rec_malloc_array(n ? n : 1, sizeof *win);
	int32_t *srow = rec_malloc_array(n ? n : 1, sizeof *srow);
	float *st = rec_malloc_array(n ? n : 1, (size_t)m->h.hidden * sizeof(float));
	size_t nw = 0;

	if (!win || !srow || !st) {
		rec_free(win);
		rec_free(srow);
		rec_free(st);
		return rec_erroom(err, NULL);
	}
	/* one run per distinct window; rows of a user in time order share */
	for (size_t j = 0; j < n; j++) {
		if (user[j] < 0) {
			srow[j] = -1;
			continue;
		}
		struct window wj = window_before(m, user[j], cut_at(m, user[j], ts[j]));
		if (wj.end == wj.beg) {
			srow[j] = -1;
		} else if (nw > 0 && win[nw - 1].beg == wj.beg && win[nw - 1].end == wj.end) {
			srow[j] = (int32_t)(nw - 1);
		} else {
			srow[j] = (int32_t)nw;
			win[nw++] = wj;
		}
	}
	states(m, win, nw, st);
	head_predict(m, user, item, srow, st, n, out);
	rec_free(win);
	rec_free(srow);
	rec_free(st);
	return 0;
}

/* ---- a ranking model's new users: fold-in ---- */

/* A user a history added (set_history) has no trained embedding; a
 * ranking model fits one, U, to the user's history with the network
 * held fixed.  Each positive target t of the history has the part of
 * its query that the network gives, c_t = Q h_t + b_q (h_t the state
 * before t, as training has it: the same chunks, no horizon, no
 * dropout), and the scores s_t(i) = (c_t + U) . E i + b_i; U is
 * FOLD_STEPS steps of Adam (lr FOLD_LR) from zero on
 *
 *   (1/T) sum over T pairs of -log sigmoid(s_t(i_t) - s_t(j)) + reg |U|^2,
 *
 * each positive paired with `negatives` items j that are not the user's
 * positives, drawn anew each step from a generator seeded by the user's
 * id: a user's embedding does not depend on the other users of the
 * history, nor on the threads. */
enum { FOLD_STEPS = 200 };
#define FOLD_LR 0.05f

/* One user's fold-in problem, buffers of the user's history length. */
struct fold {
	size_t n;          /* positive targets */
	float *c;          /* (n, k) their queries' parts from the network */
	int32_t *item;     /* (n) their items */
	int32_t *pos;      /* (npos) the user's positives, ascending, once */
	size_t npos;
};

static int
cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* f for user u's history (f's buffers of its length). */
static void
fold_prepare(const struct lstmrec *mc, int32_t u, struct fold *f)
{
	struct lstmrec *m = (struct lstmrec *)mc;   /* scratch buffers only */
	struct work *w = &m->w;
	const size_t c = (size_t)m->h.chunk, sl = (size_t)m->h.seq_len;
	const size_t beg = m->hist.start[u], end = m->hist.start[u + 1];
	const size_t k = (size_t)m->h.k;

	f->n = 0;
	/* the user's chunks, as chunks_build cuts them, up to nseq a run */
	for (size_t tb0 = beg; tb0 < end; tb0 += (size_t)w->nseq * c) {
		int n = 0, t, nt = 0;
		for (size_t tb = tb0; n < w->nseq && tb < end; n++, tb += c) {
			size_t te = end - tb > c ? tb + c : end;
			m->win[n] = (struct window){ tb - beg > sl ? tb - sl : beg, te - 1 };
		}
		t = lstm_run(m, w, m->win, n);
		for (int r = 0; r < n; r++) {
			size_t hb = m->win[r].beg, tb = tb0 + (size_t)r * c;
			size_t te = m->win[r].end + 1;
			int off = t - (int)(te - 1 - hb);
			for (size_t p = tb; p < te; p++) {
				if (!is_target(m, p))
					continue;
				w->u[nt] = -1;
				w->hrow[nt] = p == hb ? -1 : (off + (int)(p - 1 - hb)) * n + r;
				f->item[f->n + (size_t)nt++] = m->hist.item[p];
			}
		}
		if (nt == 0)
			continue;
		gather_states(m, w->z, w->hs, w->hrow, nt);
		query_forward(m, f->c + f->n * k, w->z, w->u, nt);
		f->n += (size_t)nt;
	}
	memcpy(f->pos, f->item, f->n * sizeof *f->pos);
	qsort(f->pos, f->n, sizeof *f->pos, cmp_i32);
	f->npos = 0;
	for (size_t j = 0; j < f->n; j++)
		if (f->npos == 0 || f->pos[f->npos - 1] != f->pos[j])
			f->pos[f->npos++] = f->pos[j];
}

/* An item that is not one of f's positives, uniform; -1 when 100 draws
 * met only positives (as rec_sample_negative). */
static int32_t
fold_negative(const struct lstmrec *m, const struct fold *f,
              struct rec_rng *rng)
{
	for (int d = 0; d < 100; d++) {
		int32_t j = (int32_t)rec_rng_below(rng, (uint64_t)m->ni);
		if (!bsearch(&j, f->pos, f->npos, sizeof j, cmp_i32))
			return j;
	}
	return -1;
}

/* The fold-in objective of f at U (k), its negatives drawn from rng;
 * its gradient into g (k).  q (k) is scratch. */
static double
fold_objective(const struct lstmrec *m, const struct fold *f, const float *U,
               float *g, float *q, struct rec_rng *rng)
{
	const float *E = m->p.w + m->oE;
	const int k = m->h.k;
	double total = 0;
	size_t pairs = 0;
	float scale;

	memset(g, 0, (size_t)k * sizeof *g);
	for (size_t t = 0; t < f->n; t++) {
		int32_t i = f->item[t];
		float si, d;
		memcpy(q, f->c + t * (size_t)k, (size_t)k * sizeof *q);
		rec_axpy(q, 1.0f, U, k);
		si = item_score(m, q, i);
		for (int s = 0; s < m->h.negatives; s++) {
			int32_t j = fold_negative(m, f, rng);
			if (j < 0)
				continue;
			total += rec_bpr_term(si - item_score(m, q, j), &d);
			rec_axpy(g, d, E + (size_t)i * k, k);
			rec_axpy(g, -d, E + (size_t)j * k, k);
			pairs++;
		}
	}
	scale = pairs ? 1.0f / (float)pairs : 0.0f;
	for (int c = 0; c < k; c++)
		g[c] = scale * g[c] + 2.0f * m->h.reg * U[c];
	return total * scale + m->h.reg * (double)rec_sumsq(U, k);
}

/* U (k) from f: FOLD_STEPS steps of Adam from zero; seed makes the
 * negatives.  scratch (4 k). */
static void
fold_user(const struct lstmrec *m, const struct fold *f, float *U,
          uint64_t seed, float *scratch)
{
	const int k = m->h.k;
	float *g = scratch, *mo = g + k, *v = mo + k, *q = v + k;
	struct rec_rng rng;

	rec_rng_seed(&rng, seed);
	memset(U, 0, (size_t)k * sizeof *U);
	memset(mo, 0, 2 * (size_t)k * sizeof *mo);
	for (int step = 1; step <= FOLD_STEPS; step++) {
		float c1 = 1.0f - powf(0.9f, (float)step), c2 = 1.0f - powf(0.999f, (float)step);
		fold_objective(m, f, U, g, q, &rng);
		for (int c = 0; c < k; c++) {
			mo[c] = 0.9f * mo[c] + 0.1f * g[c];
			v[c] = 0.999f * v[c] + 0.001f * g[c] * g[c];
			U[c] -= FOLD_LR * (mo[c] / c1) / (sqrtf(v[c] / c2) + 1e-8f);
		}
	}
}

/* f's buffers for a history of n entries; -1 out of memory. */
static int
fold_alloc(const struct lstmrec *m, struct fold *f, size_t n)
{
	*f = (struct fold){ 0 };
	f->c = rec_malloc_array(n ? n : 1, (size_t)m->h.k * sizeof *f->c);
	f->item = rec_malloc_array(n ? n : 1, sizeof *f->item);
	f->pos = rec_malloc_array(n ? n : 1, sizeof *f->pos);
	return f->c && f->item && f->pos ? 0 : -1;
}

static void
fold_free(struct fold *f)
{
	rec_free(f->c);
	rec_free(f->item);
	rec_free(f->pos);
}

/* The seed of user u's negatives: from its data-set id. */
static uint64_t
fold_seed(const struct lstmrec *m, int32_t u)
{
	return rec_rng_mix((uint64_t)m->base.users.ids[u]);
}

/* Fold in every user a history added, from the user's history. */
static int
fold_users(struct lstmrec *m, struct rec_err *err)
{
	const size_t k = (size_t)m->h.k, nnew = m->base.users.n - (size_t)m->nu;
	size_t most = 0;
	struct fold f;
	float *fold, *scratch;
	int rc = -1;

	m->nfold = 0;
	for (size_t x = 0; x < nnew; x++) {
		size_t u = (size_t)m->nu + x, n = m->hist.start[u + 1] - m->hist.start[u];
		most = n > most ? n : most;
	}
	scratch = rec_malloc_array(4, k * sizeof *scratch);
	if (fold_alloc(m, &f, most) != 0 || !scratch ||
	    !(fold = rec_realloc_array(m->fold, nnew ? nnew : 1, k * sizeof *fold)))
		goto out;
	m->fold = fold;
	for (size_t x = 0; x < nnew; x++) {
		int32_t u = m->nu + (int32_t)x;
		fold_prepare(m, u, &f);
		fold_user(m, &f, m->fold + x * k, fold_seed(m, u), scratch);
	}
	m->nfold = nnew;
	rc = 0;
out:
	fold_free(&f);
	rec_free(scratch);
	return rc ? rec_erroom(err, NULL) : 0;
}

const float *
rec_lstmrec_user_emb(const struct rec_model *base, int32_t u)
{
	const struct lstmrec *m = (const struct lstmrec *)base;

	return u < (int32_t)base->users.n ? user_emb(m, u) : NULL;
}

int
rec_lstmrec_fold_objective(struct rec_model *base, int32_t u, const float *U,
                           float *g, double *loss)
{
	struct lstmrec *m = (struct lstmrec *)base;
	struct fold f = { 0 };
	struct rec_rng rng;
	float *q = rec_malloc_array((size_t)m->h.k, sizeof *q);
	int rc = -1;

	if (m->base.ranking && u >= 0 && (size_t)u < m->base.users.n && q &&
	    fold_alloc(m, &f, m->hist.start[u + 1] - m->hist.start[u]) == 0) {
		fold_prepare(m, u, &f);
		rec_rng_seed(&rng, fold_seed(m, u));
		*loss = fold_objective(m, &f, U, g, q, &rng);
		rc = 0;
	}
	fold_free(&f);
	rec_free(q);
	return rc;
}

static int
lstmrec_set_history(struct rec_model *base, const struct rec_ratings *h,
                    struct rec_err *err)
{
	struct lstmrec *m = (struct lstmrec *)base;

	if (hist_build(m, h, err) != 0 || chunks_build(m, err) != 0)
		return -1;
	return m->base.ranking ? fold_users(m, err) : 0;
}

static void
lstmrec_copy_weights(struct rec_model *dst, const struct rec_model *src)
{
	struct lstmrec *d = (struct lstmrec *)dst;

	rec_params_copy_weights(&d->p, &((const struct lstmrec *)src)->p);
	d->ver++;
}

/* ---- creating, saving, loading ---- */

/* U(-1/sqrt(in), 1/sqrt(in)), PyTorch's default for linear and LSTM
 * layers (in: the hidden size for the LSTM). */
static void
init_uniform(float *v, size_t n, int in, struct rec_rng *rng)
{
	float a = 1.0f / sqrtf((float)(in > 0 ? in : 1));

	for (size_t j = 0; j < n; j++)
		v[j] = a * (2.0f * rec_rng_uniform(rng) - 1.0f);
}

/* The biases start at the bias-only model of r, fitted in closed form:
 * in the scaled ratings t, BIAS_PASSES alternating passes (from b_u = 0) of
 *   b_i = sum over i's ratings of (t - mean - b_u) / (n_i + BIAS_SHRINK)
 *   b_u = sum over u's ratings of (t - mean - b_i) / (n_u + BIAS_SHRINK),
 * regularised means of the residuals, then turned into logits around mu
 * by the sigmoid's slope there.  Trained from 0 instead, the biases stay
 * near it in the few epochs before the network overfits, and the head
 * learns each user's and item's mean through the embeddings and the
 * history, which does not hold ratings far ahead of the history.  In a
 * job, r is this rank's part: the mean and the items' sums are the
 * job's (a user's ratings are on one rank). */
enum { BIAS_PASSES = 3 };
#define BIAS_SHRINK 5.0

static int
baseline_biases(struct lstmrec *m, const struct rec_ratings *r,
                struct rec_err *err)
{
	const size_t nu = (size_t)m->nu, n = nu + (size_t)m->ni;
	double *b = rec_calloc(3 * n, sizeof *b);   /* b_u then b_i */
	double *sum, *den, mean[2] = { 0, (double)r->n }, s, slope;
	float *P = m->p.w;

	if (rec_dist_agree(b ? 0 : rec_erroom(err, NULL), err) != 0) {
		rec_free(b);
		return -1;
	}
	sum = b + n;
	den = b + 2 * n;
	for (size_t j = 0; j < r->n; j++) {
		mean[0] += rec_to_unit(r->rating[j]);
		den[r->user[j]]++;
		den[nu + r->item[j]]++;
	}
	rec_dist_sum_f64(mean, 2);
	rec_dist_sum_f64(den + nu, (size_t)m->ni);
	mean[0] /= mean[1];
	for (size_t x = 0; x < n; x++)
		den[x] += BIAS_SHRINK;
	for (int pass = 0; pass < BIAS_PASSES; pass++) {
		memset(sum, 0, n * sizeof *sum);
		for (size_t j = 0; j < r->n; j++)
			sum[nu + r->item[j]] += rec_to_unit(r->rating[j]) - mean[0] - b[r->user[j]];
		rec_dist_sum_f64(sum + nu, (size_t)m->ni);
		for (size_t x = nu; x < n; x++)
			b[x] = sum[x] / den[x];
		for (size_t j = 0; j < r->n; j++)
			sum[r->user[j]] += rec_to_unit(r->rating[j]) - mean[0] - b[nu + r->item[j]];
		for (size_t x = 0; x < nu; x++)
			b[x] = sum[x] / den[x];
	}
	s = 1.0 / (1.0 + exp(-(double)P[m->omu]));
	slope = s * (1.0 - s);
	for (size_t x = 0; x < nu; x++)
		P[m->obu + x] = (float)(b[x] / slope);
	for (size_t x = nu; x < n; x++)
		P[m->obi + (x - nu)] = (float)(b[x] / slope);
	rec_free(b);
	return 0;
}

struct rec_model *
rec_lstmrec_make(const void *hp, const struct rec_ratings *r, uint64_t seed,
                 struct rec_err *err)
{
	const struct rec_lstmrec_hparams *h = hp;
	const int hd = h->hidden;
	struct rec_err scratch = { 0 };
	struct rec_rng rng;
	struct lstmrec *m;
	size_t cap;
	float *P;
	int rc = -1;

	if (!err)
		err = &scratch;
	err->msg[0] = '\0';
	if (rec_model_has_ratings(r, err) != 0)
		return NULL;
	if ((m = lstmrec_alloc(h, (int)r->users.n, (int)r->items.n, err)) &&
	    rec_model_init_maps(&m->base, r, err) == 0 && hist_build(m, r, err) == 0 &&
	    chunks_build(m, err) == 0)
		rc = 0;
	else if (!err->msg[0])
		rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) != 0)
		goto fail;
	m->part = rec_dist_size() > 1;
	/* a step's item records, summed over the ranks: no more than its
	 * entries, nor than every rank's every item */
	cap = (size_t)rec_dist_size() * ((size_t)m->ni + 1);
	cap = step_entries(m) < cap ? step_entries(m) : cap;
	if (place_chunks(m, err) != 0 ||
	    (m->part && rec_dist_agree(rec_rowsum_init(&m->xsum, m->ni, cap,
	                                               (size_t)h->k + 1, err), err) != 0))
		goto fail;
	P = m->p.w;
	rec_rng_seed(&rng, seed);
	for (size_t j = m->oE; j < m->obu; j++)   /* the two embedding tables */
		P[j] = h->init_sd * rec_rng_normal(&rng);
	init_uniform(P + m->oWx, (size_t)4 * hd * m->in, hd, &rng);
	init_uniform(P + m->oWh, (size_t)4 * hd * hd, hd, &rng);
	init_uniform(P + m->oB, (size_t)4 * hd, hd, &rng);
	if (m->base.ranking) {
		init_uniform(P + m->oQw, (size_t)h->k * hd, hd, &rng);
		if (rec_sample_init_job(&m->pos, r, h->positive, err) != 0)
			goto fail;
		return &m->base;
	}
	for (int l = 0; l < h->nmlp; l++) {
		init_uniform(P + m->oW[l], (size_t)m->width[l + 1] * m->width[l],
		             m->width[l], &rng);
		init_uniform(P + m->oBl[l], (size_t)m->width[l + 1], m->width[l], &rng);
	}
	init_uniform(P + m->oOut, (size_t)m->width[h->nmlp], m->width[h->nmlp], &rng);
	P[m->omu] = rec_model_mean_logit(r);
	if (baseline_biases(m, r, err) != 0)
		goto fail;
	return &m->base;
fail:
	if (m)
		lstmrec_free(&m->base);
	return NULL;
}


/* The stored histories: each user's last seq_len entries, in user order
 * (start (nu + 1), item and rating (start[nu])), on rank 0 from every
 * rank's users (a collective, failing alike on every rank); the other
 * ranks' item and rating are NULL. */
struct stored {
	int64_t *start, *item;
	float *rating;
	int32_t nu;
};

static void
stored_free(struct stored *s)
{
	rec_free(s->start);
	rec_free(s->item);
	rec_free(s->rating);
}

/* Rank 0 places a rank's users' stored entries: per user, its index
 * (int32_t), then its entries' items (int32_t) and ratings (float),
 * start[u + 1] - start[u] of each (rec_dist_take_fn). */
static int
take_stored(void *ctx, int rank, const void *p, size_t n, struct rec_err *err)
{
	struct stored *s = ctx;
	const char *at = p, *end = at + n;

	while (at < end) {
		int32_t u;
		size_t len;
		memcpy(&u, at, sizeof u);
		at += sizeof u;
		if (u < 0 || u >= s->nu ||
		    (size_t)(end - at) < (len = (size_t)(s->start[u + 1] - s->start[u])) * 8)
			return rec_errf(err, NULL, 0, "rank %d sent a history that does "
			                "not fit", rank);
		for (size_t e = (size_t)s->start[u]; e < (size_t)s->start[u + 1]; e++) {
			int32_t item;
			memcpy(&item, at, sizeof item);
			memcpy(&s->rating[e], at + 4, sizeof(float));
			s->item[e] = item;
			at += 8;
		}
	}
	return 0;
}

static int
gather_stored(const struct lstmrec *m, struct stored *s, struct rec_err *err)
{
	const size_t nu = (size_t)m->nu;
	char *pack = NULL, *at;
	size_t len = 0, bytes = 0;
	int rc = -1;

	*s = (struct stored){ .nu = m->nu };
	s->start = rec_calloc(nu + 1, sizeof *s->start);
	if (rec_dist_agree(s->start ? 0 : rec_erroom(err, NULL), err) != 0)
		return -1;
	for (int32_t u = 0; u < m->nu; u++) {
		struct window wu = window_before(m, u, m->hist.start[u + 1]);
		s->start[u + 1] = (int64_t)(wu.end - wu.beg);
		bytes += wu.end > wu.beg ? 4 + 8 * (wu.end - wu.beg) : 0;
	}
	rec_dist_sum_i64(s->start + 1, nu);   /* a user's are on one rank */
	for (size_t u = 0; u < nu; u++)
		s->start[u + 1] += s->start[u];
	len = (size_t)s->start[nu];
	rc = (at = pack = rec_malloc(bytes ? bytes : 1)) ? 0 : -1;
	if (rc == 0 && rec_dist_rank() == 0 &&
	    (!(s->item = rec_malloc_array(len ? len : 1, sizeof *s->item)) ||
	     !(s->rating = rec_malloc_array(len ? len : 1, sizeof *s->rating))))
		rc = -1;
	if (rec_dist_agree(rc ? rec_erroom(err, NULL) : 0, err) != 0)
		goto out;
	for (int32_t u = 0; u < m->nu; u++) {
		struct window wu = window_before(m, u, m->hist.start[u + 1]);
		if (wu.end == wu.beg)
			continue;
		memcpy(at, &u, 4);
		at += 4;
		for (size_t e = wu.beg; e < wu.end; e++, at += 8) {
			memcpy(at, &m->hist.item[e], 4);
			memcpy(at + 4, &m->hist.rating[e], 4);
		}
	}
	rc = rec_dist_collect(pack, bytes, take_stored, s, err);
out:
	rec_free(pack);
	return rc;
}

/* Whether this rank holds user u: u has a history on it
 * (rec_params_gather_held). */
static int
holds_user(const void *ctx, int32_t u)
{
	const struct lstmrec *m = ctx;

	return m->hist.start[u + 1] > m->hist.start[u];
}

/* Rank 0's *whole (caller frees) = the slab with every rank's users'
 * rows of the user embeddings and biases (the rest of the slab is the
 * same on every rank).  A collective. */
static int
gather_users(const struct lstmrec *m, float **whole, struct rec_err *err)
{
	const struct rec_params_rows users = { 2, { m->oU, m->obu }, { (size_t)m->h.k, 1 },
	                                       m->nu };

	return rec_params_gather_held(&m->p, &users, holds_user, m, whole, err);
}

/* The model, with each user's last seq_len entries as its history; in a
 * job, every rank's users' rows and histories gathered to rank 0, which
 * alone writes. */
static int
lstmrec_save(const struct rec_model *base, FILE *fp, const char *file,
             const char *const *xkey, const char *const *xval, size_t nx,
             struct rec_err *err)
{
	static const char *const names[3] = { "hist_start", "hist_item", "hist_rating" };
	const struct lstmrec *m = (const struct lstmrec *)base;
	struct rec_tensor t[5 + REC_MAX_PARAMS];
	const char *key[1] = { "history" }, *val[1];
	struct stored s;
	float *whole = NULL;
	char num[24];
	size_t len;
	int rc;

	if (m->base.users.n != (size_t)m->nu)
		return rec_errf(err, file, 0, "a model with users of a history "
		                "(rec_model_set_history) is not saved");
	if (gather_stored(m, &s, err) != 0) {
		stored_free(&s);
		return -1;
	}
	if (m->part && gather_users(m, &whole, err) != 0) {
		stored_free(&s);
		return -1;
	}
	if (rec_dist_rank() > 0) {
		stored_free(&s);
		return 0;
	}
	len = (size_t)s.start[m->nu];
	snprintf(num, sizeof num, "%zu", len);
	val[0] = num;
	rec_model_map_tensors(base, t);
	void *data[3] = { s.start, s.item, s.rating };
	size_t count[3] = { (size_t)m->nu + 1, len, len };
	for (int j = 0; j < 3; j++) {
		struct rec_tensor *a = &t[2 + j];
		memset(a, 0, sizeof *a);
		snprintf(a->name, sizeof a->name, "%s", names[j]);
		a->dtype = j == 2 ? REC_F32 : REC_I64;
		a->ndim = 1;
		a->shape[0] = (int64_t)count[j];
		a->data = data[j];
		a->nbytes = count[j] * (j == 2 ? sizeof(float) : sizeof(int64_t));
	}
	rec_params_tensors(&m->p, t + 5);
	for (int j = 0; whole && j < m->p.nt; j++)
		t[5 + j].data = whole + ((const float *)t[5 + j].data - m->p.w);
	rc = rec_model_write(fp, file, &rec_lstmrec_desc, &m->h, t,
	                     5 + (size_t)m->p.nt, key, val, 1, xkey, xval, nx, err);
	stored_free(&s);
	rec_free(whole);
	return rc;
}

/* The stored histories of st into m->hist (times unknown). */
static int
load_hist(struct lstmrec *m, const struct rec_st *st, long len,
          struct rec_err *err)
{
	const struct rec_tensor *ts, *ti, *tr;
	int64_t s1[1] = { (int64_t)m->nu + 1 }, s2[1] = { len };
	const int64_t *start, *item;
	const float *rating;
	struct hist *h = &m->hist;

	if (rec_st_tensor(&ts, st, "hist_start", REC_I64, 1, s1, err) != 0 ||
	    rec_st_tensor(&ti, st, "hist_item", REC_I64, 1, s2, err) != 0 ||
	    rec_st_tensor(&tr, st, "hist_rating", REC_F32, 1, s2, err) != 0)
		return -1;
	start = ts->data;
	item = ti->data;
	rating = tr->data;
	if (start[0] != 0 || start[m->nu] != len)
		return rec_errf(err, st->name, 0, "tensor 'hist_start' does not run "
		                "from 0 to %ld", len);
	for (int u = 0; u < m->nu; u++)
		if (start[u + 1] < start[u] || start[u + 1] - start[u] > m->h.seq_len)
			return rec_errf(err, st->name, 0, "tensor 'hist_start': user row %d "
			                "has a history of %lld entries (seq_len %d)", u,
			                (long long)(start[u + 1] - start[u]), m->h.seq_len);
	for (long e = 0; e < len; e++) {
		if (item[e] < 0 || item[e] >= m->ni)
			return rec_errf(err, st->name, 0, "tensor 'hist_item': item row "
			                "%lld out of range", (long long)item[e]);
		if (!(rating[e] >= 0.5f && rating[e] <= 5.0f))
			return rec_errf(err, st->name, 0, "tensor 'hist_rating': rating "
			                "%g out of range [0.5, 5]", (double)rating[e]);
	}
	if (!(h->start = rec_malloc_array((size_t)m->nu + 1, sizeof *h->start)) ||
	    !(h->item = rec_malloc_array(len ? (size_t)len : 1, sizeof *h->item)) ||
	    !(h->rating = rec_malloc_array(len ? (size_t)len : 1, sizeof *h->rating)))
		return rec_erroom(err, st->name);
	for (int u = 0; u <= m->nu; u++)
		h->start[u] = (size_t)start[u];
	for (long e = 0; e < len; e++) {
		h->item[e] = (int32_t)item[e];
		h->rating[e] = rating[e];
	}
	h->len = (size_t)len;
	return 0;
}

int
rec_lstmrec_load(struct rec_model **out, const struct rec_st *st,
                 struct rec_err *err)
{
	static const char *const hist_tensors[] = { "hist_start", "hist_item",
		"hist_rating", NULL };
	struct rec_lstmrec_hparams h = REC_LSTMREC_DEFAULTS;
	const struct rec_tensor *uids, *iids;
	long len;
	struct lstmrec *m;

	*out = NULL;
	if (rec_hparams_load(&rec_lstmrec_desc, &h, st, err) != 0 ||
	    rec_st_meta_count(&len, st, "history", 0, INT32_MAX, err) != 0 ||
	    rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, NULL, err) != 0 ||
	    rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, NULL, err) != 0)
		return -1;
	if (uids->shape[0] > INT32_MAX || iids->shape[0] > INT32_MAX)
		return rec_errf(err, st->name, 0, "too many users or items");
	if (err)
		err->msg[0] = '\0';
	if (!(m = lstmrec_alloc(&h, (int)uids->shape[0], (int)iids->shape[0], err))) {
		if (err)
			snprintf(err->file, sizeof err->file, "%s", st->name);
		return -1;
	}
	if (rec_model_load_map(&m->base.users, st, "user_ids", m->nu, err) != 0 ||
	    rec_model_load_map(&m->base.items, st, "item_ids", m->ni, err) != 0 ||
	    rec_params_load(&m->p, st, err) != 0 ||
	    load_hist(m, st, len, err) != 0 || chunks_build(m, err) != 0 ||
	    rec_model_no_extra(st, &m->p, hist_tensors, err) != 0) {
		if (err && !err->file[0])
			snprintf(err->file, sizeof err->file, "%s", st->name);
		lstmrec_free(&m->base);
		return -1;
	}
	*out = &m->base;
	return 0;
}

/* In a job: the bytes the ranks sent in the last epoch. */
static int
lstmrec_epoch_extra(const struct rec_model *base, double *out)
{
	const struct lstmrec *m = (const struct lstmrec *)base;

	if (!m->part)
		return 0;
	out[0] = m->sent;
	return 1;
}

static const struct rec_model_ops lstmrec_ops = {
	.name = "lstm",
	.epoch = lstmrec_epoch,
	.predict = lstmrec_predict,
	.rank_scores = lstmrec_rank_scores,
	.copy_weights = lstmrec_copy_weights,
	.save = lstmrec_save,
	.save_gathers = 1,
	.free = lstmrec_free,
	.epoch_extra = lstmrec_epoch_extra,
	.set_history = lstmrec_set_history,
	.predict_at = lstmrec_predict_at,
};
