/*
 * lstm.c - the LSTM layer (see lstm.h for the equations, the gate order
 * and the padding rule).
 *
 * Forward: one sgemm for the input part of every step, then per step one
 * sgemm for the recurrent part and one flat loop for the cell.  Backward:
 * per step (last to first) one flat loop turning dL/dh_s and dL/dc_s into
 * the pre-activation gate gradients, kept for every step in the scratch,
 * and one sgemm sending them back to h_{s-1}.  The steps of both run on
 * the threads by strips of rows (a row's recurrence needs no other row),
 * joined once a pass; then the weight and input gradients of all steps
 * are one sgemm each, beta = 1 so they accumulate.  The per-step
 * products share wh, so each pass packs it once (rec_sgemm_packed).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "rec/gemm.h"
#include "rec/lstm.h"
#include "rec/parallel.h"
#include "vector.h"

/* tanh through vector.h's exp_neg, as its sigm */
static inline __attribute__((always_inline)) float
tanh_(float x)
{
	float e = exp_neg(-2.0f * fabsf(x)), t = (1.0f - e) / (1.0f + e);

	return x >= 0.0f ? t : -t;
}

/* One row's cell: a (4h) the pre-activations in, the gates out; c, hh
 * (h) the new cell and hidden state; cp (h) the previous cell state, or
 * NULL at the first step.  Simple loops over contiguous floats, so that
 * each vectorises, in every clone (vector.h) the same bits. */
VECTOR_CLONES static void
cell_row(float *restrict a, float *restrict c, float *restrict hh,
         const float *restrict cp, int h)
{
	for (int j = 0; j < 2 * h; j++)
		a[j] = sigm(a[j]);
	for (int j = 2 * h; j < 3 * h; j++)
		a[j] = tanh_(a[j]);
	for (int j = 3 * h; j < 4 * h; j++)
		a[j] = sigm(a[j]);
	if (cp)
		for (int j = 0; j < h; j++)
			c[j] = a[j] * a[2 * h + j] + a[h + j] * cp[j];
	else
		for (int j = 0; j < h; j++)
			c[j] = a[j] * a[2 * h + j];
	for (int j = 0; j < h; j++)
		hh[j] = a[3 * h + j] * tanh_(c[j]);
}

/* One row's backward: dar (4h) the pre-activation gradients from the
 * gates g (4h), the cell state cc (h), the previous one cp (h, NULL at
 * the first step) and dL/dh dy (h) of this step; dh (h) holds dL/dh
 * through the next step and is zeroed, dc (h) dL/dc through the next
 * step and becomes dL/dc through this one.  Cloned like cell_row. */
VECTOR_CLONES static void
cell_row_back(float *restrict dar, float *restrict dh, float *restrict dc,
              const float *restrict g, const float *restrict cc,
              const float *restrict cp, const float *restrict dy, int h)
{
	for (int j = 0; j < h; j++) {
		float ig = g[j], gg = g[2 * h + j], og = g[3 * h + j];
		float tc = tanh_(cc[j]);   /* what forward used */
		float dht = dy[j] + dh[j];
		float dct = dc[j] + dht * og * (1.0f - tc * tc);

		dar[j] = dct * gg * ig * (1.0f - ig);
		dar[2 * h + j] = dct * ig * (1.0f - gg * gg);
		dar[3 * h + j] = dht * tc * og * (1.0f - og);
		dc[j] = dct;   /* for now: dL/dc_s */
		dh[j] = 0.0f;
	}
	if (cp)
		for (int j = 0; j < h; j++)
			dar[h + j] = dc[j] * cp[j] * g[h + j] * (1.0f - g[h + j]);
	else
		for (int j = 0; j < h; j++)
			dar[h + j] = 0.0f;
	for (int j = 0; j < h; j++)
		dc[j] *= g[h + j];
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
	return ((size_t)4 * t + 2) * n * h + rec_sgemm_packed_len(4 * h, h);
}

size_t
rec_lstm_wpack_len(int h)
{
	return h > 0 ? rec_sgemm_packed_len(h, 4 * h) : 0;
}

/* The rows of a batch are sequences of their own: the recurrence of
 * rows [r0, r1) needs no other row, so a thread runs all t steps of a
 * strip of rows, joined once a pass rather than at every step.  A row's
 * product gives the same bits in any strip (rec_sgemm_packed's rows are
 * independent), so the threads do not change the result. */
