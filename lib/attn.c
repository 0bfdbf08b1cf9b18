/*
 * attn.c - attention over per-layer representations (see attn.h).  The
 * two projections are matrix products over all n nl rows at once
 * (cblas_sgemm through the linear layer); the rest is short loops.
 */
#include <math.h>

#include "rec/attn.h"
#include "rec/layer.h"

/* tanh through one expf, about twice as fast as tanhf here; within a few
 * float ulps of it (absolute), and +-1 for large |x| (expf overflows to
 * infinity). */
static inline float
fast_tanh(float x)
{
	return 1.0f - 2.0f / (expf(2.0f * x) + 1.0f);
}

void
rec_attn_forward(float *z, float *alpha, float *t, const float *e,
                 const float *q, const float *W, const float *Q,
                 const float *b, const float *v, float *qq, int n, int nl,
                 int k, int h)
{
	/* t = W e_l + b for every (row, layer); qq = Q q for every row */
	rec_linear_forward(t, e, W, b, n * nl, k, h);
	rec_linear_forward(qq, q, Q, NULL, n, k, h);
	for (int j = 0; j < n; j++) {
		const float *qj = qq + (size_t)j * h;
		float *a = alpha + (size_t)j * nl, *zj = z + (size_t)j * k;
		float top = -INFINITY, sum = 0;
		for (int l = 0; l < nl; l++) {
			float *tl = t + ((size_t)j * nl + l) * h, s = 0;
			for (int c = 0; c < h; c++) {
				tl[c] = fast_tanh(tl[c] + qj[c]);
				s += v[c] * tl[c];
			}
			a[l] = s;
			top = s > top ? s : top;
		}
		for (int l = 0; l < nl; l++) {
			a[l] = expf(a[l] - top);
			sum += a[l];
		}
		for (int c = 0; c < k; c++)
			zj[c] = 0;
		for (int l = 0; l < nl; l++) {
			const float *el = e + ((size_t)j * nl + l) * k;
			a[l] /= sum;
			for (int c = 0; c < k; c++)
				zj[c] += a[l] * el[c];
		}
	}
}

void
rec_attn_backward(float *d_e, float *d_q, float *d_W, float *d_Q, float *d_b,
                  float *d_v, const float *d_z, const float *e,
                  const float *q, const float *alpha, const float *t,
                  const float *W, const float *Q, const float *v, float *d_t,
                  float *d_qq, int n, int nl, int k, int h)
{
	for (int j = 0; j < n; j++) {
		const float *gz = d_z + (size_t)j * k, *a = alpha + (size_t)j * nl;
		float *gqq = d_qq + (size_t)j * h;
		float ga[64], dot = 0;   /* nl <= 64: the model checks */
		for (int l = 0; l < nl; l++) {
			const float *el = e + ((size_t)j * nl + l) * k;
			float *gel = d_e + ((size_t)j * nl + l) * k, s = 0;
			for (int c = 0; c < k; c++) {
				s += gz[c] * el[c];
				gel[c] += a[l] * gz[c];
			}
			ga[l] = s;
			dot += a[l] * s;
		}
		for (int c = 0; c < h; c++)
			gqq[c] = 0;
		for (int l = 0; l < nl; l++) {
			/* through the softmax, then v . t_l, then tanh */
			const float gs = a[l] * (ga[l] - dot);
			const float *tl = t + ((size_t)j * nl + l) * h;
			float *gtl = d_t + ((size_t)j * nl + l) * h;
			for (int c = 0; c < h; c++) {
				d_v[c] += gs * tl[c];
				gtl[c] = gs * v[c] * (1 - tl[c] * tl[c]);
				gqq[c] += gtl[c];
			}
		}
	}
	rec_linear_backward(d_e, d_W, d_b, d_t, e, W, n * nl, k, h);
	rec_linear_backward(d_q, d_Q, NULL, d_qq, q, Q, n, k, h);
}
