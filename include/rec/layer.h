/*
 * layer.h - forward/backward kernels shared by the neural models (the
 * llm.c design, STYLE.md A.8.4): free functions on raw float arrays, no
 * hidden state.  The model owns every buffer; a kernel only reads and
 * writes the arrays it is given.
 *
 * Every kernel:
 *   - takes outputs, then inputs, then parameters, then cached values,
 *     then sizes; a backward's outputs are its gradients and its inputs
 *     start with d_y, the gradient of the loss with respect to y;
 *   - works on dense row-major float arrays; each shape is (rows, cols);
 *   - *_forward overwrites its outputs;
 *   - *_backward ADDS into every gradient it is given (the model zeroes
 *     its gradients once a step), so a tensor used twice just receives
 *     both contributions; NULL means "not needed" (dropout's is the one
 *     exception: it masks a gradient in place);
 *   - never allocates, prints or fails.
 * A gradient must not overlap the arrays its backward reads.  Element-wise
 * forwards may work in place (y == x) where said so.
 *
 * Sizes (int, as rec_sgemm takes them; the model checks them against
 * INT_MAX once, and n * cols fits in size_t):
 *   n       batch rows
 *   in, out feature sizes: a linear layer's input and output widths, the
 *           width of an element-wise kernel's rows
 *   ia, ib  the widths of the two blocks of a concat
 *   k       embedding dimension
 *   h       hidden size
 * A kernel with matrix products takes last the threads they may run on
 * (rec_sgemm); no result depends on it.
 */
#ifndef REC_LAYER_H
#define REC_LAYER_H

#include <stdint.h>

#include "rec/rng.h"

/* ---- embedding ---- */

/* Gather: y[r] = table[idx[r]] for each of the n rows.
 * y (n, k); idx (n), each in [0, rows of table); table (rows, k). */
void rec_embedding_forward(float *y, const int32_t *idx, const float *table,
                           int n, int k);

/* Scatter-add: d_table[idx[r]] += d_y[r].  Only the rows idx names are
 * touched (a row named twice receives both); the rest of d_table is not
 * read or written, so the cost follows the batch, not the table.
 * d_table (rows, k); d_y (n, k); idx (n). */
void rec_embedding_backward(float *d_table, const float *d_y,
                            const int32_t *idx, int n, int k);

/* ---- linear ---- */

/* y (n, out) = x (n, in) . w (out, in)^T + b (out), with rec_sgemm.
 * b NULL: no bias.  y must not overlap x, w or b. */
void rec_linear_forward(float *y, const float *x, const float *w,
                        const float *b, int n, int in, int out, int threads);

/* The same, as a plain triple loop summed in double: the reference the
 * tests hold rec_linear_forward against.  Slow; not for training. */
void rec_linear_forward_naive(float *y, const float *x, const float *w,
                              const float *b, int n, int in, int out);

/* d_x (n, in) += d_y . w;  d_w (out, in) += d_y^T . x;  d_b (out) +=
 * colsum(d_y).  d_y (n, out); x (n, in) and w (out, in) as in forward. */
void rec_linear_backward(float *d_x, float *d_w, float *d_b, const float *d_y,
                         const float *x, const float *w, int n, int in,
                         int out, int threads);

/* ---- activations ---- */

/* y (n, in) = max(x, 0); y may be x. */
void rec_relu_forward(float *y, const float *x, int n, int in);

/* d_x (n, in) += d_y where y > 0.  d_y (n, in); y (n, in) the output of
 * forward (so the forward may have run in place). */
void rec_relu_backward(float *d_x, const float *d_y, const float *y, int n,
                       int in);

/* y (n, in) = 1 / (1 + exp(-x)), without overflow for any finite x;
 * y may be x. */
void rec_sigmoid_forward(float *y, const float *x, int n, int in);

/* d_x (n, in) += d_y y (1 - y).  d_y (n, in); y (n, in) from forward. */
void rec_sigmoid_backward(float *d_x, const float *d_y, const float *y,
                          int n, int in);

/* ---- dropout (inverted) ---- */

/* Draw a dropout mask: each entry 0 with probability p, else 1 / (1 - p),
 * so the expected output equals the input and evaluation just skips
 * dropout.  p is rounded to a multiple of 1/65536 (16 random bits an
 * entry, as MF's dropout); p <= 0 gives all ones, p >= 1 all zeros.
 * mask (n, in); rng advances by ceil(n in / 4) draws. */
void rec_dropout_mask(float *mask, struct rec_rng *rng, float p, int n,
                      int in);

/* y (n, in) = x (n, in) * mask (n, in); y may be x. */
void rec_dropout_forward(float *y, const float *x, const float *mask, int n,
                         int in);

/* Dropout's backward, in place: d (n, in) *= mask (n, in), the mask
 * forward used.  The one backward that scales instead of adding: the
 * gradient of dropout's output is whole where the models mask it, and
 * the gradient of its input is that one masked. */
void rec_dropout_backward(float *d, const float *mask, int n, int in);

