/*
 * layer.c - the neural layer kernels (see layer.h for the conventions).
 *
 * Row offsets are computed in size_t, so n * cols may exceed INT_MAX.
 * The linear layer is two or three rec_sgemm calls with beta = 1 in the
 * backward, which is what makes it accumulate; every other kernel is one
 * flat loop the compiler can vectorise.
 */
#include <math.h>
#include <string.h>

#include "rec/gemm.h"
#include "rec/layer.h"
#include "vector.h"

/* ---- embedding ---- */

/* Rows asked for this many rows ahead: a table larger than the cache
 * would have the copy wait on every row. */
enum { GATHER_AHEAD = 4 };

void
rec_embedding_forward(float *y, const int32_t *idx, const float *table,
                      int n, int k)
{
	for (int r = 0; r < n; r++) {
		if (r + GATHER_AHEAD < n)
			for (int c = 0; c < k; c += 64 / (int)sizeof(float))
				__builtin_prefetch(table + (size_t)idx[r + GATHER_AHEAD] * k + c);
		memcpy(y + (size_t)r * k, table + (size_t)idx[r] * k,
		       (size_t)k * sizeof *y);
	}
}

void
rec_embedding_backward(float *d_table, const float *d_y, const int32_t *idx,
                       int n, int k)
{
	for (int r = 0; r < n; r++) {
		float *d = d_table + (size_t)idx[r] * k;
		const float *s = d_y + (size_t)r * k;
		for (int j = 0; j < k; j++)
			d[j] += s[j];
	}
}

/* ---- linear ---- */

void
rec_linear_forward(float *y, const float *x, const float *w, const float *b,
                   int n, int in, int out, int threads)
{
	float beta = 0.0f;

	if (n <= 0 || out <= 0)
		return;
	if (b) {
		/* start every row at b, then let sgemm add x w^T onto it */
		for (int r = 0; r < n; r++)
			memcpy(y + (size_t)r * out, b, (size_t)out * sizeof *y);
		beta = 1.0f;
	}
	rec_sgemm(0, 1, n, out, in, 1.0f, x, in, w, in, beta, y, out, threads);
}

void
rec_linear_forward_naive(float *y, const float *x, const float *w,
                         const float *b, int n, int in, int out)
{
	for (int r = 0; r < n; r++)
		for (int o = 0; o < out; o++) {
			const float *xr = x + (size_t)r * in, *wo = w + (size_t)o * in;
			double sum = b ? b[o] : 0.0;
			for (int j = 0; j < in; j++)
				sum += (double)xr[j] * wo[j];
			y[(size_t)r * out + o] = (float)sum;
		}
}

void
rec_linear_backward(float *d_x, float *d_w, float *d_b, const float *d_y,
                    const float *x, const float *w, int n, int in, int out,
                    int threads)
{
	if (n <= 0 || out <= 0)
		return;
	if (in > 0) {
		if (d_x)        /* beta = 1: accumulate, as every backward does */
			rec_sgemm(0, 0, n, in, out, 1.0f, d_y, out, w, in,
			          1.0f, d_x, in, threads);
		if (d_w)
			rec_sgemm(1, 0, out, in, n, 1.0f, d_y, out, x, in,
			          1.0f, d_w, in, threads);
	}
	if (d_b)
		for (int r = 0; r < n; r++) {
			const float *dy = d_y + (size_t)r * out;
			for (int o = 0; o < out; o++)
				d_b[o] += dy[o];
		}
}

/* ---- activations ---- */

