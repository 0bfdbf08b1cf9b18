/*
 * mf.c - the study's matrix factorisation (see mf.h).
 *
 * Parameters live in one slab (params.h): P (users, k), Q (items, k),
 * user_bias (users), item_bias (items), global_bias (scalar), the first
 * four each starting a cache line (add_lined).  Each step
 * updates only the rows its batch touched (lazy Adam, as PyTorch's
 * SparseAdam): the cost of a step follows the batch, not the catalogue.
 * Dropout masks come from 16 random bits an entry, so the survival
 * probability is rounded to a multiple of 1/65536.
 *
 * Per-rating SGD (rec_mf_per_rating) runs over a grid (grid.h) of the
 * training table, built at its first epoch, one block a thread at a time.
 *
 * In a job of N ranks (dist.h) it is distributed SGD (Gemulla et al.,
 * KDD 2011): each rank holds the rows of its users (shard.h) and the
 * whole slab, but trains only its users' P rows and biases, and the items
 * of one of the grid's N parts at a time (it starts with part `rank`).
 * An epoch is N sub-epochs: the rank runs its held part's blocks on its
 * threads, then (but after the last) passes that part's Q rows and item
 * biases to the next rank and takes the part before from the rank
 * before, so that no two ranks ever hold one part.  The job sends
 * (N - 1) items (k + 1) 4 bytes an epoch, every rank (N - 1) parts; the
 * save gathers every rank's users and held part on rank 0.  One rank is
 * the plain program, N = 1 part, the same bytes.
 *
 * By minibatches a job is synchronous data parallelism, as ncf.c's: the
 * steps are one process's (one keyed order of the job's rows, or with
 * BPR of its positives: rec_batches_epoch_steps), each rank computes the
 * gradients of its rows of a step, a row's dropout masks (and a
 * positive's negatives) drawn from a key of its own, and the touched
 * items' gradients and mu's are summed over the ranks (rowsum.h) before
 * every rank takes the same step on them; a user's rows are its rank's.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "rec/batch.h"
#include "rec/dist.h"
#include "rec/gemm.h"
#include "rec/grid.h"
#include "rec/hparams.h"
#include "rec/layer.h"
#include "rec/mf.h"
#include "rec/params.h"
#include "rec/rowsum.h"
#include "rec/sample.h"
#include "vector.h"

struct mf {
	struct rec_model base;      /* first: a struct mf is a struct rec_model */
	struct rec_mf_hparams h;
	struct rec_params p;
	size_t oP, oQ, obu, obi, omu;   /* offsets in the slabs */
	int nu, ni;
	struct rec_adam adam;
	struct rec_batches b;
	float *mask;                /* (k) both dropout masks of one row, multiplied */
	struct rec_grid grid;       /* per-rating SGD: the training table's blocks */
	float lr_now;               /* per-rating SGD: the next epoch's learning rate */
	const struct rec_ratings *grid_of;   /* the table the grid was built from */
	int grid_took;              /* 1: and took its rows (mf_take) */
	/* a job (dist.h): the users of this rank's rows (own, nown), the
	 * part of the items it holds, room to pass a part on (ring: two
	 * parts' rows of k + 1), the bytes the job sent in the last epoch */
	int32_t *own;
	size_t nown;
	int held;
	float *ring;
	struct rec_rowsum xsum;     /* by minibatches: the touched items'
	                             * gradients, k + 1 floats a row */
	double sent;
	struct rec_sample pos;      /* BPR: the training table's positives */
	/* users folded in at scoring time (set_history): user nu + f has
	 * the vector fold_p[f k ..] and the bias fold_b[f] */
	float *fold_p, *fold_b;
	size_t nfold;
};

static const struct rec_model_ops mf_ops;

/* ---- hyperparameters ---- */

static const char *const optimizers[] = { "adam", "sgd", NULL };
static const struct rec_mf_hparams mf_defaults = REC_MF_DEFAULTS;
/* per-rating SGD's own (rec-train-mf(1) says how they were chosen) */
static const char *const per_rating_defaults[] = {
	"lr", "1", "reg", "0.004", "dropout", "0", "lr-decay", "0.85", NULL
};

#define T struct rec_mf_hparams
static const struct rec_hparam mf_params[] = {
	REC_HP_INTEGER(T, k, "dim", "k", 0, 4096, "K",
	               "embedding dimension, 0 for biases only"),
	REC_HP_NUMBER(T, lr, "lr", "lr", 1e-9, 100, "R", "learning rate"),
	REC_HP_NUMBER(T, reg, "reg", "reg", 0, 100, "R",
	              "L2 weight on each rating's embeddings and biases"),
	REC_HP_NUMBER(T, dropout, "dropout", "dropout", 0, 0.99, "P",
	              "dropout on the embedding vectors in training"),
	REC_HP_ONE_OF(T, opt, "optimizer", "optimizer", optimizers, "the optimizer"),
	REC_HP_INTEGER(T, batch, "batch", "batch", 1, 1 << 20, "N",
	               "ratings a step; with --optimizer sgd, 1 is\n"
	               "per-rating SGD over a blocked matrix (no dropout)"),
	REC_HP_INTEGER(T, threads, "threads", "threads", 1, 64, "N",
	               "per-rating SGD on N threads, lock-free (the\n"
	               "model depends on N, not on the threads' timing)"),
	REC_HP_NEW_NUMBER(T, lr_decay, "lr-decay", "lr_decay", 1e-3, 1, "D",
	                  "per-rating SGD: each epoch's learning rate is\n"
	                  "D times the epoch's before"),
	REC_HP_NUMBER(T, init_sd, "init-sd", "init_sd", 0, 10, "S",
	              "embeddings start as N(0, S^2)"),
	REC_HP_ONE_OF(T, loss, "loss", "loss", rec_loss_names,
	              "mse on the ratings, or bpr on positives against\n"
	              "sampled negatives: a ranking model"),
	REC_HP_NUMBER(T, positive, "positive", "positive", 0, 5, "T",
	              "with bpr: ratings from T stars are positives"),
	REC_HP_INTEGER(T, negatives, "negatives", "negatives", 1, 1000, "N",
	               "with bpr: negatives drawn for each positive"),
};
#undef T

static int
in_per_rating(const void *hp)
{
	return rec_mf_per_rating(hp);
}

/* Model files of recpipe 0.1.0 before the ranking losses and --threads saved. */
static const struct rec_hp_before mf_before[] = {
	{ "threads", NULL, NULL, "1" },
	{ "loss", NULL, NULL, "mse" },
	{ "positive", NULL, NULL, "3.5" },
	{ "negatives", NULL, NULL, "1" },
	{ NULL, NULL, NULL, NULL }
};

const struct rec_hparams_desc rec_mf_desc = {
	"mf", mf_params, sizeof mf_params / sizeof mf_params[0], &mf_defaults,
	"per-rating SGD", in_per_rating, per_rating_defaults, mf_before
};

static void
mf_free(struct rec_model *base)
{
	struct mf *m = (struct mf *)base;

	rec_params_free(&m->p);
	rec_idmap_clear(&m->base.users);
	rec_idmap_clear(&m->base.items);
	rec_batches_free(&m->b);
	rec_grid_free(&m->grid);
	rec_free(m->own);
	rec_free(m->ring);
	rec_rowsum_free(&m->xsum);
	rec_free(m->mask);
	rec_sample_free(&m->pos);
	rec_free(m->fold_p);
	rec_free(m->fold_b);
	rec_free(m);
}

/* rec_params_add on a cache line of its own: the threads of per-rating
 * SGD write rows of P, Q and the biases at once (grid.h). */
static int
add_lined(struct rec_params *p, const char *name, int ndim, int rows, int cols,
          size_t *off, struct rec_err *err)
{
	rec_params_align(p);
	return rec_params_add(p, name, ndim, rows, cols, off, err);
}

