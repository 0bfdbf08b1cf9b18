/*
 * agr.h - AttnGraphRec (DESIGN.md section 5): embeddings propagated over
 * the user-item graph, attention over the layers, an MLP head (or a dot
 * product).
 *
 *   E^0      = the embeddings of every user and item (nodes, k)
 *   E^{l+1}  = A E^l                       (lightgcn, the default)
 *            = tanh(A E^l W_l^T)           (gcn)
 *              A = D^-1/2 A D^-1/2, the normalised graph (graph.h)
 *   for a pair (u, i), with e_u^l the row of u in E^l:
 *   q_u      = mean_l e_i^l,  q_i = mean_l e_u^l      (the other side)
 *   z_u      = attn_user(e_u^0..e_u^L; q_u)          (attn.h)
 *   z_i      = attn_item(e_i^0..e_i^L; q_i)
 *   h        = MLP(dropout([z_u, z_i, z_u * z_i])): linear, ReLU, dropout
 *              a layer
 *   y        = sigmoid(w . h + b_u + b_i + mu)       on [0, 1]
 *
 * or with the dot head, as LightGCN scores, no MLP:
 *
 *   y        = sigmoid(z_u . z_i + b_u + b_i + mu)
 *
 * Trained on (r - 0.5) / 4.5 with the squared error plus an L2 penalty
 * on each batch row's E^0 rows and biases, with Adam.  An epoch's
 * batches fall into at most `propagations` blocks of consecutive
 * batches: each block propagates the whole graph once, every batch in it
 * reads those layers and steps the network's other weights (attention,
 * head, biases), and at the block's end the mean of its batches'
 * gradients of the layers flows back through the propagation and E^0
 * (and gcn's W_l) takes one step (Adam, dense: propagation makes the
 * gradient of E^0 dense).  With one batch a block, each step propagates
 * the whole graph anew, as LightGCN does; with a fixed number of blocks
 * an epoch costs time linear in the ratings.  Unknown users or items
 * have zero representations and zero bias.
 *
 * With the BPR loss (Rendle et al., 2009) AttnGraphRec is a ranking
 * model, LightGCN plus attention: every rating of at least `positive`
 * stars is a positive (u, i), paired with `negatives` items j drawn
 * uniformly from those that are not u's positives (sample.h, as MF
 * draws them); the network scores a pair by its logit without mu and
 * b_u (they drop out of a difference),
 *
 *   s(u, i)  = w . h + b_i           (z_u . z_i + b_i with the dot head)
 *
 * and a minibatch of positives minimises the mean over its triples of
 *
 *   -log sigmoid(s(u, i) - s(u, j))
 *       + reg (|e_u^0|^2 + |e_i^0|^2 + |e_j^0|^2 + b_i^2 + b_j^2),
 *
 * the network run once on the batch's positive pairs and once on its
 * negative ones.  The graph is that of every training rating, as for
 * the rating model.  s is the score it ranks by and predicts (no star
 * scale).
 *
 * The model file holds the graph (its CSR, renumbered to the model's
 * users and items) next to the weights, and the propagation is redone on
 * load: rec-score needs no other file; the file is the model's whole
 * state rather than a cache of it (the propagated layers would be
 * derived data, (L + 1) nodes k floats, that a reader would have to
 * trust to match the weights); and propagating once costs milliseconds.
 */
#ifndef REC_AGR_H
#define REC_AGR_H

#include "rec/graph.h"
#include "rec/hparams.h"
#include "rec/model.h"
#include "rec/sample.h"

#define REC_AGR_MAX_LAYERS 8   /* graph-convolution layers */
#define REC_AGR_MAX_MLP 3      /* hidden layers of the head */

enum rec_agr_conv { REC_AGR_LIGHTGCN, REC_AGR_GCN };
enum rec_agr_head { REC_AGR_MLP, REC_AGR_DOT };

struct rec_agr_hparams {
	int k;                       /* embedding dimension (64) */
	int layers;                  /* graph-convolution layers (3), 0.. */
	enum rec_agr_conv conv;
	int attn_dim;                /* h of the attention (32) */
	int nmlp;                    /* hidden layers of the head (2) */
	int mlp[REC_AGR_MAX_MLP];    /* their widths (128, 64) */
	float lr, reg, dropout, init_sd;
	int batch;                   /* ratings a step; BPR: positives a step */
	enum rec_graph_weight weight;   /* of a graph built from the ratings */
	enum rec_loss loss;          /* MSE on ratings, or BPR: a ranking model */
	float positive;              /* BPR: ratings from this many stars are
	                              * positives */
	int negatives;               /* BPR: negatives drawn for each positive */
	int propagations;            /* an epoch's blocks at most (16) */
	enum rec_agr_head head;      /* the MLP (nmlp, mlp, dropout), or z_u . z_i */
	/* Borrowed, may be NULL: the graph to use when it is the graph of
	 * the ratings (rec_graph_match); otherwise (the refit on train +
	 * valid) a graph is built from the ratings with its weighting. */
	const struct rec_graph *graph;
	int threads;                 /* of the graph and matrix products (1);
	                              * not saved, and no result depends on it */
};
#define REC_AGR_DEFAULTS { 64, 3, REC_AGR_LIGHTGCN, 32, 2, { 128, 64, 0 }, \
	3e-3f, 1e-3f, 0.5f, 0.1f, 1024, REC_GRAPH_BINARY, REC_LOSS_MSE, 3.5f, 1, \
	16, REC_AGR_MLP, NULL, 1 }

/* Its hyperparameters (hparams.h); the graph is an input, not one. */
extern const struct rec_hparams_desc rec_agr_desc;

/* A new model for the users and items of r (rec_model_make_fn). */
struct rec_model *rec_agr_make(const void *hp, const struct rec_ratings *r,
                               uint64_t seed, struct rec_err *err);

/* Load a model from a checked safetensors file. */
int rec_agr_load(struct rec_model **out, const struct rec_st *st,
                 struct rec_err *err);

/* For the gradient check: the parameter slab, and the objective of one
 * batch, the rows of r (mean squared error on [0, 1] plus the L2 term,
 * dropout off, after a fresh propagation), whose gradient it leaves in
 * the slab's g.  m must be a rating model, and r fit in one batch and
 * hold only users and items m knows (else -1). */
struct rec_params *rec_agr_params(struct rec_model *m);
int rec_agr_objective(struct rec_model *m, const struct rec_ratings *r,
                      double *loss);

/* For the gradient check of BPR: the objective of the n triples (u[t],
 * i[t], j[t]) (model indices) as one batch, dropout off, after a fresh
 * propagation, its gradient left in the slab's g.  m must be a ranking
 * model and the 2 n pairs fit in one batch's rows (else -1). */
int rec_agr_bpr_objective(struct rec_model *m, const int32_t *u,
                          const int32_t *i, const int32_t *j, size_t n,
                          double *loss);

#endif