enum { STRIP = 8 };   /* rows a part is made of */

/* A forward pass's recurrence, as rec_lstm_forward was given it. */
struct forward_pass {
	float *hs, *cs, *gates;
	const float *mask, *wpack;
	int t, n, h;
};

/* A backward pass's, as rec_lstm_backward_trunc was given it: da, dh,
 * dc its scratch. */
struct backward_pass {
	float *da, *dh, *dc;
	const float *d_hs, *mask, *cs, *gates, *wpack;
	int t0, t, n, h;
};

static void
strip_rows(size_t beg, size_t end, int n, int *r0, int *r1)
{
	*r0 = (int)beg * STRIP;
	*r1 = (int)end * STRIP < n ? (int)end * STRIP : n;
}

/* Steps 0..t-1 of rows [beg, end) in strips (rec_part_fn). */
static void
forward_rows(void *ctx, size_t beg, size_t end, int part)
{
	const struct forward_pass *q = ctx;
	const int n = q->n, h = q->h;
	const size_t g4 = (size_t)4 * h, nh = (size_t)n * h;
	int r0, r1;

	(void)part;
	strip_rows(beg, end, n, &r0, &r1);
	for (int s = 0; s < q->t && r1 > r0; s++) {
		float *a = q->gates + (size_t)s * n * g4;
		float *hcur = q->hs + s * nh, *ccur = q->cs + s * nh;
		const float *hprev = s ? hcur - nh : NULL;
		const float *cprev = s ? ccur - nh : NULL;

		if (s > 0)
			rec_sgemm_packed(0, r1 - r0, 4 * h, h, 1.0f, hprev + (size_t)r0 * h,
			                 h, q->wpack, 1.0f, a + r0 * g4, 4 * h, 1);
		for (int r = r0; r < r1; r++) {
			float *ar = a + r * g4;
			size_t o = (size_t)r * h;

			if (!real_step(q->mask, (size_t)s * n + r)) {
				/* skipped: carry the state, cache no junk */
				memset(ar, 0, g4 * sizeof *ar);
				for (int j = 0; j < h; j++) {
					hcur[o + j] = s ? hprev[o + j] : 0.0f;
					ccur[o + j] = s ? cprev[o + j] : 0.0f;
				}
				continue;
			}
			cell_row(ar, ccur + o, hcur + o, s ? cprev + o : NULL, h);
		}
	}
}

void
rec_lstm_forward(float *hs, float *cs, float *gates, const float *x,
                 const float *mask, const float *wx, const float *wh,
                 const float *b, float *wpack, int t, int n, int in, int h,
                 int threads)
{
	size_t g4 = (size_t)4 * h;
	size_t rows = (size_t)t * n;
	struct forward_pass q = { hs, cs, gates, mask, wpack, t, n, h };

	if (t <= 0 || n <= 0 || h <= 0)
		return;
	/* the input part of every step at once: gates = b + x wx^T (without
	 * x, the caller put it there) */
	if (x) {
		if (b)
			for (size_t r = 0; r < rows; r++)
				memcpy(gates + r * g4, b, g4 * sizeof *gates);
		else
			memset(gates, 0, rows * g4 * sizeof *gates);
		rec_sgemm(0, 1, t * n, 4 * h, in, 1.0f, x, in, wx, in, 1.0f, gates,
		          4 * h, threads);
	}
	rec_sgemm_pack(wpack, 1, h, 4 * h, wh, h);
	rec_parallel_for(((size_t)n + STRIP - 1) / STRIP, threads, forward_rows, &q);
}

/* Steps t-1..t0 of rows [beg, end) in strips, back to the gradients
 * of the pre-activations and, through wh, of the previous states
 * (rec_part_fn).  dh and dc start at zero. */
