/* t_lstm.c - the LSTM layer (lstm.h).
 *
 * Gradients (STYLE.md A.8.8): L = sum hs . g with a fixed random g (over
 * every step, or the last step only), summed in double; every coordinate
 * of x, wx, wh and b probed by central differences at tiny odd distinct
 * shapes whose batches mix left padding, an all-padding sequence and a
 * hole with full sequences; relative error <= 1e-2; every backward run
 * twice must double its gradients; planted errors are caught.
 *
 * Which forward the coordinate probes differentiate.  Differences of the
 * float32 kernel resolve a coordinate only to about 1e-7 sum |hs g| / eps,
 * and through the recurrence some coordinates always cancel to ~1e-5:
 * over 200 seeds, 5-30% of runs failed even at (4, 3, 5, 2) for every eps
 * from 1e-2 to 3e-2 (relative errors up to 0.7).  So the probes
 * differentiate lstm_ref, the same equations in double throughout (eps
 * 1e-3 and 1e-4; the float backward against it: worst relative error
 * 3e-3 over 100 seeds of every shape and loss here); the float forward
 * is held to lstm_ref to 1e-5 (measured 1e-7) up to the model's size;
 * and the float kernel itself is differentiated along random directions,
 * whose derivative is of the size of the whole gradient, up to the
 * model's size.
 *
 * Then: the layer reads the order of the steps; padding a sequence
 * changes neither its states nor any gradient; a hole carries the state;
 * the input part may come from the caller, and backward leaves dL/da in
 * its scratch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "rec/layer.h"
#include "rec/lstm.h"
#include "rec/rng.h"

#define CAP 4096        /* floats in each tensor of a gradient check */

/* rec_lstm_forward's scratch, for every test (h <= 128) */
static float wpack[128 * 4 * 128];

/* The packed wh at the end of the backward's scratch, for h <= 32. */
#define WH_PACK(h) (4 * (h) * 32)

static void
fill(float *a, size_t len, float lo, float hi, struct rec_rng *r)
{
	for (size_t j = 0; j < len; j++)
		a[j] = lo + (hi - lo) * rec_rng_uniform(r);
}

/* mask (t, n): sequence r starts with pad[r] padding steps */
static void
left_pad(float *mask, const int *pad, int t, int n)
{
	for (int s = 0; s < t; s++)
		for (int r = 0; r < n; r++)
			mask[s * n + r] = s >= pad[r];
}

static float
maxdiff(const float *a, const float *b, size_t len)
{
	float m = 0;

	for (size_t j = 0; j < len; j++)
		m = fmaxf(m, fabsf(a[j] - b[j]));
	return m;
}

/* ---- the reference ---- */

static double
sigmoid_d(double a)
{
	return a >= 0 ? 1 / (1 + exp(-a)) : exp(a) / (1 + exp(a));
}

/* lstm.h's equations one unit at a time, in double throughout, no BLAS.
 * hs, cs (t, n, h); the rest as rec_lstm_forward takes them. */
static void
lstm_ref(double *hs, double *cs, const float *x, const float *mask,
         const float *wx, const float *wh, const float *b, int t, int n,
         int in, int h)
{
	for (int s = 0; s < t; s++)
		for (int r = 0; r < n; r++) {
			size_t at = ((size_t)s * n + r) * h;
			const double *hp = s ? hs + at - (size_t)n * h : NULL;
			const double *cp = s ? cs + at - (size_t)n * h : NULL;
			const float *xr = x + ((size_t)s * n + r) * in;

			if (mask && mask[s * n + r] == 0) {
				for (int j = 0; j < h; j++) {
					hs[at + j] = hp ? hp[j] : 0;
					cs[at + j] = cp ? cp[j] : 0;
				}
				continue;
			}
			for (int j = 0; j < h; j++) {
				double a[4];
				for (int q = 0; q < 4; q++) {
					size_t row = (size_t)q * h + j;
					a[q] = b ? b[row] : 0;
					for (int k = 0; k < in; k++)
						a[q] += (double)xr[k] * wx[row * in + k];
					for (int k = 0; hp && k < h; k++)
						a[q] += hp[k] * wh[row * h + k];
				}
				cs[at + j] = sigmoid_d(a[0]) * tanh(a[2]) +
				             (cp ? sigmoid_d(a[1]) * cp[j] : 0);
				hs[at + j] = sigmoid_d(a[3]) * tanh(cs[at + j]);
			}
		}
}

/* ---- the checker ---- */

struct lc {
	int t, n, in, h;
	float x[CAP], mask[CAP], wx[CAP], wh[CAP], b[CAP];
	float hs[CAP], cs[CAP], gates[CAP], g[CAP];   /* g: the fixed dL/dhs */
	float d_x[CAP], d_wx[CAP], d_wh[CAP], d_b[CAP];
	float scratch[CAP], zero[CAP];
	int nomask, nobias;     /* pass NULL for mask, for b */
	float *plant_d;         /* the gradient a planted error spoils ... */
	size_t plant;           /* ... and its coordinate */
	void (*backward)(struct lc *);  /* adds into d_x, d_wx, d_wh, d_b */
};

struct var {
	const char *name;
	float *v, *d;
	size_t len;
};

static void
lstm_fwd(struct lc *c)
{
	rec_lstm_forward(c->hs, c->cs, c->gates, c->x,
	                 c->nomask ? NULL : c->mask, c->wx, c->wh,
	                 c->nobias ? NULL : c->b, wpack, c->t, c->n, c->in,
	                 c->h, 1);
}

static void
lstm_bwd(struct lc *c)
{
	rec_lstm_backward(c->d_x, c->d_wx, c->d_wh, c->nobias ? NULL : c->d_b,
	                  c->g, c->x, c->nomask ? NULL : c->mask, c->hs, c->cs,
	                  c->gates, c->wx, c->wh, c->scratch, c->t, c->n, c->in,
	                  c->h, 1);
}