/* ---- concat ---- */

/* y (n, ia + ib) = [a (n, ia), b (n, ib)] row by row. */
void rec_concat_forward(float *y, const float *a, const float *b, int n,
                        int ia, int ib);

/* The split: d_a (n, ia) += d_y[:, :ia];  d_b (n, ib) += d_y[:, ia:].
 * d_y (n, ia + ib). */
void rec_concat_backward(float *d_a, float *d_b, const float *d_y, int n,
                         int ia, int ib);

/* ---- element-wise product (GMF) ---- */

/* y (n, in) = a (n, in) * b (n, in) entry by entry; y may be a or b. */
void rec_mul_forward(float *y, const float *a, const float *b, int n, int in);

/* d_a (n, in) += d_y * b;  d_b (n, in) += d_y * a.  d_y (n, in); a, b
 * (n, in) the inputs of forward.  d_a and d_b may be the same array (for
 * y = a * a). */
void rec_mul_backward(float *d_a, float *d_b, const float *d_y,
                      const float *a, const float *b, int n, int in);

/* ---- a hidden layer of a head: linear, ReLU, dropout ---- */

/* a = relu(x w^T + b), then y = a * mask, mask a dropout mask the
 * caller drew (rec_dropout_mask: in training), or NULL: y = a.  y, a,
 * mask (n, out); x (n, in); w (out, in); b (out). */
void rec_hidden_forward(float *y, float *a, const float *mask, const float *x,
                        const float *w, const float *b, int n, int in, int out,
                        int threads);

/* Back through the layer from d_y (n, out): d_x (n, in), d_w (out, in)
 * and d_b (out) += their gradients.  d_a (n, out) is scratch, OVERWRITTEN
 * with the gradient of x w^T + b.  mask as forward drew it, or NULL when
 * forward had no rng; a and x as forward used them. */
void rec_hidden_backward(float *d_x, float *d_w, float *d_b, float *d_a,
                         const float *d_y, const float *mask, const float *a,
                         const float *x, const float *w, int n, int in,
                         int out, int threads);

/* The same in two halves, for a caller that computes the product
 * itself: a (n, out), x w^T + b on entry, becomes relu(a), and y is
 * rec_hidden_forward's; back from d_y, d_a (n, out) = the gradient of
 * the product (OVERWRITTEN), mask and a as forward had them. */
void rec_hidden_activate(float *y, float *a, const float *mask, int n, int out);
void rec_hidden_activate_backward(float *d_a, const float *d_y,
                                  const float *mask, const float *a, int n,
                                  int out);

/* ---- rating biases (the output of a rating head) ---- */

/* y[r] += mu + bu[u[r]] + bi[i[r]], added in that order; an index < 0
 * (a user or item the model does not know) adds nothing.  y (n); u, i
 * (n); mu (1); bu, bi the bias tables. */
void rec_bias_forward(float *y, const int32_t *u, const int32_t *i,
                      const float *mu, const float *bu, const float *bi,
                      int n);

/* d_mu, d_bu[u[r]], d_bi[i[r]] += d_y[r], row by row; every index >= 0
 * (training rows).  The three may lie in one gradient slab. */
void rec_bias_backward(float *d_mu, float *d_bu, float *d_bi,
                       const float *d_y, const int32_t *u, const int32_t *i,
                       int n);

/* ---- loss ---- */

/* Mean squared error: returns (1/n) sum (pred - target)^2, summed in
 * double, and, unless d_pred is NULL, OVERWRITES d_pred (n) with its
 * gradient 2 (pred - target) / n: the loss is where a backward pass
 * starts.  pred (n); target (n).  n == 0: returns 0, writes nothing. */
double rec_mse_forward(float *d_pred, const float *pred, const float *target,
                       int n);

/* BPR (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit
 * Feedback", 2009), one triple's term: for the difference of scores x =
 * s(u, i) - s(u, j) of a positive i and a negative j, returns
 * -log sigmoid(x) (in double, without overflow) and sets *d_x to its
 * derivative, -sigmoid(-x) = -1 / (1 + e^x). */
double rec_bpr_term(float x, float *d_x);

/* BPR on t triples over the scores z: triple q is the positive row
 * pos[q] and the negative row neg[q] of z.  Returns the sum over q of
 * -log sigmoid(z[pos[q]] - z[neg[q]]), in double, and ADDS scale times
 * its gradient into d_z (a row may be in several triples).  z, d_z (the
 * rows); pos, neg (t). */
double rec_bpr_forward(float *d_z, const float *z, const int32_t *pos,
                       const int32_t *neg, int t, float scale);

/* ---- vector helpers (L2 penalties) ---- */

/* y[c] += a x[c] for c < n.  x and y must not overlap. */
void rec_axpy(float *y, float a, const float *x, int n);

/* The sum of x[c]^2 for c < n, in 16 float lanes (so the compiler can
 * vectorise it, and the sum is the same at any vector width). */
float rec_sumsq(const float *x, int n);

#endif