/* A model of nu users, ni items, zero weights. */
static struct mf *
mf_alloc(const struct rec_mf_hparams *h, int nu, int ni, struct rec_err *err)
{
	struct mf *m = rec_calloc(1, sizeof *m);

	if (!m) {
		rec_erroom(err, NULL);
		return NULL;
	}
	m->base.ops = &mf_ops;
	m->base.ranking = h->loss == REC_LOSS_BPR;
	m->h = *h;
	m->nu = nu;
	m->ni = ni;
	m->adam = (struct rec_adam)REC_ADAM_DEFAULTS;
	m->adam.lr = h->lr;
	m->lr_now = h->lr;
	if (add_lined(&m->p, "P", 2, nu, h->k, &m->oP, err) != 0 ||
	    add_lined(&m->p, "Q", 2, ni, h->k, &m->oQ, err) != 0 ||
	    add_lined(&m->p, "user_bias", 1, nu, 1, &m->obu, err) != 0 ||
	    add_lined(&m->p, "item_bias", 1, ni, 1, &m->obi, err) != 0 ||
	    rec_params_add(&m->p, "global_bias", 0, 1, 1, &m->omu, err) != 0 ||
	    rec_params_alloc(&m->p, err) != 0 ||
	    !(m->mask = rec_malloc_array((size_t)h->k + 1, sizeof *m->mask)) ||
	    rec_batches_init(&m->b, nu, ni, h->batch * (m->base.ranking ?
	                     1 + h->negatives : 1), err) != 0) {
		if (err && !err->msg[0])
			rec_erroom(err, NULL);
		mf_free(&m->base);
		return NULL;
	}
	return m;
}

/* In a job: the users of r's rows, and by minibatches room for the
 * exchange of a step's items, at most one a row (with BPR, a row a
 * positive and a row a negative). */
static int
make_job(struct mf *m, const struct rec_ratings *r, struct rec_err *err)
{
	const size_t cap = (size_t)m->h.batch *
	                   (m->base.ranking ? 1 + (size_t)m->h.negatives : 1);

	rec_free(m->own);
	m->own = NULL;
	if (rec_ratings_users(r, &m->own, &m->nown, err) != 0)
		return -1;
	if (rec_mf_per_rating(&m->h))
		return 0;
	return rec_rowsum_init(&m->xsum, m->ni, cap, (size_t)m->h.k + 1, err);
}

struct rec_model *
rec_mf_make(const void *hp, const struct rec_ratings *r, uint64_t seed,
            struct rec_err *err)
{
	const struct rec_mf_hparams *h = hp;
	struct rec_rng rng;
	struct mf *m;
	int rc;

	if (err)
		err->msg[0] = '\0';
	if (rec_model_has_ratings(r, err) != 0)
		return NULL;
	m = mf_alloc(h, (int)r->users.n, (int)r->items.n, err);
	rc = m ? 0 : -1;
	if (rc == 0)
		rc = rec_model_init_maps(&m->base, r, err);
	if (rc == 0 && rec_dist_size() > 1)
		rc = make_job(m, r, err);
	if (rec_dist_agree(rc, err) != 0) {
		if (m)
			mf_free(&m->base);
		return NULL;
	}
	rec_rng_seed(&rng, seed);
	for (size_t j = 0; j < m->p.n; j++)
		m->p.w[j] = 0;
	for (size_t j = 0; j < (size_t)m->nu * h->k; j++)
		m->p.w[m->oP + j] = h->init_sd * rec_rng_normal(&rng);
	for (size_t j = 0; j < (size_t)m->ni * h->k; j++)
		m->p.w[m->oQ + j] = h->init_sd * rec_rng_normal(&rng);
	m->p.w[m->omu] = rec_model_mean_logit(r);
	return &m->base;
}

static float
sigmoid(float z)
{
	return 1.0f / (1.0f + expf(-z));
}

/* sum of a[d] b[d] c[d] (c NULL: 1), in 8 lanes (the same sum whatever
 * the vector width, and one the compiler can vectorise). */
static float
dot3(const float *a, const float *b, const float *c, int k)
{
	float acc[8] = { 0 }, sum = 0;
	int d = 0;

	for (; d + 8 <= k; d += 8)
		for (int l = 0; l < 8; l++)
			acc[l] += a[d + l] * b[d + l] * (c ? c[d + l] : 1.0f);
	for (; d < k; d++)
		sum += a[d] * b[d] * (c ? c[d] : 1.0f);
	return sum + (((acc[0] + acc[1]) + (acc[2] + acc[3])) +
	              ((acc[4] + acc[5]) + (acc[6] + acc[7])));
}

/* mask[d] = keep^2 when both p_u[d] and q_i[d] survive dropout, else 0.
 * Only the product of the two masks enters the model, so one draw with
 * survival probability (1 - drop)^2 does for both; 16 random bits a draw. */
static void
draw_masks(float *mask, int k, float drop, struct rec_rng *rng)
{
	const float keep = 1.0f / (1.0f - drop), value[2] = { keep * keep, 0 };
	const int32_t cut = (int32_t)lrintf((1.0f - (1.0f - drop) * (1.0f - drop)) * 65536.0f);
	uint64_t bits = 0;

	for (int d = 0; d < k; d++) {
		if ((d & 3) == 0)
			bits = rec_rng_next(rng);
		/* the sign bit of x - cut: 1 when dropped; no branch to mispredict */
		mask[d] = value[(uint32_t)((int32_t)(bits & 0xffff) - cut) >> 31];
		bits >>= 16;
	}
}

/* Update, then zero the gradients of, the rows rows[0..n) of the tensors
 * at emb (rows of k) and bias (rows of 1). */
static void
step_rows(struct mf *m, size_t emb, size_t bias, const int32_t *rows, size_t n)
{
	const size_t k = (size_t)m->h.k;

	for (size_t j = 0; j < n; j++) {
		size_t e = emb + (size_t)rows[j] * k, b = bias + (size_t)rows[j];
		if (m->h.opt == REC_OPT_ADAM) {
			rec_adam_update(&m->p, &m->adam, e, k);
			rec_adam_update(&m->p, &m->adam, b, 1);
		} else {
			rec_sgd_update(&m->p, m->h.lr, e, k);
			rec_sgd_update(&m->p, m->h.lr, b, 1);
		}
		memset(m->p.g + e, 0, k * sizeof(float));
		m->p.g[b] = 0;
	}
}

/* ---- per-rating SGD ---- */

/* The step is compiled three times, like gemm.c's products: for AVX-512
 * (with VL: its 32 registers), for AVX2 with FMA (x86-64-v3) and for the
 * base x86-64, and runs as the best the CPU has.  Here a + b * c is fused
 * where the instruction set has FMA (the pragma below, to the end of the
 * section): AVX-512 and AVX2 compute the same sums in the same order
 * (AVX-512 two 8-lane sums to a register) and fuse the same operations,
 * so the two give the same bits (t_mf runs both); the base version
 * rounds each product first and differs from them in the last bits.
 *
 * What bounds a step is its chain of dependent operations, not memory
 * (the rows are fetched AHEAD ratings before): the dot product, its
 * sigmoid, the error, the updates of p_u and q_i.  So the dot product
 * adds four partial sums as a tree, the sigmoid evaluates its polynomial
 * by Estrin's scheme, an update is one multiply-add once the error is
 * known (p_u (1 - 2 lr reg) needs only p_u), and GROUP steps that share
 * no user and no item are taken as one (sgd_group): their chains overlap
 * in one stream of instructions, where the CPU's window would hold
 * little more than one step's.  grid.c interleaves 4 users, so that
 * neighbouring ratings seldom share one; each group is the arithmetic of
 * its steps one at a time, so the bits are the same. */
/* Fused wherever the version has FMA, whatever CFLAGS say: gcc forms
 * FMAs only in an optimised build (-O2 and up), so this section is
 * always built at -O3.  clang fuses within an expression at every level. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("O3", "fp-contract=fast")
#endif

/* gcc and clang on x86-64 build the AVX-512 and AVX2 versions;
 * elsewhere there is only the base one. */