/* L = sum hs . g, hs from lstm_ref (see the top of the file) */
static double
lc_loss(struct lc *c)
{
	static double hs[CAP], cs[CAP];
	size_t len = (size_t)c->t * c->n * c->h;
	double sum = 0;

	lstm_ref(hs, cs, c->x, c->nomask ? NULL : c->mask, c->wx, c->wh,
	         c->nobias ? NULL : c->b, c->t, c->n, c->in, c->h);
	for (size_t j = 0; j < len; j++)
		sum += hs[j] * c->g[j];
	return sum;
}

struct verdict {
	int var;                /* the first var whose gradient is off, or -1 */
	struct grad_cmp c;      /* ... and how */
	double rel;             /* the largest relerr over all vars */
	int not_doubled;        /* a second backward did not double it */
};

/* Central differences of step eps on every coordinate of vars[0..nv),
 * and the doubling check.  Prints nothing. */
static struct verdict
gradcheck(struct lc *c, const struct var *vars, int nv, float eps)
{
	static float once[4][CAP];
	static double num[CAP];
	struct verdict v = { -1, { 0, 0, 0, 0, 0 }, 0, 0 };

	for (int k = 0; k < nv; k++)
		memset(vars[k].d, 0, vars[k].len * sizeof(float));
	lstm_fwd(c);            /* the caches backward reads */
	c->backward(c);
	for (int k = 0; k < nv; k++)
		memcpy(once[k], vars[k].d, vars[k].len * sizeof(float));

	for (int k = 0; k < nv; k++) {
		float *p = vars[k].v;
		for (size_t j = 0; j < vars[k].len; j++) {
			float save = p[j], hi, lo;
			double lp, lm;
			p[j] = hi = save + eps;
			lp = lc_loss(c);
			p[j] = lo = save - eps;
			lm = lc_loss(c);
			p[j] = save;
			num[j] = (lp - lm) / ((double)hi - lo);
		}
		struct grad_cmp r = grad_compare(once[k], num, vars[k].len);
		v.rel = fmax(v.rel, r.rel);
		if (r.bad && v.var < 0)
			v.var = k, v.c = r;
	}

	lstm_fwd(c);            /* the unperturbed caches again */
	c->backward(c);
	for (int k = 0; k < nv; k++)
		for (size_t j = 0; j < vars[k].len; j++) {
			double want = 2.0 * once[k][j];
			if (fabs(vars[k].d[j] - want) > 1e-5 * fabs(want) + 1e-7)
				v.not_doubled = 1;
		}
	return v;
}

static int
grad_ok(const char *what, struct lc *c, const struct var *vars, int nv,
        float eps)
{
	struct verdict v = gradcheck(c, vars, nv, eps);

	if (v.var >= 0)
		fprintf(stderr, "%s: d_%s: %zu of %zu coordinates off; worst [%zu] "
		        "analytic %.6g numeric %.6g (relative error %.3g)\n", what,
		        vars[v.var].name, v.c.bad, vars[v.var].len, v.c.worst, v.c.an,
		        v.c.num, v.c.rel);
	if (v.not_doubled)
		fprintf(stderr, "%s: a second backward did not double the gradients\n",
		        what);
	return v.var < 0 && !v.not_doubled;
}

/* Shape A (t, n, in, h) = (4, 3, 5, 2): sequences padded by 0, 1, 3.
 * Shape B (5, 7, 3, 9): padded by 0, 2, 4, 1, 5 (all padding), 3, 0, and
 * sequence 6 has a hole at step 2.
 * Shape C (5, 3, 7, 1): padded by 0, 2, 4; sequence 0 has a hole at step 2.
 * Junk at padding steps. */
static void
lc_setup(struct lc *c, struct var *vars, int shape, uint64_t seed)
{
	static const int dims[3][4] = { { 4, 3, 5, 2 }, { 5, 7, 3, 9 },
	                                { 5, 3, 7, 1 } };
	static const int pads[3][7] = { { 0, 1, 3 }, { 0, 2, 4, 1, 5, 3, 0 },
	                                { 0, 2, 4 } };
	struct rec_rng r;

	rec_rng_seed(&r, seed);
	memset(c, 0, sizeof *c);
	c->t = dims[shape][0], c->n = dims[shape][1];
	c->in = dims[shape][2], c->h = dims[shape][3];
	int t = c->t, n = c->n, in = c->in, h = c->h;
	size_t nx = (size_t)t * n * in, ny = (size_t)t * n * h;
	float scale = 1.5f / sqrtf((float)(in + h));

	left_pad(c->mask, pads[shape], t, n);
	if (shape == 1)
		c->mask[2 * n + 6] = 0;
	if (shape == 2)
		c->mask[2 * n + 0] = 0;
	fill(c->x, nx, -1, 1, &r);
	for (size_t j = 0; j < (size_t)t * n; j++)
		if (c->mask[j] == 0)
			fill(c->x + j * in, (size_t)in, -30, 30, &r);
	fill(c->wx, (size_t)4 * h * in, -scale, scale, &r);
	fill(c->wh, (size_t)4 * h * h, -scale, scale, &r);
	fill(c->b, (size_t)4 * h, -0.5f, 0.5f, &r);
	fill(c->g, ny, -1, 1, &r);
	/* backward must not read the scratch before writing it */
	for (size_t j = 0; j < CAP; j++)
		c->scratch[j] = NAN;
	c->backward = lstm_bwd;
	vars[0] = (struct var){ "x", c->x, c->d_x, nx };
	vars[1] = (struct var){ "wx", c->wx, c->d_wx, (size_t)4 * h * in };
	vars[2] = (struct var){ "wh", c->wh, c->d_wh, (size_t)4 * h * h };
	vars[3] = (struct var){ "b", c->b, c->d_b, (size_t)4 * h };
}

/* Ordinary inputs where the padding's junk was, for a run without mask. */
static void
fill_real(struct lc *c, uint64_t seed)
{
	struct rec_rng r;

	rec_rng_seed(&r, seed);
	fill(c->x, (size_t)c->t * c->n * c->in, -1, 1, &r);
}

/* g only at the last step: the loss of a model that reads h_T alone */
static void
last_step_only(struct lc *c)
{
	memset(c->g, 0, (size_t)(c->t - 1) * c->n * c->h * sizeof(float));
}

