/*
 * attn.h - attention over a node's per-layer representations
 * (AttnGraphRec, DESIGN.md section 5), in the style of layer.h: free
 * functions on raw arrays, forward overwrites, backward adds, nothing
 * allocates (scratch arrays are passed in).
 *
 * For each of n pairs j, one side's node x = ie[j] with nl
 * representations e_{x,0} .. e_{x,nl-1} of k dimensions, and a query
 * q_y, y = iq[j], of k dimensions (made from the pair's other side):
 *
 *   t_jl    = tanh(W e_{x,l} + b + Q q_y)    (h)
 *   s_jl    = v . t_jl
 *   alpha_j = softmax(s_j0 .. s_j,nl-1)
 *   z_j     = sum_l alpha_jl e_{x,l}         (k)
 *
 * The nodes' rows are given once however many pairs share them (a batch
 * of 1024 ratings has about 400 distinct users), and the projections
 * W e and Q q are made once a row, not once a pair.
 *
 * Shapes: e (ne, nl, k) row-major, so node x's layer l is e[(x nl + l) k];
 * q (nq, k); ie, iq (n) rows of e and of q; W (h, k); Q (h, k); b (h);
 * v (h); t (n, nl, h); alpha (n, nl); z (n, k).  nl <= 64.  threads:
 * those the projections may run on (rec_sgemm); no result depends on it.
 */
#ifndef REC_ATTN_H
#define REC_ATTN_H

#include <stdint.h>

/* z, alpha and t (kept for the backward).  pe (ne, nl, h) and pq (nq, h)
 * are scratch. */
void rec_attn_forward(float *z, float *alpha, float *t, const float *e,
                      const float *q, const int32_t *ie, const int32_t *iq,
                      const float *W, const float *Q, const float *b,
                      const float *v, float *pe, float *pq, int n, int ne,
                      int nq, int nl, int k, int h, int threads);

/* The same in two steps, for a caller that keeps one side's projections
 * across calls: rec_attn_forward makes pe = W e_l + b (rec_linear_forward
 * over the ne nl rows of e) and pq = Q q (over the nq rows of q), then
 * calls this, which makes z, alpha and t from them. */
void rec_attn_attend(float *z, float *alpha, float *t, const float *e,
                     const float *pe, const float *pq, const int32_t *ie,
                     const int32_t *iq, const float *v, int n, int nl, int k,
                     int h);

/* Gradients from d_z (n, k): d_e (ne, nl, k), d_q (nq, k), d_W, d_Q,
 * d_b, d_v, all added to.  e, q, ie, iq, W, Q, v as in forward; alpha and
 * t from forward.  d_pe (ne, nl, h) and d_pq (nq, h) are scratch. */
void rec_attn_backward(float *d_e, float *d_q, float *d_W, float *d_Q,
                       float *d_b, float *d_v, const float *d_z,
                       const float *e, const float *q, const int32_t *ie,
                       const int32_t *iq, const float *alpha, const float *t,
                       const float *W, const float *Q, const float *v,
                       float *d_pe, float *d_pq, int n, int ne, int nq,
                       int nl, int k, int h, int threads);

#endif