#if defined(__GNUC__) && defined(__x86_64__)
#define SGD_ISAS 1
#endif

#define INLINE static inline __attribute__((always_inline))

/* AHEAD: ratings ahead whose rows and biases are fetched into cache
 * while this one is worked on: a user's row comes from the last-level
 * cache once a tile (grid.h), and its latency is longer than the
 * arithmetic of a step.  GROUP: steps taken as one (sgd_group); 3 is
 * faster than 2 or 4 (bench/RESULTS.md). */
enum { AHEAD = 8, GROUP = 3 };

struct sgd_run {
	struct mf *m;
	float lr;                   /* this epoch's */
	struct { double sq_err; char pad[56]; } sum[64];   /* a cache line each */
};

/* 1 / (1 + e^-z): e^-z as 2^n e^r, n = -z log2(e) rounded, |r| <= ln 2 / 2,
 * e^r by its Taylor polynomial to degree 7 (relative error below 2e-7 on
 * that range) in Estrin's scheme, three multiply-adds deep instead of
 * Horner's seven; z is first clamped to [-87, 87], where 2^n stays a
 * normal float.  Within 1e-7 of the sigmoid (t_mf). */
INLINE float
sgd_sigmoid(float z)
{
	const float magic = 12582912.0f;   /* 1.5 2^23: adding it rounds */
	float x = -z, t, n, r, r2, p, scale;
	uint32_t bits;

	x = x < -87.0f ? -87.0f : x > 87.0f ? 87.0f : x;
	t = x * 1.44269504f + magic;       /* magic + n, n in its low bits */
	n = t - magic;
	r = (x - n * 0.693145752f) - n * 1.42860677e-6f;   /* ln 2 in two */
	r2 = r * r;
	p = ((1.0f + r) + r2 * (0.5f + r * (1.0f / 6))) +
	    (r2 * r2) * ((1.0f / 24 + r * (1.0f / 120)) +
	                 r2 * (1.0f / 720 + r * (1.0f / 5040)));
	memcpy(&bits, &t, sizeof bits);
	bits = (bits + 127) << 23;         /* 2^n: (n + 127) << 23 */
	memcpy(&scale, &bits, sizeof scale);
	return 1.0f / (1.0f + p * scale);
}

/* The sum of *v's 8 lanes as a tree of halves (lanes 0..3 + 4..7, then
 * (0 + 2) + (1 + 3)): a fixed order, three additions deep.  By pointer:
 * a vector passed by value has another ABI with AVX than without. */
INLINE float
sum8(const v8 *v)
{
	v4 lo, hi;

	memcpy(&lo, v, sizeof lo);
	memcpy(&hi, (const char *)v + sizeof lo, sizeof hi);
	lo += hi;
	return (lo[0] + lo[2]) + (lo[1] + lo[3]);
}

/* The dot product p . q of two rows of k floats: four partial sums of
 * alternate 8-float vectors, added as a tree. */
INLINE float
sgd_dot(const float *restrict p, const float *restrict q, const int k,
        const int wide)
{
	v8 pq[4] = { { 0 } };
	int d = 0;
	float dot;

	if (wide) {
		/* the same sums, two of them to a 16-lane vector */
		v16 pq2[2] = { { 0 } };
		for (; d + 32 <= k; d += 32)
			for (int l = 0; l < 2; l++) {
				v16 a, b;
				memcpy(&a, p + d + 16 * l, sizeof a);
				memcpy(&b, q + d + 16 * l, sizeof b);
				pq2[l] += a * b;
			}
		memcpy(pq, pq2, sizeof pq);
	}
	for (; d + 32 <= k; d += 32)
		for (int l = 0; l < 4; l++) {
			v8 a, b;
			memcpy(&a, p + d + 8 * l, sizeof a);
			memcpy(&b, q + d + 8 * l, sizeof b);
			pq[l] += a * b;
		}
	for (; d + 8 <= k; d += 8) {
		v8 a, b;
		memcpy(&a, p + d, sizeof a);
		memcpy(&b, q + d, sizeof b);
		pq[0] += a * b;
	}
	pq[0] = (pq[0] + pq[1]) + (pq[2] + pq[3]);
	dot = sum8(&pq[0]);
	for (; d < k; d++)
		dot += p[d] * q[d];
	return dot;
}

/* The rest of a step once its prediction s is known: updates p, q, *bu
 * (was b0) and *bi (was b1) with keep = 1 - 2 lr reg and lr2 = 2 lr;
 * returns the step's squared error before it.  (The regulariser's part
 * of the objective is summed once an epoch, from the rows: cells_norm.) */
INLINE double
sgd_update(float *restrict p, float *restrict q, float *restrict bu,
           float *restrict bi, float b0, float b1, float s, float rating,
           const int k, const int wide, float lr2, float keep)
{
	float e = s - rec_to_unit(rating);
	float g = (lr2 * e) * (s * (1.0f - s));   /* lr times the slope in z */
	int d = 0;

	/* p, q = keep p - g q, keep q - g p, a vector of type T at a time */
#define UPDATE_ROWS(T)                                          \
	for (; d + (int)(sizeof(T) / sizeof(float)) <= k;       \
	     d += (int)(sizeof(T) / sizeof(float))) {           \
		T a, b, a2, b2;                                 \
		memcpy(&a, p + d, sizeof a);                    \
		memcpy(&b, q + d, sizeof b);                    \
		a2 = keep * a - g * b;                          \
		b2 = keep * b - g * a;                          \
		memcpy(p + d, &a2, sizeof a2);                  \
		memcpy(q + d, &b2, sizeof b2);                  \
	}
	if (wide)
		UPDATE_ROWS(v16)
	UPDATE_ROWS(v8)
#undef UPDATE_ROWS
	for (; d < k; d++) {
		float pd = p[d], qd = q[d];
		p[d] = keep * pd - g * qd;
		q[d] = keep * qd - g * pd;
	}
	*bu = keep * b0 - g;
	*bi = keep * b1 - g;
	return (double)e * e;
}

/* One SGD step on the rating (p, q, *bu, *bi, rating); returns its
 * squared error before the step.  Always inlined, so that the common k = 64
 * compiles to straight-line code.  8-lane vectors, one register with
 * AVX2 (a wider one would be two, and a scalar spread over it goes
 * through memory); where wide (AVX-512), 16-lane ones. */
INLINE double
sgd_step(float *restrict p, float *restrict q, float *restrict bu,
         float *restrict bi, float mu, float rating, const int k,
         const int wide, float lr2, float keep)
{
	float b0 = *bu, b1 = *bi;
	float s = sgd_sigmoid(mu + b0 + b1 + sgd_dot(p, q, k, wide));
	/* read the rows again for the updates: held since the dot product,
	 * they would take every vector register, and the sigmoid's scalars
	 * would go through memory */
	__asm__("" ::: "memory");
	return sgd_update(p, q, bu, bi, b0, b1, s, rating, k, wide, lr2, keep);
}

/* The steps on the GROUP cells c, which share no user and no item, so
 * that none waits for another: sgd_step's arithmetic on each, the dot
 * products first, then the sigmoids, then the updates.  Adds their
 * squared errors to *total in turn. */
INLINE void
sgd_group(float *restrict P, float *restrict Q, float *restrict bu,
          float *restrict bi, const struct rec_cell *c, float mu, const int k,
          const int wide, float lr2, float keep, double *total)
{
	float dot[GROUP], b0[GROUP], b1[GROUP], s[GROUP];

	for (int x = 0; x < GROUP; x++) {
		b0[x] = bu[c[x].user];
		b1[x] = bi[c[x].item];
		dot[x] = sgd_dot(P + (size_t)c[x].user * k, Q + (size_t)c[x].item * k,
		                 k, wide);
	}
	for (int x = 0; x < GROUP; x++)
		s[x] = sgd_sigmoid(mu + b0[x] + b1[x] + dot[x]);
	__asm__("" ::: "memory");   /* as in sgd_step */
	for (int x = 0; x < GROUP; x++)
		*total += sgd_update(P + (size_t)c[x].user * k,
		                     Q + (size_t)c[x].item * k, bu + c[x].user,
		                     bi + c[x].item, b0[x], b1[x], s[x], c[x].rating,
		                     k, wide, lr2, keep);
}