static const char *const shape_name[] = { "lstm A", "lstm B", "lstm C" };

/* ---- gradients ---- */

TEST(lstm_sizes_fit)
{
	/* the packed wh: 4h rows of h columns padded to 32 */
	CHECK(rec_lstm_scratch_len(4, 3, 2) == 18 * 3 * 2 + 8 * 32);
	CHECK(rec_lstm_scratch_len(5, 7, 9) == 22 * 7 * 9 + 36 * 32);
	CHECK(rec_lstm_scratch_len(5, 7, 9) <= CAP);
	CHECK(5 * 7 * 36 <= CAP && 36 * 9 <= CAP);
	CHECK(rec_lstm_scratch_len(0, 7, 9) == 0);
	CHECK(rec_lstm_scratch_len(50, 64, 128) ==
	      (size_t)202 * 64 * 128 + 512 * 128);
	/* wh^T: h rows of 4h columns padded to 32 */
	CHECK(rec_lstm_wpack_len(9) == 9 * 64 && rec_lstm_wpack_len(9) <= CAP);
	CHECK(rec_lstm_wpack_len(128) == 128 * 512);
	CHECK(rec_lstm_wpack_len(128) <= sizeof wpack / sizeof wpack[0]);
	CHECK(rec_lstm_wpack_len(0) == 0);
}

TEST(lstm_grad)
{
	static struct lc c;
	struct var vars[4];

	for (int shape = 0; shape < 3; shape++)
		for (int last = 0; last < 2; last++) {
			lc_setup(&c, vars, shape, 100 + 2 * shape + last);
			if (last)
				last_step_only(&c);
			CHECK(grad_ok(shape_name[shape], &c, vars, 4, 1e-3f));
			CHECK(grad_ok(shape_name[shape], &c, vars, 4, 1e-4f));
		}
}

/* No bias, no mask: the NULL forms equal zero b and an all-ones mask to
 * the bit, and their gradients check too. */
TEST(lstm_grad_no_bias_no_mask)
{
	static struct lc c;
	static float hs[CAP], cs[CAP], gates[CAP];
	struct var vars[4];

	lc_setup(&c, vars, 1, 120);
	fill_real(&c, 121);
	c.nobias = c.nomask = 1;
	lstm_fwd(&c);
	memcpy(hs, c.hs, sizeof hs);
	memcpy(cs, c.cs, sizeof cs);
	memcpy(gates, c.gates, sizeof gates);
	c.nobias = c.nomask = 0;
	memset(c.b, 0, sizeof c.b);
	for (int j = 0; j < c.t * c.n; j++)
		c.mask[j] = 1;
	lstm_fwd(&c);
	CHECK(memcmp(hs, c.hs, sizeof hs) == 0);
	CHECK(memcmp(cs, c.cs, sizeof cs) == 0);
	CHECK(memcmp(gates, c.gates, sizeof gates) == 0);

	for (int shape = 0; shape < 3; shape++) {
		lc_setup(&c, vars, shape, 122 + shape);
		fill_real(&c, 126 + shape);
		c.nobias = c.nomask = 1;
		CHECK(grad_ok(shape_name[shape], &c, vars, 3, 1e-3f));
	}
}

/* Each gradient asked for alone equals it asked for with the others. */
TEST(lstm_null_grads)
{
	static struct lc c;
	static float dx[CAP], dwx[CAP], dwh[CAP], db[CAP];
	struct var vars[4];

	lc_setup(&c, vars, 1, 140);
	lstm_fwd(&c);
	lstm_bwd(&c);
#define BWD(a, b_, c_, d) rec_lstm_backward(a, b_, c_, d, c.g, c.x, c.mask, \
	c.hs, c.cs, c.gates, c.wx, c.wh, c.scratch, c.t, c.n, c.in, c.h, 1)
	BWD(dx, NULL, NULL, NULL);
	BWD(NULL, dwx, NULL, NULL);
	BWD(NULL, NULL, dwh, NULL);
	BWD(NULL, NULL, NULL, db);
	BWD(NULL, NULL, NULL, NULL);
#undef BWD
	CHECK(memcmp(dx, c.d_x, vars[0].len * sizeof(float)) == 0);
	CHECK(memcmp(dwx, c.d_wx, vars[1].len * sizeof(float)) == 0);
	CHECK(memcmp(dwh, c.d_wh, vars[2].len * sizeof(float)) == 0);
	CHECK(memcmp(db, c.d_b, vars[3].len * sizeof(float)) == 0);
}

/* The float kernel differentiated directly, along random directions:
 * (L(th + eps v) - L(th - eps v)) / 2 eps against <grad, v> for v ~ N(0, 1)
 * over every input and parameter at once.  <grad, v> is random with
 * standard deviation |grad|, so the error is measured against |grad|:
 * far above float32's resolution of L, where single coordinates are not
 * (see the top of the file).  Sequences left-padded at random, junk at
 * the padding, g over every step.  Returns the worst error / |grad| over
 * ndir directions and the steps eps[0..neps); -1 if out of memory.
 * truncate: a spoilt backward, fed wh = 0, so that no gradient flows
 * through h_{s-1}. */
