/*
 * attn.h - attention over a node's per-layer representations
 * (AttnGraphRec, DESIGN.md section 5), in the style of layer.h: free
 * functions on raw arrays, forward overwrites, backward adds, nothing
 * allocates (scratch arrays are passed in).
 *
 * For each of n rows (one side of a user-item pair) with nl
 * representations e_0 .. e_{nl-1} of k dimensions and a query q of k
 * dimensions (the other side of the pair):
 *
 *   t_l     = tanh(W e_l + Q q + b)        (h)
 *   s_l     = v . t_l
 *   alpha   = softmax(s_0 .. s_{nl-1})
 *   z       = sum_l alpha_l e_l            (k)
 *
 * Shapes: e (n, nl, k) row-major, so row j's layer l is e[(j nl + l) k];
 * q (n, k); W (h, k); Q (h, k); b (h); v (h); t (n, nl, h);
 * alpha (n, nl); z (n, k).  nl <= 64.
 */
#ifndef REC_ATTN_H
#define REC_ATTN_H

/* z, alpha and t (kept for the backward) from e and q.  qq (n, h) is
 * scratch.  z must not overlap e. */
void rec_attn_forward(float *z, float *alpha, float *t, const float *e,
                      const float *q, const float *W, const float *Q,
                      const float *b, const float *v, float *qq, int n,
                      int nl, int k, int h);

/* Gradients from d_z (n, k): d_e (n, nl, k), d_q (n, k), d_W, d_Q, d_b,
 * d_v, all added to.  e, q, W, Q, v as in forward; alpha and t from
 * forward.  d_t (n, nl, h) and d_qq (n, h) are scratch. */
void rec_attn_backward(float *d_e, float *d_q, float *d_W, float *d_Q,
                       float *d_b, float *d_v, const float *d_z,
                       const float *e, const float *q, const float *alpha,
                       const float *t, const float *W, const float *Q,
                       const float *v, float *d_t, float *d_qq, int n,
                       int nl, int k, int h);

#endif