/* Whether the GROUP cells c share no user and no item. */
INLINE int
apart(const struct rec_cell *c)
{
	for (int x = 0; x < GROUP; x++)
		for (int y = x + 1; y < GROUP; y++)
			if (c[x].user == c[y].user || c[x].item == c[y].item)
				return 0;
	return 1;
}

/* Ask for a row of k floats to be brought into cache. */
INLINE void
fetch_row(const float *row, int k)
{
	for (size_t off = 0; off < (size_t)k * sizeof(float); off += 64)
		__builtin_prefetch((const char *)row + off, 1);
}

/* The steps on the n cells c, in turn or GROUP at once; adds their
 * squared errors to *total.  Inlined with k a constant where it is 64. */
INLINE void
sgd_run(float *restrict P, float *restrict Q, float *restrict bu,
        float *restrict bi, float mu, const struct rec_cell *c, size_t n,
        const int k, const int wide, float lr2, float keep, double *total)
{
	for (size_t j = 0; j < n; j += GROUP) {
		for (size_t a = j + AHEAD; a < j + AHEAD + GROUP && a < n; a++) {
			fetch_row(P + (size_t)c[a].user * k, k);
			fetch_row(Q + (size_t)c[a].item * k, k);
			__builtin_prefetch(bu + c[a].user, 1);
			__builtin_prefetch(bi + c[a].item, 1);
		}
		if (j + GROUP <= n && apart(c + j))
			sgd_group(P, Q, bu, bi, c + j, mu, k, wide, lr2, keep, total);
		else
			for (size_t a = j; a < j + GROUP && a < n; a++)
				*total += sgd_step(P + (size_t)c[a].user * k,
				                   Q + (size_t)c[a].item * k, bu + c[a].user,
				                   bi + c[a].item, mu, c[a].rating, k, wide, lr2,
				                   keep);
	}
}

/* One SGD step for each of the n cells in turn, with 16-lane vectors
 * where wide; adds their squared errors (before the step) to *sq_err. */
INLINE void
sgd_cells(float *restrict P, float *restrict Q, float *restrict bu,
          float *restrict bi, float mu, const struct rec_cell *c, size_t n,
          int k, const int wide, float lr, float reg, double *sq_err)
{
	const float lr2 = 2.0f * lr, keep = 1.0f - lr2 * reg;
	double total = 0;

	if (k == 64)
		sgd_run(P, Q, bu, bi, mu, c, n, 64, wide, lr2, keep, &total);
	else
		sgd_run(P, Q, bu, bi, mu, c, n, k, wide, lr2, keep, &total);
	*sq_err += total;
}

/* The steps of n cells, in one instruction set's version. */
typedef void sgd_fn(float *P, float *Q, float *bu, float *bi, float mu,
                    const struct rec_cell *c, size_t n, int k, float lr,
                    float reg, double *sq_err);
/* The sigmoid of z, in one instruction set's version. */
typedef float sigmoid_fn(float z);

static void
sgd_base(float *P, float *Q, float *bu, float *bi, float mu,
         const struct rec_cell *c, size_t n, int k, float lr, float reg,
         double *sq_err)
{
	sgd_cells(P, Q, bu, bi, mu, c, n, k, 0, lr, reg, sq_err);
}

static float
sigmoid_base(float z)
{
	return sgd_sigmoid(z);
}

#ifdef SGD_ISAS
__attribute__((target("avx2,fma"))) static void
sgd_avx2(float *P, float *Q, float *bu, float *bi, float mu,
         const struct rec_cell *c, size_t n, int k, float lr, float reg,
         double *sq_err)
{
	sgd_cells(P, Q, bu, bi, mu, c, n, k, 0, lr, reg, sq_err);
}

__attribute__((target("avx512f,avx512vl,fma"))) static void
sgd_avx512(float *P, float *Q, float *bu, float *bi, float mu,
           const struct rec_cell *c, size_t n, int k, float lr, float reg,
           double *sq_err)
{
	sgd_cells(P, Q, bu, bi, mu, c, n, k, 1, lr, reg, sq_err);
}

__attribute__((target("avx2,fma"))) static float
sigmoid_avx2(float z)
{
	return sgd_sigmoid(z);
}