static double
directional(int t, int n, int in, int h, uint64_t seed, int ndir,
            const float *eps, int neps, int truncate)
{
	size_t nx = (size_t)t * n * in, ny = (size_t)t * n * h;
	size_t len[4] = { nx, (size_t)4 * h * in, (size_t)4 * h * h,
	                  (size_t)4 * h };
	size_t nscr = rec_lstm_scratch_len(t, n, h);
	float *buf[4] = { 0 }, *grad[4] = { 0 }, *dir[4] = { 0 };
	float *mask, *hs, *cs, *gates, *g, *scr, *zero;
	float scale = 1.5f / sqrtf((float)(in + h));
	struct rec_rng r;
	double worst = -1;
	int ok = 1;

	rec_rng_seed(&r, seed);
	for (int k = 0; k < 4; k++) {
		buf[k] = malloc((len[k] + 1) * sizeof(float));
		grad[k] = calloc(len[k] + 1, sizeof(float));
		dir[k] = malloc((len[k] + 1) * sizeof(float));
		ok = ok && buf[k] && grad[k] && dir[k];
	}
	mask = malloc((size_t)t * n * sizeof *mask);
	hs = malloc(ny * sizeof *hs);
	cs = malloc(ny * sizeof *cs);
	gates = malloc(ny * 4 * sizeof *gates);
	g = malloc(ny * sizeof *g);
	scr = malloc(nscr * sizeof *scr);
	zero = calloc(len[2], sizeof *zero);
	if (!ok || !mask || !hs || !cs || !gates || !g || !scr || !zero)
		goto out;

	for (int q = 0; q < n; q++) {
		int pad = q ? (int)rec_rng_below(&r, (uint64_t)t + 1) : 0;
		for (int s = 0; s < t; s++)
			mask[s * n + q] = s >= pad;
	}
	fill(buf[0], nx, -1, 1, &r);
	for (size_t j = 0; j < (size_t)t * n; j++)
		if (mask[j] == 0)
			fill(buf[0] + j * in, (size_t)in, -30, 30, &r);
	fill(buf[1], len[1], -scale, scale, &r);
	fill(buf[2], len[2], -scale, scale, &r);
	fill(buf[3], len[3], -0.5f, 0.5f, &r);
	fill(g, ny, -1, 1, &r);
	rec_lstm_forward(hs, cs, gates, buf[0], mask, buf[1], buf[2], buf[3],
	                 wpack, t, n, in, h, 1);
	rec_lstm_backward(grad[0], grad[1], grad[2], grad[3], g, buf[0], mask, hs,
	                  cs, gates, buf[1], truncate ? zero : buf[2], scr, t, n,
	                  in, h, 1);

	double norm = 0;
	for (int k = 0; k < 4; k++)
		for (size_t j = 0; j < len[k]; j++)
			norm += (double)grad[k][j] * grad[k][j];
	norm = sqrt(norm);
	worst = 0;
	for (int d = 0; d < ndir; d++) {
		double an = 0;
		for (int k = 0; k < 4; k++)
			for (size_t j = 0; j < len[k]; j++) {
				dir[k][j] = rec_rng_normal(&r);
				an += (double)grad[k][j] * dir[k][j];
			}
		for (int e = 0; e < neps; e++) {
			double l[2];
			for (int side = 0; side < 2; side++) {
				float step = side ? -eps[e] : eps[e];
				for (int k = 0; k < 4; k++)
					for (size_t j = 0; j < len[k]; j++)
						buf[k][j] += step * dir[k][j];
				rec_lstm_forward(hs, cs, gates, buf[0], mask,
				                 buf[1], buf[2], buf[3], wpack,
				                 t, n, in, h, 1);
				l[side] = 0;
				for (size_t j = 0; j < ny; j++)
					l[side] += (double)hs[j] * g[j];
				for (int k = 0; k < 4; k++)
					for (size_t j = 0; j < len[k]; j++)
						buf[k][j] -= step * dir[k][j];
			}
			double num = (l[0] - l[1]) / (2.0 * eps[e]);
			double err = fabs(an - num) / fmax(1e-6, norm);
			if (err > GRAD_TOL && !truncate)
				fprintf(stderr, "lstm directional %dx%dx%dx%d eps %g: analytic "
				        "%.6g numeric %.6g (error %.3g of |grad| %.6g)\n", t, n,
				        in, h, eps[e], an, num, err, norm);
			worst = fmax(worst, err);
		}
	}
out:
	for (int k = 0; k < 4; k++) {
		free(buf[k]);
		free(grad[k]);
		free(dir[k]);
	}
	free(mask);
	free(hs);
	free(cs);
	free(gates);
	free(g);
	free(scr);
	free(zero);
	return worst;
}

/* Shapes A, B, C, one between and the model's (t 50, n 64, in 65,
 * h 128).  Measured error / |grad| over 300 seeds (5 at the big shapes):
 * at eps 3e-3 at most 7e-4 (1.2e-3 at the model's), at 1e-3 at most
 * 1.4e-4. */
TEST(lstm_grad_directional)
{
	static const float eps[] = { 3e-3f, 1e-3f };
	static const int shape[][4] = {   /* t, n, in, h */
		{ 4, 3, 5, 2 }, { 5, 7, 3, 9 }, { 5, 3, 7, 1 }, { 9, 17, 33, 32 },
		{ 50, 64, 65, 128 },
	};

	for (int sh = 0; sh < 5; sh++) {
		double w = directional(shape[sh][0], shape[sh][1], shape[sh][2],
		                       shape[sh][3], 200 + sh, sh < 4 ? 3 : 1, eps, 2,
		                       0);
		CHECK(w >= 0 && w <= GRAD_TOL);
	}
}

/* ---- forward against the reference ---- */

/* The largest |a - b| between a float and a double array. */
static double
maxdiff_ref(const float *a, const double *b, size_t len)
{
	double m = 0;

	for (size_t j = 0; j < len; j++)
		m = fmax(m, fabs(a[j] - b[j]));
	return m;
}

/* The sgemm forward against lstm_ref, on shapes from one unit to the
 * model's (h 128, in 65), masked and not. */
