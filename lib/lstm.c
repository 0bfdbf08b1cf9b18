/*
 * lstm.c - the LSTM layer (see lstm.h for the equations, the gate order
 * and the padding rule).
 *
 * Forward: one sgemm for the input part of every step, then per step one
 * sgemm for the recurrent part and one flat loop for the cell.  Backward:
 * per step (last to first) one flat loop turning dL/dh_s and dL/dc_s into
 * the pre-activation gate gradients, kept for every step in the scratch,
 * and one sgemm sending them back to h_{s-1}; then the weight and input
 * gradients of all steps are one sgemm each, beta = 1 so they accumulate.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "rec/lstm.h"

/* exp of a non-positive number only: no overflow for any finite x (as
 * rec_sigmoid_forward); tanhf is already safe at both ends */
static inline float
sigm(float x)
{
	float e = expf(-fabsf(x));

	return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

static inline int
real_step(const float *mask, size_t at)
{
	return !mask || mask[at] != 0.0f;
}

size_t
rec_lstm_scratch_len(int t, int n, int h)
{
	if (t <= 0 || n <= 0 || h <= 0)
		return 0;
	return ((size_t)4 * t + 2) * n * h;
}

void
rec_lstm_forward(float *hs, float *cs, float *gates, const float *x,
                 const float *mask, const float *wx, const float *wh,
                 const float *b, int t, int n, int in, int h)
{
	size_t g4 = (size_t)4 * h, nh = (size_t)n * h;
	size_t rows = (size_t)t * n;

	if (t <= 0 || n <= 0 || h <= 0)
		return;
	/* the input part of every step at once: gates = b + x wx^T */
	if (b)
		for (size_t r = 0; r < rows; r++)
			memcpy(gates + r * g4, b, g4 * sizeof *gates);
	else
		memset(gates, 0, rows * g4 * sizeof *gates);
	if (in > 0)     /* sgemm rejects k = 0 */
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t * n, 4 * h,
		            in, 1.0f, x, in, wx, in, 1.0f, gates, 4 * h);

	for (int s = 0; s < t; s++) {
		float *a = gates + (size_t)s * n * g4;
		float *hcur = hs + s * nh, *ccur = cs + s * nh;
		const float *hprev = s ? hcur - nh : NULL;
		const float *cprev = s ? ccur - nh : NULL;

		if (s > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, 4 * h,
			            h, 1.0f, hprev, h, wh, h, 1.0f, a, 4 * h);
		for (int r = 0; r < n; r++) {
			float *ar = a + r * g4;
			size_t o = (size_t)r * h;

			if (!real_step(mask, (size_t)s * n + r)) {
				/* skipped: carry the state, cache no junk */
				memset(ar, 0, g4 * sizeof *ar);
				for (int j = 0; j < h; j++) {
					hcur[o + j] = s ? hprev[o + j] : 0.0f;
					ccur[o + j] = s ? cprev[o + j] : 0.0f;
				}
				continue;
			}
			for (int j = 0; j < h; j++) {
				float ig = sigm(ar[j]), fg = sigm(ar[h + j]);
				float gg = tanhf(ar[2 * h + j]), og = sigm(ar[3 * h + j]);
				float c = ig * gg + (s ? fg * cprev[o + j] : 0.0f);

				ar[j] = ig, ar[h + j] = fg, ar[2 * h + j] = gg;
				ar[3 * h + j] = og;
				ccur[o + j] = c;
				hcur[o + j] = og * tanhf(c);
			}
		}
	}
}

void
rec_lstm_backward(float *d_x, float *d_wx, float *d_wh, float *d_b,
                  const float *d_hs, const float *x, const float *mask,
                  const float *hs, const float *cs, const float *gates,
                  const float *wx, const float *wh, float *scratch,
                  int t, int n, int in, int h)
{
	size_t g4 = (size_t)4 * h, nh = (size_t)n * h;
	size_t rows = (size_t)t * n;
	float *da = scratch;            /* (t, n, 4h) dL/d pre-activations */
	float *dh = da + rows * g4;     /* (n, h) dL/dh_s through step s + 1 */
	float *dc = dh + nh;            /* (n, h) dL/dc_s through step s + 1 */

	if (t <= 0 || n <= 0 || h <= 0)
		return;
	memset(dh, 0, 2 * nh * sizeof *dh);
	for (int s = t - 1; s >= 0; s--) {
		float *das = da + (size_t)s * n * g4;
		const float *gs = gates + (size_t)s * n * g4;
		const float *dys = d_hs + s * nh, *ccur = cs + s * nh;
		const float *cprev = s ? ccur - nh : NULL;

		for (int r = 0; r < n; r++) {
			float *dar = das + r * g4;
			const float *gr = gs + r * g4;
			size_t o = (size_t)r * h;

			if (!real_step(mask, (size_t)s * n + r)) {
				/* h_s = h_{s-1}, c_s = c_{s-1}: both pass through */
				memset(dar, 0, g4 * sizeof *dar);
				for (int j = 0; j < h; j++)
					dh[o + j] += dys[o + j];
				continue;
			}
			for (int j = 0; j < h; j++) {
				float ig = gr[j], fg = gr[h + j], gg = gr[2 * h + j];
				float og = gr[3 * h + j];
				float tc = tanhf(ccur[o + j]);   /* what forward used */
				float dht = dys[o + j] + dh[o + j];
				float dct = dc[o + j] + dht * og * (1.0f - tc * tc);
				float cp = s ? cprev[o + j] : 0.0f;

				dar[j] = dct * gg * ig * (1.0f - ig);
				dar[h + j] = dct * cp * fg * (1.0f - fg);
				dar[2 * h + j] = dct * ig * (1.0f - gg * gg);
				dar[3 * h + j] = dht * tc * og * (1.0f - og);
				dc[o + j] = dct * fg;
				dh[o + j] = 0.0f;       /* the sgemm below fills it */
			}
		}
		/* dL/dh_{s-1} += da_s wh; h_{-1} is a constant */
		if (s > 0)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, h,
			            4 * h, 1.0f, das, 4 * h, wh, h, 1.0f, dh, h);
	}

	/* every step at once; step 0 has no recurrent input, so d_wh pairs
	 * da of steps 1..t-1 with hs of steps 0..t-2, both contiguous */
	if (d_wh && t > 1)
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 4 * h, h,
		            (t - 1) * n, 1.0f, da + nh * 4, 4 * h, hs, h, 1.0f, d_wh,
		            h);
	if (in > 0) {
		if (d_x)
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t * n, in,
			            4 * h, 1.0f, da, 4 * h, wx, in, 1.0f, d_x, in);
		if (d_wx)
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 4 * h, in,
			            t * n, 1.0f, da, 4 * h, x, in, 1.0f, d_wx, in);
	}
	if (d_b)
		for (size_t r = 0; r < rows; r++) {
			const float *dar = da + r * g4;
			for (size_t j = 0; j < g4; j++)
				d_b[j] += dar[j];
		}
}