__attribute__((target("avx512f,avx512vl,fma"))) static float
sigmoid_avx512(float z)
{
	return sgd_sigmoid(z);
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options
#endif

/* Whether this build and this CPU have the version for isa. */
static int
has_isa(enum rec_gemm_isa isa)
{
#ifdef SGD_ISAS
	if (isa == REC_GEMM_AVX512)
		return __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma");
	if (isa == REC_GEMM_AVX2)
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
	return isa == REC_GEMM_BASE;
}

/* The step's version for isa, or NULL when this build or CPU has none. */
static sgd_fn *
sgd_version(enum rec_gemm_isa isa)
{
	if (!has_isa(isa))
		return NULL;
#ifdef SGD_ISAS
	if (isa == REC_GEMM_AVX512)
		return sgd_avx512;
	if (isa == REC_GEMM_AVX2)
		return sgd_avx2;
#endif
	return sgd_base;
}

int
rec_mf_sgd_isa(enum rec_gemm_isa isa, float *P, float *Q, float *bu,
               float *bi, float mu, const struct rec_cell *c, size_t n,
               int k, float lr, float reg, double *sq_err)
{
	sgd_fn *fn = sgd_version(isa);

	if (!fn)
		return -1;
	fn(P, Q, bu, bi, mu, c, n, k, lr, reg, sq_err);
	return 0;
}

int
rec_mf_sgd_sigmoid(enum rec_gemm_isa isa, float z, float *s)
{
	sigmoid_fn *fn = !has_isa(isa) ? NULL : sigmoid_base;

#ifdef SGD_ISAS
	if (fn && isa == REC_GEMM_AVX512)
		fn = sigmoid_avx512;
	else if (fn && isa == REC_GEMM_AVX2)
		fn = sigmoid_avx2;
#endif
	if (!fn)
		return -1;
	*s = fn(z);
	return 0;
}

static void
sgd_block(void *ctx, const struct rec_cell *cell, size_t n, int thread)
{
	struct sgd_run *run = ctx;
	struct mf *m = run->m;
	float *w = m->p.w;
	sgd_fn *fn = sgd_version(REC_GEMM_AVX512);

	if (!fn)
		fn = sgd_version(REC_GEMM_AVX2);
	if (!fn)
		fn = sgd_base;
	fn(w + m->oP, w + m->oQ, w + m->obu, w + m->obi, w[m->omu], cell, n,
	   m->h.k, run->lr, m->h.reg, &run->sum[thread].sq_err);
}

/* The grid's bands and tiles (grid.h): a band's P rows take 4 MiB, a
 * share of the last-level cache; a tile's Q rows take 512 KiB, half of a
 * core's L2 on the machines we measure (bench/RESULTS.md). */
enum { BAND_BYTES = 4 << 20, TILE_BYTES = 512 << 10 };

static size_t
rows_in(size_t bytes, int k)
{
	return bytes / ((size_t)(k > 0 ? k : 1) * sizeof(float));
}

/* Room to pass the largest part of the grid on (k + 1 floats an item). */
static int
make_ring(struct mf *m, struct rec_err *err)
{
	const struct rec_grid *g = &m->grid;
	size_t most = 1;

	for (int p = 0; p < g->parts; p++)
		if (g->part_start[p + 1] - g->part_start[p] > most)
			most = g->part_start[p + 1] - g->part_start[p];
	rec_free(m->ring);
	m->ring = rec_malloc_array(2 * most, ((size_t)m->h.k + 1) * sizeof *m->ring);
	return m->ring ? 0 : rec_erroom(err, NULL);
}

/* The grid of r's rows, one part of the items a rank of the job, its
 * seed drawn from rng (the same on every rank); with taking (r itself)
 * taking them.  A collective. */
static int
build_grid(struct mf *m, const struct rec_ratings *r, struct rec_ratings *taking,
           struct rec_rng *rng, struct rec_err *err)
{
	const size_t band = rows_in(BAND_BYTES, m->h.k), tile = rows_in(TILE_BYTES, m->h.k);
	const uint64_t seed = rec_rng_next(rng);
	const int parts = rec_dist_size(), g = m->h.threads;
	int rc;

	rec_grid_free(&m->grid);
	m->grid_of = NULL;
	if (taking)
		rc = rec_grid_build_taking(&m->grid, taking, g, parts, band, tile, seed, err);
	else
		rc = rec_grid_build(&m->grid, r, g, parts, band, tile, seed, err);
	if (rc == 0 && parts > 1)
		rc = make_ring(m, err);
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	m->grid_of = r;
	m->grid_took = taking != NULL;
	m->held = rec_dist_rank();
	return 0;
}

/* Pass the held part's item rows (Q and the biases) to the next rank,
 * and hold the part before, from the rank before.  Returns the bytes
 * sent. */
static size_t
pass_on(struct mf *m)
{
	const struct rec_grid *g = &m->grid;
	const int from = (m->held + g->parts - 1) % g->parts;
	const size_t k = (size_t)m->h.k, row = k + 1;
	const size_t nout = g->part_start[m->held + 1] - g->part_start[m->held];
	const size_t nin = g->part_start[from + 1] - g->part_start[from];
	const int32_t *out = g->part_item + g->part_start[m->held];
	const int32_t *in = g->part_item + g->part_start[from];
	float *w = m->p.w, *send = m->ring, *recv = m->ring + nout * row;

	for (size_t j = 0; j < nout; j++) {
		memcpy(send + j * row, w + m->oQ + (size_t)out[j] * k, k * sizeof *w);
		send[j * row + k] = w[m->obi + out[j]];
	}
	rec_dist_shift(send, nout * row * sizeof *w, recv, nin * row * sizeof *w);
	for (size_t j = 0; j < nin; j++) {
		memcpy(w + m->oQ + (size_t)in[j] * k, recv + j * row, k * sizeof *w);
		w[m->obi + in[j]] = recv[j * row + k];
	}
	m->held = from;
	return nout * row * sizeof *w;
}

/* Per-rating SGD trains on the grid alone: it may take the table's rows. */
static int
mf_take(struct rec_model *base, struct rec_ratings *train, struct rec_rng *rng,
        struct rec_err *err)
{
	struct mf *m = (struct mf *)base;

	return rec_mf_per_rating(&m->h) ? build_grid(m, train, train, rng, err) : 0;
}

/* The sum, over the n rows of which (where NULL: rows 0 .. n - 1), of
 * the row's cells times |row|^2 + bias^2: the regulariser's part of the
 * objective over those cells, over reg. */
static double
cells_norm(const float *rows, const float *bias, const uint32_t *cells,
           const int32_t *which, size_t n, int k)
{
	double sum = 0;

	for (size_t j = 0; j < n; j++) {
		const size_t x = which ? (size_t)which[j] : j;
		const float *row = rows + x * (size_t)k;

		if (cells[x] > 0)
			sum += (double)cells[x] * (dot3(row, row, NULL, k) + bias[x] * bias[x]);
	}
	return sum;
}

/* An epoch of per-rating SGD; its loss is the mean over the ratings of
 * the squared error before each step, plus the regulariser of the rows
 * as the epoch leaves them (a job's item rows: as each rank passes them
 * on), which the steps need not compute. */
static int
mf_epoch_per_rating(struct mf *m, const struct rec_ratings *r,
                    struct rec_rng *rng, double *loss, struct rec_err *err)
{
	const struct rec_grid *g = &m->grid;
	const float *w = m->p.w;
	struct sgd_run run;
	double total = 0, norm = 0, sum[2];
	int64_t sent = 0;

	if ((m->grid_of != r || (!m->grid_took && m->grid.n != r->n)) &&
	    build_grid(m, r, NULL, rng, err) != 0)
		return -1;
	run.m = m;
	run.lr = m->lr_now;
	m->lr_now *= m->h.lr_decay;
	for (int t = 0; t < m->h.threads; t++)
		run.sum[t].sq_err = 0;
	for (int s = 0; s < m->grid.parts; s++) {
		if (s > 0)
			sent += (int64_t)pass_on(m);
		rec_grid_run_part(g, m->held, sgd_block, &run);
		norm += cells_norm(w + m->oQ, w + m->obi, g->item_cells,
		                   g->part_item + g->part_start[m->held],
		                   g->part_start[m->held + 1] - g->part_start[m->held],
		                   m->h.k);
	}
	norm += cells_norm(w + m->oP, w + m->obu, g->user_cells, NULL, g->users,
	                   m->h.k);
	for (int t = 0; t < m->h.threads; t++)
		total += run.sum[t].sq_err;
	sum[0] = total + (double)m->h.reg * norm;
	sum[1] = (double)g->n;
	rec_dist_sum_f64(sum, 2);   /* a job's, over its ranks */
	rec_dist_sum_i64(&sent, 1);
	m->sent = (double)sent;
	*loss = sum[0] / sum[1];
	return 0;
}

/* In a job: the bytes the ranks sent in the last epoch. */
static int
mf_epoch_extra(const struct rec_model *base, double *out)
{
	if (rec_dist_size() == 1)
		return 0;
	out[0] = ((const struct mf *)base)->sent;
	return 1;
}

/* ---- minibatches ---- */

/* Add the gradient of one rating's objective, times scale, to g, and
 * return the objective: (s - y)^2 + reg (|p_u|^2 + |q_i|^2 + b_u^2 +
 * b_i^2) with s the sigmoid of mu + b_u + b_i + p_u . (mask * q_i) and y
 * the rating on [0, 1] (mask NULL: no dropout). */
static double
rating_grad(struct mf *m, int u, int i, float rating, const float *mask,
            float scale)
{
	const int k = m->h.k;
	const float reg = m->h.reg, rs = 2.0f * reg * scale;
	const float *w = m->p.w;
	float *g = m->p.g;
	const float *pu = w + m->oP + (size_t)u * k, *qi = w + m->oQ + (size_t)i * k;
	float *gp = g + m->oP + (size_t)u * k, *gq = g + m->oQ + (size_t)i * k;
	float bu = w[m->obu + u], bi = w[m->obi + i];
	float s = sigmoid(w[m->omu] + bu + bi + dot3(pu, qi, mask, k));
	float e = s - rec_to_unit(rating);
	float dz = 2.0f * e * s * (1.0f - s) * scale;
	float norm = bu * bu + bi * bi + dot3(pu, pu, NULL, k) + dot3(qi, qi, NULL, k);

	for (int d = 0; d < k; d++) {
		float both = mask ? mask[d] : 1.0f;
		gp[d] += dz * qi[d] * both + rs * pu[d];
		gq[d] += dz * pu[d] * both + rs * qi[d];
	}
	g[m->obu + u] += dz + rs * bu;
	g[m->obi + i] += dz + rs * bi;
	g[m->omu] += dz;
	return (double)e * e + (double)reg * norm;
}

/* ---- the ranking loss (BPR) ---- */

/* Add the gradient of one triple's objective (mf.h), times scale, to g,
 * and return the objective.  mask NULL: no dropout. */
static double
triple_grad(struct mf *m, int u, int i, int j, const float *mask, float scale)
{
	const int k = m->h.k;
	const float reg = m->h.reg, rs = 2.0f * reg * scale;
	const float *w = m->p.w;
	float *g = m->p.g;
	const float *pu = w + m->oP + (size_t)u * k;
	const float *qi = w + m->oQ + (size_t)i * k, *qj = w + m->oQ + (size_t)j * k;
	float *gp = g + m->oP + (size_t)u * k;
	float *gi = g + m->oQ + (size_t)i * k, *gj = g + m->oQ + (size_t)j * k;
	float bi = w[m->obi + i], bj = w[m->obi + j];
	float x = bi - bj + dot3(pu, qi, mask, k) - dot3(pu, qj, mask, k), dx;
	double loss = rec_bpr_term(x, &dx);
	float norm = bi * bi + bj * bj + dot3(pu, pu, NULL, k) + dot3(qi, qi, NULL, k) +
	             dot3(qj, qj, NULL, k);

	dx *= scale;
	for (int d = 0; d < k; d++) {
		float both = mask ? mask[d] : 1.0f;
		gp[d] += dx * (qi[d] - qj[d]) * both + rs * pu[d];
		gi[d] += dx * pu[d] * both + rs * qi[d];
		gj[d] += -dx * pu[d] * both + rs * qj[d];
	}
	g[m->obi + i] += dx + rs * bi;
	g[m->obi + j] += -dx + rs * bj;
	return loss + (double)reg * norm;
}

/* In a job: the step's touched items' gradients (and with mu, the
 * global bias's) summed over the ranks, m->b.irows then the job's touched
 * items (rowsum.h); counts the bytes sent. */
static void
exchange(struct mf *m, int mu)
{
	const size_t k = (size_t)m->h.k, f = sizeof(float);
	float *g = m->p.g;

	for (size_t s = 0; s < m->b.ni; s++) {
		const int32_t i = m->b.irows[s];
		float *at = rec_rowsum_put(&m->xsum, s, i);
		memcpy(at, g + m->oQ + (size_t)i * k, k * f);
		at[k] = g[m->obi + i];
	}
	m->b.ni = rec_rowsum_exchange(&m->xsum, m->b.ni, m->b.irows);
	for (size_t s = 0; s < m->b.ni; s++) {
		const int32_t i = m->b.irows[s];
		const float *at = rec_rowsum_sum(&m->xsum, s);
		memcpy(g + m->oQ + (size_t)i * k, at, k * f);
		g[m->obi + i] = at[k];
	}
	if (mu)
		rec_dist_sum_f32_now(g + m->omu, 1);
	/* each rank's rows to the N - 1 others; mu to rank 0 and back */
	m->sent += (double)(rec_dist_size() - 1) *
	           (double)(m->xsum.received * (k + 2) + (mu ? 2 : 0)) * (double)f;
}

/* The step of a minibatch whose gradients are in the slab: in a job
 * their sum over the ranks first; then the update of the touched rows
 * and, with mu, of the global bias. */
static void
step_batch(struct mf *m, int mu)
{
	float *g = m->p.g;

	if (rec_dist_size() > 1)
		exchange(m, mu);
	if (m->h.opt == REC_OPT_ADAM)
		rec_adam_begin(&m->adam);
	step_rows(m, m->oP, m->obu, m->b.urows, m->b.nu);
	step_rows(m, m->oQ, m->obi, m->b.irows, m->b.ni);
	if (!mu)
		return;
	if (m->h.opt == REC_OPT_ADAM)
		rec_adam_update(&m->p, &m->adam, m->omu, 1);
	else
		rec_sgd_update(&m->p, m->h.lr, m->omu, 1);
	g[m->omu] = 0;
}

/* An epoch of BPR, the same in a job as in one process but for the
 * order of float additions: the job's positives (rec_sample_init_job)
 * in one keyed order, cut into steps of batch positives, a positive's
 * negatives and their dropout masks drawn from a generator seeded by a
 * key of the epoch's and the positive's place, whichever rank holds
 * it.  A step's objective is the mean over its positives times
 * --negatives. */
static int
mf_epoch_bpr(struct mf *m, const struct rec_ratings *r, struct rec_rng *rng,
             double *loss, struct rec_err *err)
{
	const int k = m->h.k, batch = m->h.batch, neg = m->h.negatives;
	const float drop = m->h.dropout;
	float *mask = drop > 0 ? m->mask : NULL;
	uint64_t draw_key;
	double sum[2] = { 0, 0 };

	if (rec_sample_epoch(&m->pos, r, m->h.positive, &m->b, batch, 1, rng,
	                     &draw_key, err) != 0)
		return -1;
	m->sent = 0;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const uint64_t left = m->pos.total - s * (uint64_t)batch;
		const uint64_t job_pos = left < (uint64_t)batch ? left : (uint64_t)batch;
		const float scale = 1.0f / (float)(job_pos * (uint64_t)neg);

		rec_batches_next(&m->b);
		for (uint32_t t = m->b.first[s]; t < m->b.first[s + 1]; t++) {
			const uint32_t p = m->b.order[t], row = m->pos.row[p];
			const int u = r->user[row], i = r->item[row];
			struct rec_rng g;

			rec_sample_seed(&m->pos, p, draw_key, &g);
			for (int q = 0; q < neg; q++) {
				int32_t j = rec_sample_negative(&m->pos, u, &g);
				if (j < 0)
					continue;
				rec_batches_touch(&m->b, u, i);
				rec_batches_touch(&m->b, u, j);
				if (mask)
					draw_masks(mask, k, drop, &g);
				sum[0] += triple_grad(m, u, i, j, mask, scale);
				sum[1]++;
			}
		}
		step_batch(m, 0);
	}
	rec_dist_sum_f64(sum, 2);   /* the job's */
	*loss = sum[1] > 0 ? sum[0] / sum[1] : 0;
	return 0;
}