TEST(lstm_matches_reference)
{
	static const int shape[][4] = {   /* t, n, in, h */
		{ 1, 1, 1, 1 }, { 4, 3, 5, 2 }, { 5, 7, 3, 9 }, { 3, 2, 0, 5 },
		{ 9, 33, 65, 128 }, { 50, 5, 65, 31 }, { 2, 64, 17, 128 },
	};
	struct rec_rng r;

	rec_rng_seed(&r, 150);
	for (size_t sh = 0; sh < sizeof shape / sizeof shape[0]; sh++) {
		int t = shape[sh][0], n = shape[sh][1], in = shape[sh][2];
		int h = shape[sh][3];
		size_t nx = (size_t)t * n * in, ny = (size_t)t * n * h;
		float *x = malloc((nx + 1) * sizeof *x);
		float *mask = malloc((size_t)t * n * sizeof *mask);
		float *wx = malloc(((size_t)4 * h * in + 1) * sizeof *wx);
		float *wh = malloc((size_t)4 * h * h * sizeof *wh);
		float *b = malloc((size_t)4 * h * sizeof *b);
		float *hs = malloc(ny * sizeof *hs), *cs = malloc(ny * sizeof *cs);
		float *gates = malloc(4 * ny * sizeof *gates);
		double *rh = malloc(ny * sizeof *rh), *rc = malloc(ny * sizeof *rc);
		float scale = 1.5f / sqrtf((float)(in + h));

		CHECK(x && mask && wx && wh && b && hs && cs && gates && rh && rc);
		if (!x || !mask || !wx || !wh || !b || !hs || !cs || !gates || !rh ||
		    !rc)
			goto next;
		fill(x, nx, -1, 1, &r);
		fill(wx, (size_t)4 * h * in, -scale, scale, &r);
		fill(wh, (size_t)4 * h * h, -scale, scale, &r);
		fill(b, (size_t)4 * h, -0.5f, 0.5f, &r);
		for (int j = 0; j < n; j++)     /* left padding of random length */
			for (int s = 0, p = (int)rec_rng_below(&r, t); s < t; s++)
				mask[s * n + j] = j == 0 || s >= p;
		for (int masked = 0; masked < 2; masked++) {
			const float *m = masked ? mask : NULL;
			/* forward overwrites: garbage in its outputs must not show */
			for (size_t j = 0; j < ny; j++)
				hs[j] = cs[j] = NAN;
			for (size_t j = 0; j < 4 * ny; j++)
				gates[j] = NAN;
			rec_lstm_forward(hs, cs, gates, x, m, wx, wh, b, wpack,
			                 t, n, in, h, 1);
			lstm_ref(rh, rc, x, m, wx, wh, b, t, n, in, h);
			double dh = maxdiff_ref(hs, rh, ny), dc = maxdiff_ref(cs, rc, ny);
			if (!(dh <= 1e-5 && dc <= 1e-5))
				fprintf(stderr, "lstm %dx%dx%dx%d mask %d: hs off by %g, cs "
				        "by %g\n", t, n, in, h, masked, dh, dc);
			CHECK(dh <= 1e-5 && dc <= 1e-5);
			/* the cache holds the gates: o tanh(c) is h at real steps */
			size_t bad = 0;
			for (size_t j = 0; j < ny; j++) {
				size_t row = j / h, unit = j % h;
				float o = gates[row * 4 * h + 3 * (size_t)h + unit];
				if (m && m[row] == 0)
					bad += o != 0;
				else
					bad += fabsf(o * tanhf(cs[j]) - hs[j]) > 1e-6f;
			}
			CHECK(bad == 0);
		}
next:
		free(x);
		free(mask);
		free(wx);
		free(wh);
		free(b);
		free(hs);
		free(cs);
		free(gates);
		free(rh);
		free(rc);
	}
}

/* Saturated gates: nothing overflows, states stay in range. */
TEST(lstm_extremes)
{
	static struct lc c;
	struct var vars[4];
	size_t ny;

	lc_setup(&c, vars, 1, 160);
	ny = (size_t)c.t * c.n * c.h;
	for (size_t j = 0; j < vars[1].len; j++)
		c.wx[j] *= 1000;
	for (size_t j = 0; j < vars[2].len; j++)
		c.wh[j] *= 1000;
	for (size_t j = 0; j < vars[3].len; j++)
		c.b[j] *= 1000;
	lstm_fwd(&c);
	lstm_bwd(&c);
	for (size_t j = 0; j < ny; j++) {
		CHECK(isfinite(c.hs[j]) && fabsf(c.hs[j]) <= 1);
		CHECK(isfinite(c.cs[j]) && fabsf(c.cs[j]) <= (float)c.t);
	}
	for (size_t j = 0; j < 4 * ny; j++)
		CHECK(c.gates[j] >= -1 && c.gates[j] <= 1);
	for (int k = 0; k < 4; k++)
		for (size_t j = 0; j < vars[k].len; j++)
			CHECK(isfinite(vars[k].d[j]));
}

/* ---- the layer uses the sequence ---- */

/* Reordering a sequence's steps changes its last hidden state; the other
 * sequences of the batch are untouched. */
TEST(lstm_order_matters)
{
	enum { T = 5, N = 3, IN = 5, H = 7 };
	static float x[T * N * IN], y[T * N * IN], wx[4 * H * IN], wh[4 * H * H];
	static float b[4 * H], hs[2][T * N * H], cs[T * N * H];
	static float gates[T * N * 4 * H];
	struct rec_rng r;
	float scale = 1.5f / sqrtf(IN + H);

	rec_rng_seed(&r, 170);
	fill(x, sizeof x / sizeof x[0], -1, 1, &r);
	fill(wx, sizeof wx / sizeof wx[0], -scale, scale, &r);
	fill(wh, sizeof wh / sizeof wh[0], -scale, scale, &r);
	fill(b, sizeof b / sizeof b[0], -0.5f, 0.5f, &r);
	/* sequence 0 reversed, sequence 1 rotated by one, sequence 2 kept */
	for (int s = 0; s < T; s++) {
		memcpy(y + ((size_t)s * N + 0) * IN,
		       x + ((size_t)(T - 1 - s) * N + 0) * IN, IN * sizeof(float));
		memcpy(y + ((size_t)s * N + 1) * IN,
		       x + ((size_t)((s + 1) % T) * N + 1) * IN, IN * sizeof(float));
		memcpy(y + ((size_t)s * N + 2) * IN, x + ((size_t)s * N + 2) * IN,
		       IN * sizeof(float));
	}
	rec_lstm_forward(hs[0], cs, gates, x, NULL, wx, wh, b, wpack, T, N, IN,
	                 H, 1);
	rec_lstm_forward(hs[1], cs, gates, y, NULL, wx, wh, b, wpack, T, N, IN,
	                 H, 1);
	const float *last0 = hs[0] + (size_t)(T - 1) * N * H;
	const float *last1 = hs[1] + (size_t)(T - 1) * N * H;
	CHECK(maxdiff(last0, last1, H) > 1e-2f);
	CHECK(maxdiff(last0 + H, last1 + H, H) > 1e-2f);
	CHECK(maxdiff(last0 + 2 * H, last1 + 2 * H, H) <= 1e-6f);
}

