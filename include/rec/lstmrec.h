/*
 * lstmrec.h - the LSTM sequential recommender (DESIGN.md section 5), model
 * name "lstm":
 *
 *   x_s = [E item_s, t_s]       one step of the user's history, in time
 *                               order: the item's embedding and the
 *                               rating scaled to [0, 1] (k + 1)
 *   h   = LSTM(x_1 .. x_n)      the last state (hidden; lstm.h), zero for
 *                               an empty history
 *   z   = [h, U u, E i]         dropout in training            (hidden + 2k)
 *   a   = MLP(z): linear, ReLU, dropout for each hidden layer (128-64)
 *   y   = sigmoid(w . a + b_u + b_i + mu)                       on [0, 1]
 *
 * E is one item table shared by the history and the candidate i.  The
 * history of a prediction is the user's last seq_len ratings (left-padded
 * and masked when shorter).
 *
 * Training (segmented teacher forcing): each user's ratings in time order
 * (ties by row) are cut into chunks of `chunk` consecutive targets; a
 * chunk's LSTM pass runs over up to seq_len ratings before its first
 * target and over its targets but the last, so that the state after
 * rating p - 1 serves target p: one pass serves the chunk's targets.
 * With probability horizon a target is served instead by the state
 * after a uniformly drawn earlier point of its chunk (0 to its offset in
 * the chunk ratings further back), so that the head also learns to
 * predict ratings further ahead of the history, as a user's test
 * ratings are of the training history.  With truncate, the gradient
 * flows back from the chunk's targets through the chunk's own steps
 * only (lstm.h's truncated backward), not into the history before it:
 * cheaper, and no longer the exact gradient of the objective.  A
 * step is `batch` chunks; the objective is the mean over their targets of
 * (y - t)^2 + reg (|U u|^2 + |E i|^2 + b_u^2 + b_i^2); the embedding
 * rows and biases update lazily (Adam on the rows the step touched), the
 * LSTM and the head densely.  The learning rate is lr in the first epoch
 * and lr_decay times the last one's in each after it.  The user and item
 * biases start at the bias-only model of the training ratings (closed
 * form, lstmrec.c), mu at the logit of the mean scaled rating.
 *
 * A ranking model (loss bpr): the same LSTM over the same histories,
 * whose state predicts the next item the user rates at least `positive`
 * stars.  The head is a query and a dot product,
 *
 *   q    = Q dropout(h) + b_q + U u                               (k)
 *   s(i) = q . E i + b_i
 *
 * so that one matrix product scores every item for a block of users.
 * Every target p of a chunk rated at least `positive` stars is a
 * positive i, paired with `negatives` items j drawn uniformly from those
 * that are not the user's positives (sample.h); its state is chosen as
 * above (horizon).  A step's objective is, over its T pairs and the rows
 * it scores (each positive once, each negative once),
 *
 *   (1/T) sum over pairs of -log sigmoid(s(i) - s(j))
 *   + (reg/T) sum over rows of (|U u|^2 + |E i|^2 + b_i^2),
 *
 * and chunks without a positive target are left out.  The MLP, mu and
 * b_u are not part of it (b_u stays 0); predict gives s, not stars.
 *
 * The model keeps each user's history: the training sequence, of which
 * the model file stores the last seq_len ratings; rec_model_set_history
 * (model.h) replaces it, and adds the users it does not know: their
 * histories, after the trained users, with no bias and a zero
 * embedding, or in a ranking model an embedding folded in (a model
 * with such users is not saved).  The fold-in fits a new user's U u to
 * the user's history with the network held fixed: each positive target
 * t of the history (its state as in training, with no horizon and no
 * dropout) paired with `negatives` items j that are not the user's
 * positives, 200 steps of Adam (lr 0.05) from zero on
 *
 *   (1/T) sum over T pairs of -log sigmoid(s_t(i) - s_t(j)) + reg |U u|^2,
 *
 * the negatives drawn anew each step from a generator seeded by the
 * user's id, so that the embedding depends on neither the other users
 * nor the threads.  Unknown users have a zero embedding, no bias and an
 * empty history; unknown items a zero embedding and no bias; history
 * entries of unknown items are left out.
 */
#ifndef REC_LSTMREC_H
#define REC_LSTMREC_H

#include "rec/hparams.h"
#include "rec/model.h"
#include "rec/sample.h"

#define REC_LSTMREC_MAX_LAYERS 4

struct rec_lstmrec_hparams {
	int k;                        /* user and item embeddings (64) */
	int hidden;                   /* LSTM state (128) */
	int seq_len;                  /* history steps (50) */
	int chunk;                    /* targets a training sequence (25) */
	int nmlp;                     /* hidden layers of the head (2) */
	int mlp[REC_LSTMREC_MAX_LAYERS];   /* their widths (128, 64) */
	float lr, reg, dropout, init_sd;
	float lr_decay;               /* each epoch's learning rate is lr_decay
	                               * times the epoch's before (0.7) */
	int batch;                    /* chunks a step (64) */
	float horizon;                /* share of targets served by an earlier
	                               * state of their chunk (0.5) */
	int truncate;                 /* backpropagate through a chunk's own
	                               * steps only, the history before it a
	                               * constant (1; 0: through every step) */
	int threads;                  /* of the matrix products (1); not saved,
	                               * and no result depends on it */
	enum rec_loss loss;           /* MSE on ratings, or BPR on the next
	                               * positive: a ranking model */
	float positive;               /* BPR: ratings from this many stars are
	                               * positives (3.5) */
	int negatives;                /* BPR: sampled negatives a positive (1) */
};
#define REC_LSTMREC_DEFAULTS { 64, 128, 50, 25, 2, { 128, 64 }, 1e-3f, \
	1e-2f, 0.2f, 0.1f, 0.7f, 64, 0.5f, 1, 1, REC_LOSS_MSE, 3.5f, 1 }

/* Its hyperparameters (hparams.h). */
extern const struct rec_hparams_desc rec_lstmrec_desc;

/* A new model for the users, items and sequences of r
 * (rec_model_make_fn). */
struct rec_model *rec_lstmrec_make(const void *hp, const struct rec_ratings *r,
                                   uint64_t seed, struct rec_err *err);

/* Load an LSTM model from a checked safetensors file. */
int rec_lstmrec_load(struct rec_model **out, const struct rec_st *st,
                     struct rec_err *err);

/* For the gradient check: the parameter slab, and the training objective
 * of the training chunks first .. first + n - 1 (in the model's chunk
 * order: users in index order, chunks in time order; dropout off, every
 * target from the state right before it; a ranking model's negatives
 * drawn by a generator seeded 1, the same each call), whose gradient
 * (truncated with truncate) it leaves in the slab's g.  n must fit in one batch (else
 * -1).  rec_lstmrec_chunks gives the number of chunks. */
struct rec_params *rec_lstmrec_params(struct rec_model *m);
size_t rec_lstmrec_chunks(const struct rec_model *m);
int rec_lstmrec_objective(struct rec_model *m, size_t first, size_t n,
                          double *loss);

/* For the tests: user u's embedding (u a model user index), trained or
 * folded in; NULL when the user has none. */
const float *rec_lstmrec_user_emb(const struct rec_model *m, int32_t u);
/* For the gradient check: a ranking model's fold-in objective of user
 * u's history at the embedding U (k), its negatives those of the fold-in's
 * first step (the same each call); its gradient into g (k).  -1 for a
 * rating model, a bad u, or out of memory. */
int rec_lstmrec_fold_objective(struct rec_model *m, int32_t u, const float *U,
                               float *g, double *loss);

#endif