int
rec_mf_bpr_objective(struct rec_model *base, const int32_t *u, const int32_t *i,
                     const int32_t *j, size_t n, double *loss)
{
	struct mf *m = (struct mf *)base;
	double total = 0;

	if (n == 0)
		return -1;
	memset(m->p.g, 0, m->p.n * sizeof *m->p.g);
	for (size_t t = 0; t < n; t++)
		total += triple_grad(m, u[t], i[t], j[t], NULL, 1.0f / (float)n);
	*loss = total / (double)n;
	return 0;
}

/* An epoch of minibatches on the ratings, the same in a job as in one
 * process but for the order of float additions: the job's rows in one
 * keyed order (rec_batches_epoch_steps), cut into steps of batch rows,
 * of which each rank takes its own, a row's dropout masks drawn from a
 * key of the epoch's and the row's line. */
static int
mf_epoch(struct rec_model *base, const struct rec_ratings *r,
         struct rec_rng *rng, double *loss, struct rec_err *err)
{
	struct mf *m = (struct mf *)base;
	const int k = m->h.k, batch = m->h.batch;
	const float drop = m->h.dropout;
	float *mask = drop > 0 ? m->mask : NULL;
	/* a job's rows are its file's lines, one a row (shard.h) */
	const uint32_t *line = rec_dist_size() > 1 ? r->line : NULL;
	int64_t rows = (int64_t)r->n;
	uint64_t order_key, mask_key;
	double sum[2] = { 0, 0 };