/* ---- padding ---- */

/* A batch of left-padded sequences, junk at the padding: each sequence's
 * states and gradients equal those of the sequence run alone, unpadded;
 * padding steps hold zero state and get exactly zero d_x; and other junk
 * changes nothing at all. */
TEST(lstm_padding_changes_nothing)
{
	enum { T = 6, N = 3, IN = 5, H = 7 };
	static const int pad[N] = { 0, 2, 5 };
	static float x[T * N * IN], mask[T * N], wx[4 * H * IN], wh[4 * H * H];
	static float b[4 * H], hs[T * N * H], cs[T * N * H], g[T * N * H];
	static float gates[T * N * 4 * H], scr[(4 * T + 2) * N * H + WH_PACK(H)];
	static float dx[T * N * IN], dwx[4 * H * IN], dwh[4 * H * H], db[4 * H];
	/* the same, summed over the sequences run one by one */
	static float sdwx[4 * H * IN], sdwh[4 * H * H], sdb[4 * H];
	static float x1[T * IN], hs1[T * H], cs1[T * H], g1[T * H], dx1[T * IN];
	static float gates1[T * 4 * H], scr1[(4 * T + 2) * H + WH_PACK(H)];
	struct rec_rng r;
	float scale = 1.5f / sqrtf(IN + H);

	rec_rng_seed(&r, 180);
	left_pad(mask, pad, T, N);
	fill(x, sizeof x / sizeof x[0], -1, 1, &r);
	for (int j = 0; j < T * N; j++)
		if (mask[j] == 0)
			fill(x + (size_t)j * IN, IN, -50, 50, &r);
	fill(wx, sizeof wx / sizeof wx[0], -scale, scale, &r);
	fill(wh, sizeof wh / sizeof wh[0], -scale, scale, &r);
	fill(b, sizeof b / sizeof b[0], -0.5f, 0.5f, &r);
	fill(g, sizeof g / sizeof g[0], -1, 1, &r);   /* junk d_hs at padding */

	rec_lstm_forward(hs, cs, gates, x, mask, wx, wh, b, wpack, T, N, IN, H, 1);
	rec_lstm_backward(dx, dwx, dwh, db, g, x, mask, hs, cs, gates, wx, wh,
	                  scr, T, N, IN, H, 1);
	for (int s = 0; s < T; s++)
		for (int q = 0; q < N; q++) {
			if (s >= pad[q])
				continue;
			size_t at = (size_t)s * N + q;
			for (int j = 0; j < H; j++)
				CHECK(hs[at * H + j] == 0 && cs[at * H + j] == 0);
			for (int j = 0; j < IN; j++)
				CHECK(dx[at * IN + j] == 0);
		}

	for (int q = 0; q < N; q++) {
		int len = T - pad[q];
		for (int s = 0; s < len; s++) {
			size_t at = (size_t)(pad[q] + s) * N + q;
			memcpy(x1 + (size_t)s * IN, x + at * IN, IN * sizeof(float));
			memcpy(g1 + (size_t)s * H, g + at * H, H * sizeof(float));
		}
		memset(dx1, 0, sizeof dx1);
		rec_lstm_forward(hs1, cs1, gates1, x1, NULL, wx, wh, b, wpack,
		                 len, 1, IN, H, 1);
		rec_lstm_backward(dx1, sdwx, sdwh, sdb, g1, x1, NULL, hs1, cs1,
		                  gates1, wx, wh, scr1, len, 1, IN, H, 1);
		for (int s = 0; s < len; s++) {
			size_t at = (size_t)(pad[q] + s) * N + q;
			CHECK(maxdiff(hs + at * H, hs1 + (size_t)s * H, H) <= 1e-6f);
			CHECK(maxdiff(cs + at * H, cs1 + (size_t)s * H, H) <= 1e-6f);
			CHECK(maxdiff(dx + at * IN, dx1 + (size_t)s * IN, IN) <= 1e-5f);
		}
	}
	CHECK(maxdiff(dwx, sdwx, 4 * H * IN) <= 1e-5f);
	CHECK(maxdiff(dwh, sdwh, 4 * H * H) <= 1e-5f);
	CHECK(maxdiff(db, sdb, 4 * H) <= 1e-5f);

	/* other junk, input and d_hs alike: the same result, to the bit */
	static float hs2[T * N * H], cs2[T * N * H], dx2[T * N * IN];
	static float dwx2[4 * H * IN], dwh2[4 * H * H], db2[4 * H];
	for (int j = 0; j < T * N; j++)
		if (mask[j] == 0) {
			fill(x + (size_t)j * IN, IN, -9, 9, &r);
			fill(g + (size_t)j * H, H, -9, 9, &r);
		}
	rec_lstm_forward(hs2, cs2, gates, x, mask, wx, wh, b, wpack, T, N, IN,
	                 H, 1);
	rec_lstm_backward(dx2, dwx2, dwh2, db2, g, x, mask, hs2, cs2, gates, wx,
	                  wh, scr, T, N, IN, H, 1);
	CHECK(memcmp(hs, hs2, sizeof hs) == 0 && memcmp(cs, cs2, sizeof cs) == 0);
	CHECK(memcmp(dx, dx2, sizeof dx) == 0);
	CHECK(memcmp(dwx, dwx2, sizeof dwx) == 0);
	CHECK(memcmp(dwh, dwh2, sizeof dwh) == 0);
	CHECK(memcmp(db, db2, sizeof db) == 0);
}

