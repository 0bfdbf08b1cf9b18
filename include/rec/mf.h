/*
 * mf.h - matrix factorisation, the study's MF (DESIGN.md section 5):
 *
 *   y(u, i) = sigmoid(mu + b_u + b_i + p_u . q_i)   on the scale [0, 1]
 *
 * trained on (r - 0.5) / 4.5 with the squared error plus an L2 penalty on
 * the embeddings and biases of each rating in the batch (so frequent
 * users and items are held back more, as in Koren's MF), dropout on both
 * embedding vectors, Adam or SGD on minibatches.  With SGD and a batch of
 * one rating, training is per-rating SGD over a blocked rating matrix
 * (grid.h), lock-free on threads threads, without dropout, its learning
 * rate times lr_decay after each epoch; the global bias then stays at
 * the logit of the training mean.  Fallbacks: an unknown
 * user drops b_u and p_u; an unknown item drops b_i and q_i; both: mu.
 *
 * With the BPR loss (Rendle et al., 2009) MF is a ranking model: every
 * rating of at least `positive` stars is a positive (u, i), paired with
 * `negatives` items j drawn uniformly from those that are not u's
 * positives, and the objective of a minibatch is the mean over its pairs
 * of
 *
 *   -log sigmoid(s(u, i) - s(u, j)) + reg (|p_u|^2 + |q_i|^2 + |q_j|^2
 *                                          + b_i^2 + b_j^2),
 *   s(u, i) = b_i + p_u . q_i    (mu and b_u drop out of a difference),
 *
 * dropout as above on p_u's product with both q; s is also the score it
 * ranks by and predicts (no star scale).
 */
#ifndef REC_MF_H
#define REC_MF_H

#include "rec/gemm.h"
#include "rec/grid.h"
#include "rec/hparams.h"
#include "rec/model.h"
#include "rec/sample.h"

enum rec_optimizer { REC_OPT_ADAM, REC_OPT_SGD };

struct rec_mf_hparams {
	int k;              /* embedding dimension; 0 = biases only */
	float lr;           /* learning rate */
	float reg;          /* L2 weight on each batch row's p_u, q_i, b_u, b_i */
	float dropout;      /* drop probability for p_u and q_i entries */
	float init_sd;      /* embeddings start as N(0, init_sd^2) */
	int batch;          /* ratings a step */
	enum rec_optimizer opt;
	int threads;        /* per-rating SGD only: threads, 1..64 (the grid is
	                     * threads x threads blocks, so the result depends
	                     * on it, but the threads' timing never does) */
	enum rec_loss loss; /* MSE on ratings, or BPR: a ranking model */
	float positive;     /* BPR: ratings from this many stars are positives */
	int negatives;      /* BPR: sampled negatives a positive */
	float lr_decay;     /* per-rating SGD only: each epoch's learning rate
	                     * is lr_decay times the epoch's before */
};
#define REC_MF_DEFAULTS { 64, 1e-3f, 3e-3f, 0.5f, 0.05f, 256, REC_OPT_ADAM, 1, \
	REC_LOSS_MSE, 3.5f, 1, 1.0f }

/* Whether h trains by per-rating SGD (the only mode that uses threads and
 * that has no dropout). */
static inline int
rec_mf_per_rating(const struct rec_mf_hparams *h)
{
	return h->opt == REC_OPT_SGD && h->batch == 1;
}

/* Its hyperparameters: names, ranges, help, metadata keys (hparams.h);
 * its mode is per-rating SGD, whose defaults of lr, reg, dropout and
 * lr-decay are its own (chosen on validation data: rec-train-mf(1)). */
extern const struct rec_hparams_desc rec_mf_desc;

/* A new MF model for the users and items of r (rec_model_make_fn). */
struct rec_model *rec_mf_make(const void *hp, const struct rec_ratings *r,
                              uint64_t seed, struct rec_err *err);

/* Load an MF model from a checked safetensors file (format and model
 * name already checked by rec_model_load). */
int rec_mf_load(struct rec_model **out, const struct rec_st *st,
                struct rec_err *err);

/* For the gradient check of BPR: the objective of the n triples (u[t],
 * i[t], j[t]) (model indices) as one batch, dropout off, its gradient
 * left in the slab's g.  -1 when n is 0. */
int rec_mf_bpr_objective(struct rec_model *m, const int32_t *u,
                         const int32_t *i, const int32_t *j, size_t n,
                         double *loss);

/* For the gradient check: the model's parameter slab, and the objective
 * of the rows of r as one batch: the mean over the rows of (s - y)^2 +
 * reg (|p_u|^2 + |q_i|^2 + b_u^2 + b_i^2), dropout off, whose gradient
 * it leaves in the slab's g (minibatch training steps on it; per-rating
 * SGD takes each rating's, but for mu).  r must hold only users and items
 * m knows, at least one row (else -1). */
struct rec_params *rec_mf_params(struct rec_model *m);
int rec_mf_objective(struct rec_model *m, const struct rec_ratings *r,
                     double *loss);

/*
 * For tests: per-rating SGD's steps and its sigmoid in the version for
 * one instruction set (gemm.h's: AVX-512; AVX2 with FMA; the base one),
 * or -1 (nothing done) when this build or this CPU has none.  The first
 * two give the same bits; the base one, which has no FMA, may differ in
 * the last bits.  rec_mf_sgd_isa takes a step on each of the n cells c
 * in turn: P (users, k) and Q (items, k) the embeddings, bu and bi the
 * biases, mu the global bias, lr and reg as in the hparams; it adds each
 * step's squared error before the step to *sq_err.  rec_mf_sgd_sigmoid
 * sets *s to the sigmoid of z as the step computes it.
 */
int rec_mf_sgd_isa(enum rec_gemm_isa isa, float *P, float *Q, float *bu,
                   float *bi, float mu, const struct rec_cell *c, size_t n,
                   int k, float lr, float reg, double *sq_err);
int rec_mf_sgd_sigmoid(enum rec_gemm_isa isa, float z, float *s);

#endif