	if (rec_mf_per_rating(&m->h))
		return mf_epoch_per_rating(m, r, rng, loss, err);
	if (m->base.ranking)
		return mf_epoch_bpr(m, r, rng, loss, err);
	rec_dist_sum_i64(&rows, 1);
	order_key = rec_rng_next(rng);
	mask_key = rec_rng_next(rng);
	if (rec_dist_agree(rec_batches_epoch_steps(&m->b, r->n, line, (uint64_t)rows,
	                                           batch, order_key, 1, err),
	                   err) != 0)
		return -1;
	m->sent = 0;
	for (uint64_t s = 0; s < m->b.steps; s++) {
		const uint64_t job_rows = (uint64_t)rows - s * (uint64_t)batch;
		const float scale = 1.0f / (float)(job_rows < (uint64_t)batch ?
		                                   job_rows : (uint64_t)batch);

		rec_batches_next(&m->b);
		for (uint32_t t = m->b.first[s]; t < m->b.first[s + 1]; t++) {
			const uint32_t row = m->b.order[t];
			const int u = r->user[row], i = r->item[row];

			rec_batches_touch(&m->b, u, i);
			if (mask) {
				struct rec_rng g;
				rec_rng_seed(&g, rec_rng_mix(mask_key + (line ? line[row] - 1 : row)));
				draw_masks(mask, k, drop, &g);
			}
			sum[0] += rating_grad(m, u, i, r->rating[row], mask, scale);
		}
		step_batch(m, 1);
	}
	sum[1] = (double)rows;
	rec_dist_sum_f64(sum, 1);   /* the job's */
	*loss = sum[0] / sum[1];
	return 0;
}

struct rec_params *
rec_mf_params(struct rec_model *base)
{
	return &((struct mf *)base)->p;
}

int
rec_mf_objective(struct rec_model *base, const struct rec_ratings *r,
                 double *loss)
{
	struct mf *m = (struct mf *)base;
	double total = 0;

	if (r->n == 0)
		return -1;
	memset(m->p.g, 0, m->p.n * sizeof *m->p.g);
	for (size_t j = 0; j < r->n; j++) {
		int32_t u = rec_idmap_find(&m->base.users, r->users.ids[r->user[j]]);
		int32_t i = rec_idmap_find(&m->base.items, r->items.ids[r->item[j]]);
		if (u < 0 || i < 0)
			return -1;
		total += rating_grad(m, u, i, r->rating[j], NULL, 1.0f / (float)r->n);
	}
	*loss = total / (double)r->n;
	return 0;
}

/* User u's vector and bias: trained, or folded in (u >= nu). */
static const float *
user_row(const struct mf *m, int32_t u)
{
	return u < m->nu ? m->p.w + m->oP + (size_t)u * m->h.k
	                 : m->fold_p + (size_t)(u - m->nu) * m->h.k;
}

static float
user_bias(const struct mf *m, int32_t u)
{
	return u < m->nu ? m->p.w[m->obu + u] : m->fold_b[u - m->nu];
}

static void
mf_predict(const struct rec_model *base, const int32_t *user,
           const int32_t *item, size_t n, float *out)
{
	const struct mf *m = (const struct mf *)base;
	const float *w = m->p.w;
	const int k = m->h.k;

	for (size_t j = 0; j < n; j++) {
		int u = user[j], i = item[j];
		/* a rating: sigmoid(mu + b_u + b_i + p_u . q_i) on the stars; a
		 * ranking model's score: b_i + p_u . q_i, as rank_scores */
		float z = m->base.ranking ? 0 : w[m->omu];
		if (u >= 0 && !m->base.ranking)
			z += user_bias(m, u);
		if (i >= 0)
			z += w[m->obi + i];
		if (u >= 0 && i >= 0) {
			const float *pu = user_row(m, u);
			const float *qi = w + m->oQ + (size_t)i * k;
			for (int d = 0; d < k; d++)
				z += pu[d] * qi[d];
		}
		out[j] = m->base.ranking ? z : rec_to_stars(sigmoid(z));
	}
}

/* out (n, ni) = b_i + p_u . q_i: predict's order without mu, b_u, sigmoid. */
static int
mf_rank_scores(const struct rec_model *base, const int32_t *user, size_t n,
               float *out, struct rec_err *err)
{
	const struct mf *m = (const struct mf *)base;
	const float *w = m->p.w;
	const int k = m->h.k, ni = m->ni;
	float *pu;

	if (k > 0) {
		if (!(pu = rec_malloc_array(n * (size_t)k, sizeof *pu)))
			return rec_erroom(err, NULL);
		for (size_t j = 0; j < n; j++) {
			if (user[j] >= 0)
				memcpy(pu + j * k, user_row(m, user[j]), (size_t)k * sizeof *pu);
			else
				memset(pu + j * k, 0, (size_t)k * sizeof *pu);
		}
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, ni, k,
		            1.0f, pu, k, w + m->oQ, k, 0.0f, out, ni);
		rec_free(pu);
	} else {
		memset(out, 0, n * (size_t)ni * sizeof *out);
	}
	for (size_t j = 0; j < n; j++)
		for (int i = 0; i < ni; i++)
			out[j * ni + i] += w[m->obi + i];
	return 0;
}

/* mf_rank_scores' scores as factors, for top-K lists by tiles. */
static const float *
mf_rank_user(const struct rec_model *base, int32_t u)
{
	return user_row((const struct mf *)base, u);
}

static void
mf_rank_factors(const struct rec_model *base, struct rec_rank_factors *f)
{
	const struct mf *m = (const struct mf *)base;

	f->dim = m->h.k;
	f->item = m->p.w + m->oQ;
	f->item_term = m->p.w + m->obi;
	f->user = mf_rank_user;
}

/* ---- new users: fold-in ---- */

enum { FOLD_STEPS = 200 };
#define FOLD_LR 0.05f

/* One fold-in objective's gradient at (p, *b) into gp, *gb (the user's
 * n ratings, items item[]): the training objective with the items'
 * weights fixed; BPR's negatives drawn from rng.  Returns nothing: the
 * steps only need the gradient. */
static void
fold_grad(const struct mf *m, const int32_t *item, const float *rating,
          size_t n, const float *p, float b, float *gp, float *gb,
          struct rec_rng *rng)
{
	const int k = m->h.k;
	const float *w = m->p.w, reg = m->h.reg;
	size_t used = 0;

	memset(gp, 0, (size_t)k * sizeof *gp);
	*gb = 0;
	for (size_t t = 0; t < n; t++) {
		const float *qi = w + m->oQ + (size_t)item[t] * k;
		if (!m->base.ranking) {
			float s = sigmoid(w[m->omu] + b + w[m->obi + item[t]] +
			                  dot3(p, qi, NULL, k));
			float dz = 2.0f * (s - rec_to_unit(rating[t])) * s * (1.0f - s);
			for (int d = 0; d < k; d++)
				gp[d] += dz * qi[d];
			*gb += dz;
			used++;
			continue;
		}
		if (rating[t] < m->h.positive)
			continue;
		for (int s = 0; s < m->h.negatives; s++) {
			int32_t j = (int32_t)rec_rng_below(rng, (uint64_t)m->ni);
			const float *qj = w + m->oQ + (size_t)j * k;
			float x = w[m->obi + item[t]] - w[m->obi + j] + dot3(p, qi, NULL, k) -
			          dot3(p, qj, NULL, k);
			float dx = -sigmoid(-x);
			for (int d = 0; d < k; d++)
				gp[d] += dx * (qi[d] - qj[d]);
			used++;
		}
	}
	for (int d = 0; d < k; d++)
		gp[d] = (used ? gp[d] / (float)used : 0) + 2.0f * reg * p[d];
	*gb = (used ? *gb / (float)used : 0) + 2.0f * reg * b;
}

/* Fold a user in: p and *b from the user's n ratings, FOLD_STEPS steps of
 * Adam (lr FOLD_LR) on the training objective from zero, the items'
 * weights fixed; seed makes BPR's negatives.  gp, mom (4 (k + 1)) are
 * scratch. */