/* A 0 in the middle of a sequence carries the state through that step. */
TEST(lstm_mask_hole_carries)
{
	static struct lc c;
	struct var vars[4];
	int n, h;

	lc_setup(&c, vars, 1, 190);
	n = c.n, h = c.h;
	lstm_fwd(&c);
	/* sequence 6, hole at step 2 */
	for (int j = 0; j < h; j++) {
		CHECK(c.hs[(2 * n + 6) * h + j] == c.hs[(1 * n + 6) * h + j]);
		CHECK(c.cs[(2 * n + 6) * h + j] == c.cs[(1 * n + 6) * h + j]);
	}
	/* sequence 4 is all padding: zero throughout */
	for (int s = 0; s < c.t; s++)
		for (int j = 0; j < h; j++)
			CHECK(c.hs[(s * n + 4) * h + j] == 0);
}

/* ---- the checker can fail ---- */

/* One coordinate off by 5% (relative error 0.024), still adding. */
static void
bwd_plant_one(struct lc *c)
{
	float *d = c->plant_d + c->plant, before = *d;

	lstm_bwd(c);
	*d = before + 1.05f * (*d - before);
}

/* Backpropagation truncated to one step: no gradient through h_{s-1}. */
static void
bwd_truncated(struct lc *c)
{
	rec_lstm_backward(c->d_x, c->d_wx, c->d_wh, c->d_b, c->g, c->x, c->mask,
	                  c->hs, c->cs, c->gates, c->wx, c->zero, c->scratch,
	                  c->t, c->n, c->in, c->h, 1);
}

/* A backward told nothing of the padding. */
static void
bwd_no_mask(struct lc *c)
{
	rec_lstm_backward(c->d_x, c->d_wx, c->d_wh, c->d_b, c->g, c->x, NULL,
	                  c->hs, c->cs, c->gates, c->wx, c->wh, c->scratch, c->t,
	                  c->n, c->in, c->h, 1);
}

/* A backward that overwrites d_b instead of adding. */
static void
bwd_overwrites(struct lc *c)
{
	memset(c->d_b, 0, sizeof c->d_b);
	lstm_bwd(c);
}

TEST(lstm_gradcheck_can_fail)
{
	static struct lc c;
	struct var vars[4];
	struct verdict v;

	lc_setup(&c, vars, 0, 100);
	v = gradcheck(&c, vars, 4, 1e-3f);
	CHECK(v.var < 0 && !v.not_doubled);     /* the unspoilt baseline */
	CHECK(v.rel < GRAD_TOL / 4);                 /* so a 5% plant stands out */

	/* in each tensor, at its first, a middle and its last coordinate;
	 * for x a real step's (22: step 1 of sequence 1), as padding steps'
	 * d_x is exactly zero and stays so */
	for (int k = 0; k < 4; k++)
		for (int at = 0; at < 3; at++) {
			lc_setup(&c, vars, 0, 100);
			c.plant_d = vars[k].d;
			c.plant = at == 0 ? 0 : at == 2 ? vars[k].len - 1
			                    : k == 0 ? 22 : vars[k].len / 2 - 1;
			c.backward = bwd_plant_one;
			v = gradcheck(&c, vars, 4, 1e-3f);
			CHECK(v.var == k && v.c.bad == 1 && v.c.worst == c.plant);
			CHECK(!v.not_doubled);
		}

	lc_setup(&c, vars, 0, 100);
	c.backward = bwd_truncated;
	v = gradcheck(&c, vars, 4, 1e-3f);
	CHECK(v.var == 0 && v.c.bad > 0);

	/* shape B has a hole in sequence 6; plain left padding would hide a
	 * missing mask, since the carried state is the zero start anyway */
	lc_setup(&c, vars, 1, 101);
	c.backward = bwd_no_mask;
	v = gradcheck(&c, vars, 4, 1e-3f);
	CHECK(v.var == 0 && v.c.bad > 0);

	lc_setup(&c, vars, 0, 100);
	c.backward = bwd_overwrites;
	v = gradcheck(&c, vars, 4, 1e-3f);
	CHECK(v.var < 0 && v.not_doubled);

	/* the directional check of the float kernel sees truncation too
	 * (measured over 300 seeds: error / |grad| 0.03 to 0.64 at B, 0.14 to
	 * 0.33 at (9, 17, 33, 32)) */
	static const float eps[] = { 1e-3f };
	CHECK(directional(5, 7, 3, 9, 201, 3, eps, 1, 1) > 2 * GRAD_TOL);
	CHECK(directional(9, 17, 33, 32, 203, 3, eps, 1, 1) > 2 * GRAD_TOL);
}

/* ---- the input part given by the caller ---- */

/* Forward without x, its input part x wx^T + b put into gates by the
 * caller (padding steps holding junk), gives the same states; and
 * backward leaves dL/da in its scratch, from which da wx is d_x and
 * da^T x is d_wx. */
