/*
 * ease.h - EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse
 * Data", WWW 2019), a ranking model (model.h) in closed form:
 *
 *   X  (users, items)   x_ui = 1 when user u rated item i at least
 *                       `positive` stars (an interaction), `weak` when
 *                       below (0 by default: no interaction), else 0
 *   P  = (X^T X + lambda I)^-1        (OpenBLAS's LAPACK: spotrf, spotri)
 *   B  = I - P diag(1 / diag(P))      so B_ij = -P_ij / P_jj, B_jj = 0
 *   score(u, j) = w_u . B[:, j]       (the sum of the rows of B of u's
 *                                      items, weighted)
 *
 * where w_u is x_u with the user's k-th latest item (by time, k = 0 the
 * last) weighted by recency^k: 1, the default, is Steck's EASE; below 1
 * the latest tastes count most.
 *
 * With seq_weight > 0 a sequential part joins it (the transition model
 * of Choi et al., "Session-aware Linear Item-Item Models", WWW 2021):
 * each user's interactions i_0, i_1, ... in time order give, for every
 * t >= 1, a row s_t = sum over k < t of seq_decay^(t-1-k) x_k e_(i_k)
 * (the items before t, the latest weighing most) and its target
 * y_t = x_t e_(i_t) (the next item); then
 *
 *   T  = (S^T S + seq_lambda I)^-1 S^T Y     (spotrf, spotrs)
 *   score(u, j) += seq_weight * s_u . T[:, j]
 *
 * where s_u = sum over k of seq_decay^k x_(k-th latest) e_(k-th latest),
 * the user's whole history as the source of the next item.
 *
 * B is the ridge regression of each item's column of X on the other
 * items' columns, with the diagonal held at zero.  The items are those
 * with an interaction, at most max_items of them (the most interacted
 * with; ties by the smaller id); B takes max_items^2 x 4 bytes, T as
 * much again, and the fit of T one more such array while it runs.  The
 * model keeps each user's interactions, so that it ranks for its users
 * with no more input; a user with none, or one it does not know, gets
 * the items by their number of interactions (popularity).  There are no
 * epochs: the fit is exact, and ops->epoch is NULL.
 */
#ifndef REC_EASE_H
#define REC_EASE_H

#include "rec/hparams.h"
#include "rec/model.h"

#define REC_EASE_MAX_GRID 32

struct rec_ease_hparams {
	float lambda;                 /* the ridge weight (200) */
	float positive;               /* ratings from this many stars are
	                               * interactions (3.5); 0: every rating */
	float weak;                   /* the x of a rating below positive (0) */
	float recency;                /* the weight of each older item (1) */
	float seq_weight;             /* of the sequential part (0: none) */
	float seq_decay;              /* its weight of each older item (0.9) */
	float seq_lambda;             /* its ridge weight (300) */
	int max_items;                /* 0: every item with an interaction */
	int ngrid;                    /* --valid: the lambdas tried */
	float grid[REC_EASE_MAX_GRID];
	int threads;                  /* the sums' and OpenBLAS's (1); not saved */
	double mem_limit;             /* refuse a fit of more bytes (0: any);
	                               * not a hyperparameter: the caller's */
};
#define REC_EASE_DEFAULTS { 200, 3.5f, 0, 1, 0, 0.9f, 300, 0, 8, { 25, 50, \
	100, 200, 400, 800, 1600, 3200 }, 1, 0 }

/* Its hyperparameters (hparams.h). */
extern const struct rec_hparams_desc rec_ease_desc;

/* Fit EASE (and T when seq_weight > 0) on the ratings r
 * (rec_model_make_fn; seed is not used: the fit has no randomness).
 * Fails with "no interactions (ratings of at least 3.5 stars)" when r
 * has none, and with "an EASE model of 59000 items
 * needs 13924 MB, over the limit of 9830 MB: keep fewer items with
 * --max-items" when the fit's arrays would pass mem_limit. */
struct rec_model *rec_ease_make(const void *hp, const struct rec_ratings *r,
                                uint64_t seed, struct rec_err *err);

/* Fit m's B again with another lambda, on the same interactions; T,
 * which does not depend on lambda, stays (a collective, as make is).
 * m must be an EASE model.  Fails as rec_ease_make's fit does. */
int rec_ease_set_lambda(struct rec_model *m, float lambda, struct rec_err *err);

/* Load an EASE model from a checked safetensors file. */
int rec_ease_load(struct rec_model **out, const struct rec_st *st,
                  struct rec_err *err);

#endif