static void
fold_user(const struct mf *m, const int32_t *item, const float *rating,
          size_t n, float *p, float *b, uint64_t seed, float *scratch)
{
	const int k = m->h.k;
	float *gp = scratch, *mp = gp + k + 1, *vp = mp + k + 1;
	struct rec_rng rng;

	rec_rng_seed(&rng, seed);
	memset(p, 0, (size_t)k * sizeof *p);
	*b = 0;
	memset(mp, 0, 2 * (size_t)(k + 1) * sizeof *mp);
	for (int step = 1; step <= FOLD_STEPS; step++) {
		float c1 = 1.0f - powf(0.9f, (float)step), c2 = 1.0f - powf(0.999f, (float)step);
		fold_grad(m, item, rating, n, p, *b, gp, &gp[k], &rng);
		for (int d = 0; d <= k; d++) {
			float *x = d < k ? &p[d] : b;
			mp[d] = 0.9f * mp[d] + 0.1f * gp[d];
			vp[d] = 0.999f * vp[d] + 0.001f * gp[d] * gp[d];
			*x -= FOLD_LR * (mp[d] / c1) / (sqrtf(vp[d] / c2) + 1e-8f);
		}
		if (m->base.ranking)
			*b = 0;   /* BPR has no user bias */
	}
}

/* The users of h the model does not know are folded in from their
 * ratings of items it knows (rec_model_set_history); the others keep
 * what they learned. */
static int
mf_set_history(struct rec_model *base, const struct rec_ratings *h,
               struct rec_err *err)
{
	struct mf *m = (struct mf *)base;
	const size_t k = (size_t)m->h.k;
	size_t *start = NULL, nnew = 0;
	int32_t *item = NULL, *slot = NULL, ix;
	float *rating = NULL, *scratch = NULL;
	int rc = -1;

	/* the new users' slots, and their ratings by a counting sort */
	if (!(slot = rec_malloc_array(h->users.n ? h->users.n : 1, sizeof *slot)))
		goto oom;
	for (size_t u = 0; u < h->users.n; u++)
		slot[u] = rec_idmap_find(&m->base.users, h->users.ids[u]) < 0 ?
		          (int32_t)nnew++ : -1;
	if (nnew == 0) {
		rec_free(slot);
		return 0;
	}
	start = rec_calloc(nnew + 2, sizeof *start);
	item = rec_malloc_array(h->n ? h->n : 1, sizeof *item);
	rating = rec_malloc_array(h->n ? h->n : 1, sizeof *rating);
	scratch = rec_malloc_array(4 * (k + 1), sizeof *scratch);
	if (!start || !item || !rating || !scratch ||
	    !(m->fold_p = rec_realloc_array(m->fold_p, (m->nfold + nnew) * (k ? k : 1),
	                                    sizeof *m->fold_p)) ||
	    !(m->fold_b = rec_realloc_array(m->fold_b, m->nfold + nnew, sizeof *m->fold_b)))
		goto oom;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < h->n; j++) {
			int32_t f = slot[h->user[j]];
			int32_t i = rec_idmap_find(&m->base.items, h->items.ids[h->item[j]]);
			if (f < 0 || i < 0)
				continue;
			if (pass == 0) {
				start[f + 2]++;
			} else {
				item[start[f + 1]] = i;
				rating[start[f + 1]++] = h->rating[j];
			}
		}
		if (pass == 0)
			for (size_t f = 2; f < nnew + 2; f++)
				start[f] += start[f - 1];
	}
	for (size_t u = 0; u < h->users.n; u++) {   /* in slot order */
		int32_t f = slot[u];
		size_t at = m->nfold;
		if (f < 0)
			continue;
		fold_user(m, item + start[f], rating + start[f], start[f + 1] - start[f],
		          m->fold_p + at * k, &m->fold_b[at],
		          rec_rng_mix((uint64_t)h->users.ids[u]), scratch);
		if (rec_idmap_add(&m->base.users, h->users.ids[u], &ix) != 0)
			goto oom;
		m->nfold++;   /* user nu + at is known from now on */
	}
	rc = 0;
	goto out;
oom:
	rc = rec_erroom(err, NULL);
out:
	rec_free(slot);
	rec_free(start);
	rec_free(item);
	rec_free(rating);
	rec_free(scratch);
	return rc;
}

static void
mf_copy_weights(struct rec_model *dst, const struct rec_model *src)
{
	rec_params_copy_weights(&((struct mf *)dst)->p, &((const struct mf *)src)->p);
}

/* Rank 0's *whole (caller frees) = the slab with every rank's trained
 * rows: its users' and, by per-rating SGD, its held part's items' (by
 * minibatches every rank's items are alike).  A collective. */
static int
gather_rows(const struct mf *m, float **whole, struct rec_err *err)
{
	const size_t k = (size_t)m->h.k;
	const struct rec_grid *g = &m->grid;
	const int grid = rec_mf_per_rating(&m->h);
	const struct rec_params_rows t[2] = {
		{ 2, { m->oP, m->obu }, { k, 1 }, m->nu },
		{ 2, { m->oQ, m->obi }, { k, 1 }, m->ni },
	};
	const int32_t *own[2] = { m->own, grid ? g->part_item + g->part_start[m->held] : NULL };
	const size_t n[2] = { m->nown, grid ? g->part_start[m->held + 1] -
	                                      g->part_start[m->held] : 0 };

	return rec_params_gather(&m->p, t, 2, own, n, whole, err);
}

static int
mf_save(const struct rec_model *base, FILE *fp, const char *file,
        const char *const *xkey, const char *const *xval, size_t nx,
        struct rec_err *err)
{
	const struct mf *m = (const struct mf *)base;
	struct rec_tensor t[2 + REC_MAX_PARAMS];
	float *whole = NULL;
	int rc;

	rec_model_map_tensors(base, t);
	rec_params_tensors(&m->p, t + 2);
	if (rec_dist_size() > 1) {   /* a job: the ranks' rows to rank 0 */
		if (gather_rows(m, &whole, err) != 0)
			return -1;
		if (rec_dist_rank() > 0)
			return 0;
		for (int j = 0; j < m->p.nt; j++)
			t[2 + j].data = whole + ((const float *)t[2 + j].data - m->p.w);
	}
	rc = rec_model_write(fp, file, &rec_mf_desc, &m->h, t, 2 + (size_t)m->p.nt,
	                     NULL, NULL, 0, xkey, xval, nx, err);
	rec_free(whole);
	return rc;
}

int
rec_mf_load(struct rec_model **out, const struct rec_st *st, struct rec_err *err)
{
	struct rec_mf_hparams h = REC_MF_DEFAULTS;
	const struct rec_tensor *uids, *iids;
	struct mf *m;

	*out = NULL;
	if (rec_hparams_load(&rec_mf_desc, &h, st, err) != 0 ||
	    rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, NULL, err) != 0 ||
	    rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, NULL, err) != 0)
		return -1;
	if (uids->shape[0] > INT32_MAX || iids->shape[0] > INT32_MAX)
		return rec_errf(err, st->name, 0, "too many users or items");
	if (err)
		err->msg[0] = '\0';
	if (!(m = mf_alloc(&h, (int)uids->shape[0], (int)iids->shape[0], err))) {
		if (err)
			snprintf(err->file, sizeof err->file, "%s", st->name);
		return -1;
	}
	if (rec_model_load_map(&m->base.users, st, "user_ids", m->nu, err) != 0 ||
	    rec_model_load_map(&m->base.items, st, "item_ids", m->ni, err) != 0 ||
	    rec_params_load(&m->p, st, err) != 0 ||
	    rec_model_no_extra(st, &m->p, NULL, err) != 0)
		goto fail;
	*out = &m->base;
	return 0;
fail:
	mf_free(&m->base);
	return -1;
}

static const struct rec_model_ops mf_ops = {
	.name = "mf",
	.epoch = mf_epoch,
	.predict = mf_predict,
	.rank_scores = mf_rank_scores,
	.rank_factors = mf_rank_factors,
	.copy_weights = mf_copy_weights,
	.save = mf_save,
	.save_gathers = 1,
	.free = mf_free,
	.epoch_extra = mf_epoch_extra,
	.set_history = mf_set_history,
	.take = mf_take,
};
