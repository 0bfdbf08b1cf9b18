/*
 * ncf.h - neural collaborative filtering, NeuMF (He et al., 2017) with
 * item side features, as DESIGN.md section 5 describes it:
 *
 *   gmf  = dropout(pg_u) * dropout(qg_i)                      (k)
 *   x    = [dropout(pm_u), dropout(qm_i), S^T side_i]         (2k + d)
 *   h    = MLP(x): linear, ReLU, dropout for each hidden layer (128-64-32)
 *   y    = sigmoid(w . [gmf, h] + b_u + b_i + mu)            on [0, 1]
 *
 * side_i is the item's binary side vector (genres, tags: side.h) and S a
 * bias-free projection of it to d dimensions.  Trained like MF on
 * (r - 0.5) / 4.5 with the squared error plus an L2 penalty on each batch
 * row's embeddings and biases; embeddings update lazily (rows a batch
 * touched), the rest densely, with Adam.  Unknown users or items have
 * zero embeddings, zero bias and no side features.
 *
 * With the BPR loss NCF is a ranking model: every rating of at least
 * `positive` stars is a positive (u, i), paired each epoch with
 * `negatives` items j drawn uniformly from those that are not u's
 * positives (sample.h).  A batch runs the network on its positives and
 * their negatives, and its objective is, over its T triples and the rows
 * it ran on (each positive once, each negative once),
 *
 *   (1/T) sum over triples of -log sigmoid(z(u, i) - z(u, j))
 *   + (reg/T) sum over rows of the row's L2 term above,
 *
 * z = w . [gmf, h] + b_i the network's logit: mu and b_u drop out of a
 * difference and are held at 0.  z is also the score it ranks by and
 * predicts (no star scale).
 */
#ifndef REC_NCF_H
#define REC_NCF_H

#include "rec/hparams.h"
#include "rec/model.h"
#include "rec/movies.h"
#include "rec/sample.h"
#include "rec/side.h"

#define REC_NCF_MAX_LAYERS 4

struct rec_ncf_hparams {
	int k;                        /* each of the four embeddings (64) */
	int nmlp;                     /* hidden layers of the MLP (3) */
	int mlp[REC_NCF_MAX_LAYERS];  /* their widths (128, 64, 32) */
	int side_dim;                 /* the projection of the side vector (64;
	                               * unused without side features) */
	float lr, reg, dropout, init_sd;
	int batch;
	/* Where side features come from (borrowed, NULL for none); they are
	 * built for the items of the training data and kept in the model. */
	const struct rec_movies *movies;
	const struct rec_tags *tags;
	int tag_vocab;                /* tags in the vocabulary (200) */
	int threads;                  /* of the matrix products (1); not saved,
	                               * and no result depends on it */
	enum rec_loss loss;           /* MSE on ratings, or BPR: a ranking model */
	float positive;               /* BPR: ratings from this many stars are
	                               * positives */
	int negatives;                /* BPR: sampled negatives a positive */
};
#define REC_NCF_DEFAULTS { 64, 3, { 128, 64, 32 }, 64, 1e-3f, 1e-3f, 0.5f, \
	0.05f, 256, NULL, NULL, 200, 1, REC_LOSS_MSE, 3.5f, 1 }

/* Its hyperparameters (hparams.h); movies and tags are inputs, not
 * hyperparameters. */
extern const struct rec_hparams_desc rec_ncf_desc;

/* A new NCF model for the users and items of r (rec_model_make_fn). */
struct rec_model *rec_ncf_make(const void *hp, const struct rec_ratings *r,
                               uint64_t seed, struct rec_err *err);

/* Load an NCF model from a checked safetensors file. */
int rec_ncf_load(struct rec_model **out, const struct rec_st *st,
                 struct rec_err *err);

/* For the gradient check: the model's parameter slab, and the objective
 * of one batch, the rows of r (mean squared error on [0, 1] plus the L2
 * term, dropout off), whose gradient it leaves in the slab's g.  r must
 * fit in one batch and hold only users and items m knows (else -1). */
struct rec_params *rec_ncf_params(struct rec_model *m);
int rec_ncf_objective(struct rec_model *m, const struct rec_ratings *r,
                      double *loss);

/* For the gradient check of BPR: the objective of the n positives (u[t],
 * i[t]) (model indices), each with the neg negatives j[t neg], ...,
 * j[t neg + neg - 1], as one batch of the rows (u[t], i[t]) and then
 * (u[t], j[t neg + s]), as training has them (the negatives share their
 * positive's user part of the first layer), dropout off, its gradient
 * left in the slab's g.  -1 when n or neg is 0 or the n (1 + neg) rows
 * do not fit in a batch. */
int rec_ncf_bpr_objective(struct rec_model *m, const int32_t *u,
                          const int32_t *i, const int32_t *j, size_t n,
                          size_t neg, double *loss);

#endif