TEST(lstm_input_part_from_the_caller)
{
	enum { T = 4, N = 3, IN = 5, H = 6 };
	static const int pad[N] = { 0, 1, 3 };
	static float x[T * N * IN], mask[T * N], wx[4 * H * IN], wh[4 * H * H];
	static float b[4 * H], hs[2][T * N * H], cs[2][T * N * H], g[T * N * H];
	static float gates[2][T * N * 4 * H], scr[2][(4 * T + 2) * N * H + WH_PACK(H)];
	static float dx[T * N * IN], dwx[4 * H * IN], dwh[2][4 * H * H];
	static float db[2][4 * H], dx2[T * N * IN], dwx2[4 * H * IN];
	struct rec_rng r;
	float scale = 1.5f / sqrtf(IN + H);

	rec_rng_seed(&r, 180);
	fill(x, sizeof x / sizeof x[0], -1, 1, &r);
	fill(wx, sizeof wx / sizeof wx[0], -scale, scale, &r);
	fill(wh, sizeof wh / sizeof wh[0], -scale, scale, &r);
	fill(b, sizeof b / sizeof b[0], -0.5f, 0.5f, &r);
	fill(g, sizeof g / sizeof g[0], -1, 1, &r);
	left_pad(mask, pad, T, N);
	rec_lstm_forward(hs[0], cs[0], gates[0], x, mask, wx, wh, b, wpack, T,
	                 N, IN, H, 1);
	rec_linear_forward_naive(gates[1], x, wx, b, T * N, IN, 4 * H);
	for (int s = 0; s < T; s++)
		for (int q = 0; q < N; q++)
			if (!mask[s * N + q])   /* junk, finite */
				fill(gates[1] + ((size_t)s * N + q) * 4 * H, 4 * H, -9, 9, &r);
	rec_lstm_forward(hs[1], cs[1], gates[1], NULL, mask, NULL, wh, NULL,
	                 wpack, T, N, IN, H, 1);
	CHECK(maxdiff(hs[0], hs[1], T * N * H) <= 1e-5f);
	CHECK(maxdiff(cs[0], cs[1], T * N * H) <= 1e-5f);
	rec_lstm_backward(dx, dwx, dwh[0], db[0], g, x, mask, hs[0], cs[0],
	                  gates[0], wx, wh, scr[0], T, N, IN, H, 1);
	rec_lstm_backward(NULL, NULL, dwh[1], db[1], g, NULL, mask, hs[1], cs[1],
	                  gates[1], NULL, wh, scr[1], T, N, IN, H, 1);
	CHECK(maxdiff(dwh[0], dwh[1], 4 * H * H) <= 1e-5f);
	CHECK(maxdiff(db[0], db[1], 4 * H) <= 1e-5f);
	/* d_x = da wx, d_wx = da^T x from the scratch's dL/da */
	for (int q = 0; q < T * N; q++)
		for (int j = 0; j < IN; j++) {
			double sum = 0;
			for (int o = 0; o < 4 * H; o++)
				sum += (double)scr[1][(size_t)q * 4 * H + o] * wx[o * IN + j];
			dx2[(size_t)q * IN + j] = (float)sum;
		}
	for (int o = 0; o < 4 * H; o++)
		for (int j = 0; j < IN; j++) {
			double sum = 0;
			for (int q = 0; q < T * N; q++)
				sum += (double)scr[1][(size_t)q * 4 * H + o] * x[(size_t)q * IN + j];
			dwx2[o * IN + j] = (float)sum;
		}
	CHECK(maxdiff(dwx, dwx2, 4 * H * IN) <= 1e-5f);
	/* the layer's d_x is 0 at padding steps, so is da wx */
	CHECK(maxdiff(dx, dx2, T * N * IN) <= 1e-5f);
}

/* Truncated at t0, backward equals the full one with the gradient cut
 * at t0: the same dL/da from t0 on, zero before; d_wh and d_b only from
 * the steps t0 on (d_wh pairing step t0 with the constant state before
 * it); t0 = 0 is the full backward. */
TEST(lstm_truncated_backward)
{
	enum { T = 6, N = 3, IN = 4, H = 5, T0 = 2 };
	static const int pad[N] = { 0, 1, 3 };
	static float x[T * N * IN], mask[T * N], wx[4 * H * IN], wh[4 * H * H];
	static float b[4 * H], hs[T * N * H], cs[T * N * H], g[T * N * H];
	static float gates[T * N * 4 * H], scr[2][(4 * T + 2) * N * H + WH_PACK(H)];
	static float dwh[3][4 * H * H], db[3][4 * H], want_wh[4 * H * H];
	static float want_b[4 * H], dx[T * N * IN], dwx[4 * H * IN];
	struct rec_rng r;
	float scale = 1.5f / sqrtf(IN + H);
	const size_t g4 = 4 * H, nh = (size_t)N * H;
	int ok = 1;

	rec_rng_seed(&r, 190);
	fill(x, sizeof x / sizeof x[0], -1, 1, &r);
	fill(wx, sizeof wx / sizeof wx[0], -scale, scale, &r);
	fill(wh, sizeof wh / sizeof wh[0], -scale, scale, &r);
	fill(b, sizeof b / sizeof b[0], -0.5f, 0.5f, &r);
	fill(g, sizeof g / sizeof g[0], -1, 1, &r);
	left_pad(mask, pad, T, N);
	rec_lstm_forward(hs, cs, gates, x, mask, wx, wh, b, wpack, T, N, IN, H, 1);
	/* no gradient before t0 */
	memset(g, 0, (size_t)T0 * nh * sizeof(float));
	rec_lstm_backward(NULL, NULL, dwh[0], db[0], g, x, mask, hs, cs, gates,
	                  wx, wh, scr[0], T, N, IN, H, 1);
	rec_lstm_backward_trunc(NULL, NULL, dwh[1], db[1], g, x, mask, hs, cs,
	                        gates, wx, wh, scr[1], T0, T, N, IN, H, 1);
	for (size_t j = 0; j < (size_t)T * N * g4; j++)
		ok &= j < (size_t)T0 * N * g4 ? scr[1][j] == 0.0f : scr[1][j] == scr[0][j];
	CHECK(ok);
	for (int s = T0; s < T; s++)
		for (int q = 0; q < N; q++) {
			const float *da = scr[0] + ((size_t)s * N + q) * g4;
			for (size_t o = 0; o < g4; o++) {
				want_b[o] += da[o];
				for (int j = 0; s > 0 && j < H; j++)
					want_wh[o * H + j] += da[o] * hs[((size_t)(s - 1) * N + q) * H + j];
			}
		}
	CHECK(maxdiff(dwh[1], want_wh, 4 * H * H) <= 1e-5f);
	CHECK(maxdiff(db[1], want_b, 4 * H) <= 1e-5f);
	/* the steps before t0 did get gradient in the full backward */
	CHECK(maxdiff(dwh[0], dwh[1], 4 * H * H) > 1e-4f);
	/* t0 = 0 is the full backward */
	rec_lstm_backward_trunc(dx, dwx, dwh[2], db[2], g, x, mask, hs, cs, gates,
	                        wx, wh, scr[1], 0, T, N, IN, H, 1);
	CHECK(memcmp(dwh[0], dwh[2], sizeof dwh[0]) == 0);
	CHECK(memcmp(db[0], db[2], sizeof db[0]) == 0);
}
