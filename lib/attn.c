/*
 * attn.c - attention over per-layer representations (see attn.h).  The
 * two projections are matrix products over all the nodes' rows at once
 * (rec_sgemm through the linear layer); the rest is short loops over the
 * pairs.
 */
#include <math.h>
#include <string.h>

#include "rec/attn.h"
#include "rec/layer.h"
#include "vector.h"

/* tanh as a rational function (the approximation Eigen uses for float:
 * odd degree 13 over even degree 6, the input clamped to +-7.9, where
 * tanh is 1 to float precision; at most 4e-7 from tanh).  No call and no
 * branch, so the loop over an array of them is vectorised: several times
 * faster than tanhf here. */
static inline __attribute__((always_inline)) float
tanh_rational(float x)
{
	const float lim = 7.90531110763549805f;
	const float a1 = 4.89352455891786e-03f, a3 = 6.37261928875436e-04f;
	const float a5 = 1.48572235717979e-05f, a7 = 5.12229709037114e-08f;
	const float a9 = -8.60467152213735e-11f, a11 = 2.00018790482477e-13f;
	const float a13 = -2.76076847742355e-16f;
	const float b0 = 4.89352518554385e-03f, b2 = 2.26843463243900e-03f;
	const float b4 = 1.18534705686654e-04f, b6 = 1.19825839466702e-06f;
	float x2, p, q;

	x = x > lim ? lim : x < -lim ? -lim : x;
	x2 = x * x;
	p = a13 * x2 + a11;
	p = p * x2 + a9;
	p = p * x2 + a7;
	p = p * x2 + a5;
	p = p * x2 + a3;
	p = p * x2 + a1;
	p = p * x;
	q = b6 * x2 + b4;
	q = q * x2 + b2;
	q = q * x2 + b0;
	return p / q;
}

void
rec_attn_forward(float *z, float *alpha, float *t, const float *e,
                 const float *q, const int32_t *ie, const int32_t *iq,
                 const float *W, const float *Q, const float *b,
                 const float *v, float *pe, float *pq, int n, int ne, int nq,
                 int nl, int k, int h, int threads)
{
	/* pe = W e_l + b for every (node, layer); pq = Q q for every query */
	rec_linear_forward(pe, e, W, b, ne * nl, k, h, threads);
	rec_linear_forward(pq, q, Q, NULL, nq, k, h, threads);
	rec_attn_attend(z, alpha, t, e, pe, pq, ie, iq, v, n, nl, k, h);
}

VECTOR_CLONES void
rec_attn_attend(float *z, float *alpha, float *t, const float *e,
                const float *pe, const float *pq, const int32_t *ie,
                const int32_t *iq, const float *v, int n, int nl, int k, int h)
{
	for (int j = 0; j < n; j++) {
		const float *px = pe + (size_t)ie[j] * nl * h, *py = pq + (size_t)iq[j] * h;
		float *tj = t + (size_t)j * nl * h;
		for (int l = 0; l < nl; l++)
			for (int c = 0; c < h; c++)
				tj[l * h + c] = tanh_rational(px[l * h + c] + py[c]);
	}
	for (int j = 0; j < n; j++) {
		const float *ex = e + (size_t)ie[j] * nl * k;
		float *a = alpha + (size_t)j * nl, *zj = z + (size_t)j * k;
		float top = -INFINITY, sum = 0;
		for (int l = 0; l < nl; l++) {
			a[l] = vec_dot(v, t + ((size_t)j * nl + l) * h, h);
			top = a[l] > top ? a[l] : top;
		}
		for (int l = 0; l < nl; l++) {
			a[l] = expf(a[l] - top);
			sum += a[l];
		}
		for (int c = 0; c < k; c++)
			zj[c] = 0;
		for (int l = 0; l < nl; l++) {
			a[l] /= sum;
			for (int c = 0; c < k; c++)
				zj[c] += a[l] * ex[l * k + c];
		}
	}
}

VECTOR_CLONES void
rec_attn_backward(float *d_e, float *d_q, float *d_W, float *d_Q, float *d_b,
                  float *d_v, const float *d_z, const float *e,
                  const float *q, const int32_t *ie, const int32_t *iq,
                  const float *alpha, const float *t, const float *W,
                  const float *Q, const float *v, float *d_pe, float *d_pq,
                  int n, int ne, int nq, int nl, int k, int h, int threads)
{
	memset(d_pe, 0, (size_t)ne * nl * h * sizeof *d_pe);
	memset(d_pq, 0, (size_t)nq * h * sizeof *d_pq);
	for (int j = 0; j < n; j++) {
		const float *gz = d_z + (size_t)j * k, *a = alpha + (size_t)j * nl;
		const float *ex = e + (size_t)ie[j] * nl * k;
		float *gex = d_e + (size_t)ie[j] * nl * k;
		float *gpx = d_pe + (size_t)ie[j] * nl * h, *gpy = d_pq + (size_t)iq[j] * h;
		float ga[64], mean = 0;   /* nl <= 64: the model checks */
		for (int l = 0; l < nl; l++) {
			for (int c = 0; c < k; c++)
				gex[l * k + c] += a[l] * gz[c];
			ga[l] = vec_dot(gz, ex + l * k, k);
			mean += a[l] * ga[l];
		}
		for (int l = 0; l < nl; l++) {
			/* through the softmax, then v . t_l, then tanh */
			const float gs = a[l] * (ga[l] - mean);
			const float *tl = t + ((size_t)j * nl + l) * h;
			for (int c = 0; c < h; c++) {
				const float gt = gs * v[c] * (1 - tl[c] * tl[c]);
				d_v[c] += gs * tl[c];
				gpx[l * h + c] += gt;
				gpy[c] += gt;
			}
		}
	}
	rec_linear_backward(d_e, d_W, d_b, d_pe, e, W, ne * nl, k, h, threads);
	rec_linear_backward(d_q, d_Q, NULL, d_pq, q, Q, nq, k, h, threads);
}
