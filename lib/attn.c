/*
 * attn.c - attention over per-layer representations (see attn.h).  The
 * two projections are matrix products over all n nl rows at once
 * (rec_sgemm through the linear layer); the rest is short loops.
 */
#include <math.h>

#include "rec/attn.h"
#include "rec/layer.h"
#include "rec/vector.h"

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

/* a . b over n floats, summed in 8 interleaved partial sums (then those
 * in order): the same result every run, without the latency of one long
 * chain of additions. */
static inline __attribute__((always_inline)) float
dot(const float *a, const float *b, int n)
{
	float acc[8] = { 0 }, s = 0;
	int c = 0;

	for (; c + 8 <= n; c += 8)
		for (int t = 0; t < 8; t++)
			acc[t] += a[c + t] * b[c + t];
	for (int t = 0; t < 8; t++)
		s += acc[t];
	for (; c < n; c++)
		s += a[c] * b[c];
	return s;
}

VECTOR_CLONES void
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
		for (int l = 0; l < nl; l++) {
			float *tl = t + ((size_t)j * nl + l) * h;
			for (int c = 0; c < h; c++)
				tl[c] += qj[c];
		}
	}
	for (size_t c = 0; c < (size_t)n * nl * h; c++)
		t[c] = tanh_rational(t[c]);
	for (int j = 0; j < n; j++) {
		float *a = alpha + (size_t)j * nl, *zj = z + (size_t)j * k;
		float top = -INFINITY, sum = 0;
		for (int l = 0; l < nl; l++) {
			a[l] = dot(v, t + ((size_t)j * nl + l) * h, h);
			top = a[l] > top ? a[l] : top;
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

VECTOR_CLONES void
rec_attn_backward(float *d_e, float *d_q, float *d_W, float *d_Q, float *d_b,
                  float *d_v, const float *d_z, const float *e,
                  const float *q, const float *alpha, const float *t,
                  const float *W, const float *Q, const float *v, float *d_t,
                  float *d_qq, int n, int nl, int k, int h)
{
	for (int j = 0; j < n; j++) {
		const float *gz = d_z + (size_t)j * k, *a = alpha + (size_t)j * nl;
		float *gqq = d_qq + (size_t)j * h;
		float ga[64], mean = 0;   /* nl <= 64: the model checks */
		for (int l = 0; l < nl; l++) {
			const float *el = e + ((size_t)j * nl + l) * k;
			float *gel = d_e + ((size_t)j * nl + l) * k;
			for (int c = 0; c < k; c++)
				gel[c] += a[l] * gz[c];
			ga[l] = dot(gz, el, k);
			mean += a[l] * ga[l];
		}
		for (int c = 0; c < h; c++)
			gqq[c] = 0;
		for (int l = 0; l < nl; l++) {
			/* through the softmax, then v . t_l, then tanh */
			const float gs = a[l] * (ga[l] - mean);
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