static void
backward_rows(void *ctx, size_t beg, size_t end, int part)
{
	const struct backward_pass *q = ctx;
	const int n = q->n, h = q->h, t0 = q->t0;
	const size_t g4 = (size_t)4 * h, nh = (size_t)n * h;
	int r0, r1;

	(void)part;
	strip_rows(beg, end, n, &r0, &r1);
	for (int s = q->t - 1; s >= t0 && r1 > r0; s--) {
		float *das = q->da + (size_t)s * n * g4;
		const float *gs = q->gates + (size_t)s * n * g4;
		const float *dys = q->d_hs + s * nh, *ccur = q->cs + s * nh;
		const float *cprev = s ? ccur - nh : NULL;

		for (int r = r0; r < r1; r++) {
			float *dar = das + r * g4;
			const float *gr = gs + r * g4;
			size_t o = (size_t)r * h;

			if (!real_step(q->mask, (size_t)s * n + r)) {
				/* h_s = h_{s-1}, c_s = c_{s-1}: both pass through */
				memset(dar, 0, g4 * sizeof *dar);
				for (int j = 0; j < h; j++)
					q->dh[o + j] += dys[o + j];
				continue;
			}
			/* dh is then 0: the product below fills it */
			cell_row_back(dar, q->dh + o, q->dc + o, gr, ccur + o,
			              s ? cprev + o : NULL, dys + o, h);
		}
		/* dL/dh_{s-1} += da_s wh; h_{-1}, and with t0 every state
		 * before step t0, is a constant */
		if (s > t0)
			rec_sgemm_packed(0, r1 - r0, h, 4 * h, 1.0f, das + r0 * g4, 4 * h,
			                 q->wpack, 1.0f, q->dh + (size_t)r0 * h, h, 1);
	}
}

void
rec_lstm_backward(float *d_x, float *d_wx, float *d_wh, float *d_b,
                  const float *d_hs, const float *x, const float *mask,
                  const float *hs, const float *cs, const float *gates,
                  const float *wx, const float *wh, float *scratch,
                  int t, int n, int in, int h, int threads)
{
	rec_lstm_backward_trunc(d_x, d_wx, d_wh, d_b, d_hs, x, mask, hs, cs,
	                        gates, wx, wh, scratch, 0, t, n, in, h, threads);
}

void
rec_lstm_backward_trunc(float *d_x, float *d_wx, float *d_wh, float *d_b,
                        const float *d_hs, const float *x, const float *mask,
                        const float *hs, const float *cs, const float *gates,
                        const float *wx, const float *wh, float *scratch,
                        int t0, int t, int n, int in, int h, int threads)
{
	size_t g4 = (size_t)4 * h, nh = (size_t)n * h;
	size_t rows = (size_t)t * n;
	float *da = scratch;            /* (t, n, 4h) dL/d pre-activations */
	float *dh = da + rows * g4;     /* (n, h) dL/dh_s through step s + 1 */
	float *dc = dh + nh;            /* (n, h) dL/dc_s through step s + 1 */
	float *wp = dc + nh;            /* wh, packed for the steps' products */
	struct backward_pass q = { da, dh, dc, d_hs, mask, cs, gates, wp,
	                           0, t, n, h };
	int s1;

	if (t <= 0 || n <= 0 || h <= 0)
		return;
	t0 = t0 < 0 ? 0 : t0 >= t ? t - 1 : t0;
	q.t0 = t0;
	memset(da, 0, (size_t)t0 * n * g4 * sizeof *da);
	memset(dh, 0, 2 * nh * sizeof *dh);
	rec_sgemm_pack(wp, 0, 4 * h, h, wh, h);
	rec_parallel_for(((size_t)n + STRIP - 1) / STRIP, threads, backward_rows, &q);

	/* every step at once; step 0 has no recurrent input, so d_wh pairs
	 * da of steps s1..t-1 with hs of steps s1-1..t-2, both contiguous */
	s1 = t0 > 1 ? t0 : 1;
	if (d_wh && t > s1)
		rec_sgemm(1, 0, 4 * h, h, (t - s1) * n, 1.0f,
		          da + (size_t)s1 * nh * 4, 4 * h,
		          hs + (size_t)(s1 - 1) * nh, h, 1.0f, d_wh, h, threads);
	if (in > 0) {
		if (d_x)
			rec_sgemm(0, 0, t * n, in, 4 * h, 1.0f, da, 4 * h, wx,
			          in, 1.0f, d_x, in, threads);
		if (d_wx)
			rec_sgemm(1, 0, 4 * h, in, t * n, 1.0f, da, 4 * h, x,
			          in, 1.0f, d_wx, in, threads);
	}
	if (d_b)
		for (size_t r = (size_t)t0 * n; r < rows; r++) {
			const float *dar = da + r * g4;
			for (size_t j = 0; j < g4; j++)
				d_b[j] += dar[j];
		}
}