void
rec_relu_forward(float *y, const float *x, int n, int in)
{
	size_t len = (size_t)n * in;

	for (size_t j = 0; j < len; j++)
		y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

void
rec_relu_backward(float *restrict d_x, const float *restrict d_y,
                  const float *restrict y, int n, int in)
{
	size_t len = (size_t)n * in;

	/* a multiply by 0 or 1, not a branch: the loop vectorises (gradients
	 * never overlap what a backward reads, so restrict holds) */
	for (size_t j = 0; j < len; j++)
		d_x[j] += d_y[j] * (float)(y[j] > 0.0f);
}

void
rec_sigmoid_forward(float *y, const float *x, int n, int in)
{
	size_t len = (size_t)n * in;

	/* exp of a non-positive number only: no overflow, and y keeps its
	 * digits for large negative x; a select, not a branch on the sign */
	for (size_t j = 0; j < len; j++) {
		float e = expf(-fabsf(x[j]));
		y[j] = (x[j] >= 0.0f ? 1.0f : e) / (1.0f + e);
	}
}

void
rec_sigmoid_backward(float *d_x, const float *d_y, const float *y, int n,
                     int in)
{
	size_t len = (size_t)n * in;

	for (size_t j = 0; j < len; j++)
		d_x[j] += d_y[j] * y[j] * (1.0f - y[j]);
}

/* ---- rating biases ---- */

void
rec_bias_forward(float *y, const int32_t *u, const int32_t *i,
                 const float *mu, const float *bu, const float *bi, int n)
{
	for (int r = 0; r < n; r++) {
		y[r] += *mu;
		if (u[r] >= 0)
			y[r] += bu[u[r]];
		if (i[r] >= 0)
			y[r] += bi[i[r]];
	}
}

void
rec_bias_backward(float *d_mu, float *d_bu, float *d_bi, const float *d_y,
                  const int32_t *u, const int32_t *i, int n)
{
	for (int r = 0; r < n; r++) {
		*d_mu += d_y[r];
		d_bu[u[r]] += d_y[r];
		d_bi[i[r]] += d_y[r];
	}
}

/* ---- dropout ---- */

/* Cloned per instruction set (vector.h): each word's bits become 64 (or
 * 4) entries in a loop without a carried shift, which vectorises. */
VECTOR_CLONES void
rec_dropout_mask(float *mask, struct rec_rng *rng, float p, int n, int in)
{
	size_t len = (size_t)n * in;
	uint32_t cut;
	float value[2];

	if (!(p > 0.0f))        /* also NaN */
		cut = 0;
	else if (p >= 1.0f)
		cut = 65536;
	else
		cut = (uint32_t)lrintf(p * 65536.0f);
	/* scale by the survival rate actually drawn, so E[mask] = 1 exactly */
	value[0] = cut < 65536 ? 65536.0f / (float)(65536 - cut) : 0.0f;
	value[1] = 0.0f;
	if (cut == 32768) {
		/* p = 1/2: one random bit an entry, the same law, 16 times fewer
		 * draws */
		for (size_t j = 0; j < len; j += 64) {
			const uint64_t bits = rec_rng_next(rng);
			const size_t m = len - j < 64 ? len - j : 64;
			for (size_t b = 0; b < m; b++)
				mask[j + b] = bits >> b & 1 ? value[1] : value[0];
		}
		return;
	}
	for (size_t j = 0; j < len; j += 4) {
		const uint64_t bits = rec_rng_next(rng);
		const size_t m = len - j < 4 ? len - j : 4;
		/* dropped when the 16 bits fall below cut */
		for (size_t b = 0; b < m; b++)
			mask[j + b] = (uint32_t)(bits >> 16 * b & 0xffff) < cut ?
			              value[1] : value[0];
	}
}

void
rec_dropout_forward(float *y, const float *x, const float *mask, int n,
                    int in)
{
	size_t len = (size_t)n * in;

	for (size_t j = 0; j < len; j++)
		y[j] = x[j] * mask[j];
}

void
rec_dropout_backward(float *d, const float *mask, int n, int in)
{
	size_t len = (size_t)n * in;

	for (size_t j = 0; j < len; j++)
		d[j] *= mask[j];
}

/* ---- concat ---- */

void
rec_concat_forward(float *y, const float *a, const float *b, int n, int ia,
                   int ib)
{
	size_t w = (size_t)ia + ib;

	for (int r = 0; r < n; r++) {
		memcpy(y + r * w, a + (size_t)r * ia, (size_t)ia * sizeof *y);
		memcpy(y + r * w + ia, b + (size_t)r * ib, (size_t)ib * sizeof *y);
	}
}

void
rec_concat_backward(float *d_a, float *d_b, const float *d_y, int n, int ia,
                    int ib)
{
	size_t w = (size_t)ia + ib;

	for (int r = 0; r < n; r++) {
		const float *dy = d_y + r * w;
		if (d_a)
			for (int j = 0; j < ia; j++)
				d_a[(size_t)r * ia + j] += dy[j];
		if (d_b)
			for (int j = 0; j < ib; j++)
				d_b[(size_t)r * ib + j] += dy[ia + j];
	}
}

/* ---- element-wise product ---- */

void
rec_mul_forward(float *y, const float *a, const float *b, int n, int in)
{
	size_t len = (size_t)n * in;

	for (size_t j = 0; j < len; j++)
		y[j] = a[j] * b[j];
}

void
rec_mul_backward(float *d_a, float *d_b, const float *d_y, const float *a,
                 const float *b, int n, int in)
{
	size_t len = (size_t)n * in;

	if (d_a)
		for (size_t j = 0; j < len; j++)
			d_a[j] += d_y[j] * b[j];
	if (d_b)
		for (size_t j = 0; j < len; j++)
			d_b[j] += d_y[j] * a[j];
}

/* ---- a hidden layer ---- */

void
rec_hidden_activate(float *y, float *a, const float *mask, int n, int out)
{
	rec_relu_forward(a, a, n, out);
	if (mask)
		rec_dropout_forward(y, a, mask, n, out);
	else
		memcpy(y, a, (size_t)n * out * sizeof *y);
}

void
rec_hidden_forward(float *y, float *a, const float *mask, const float *x,
                   const float *w, const float *b, int n, int in, int out,
                   int threads)
{
	rec_linear_forward(a, x, w, b, n, in, out, threads);
	rec_hidden_activate(y, a, mask, n, out);
}

void
rec_hidden_activate_backward(float *restrict d_a, const float *restrict d_y,
                             const float *restrict mask,
                             const float *restrict a, int n, int out)
{
	size_t len = (size_t)n * out;

	/* through the mask and the ReLU: 0 + so that a -0 becomes +0, as a
	 * sum of the two backward kernels would give */
	if (mask)
		for (size_t j = 0; j < len; j++)
			d_a[j] = 0.0f + d_y[j] * mask[j] * (float)(a[j] > 0.0f);
	else
		for (size_t j = 0; j < len; j++)
			d_a[j] = 0.0f + d_y[j] * (float)(a[j] > 0.0f);
}

void
rec_hidden_backward(float *d_x, float *d_w, float *d_b, float *d_a,
                    const float *d_y, const float *mask, const float *a,
                    const float *x, const float *w, int n, int in, int out,
                    int threads)
{
	rec_hidden_activate_backward(d_a, d_y, mask, a, n, out);
	rec_linear_backward(d_x, d_w, d_b, d_a, x, w, n, in, out, threads);
}

/* ---- loss ---- */

double
rec_mse_forward(float *d_pred, const float *pred, const float *target, int n)
{
	double sum = 0.0;

	if (n <= 0)
		return 0.0;
	for (int r = 0; r < n; r++) {
		double e = (double)pred[r] - target[r];
		sum += e * e;
		if (d_pred)
			d_pred[r] = (float)(2.0 * e / n);
	}
	return sum / n;
}

double
rec_bpr_term(float x, float *d_x)
{
	*d_x = -1.0f / (1.0f + expf(x));
	return x >= 0 ? log1p(exp(-(double)x)) : -(double)x + log1p(exp((double)x));
}

double
rec_bpr_forward(float *d_z, const float *z, const int32_t *pos,
                const int32_t *neg, int t, float scale)
{
	double sum = 0.0;

	for (int q = 0; q < t; q++) {
		float dx;
		sum += rec_bpr_term(z[pos[q]] - z[neg[q]], &dx);
		d_z[pos[q]] += scale * dx;
		d_z[neg[q]] -= scale * dx;
	}
	return sum;
}

/* ---- vector helpers ---- */

void
rec_axpy(float *restrict y, float a, const float *restrict x, int n)
{
	for (int c = 0; c < n; c++)
		y[c] += a * x[c];
}

float
rec_sumsq(const float *x, int n)
{
	float acc[16] = { 0 }, sum = 0;
	int c = 0;

	for (; c + 16 <= n; c += 16)
		for (int l = 0; l < 16; l++)
			acc[l] += x[c + l] * x[c + l];
	for (; c < n; c++)
		sum += x[c] * x[c];
	for (int l = 0; l < 16; l++)
		sum += acc[l];
	return sum;
}
