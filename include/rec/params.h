/*
 * params.h - a model's parameters as named tensors in one slab, with their
 * gradients and Adam moments in three more slabs of the same layout (the
 * llm.c design).  The table of names drives the optimiser, save and load,
 * and the gradient checks: a new parameter is one rec_params_add call.
 */
#ifndef REC_PARAMS_H
#define REC_PARAMS_H

#include <stddef.h>

#include "rec/st.h"
#include "rec/util.h"

#define REC_MAX_PARAMS 32

struct rec_param {
	char name[48];       /* the tensor's name on disk */
	int ndim;            /* 0 scalar, 1 vector (rows), 2 matrix (rows, cols) */
	int rows, cols;
	size_t off;          /* offset in each slab, in floats */
	size_t n;            /* rows x cols floats */
};

struct rec_params {
	struct rec_param t[REC_MAX_PARAMS];
	int nt;
	size_t n;            /* floats in each slab */
	float *w, *g;        /* weights, gradients */
	float *m, *v;        /* Adam's moments */
};

/* Declare a tensor (before rec_params_alloc).  Returns its offset in the
 * slabs through *off; -1 when the table is full or the size overflows. */
int rec_params_add(struct rec_params *p, const char *name, int ndim, int rows,
                   int cols, size_t *off, struct rec_err *err);

/* Start the next tensor 16 floats into the slabs' layout, so on a
 * 64-byte line of the weights (a gap of up to 15 floats that stay 0):
 * for tensors that threads write at once. */
void rec_params_align(struct rec_params *p);

/* Allocate the four slabs, zeroed; the weights' starts on a 64-byte
 * line (the others are plain calloc, whose pages cost nothing until
 * used: per-rating SGD never uses them).  Free with rec_params_free. */
int rec_params_alloc(struct rec_params *p, struct rec_err *err);
void rec_params_free(struct rec_params *p);

/* Copy the weights of src into dst (the same table). */
void rec_params_copy_weights(struct rec_params *dst, const struct rec_params *src);

/* Describe every tensor of p (pointing into p->w) in t[0..p->nt). */
void rec_params_tensors(const struct rec_params *p, struct rec_tensor *t);

/* Fill p->w from the tensors of st with p's names, checking dtype F32
 * and each shape; st's other tensors are not looked at. */
int rec_params_load(struct rec_params *p, const struct rec_st *st,
                    struct rec_err *err);

/* ---- a job's rows (dist.h) ---- */

#define REC_PARAMS_SEGS 4

/* A table of the slab whose rows a rank of a job may hold alone (its
 * users'): row x is, in each of its nseg parts, width[s] floats at
 * off[s] + x width[s] (an embedding table, its bias vector, ...); x <
 * rows. */
struct rec_params_rows {
	int nseg;
	size_t off[REC_PARAMS_SEGS], width[REC_PARAMS_SEGS];
	int32_t rows;
};

/* Rank 0's *whole (caller frees; NULL on the other ranks) = a copy of
 * p's weights with every rank's rows of the nt tables t in place: table
 * j's rows own[j][0 .. n[j]) of each rank as that rank holds them, sent
 * to rank 0 (an index and the row's floats each).  A collective; 0, or
 * -1 on every rank with err.  One process: a copy. */
int rec_params_gather(const struct rec_params *p, const struct rec_params_rows *t,
                      int nt, const int32_t *const *own, const size_t *n,
                      float **whole, struct rec_err *err);

/* rec_params_gather of one table t, this rank's rows those x < t->rows
 * for which held(ctx, x) is true. */
int rec_params_gather_held(const struct rec_params *p, const struct rec_params_rows *t,
                           int (*held)(const void *ctx, int32_t x), const void *ctx,
                           float **whole, struct rec_err *err);

struct rec_adam {
	float lr, beta1, beta2, eps;
	long t;              /* steps begun */
	float step, eps_t;   /* this step's size and epsilon (rec_adam_begin) */
};
#define REC_ADAM_DEFAULTS { 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 0, 0 }

/* Begin a step: count it, fold the bias corrections of step t into one
 * step size. */
void rec_adam_begin(struct rec_adam *a);

/* Adam (Kingma and Ba, Algorithm 1) on the n floats of the slabs from
 * off, with the gradients in p->g.  Updating only the rows a batch touched
 * gives lazy ("sparse") Adam, as PyTorch's SparseAdam. */
void rec_adam_update(struct rec_params *p, const struct rec_adam *a,
                     size_t off, size_t n);

/* The same on n floats of arrays of the caller's: the weights w, their
 * moments m and v, and the gradient g (a slab's rows, with a gradient
 * kept apart from the slab). */
void rec_adam_apply(const struct rec_adam *a, float *w, float *m, float *v,
                    const float *g, size_t n);

/* One dense Adam step over the whole slab: begin + update everything. */
void rec_adam_step(struct rec_params *p, struct rec_adam *a);

/* Plain gradient descent on n floats from off: w -= lr * g. */
void rec_sgd_update(struct rec_params *p, float lr, size_t off, size_t n);

#endif
