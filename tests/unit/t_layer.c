/* t_layer.c - the layer kernels (layer.h) against central differences
 * (STYLE.md A.8.8): for each kernel the scalar loss L = sum y . g with a
 * fixed random g (so dL/dy = g), summed in double, probed on every
 * coordinate of every input and parameter at tiny odd distinct sizes
 * (n=3, in=5, out=4, k=7); every backward called twice must double its
 * gradients; the sgemm linear layer against the naive loop; and a check
 * that the checker itself can fail. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "rec/layer.h"
#include "rec/rng.h"

#define CAP 64          /* floats in each tensor of a gradient check */

static void
fill(float *a, size_t len, float lo, float hi, struct rec_rng *r)
{
	for (size_t j = 0; j < len; j++)
		a[j] = lo + (hi - lo) * rec_rng_uniform(r);
}

/* Values in +-[lo, hi]: away from zero, for ReLU's kink. */
static void
fill_away(float *a, size_t len, float lo, float hi, struct rec_rng *r)
{
	fill(a, len, lo, hi, r);
	for (size_t j = 0; j < len; j++)
		if (rec_rng_next(r) & 1)
			a[j] = -a[j];
}

/* ---- the checker ---- */

/* One kernel under test: its tensors, and forward / backward wrappers.
 * The fields are named for the linear layer; other kernels say in their
 * test which field holds what. */
struct kc {
	int n, in, out, k;
	float x[CAP], w[CAP], b[CAP], mask[CAP];
	float y[CAP], g[CAP];           /* output, and the fixed dL/dy */
	float d_x[CAP], d_w[CAP], d_b[CAP];
	int32_t idx[CAP];
	size_t ylen;
	void (*forward)(struct kc *);   /* fills y (or returns the loss) */
	double (*loss)(struct kc *);    /* NULL: sum y . g after forward */
	void (*backward)(struct kc *);  /* adds into the d_ of each var */
};

struct var {
	const char *name;
	float *v, *d;
	size_t len;
};

static double
kc_loss(struct kc *c)
{
	double sum = 0;

	if (c->loss)
		return c->loss(c);
	c->forward(c);
	for (size_t j = 0; j < c->ylen; j++)
		sum += (double)c->y[j] * c->g[j];
	return sum;
}

/* The verdict on one kernel. */
struct verdict {
	int var;                /* the first var whose gradient is off, or -1 */
	struct grad_cmp c;      /* ... and how */
	int not_doubled;        /* a second backward did not double the gradient */
};

/* Check the backward of c on every coordinate of vars[0..nv) with central
 * differences of step eps.  Prints nothing. */
static struct verdict
gradcheck(struct kc *c, const struct var *vars, int nv, float eps)
{
	struct verdict v = { -1, { 0, 0, 0, 0, 0 }, 0 };
	float once[4][CAP];
	double num[CAP];

	for (int t = 0; t < nv; t++)
		memset(vars[t].d, 0, vars[t].len * sizeof(float));
	kc_loss(c);
	c->backward(c);
	for (int t = 0; t < nv; t++)
		memcpy(once[t], vars[t].d, vars[t].len * sizeof(float));

	for (int t = 0; t < nv; t++) {
		float *p = vars[t].v;
		for (size_t j = 0; j < vars[t].len; j++) {
			float save = p[j], hi, lo;
			double lp, lm;
			p[j] = save + eps;
			hi = p[j];
			lp = kc_loss(c);
			p[j] = save - eps;
			lo = p[j];
			lm = kc_loss(c);
			p[j] = save;
			/* divide by the step float arithmetic really took */
			num[j] = (lp - lm) / ((double)hi - lo);
		}
		struct grad_cmp r = grad_compare(once[t], num, vars[t].len);
		if (r.bad && v.var < 0)
			v.var = t, v.c = r;
	}

	/* backward again, from the unperturbed forward's caches */
	kc_loss(c);
	c->backward(c);
	for (int t = 0; t < nv; t++)
		for (size_t j = 0; j < vars[t].len; j++) {
			double want = 2.0 * once[t][j];
			if (fabs(vars[t].d[j] - want) > 1e-5 * fabs(want) + 1e-7)
				v.not_doubled = 1;
		}
	return v;
}

/* gradcheck, with a report on stderr when it fails. */
static int
grad_ok(const char *kernel, struct kc *c, const struct var *vars, int nv,
        float eps)
{
	struct verdict v = gradcheck(c, vars, nv, eps);

	if (v.var >= 0)
		fprintf(stderr, "%s: d_%s: %zu of %zu coordinates off; worst [%zu] "
		        "analytic %.6g numeric %.6g (relative error %.3g)\n", kernel,
		        vars[v.var].name, v.c.bad, vars[v.var].len, v.c.worst, v.c.an,
		        v.c.num, v.c.rel);
	if (v.not_doubled)
		fprintf(stderr, "%s: a second backward did not double the gradients\n",
		        kernel);
	return v.var < 0 && !v.not_doubled;
}

/* ---- linear ---- */

static void
linear_fwd(struct kc *c)
{
	rec_linear_forward(c->y, c->x, c->w, c->b, c->n, c->in, c->out, 1);
}

static void
linear_bwd(struct kc *c)
{
	rec_linear_backward(c->d_x, c->d_w, c->d_b, c->g, c->x, c->w, c->n,
	                    c->in, c->out, 1);
}

static void
linear_setup(struct kc *c, struct var *vars, uint64_t seed)
{
	struct rec_rng r;

	rec_rng_seed(&r, seed);
	memset(c, 0, sizeof *c);
	c->n = 3, c->in = 5, c->out = 4;
	c->ylen = (size_t)c->n * c->out;
	fill(c->x, (size_t)c->n * c->in, -1, 1, &r);
	fill(c->w, (size_t)c->out * c->in, -1, 1, &r);
	fill(c->b, (size_t)c->out, -1, 1, &r);
	fill(c->g, c->ylen, -1, 1, &r);
	c->forward = linear_fwd;
	c->backward = linear_bwd;
	vars[0] = (struct var){ "x", c->x, c->d_x, (size_t)c->n * c->in };
	vars[1] = (struct var){ "w", c->w, c->d_w, (size_t)c->out * c->in };
	vars[2] = (struct var){ "b", c->b, c->d_b, (size_t)c->out };
}

TEST(layer_linear_grad)
{
	static struct kc c;
	struct var vars[3];

	linear_setup(&c, vars, 11);
	/* L is linear in each of x, w, b: any eps will do */
	CHECK(grad_ok("linear", &c, vars, 3, 1e-2f));
	CHECK(grad_ok("linear", &c, vars, 3, 1e-3f));
}

/* Each gradient asked for alone equals the same gradient asked for with
 * the others; NULL ones are left alone. */
TEST(layer_linear_null_grads)
{
	static struct kc c;
	struct var vars[3];
	float dx[CAP] = { 0 }, dw[CAP] = { 0 }, db[CAP] = { 0 };

	linear_setup(&c, vars, 12);
	rec_linear_backward(c.d_x, c.d_w, c.d_b, c.g, c.x, c.w, 3, 5, 4, 1);
	rec_linear_backward(dx, NULL, NULL, c.g, c.x, c.w, 3, 5, 4, 1);
	rec_linear_backward(NULL, dw, NULL, c.g, c.x, c.w, 3, 5, 4, 1);
	rec_linear_backward(NULL, NULL, db, c.g, c.x, c.w, 3, 5, 4, 1);
	CHECK(memcmp(dx, c.d_x, 15 * sizeof(float)) == 0);
	CHECK(memcmp(dw, c.d_w, 20 * sizeof(float)) == 0);
	CHECK(memcmp(db, c.d_b, 4 * sizeof(float)) == 0);
}

TEST(layer_linear_matches_naive)
{
	static const int shape[][3] = {   /* n, in, out */
		{ 1, 1, 1 }, { 1, 5, 3 }, { 3, 5, 4 }, { 7, 13, 9 }, { 1, 67, 33 },
		{ 17, 33, 6 }, { 31, 3, 65 }, { 256, 192, 128 }, { 255, 65, 31 },
	};
	struct rec_rng r;

	rec_rng_seed(&r, 5);
	for (size_t s = 0; s < sizeof shape / sizeof shape[0]; s++) {
		int n = shape[s][0], in = shape[s][1], out = shape[s][2];
		size_t ny = (size_t)n * out;
		float *x = malloc((size_t)n * in * sizeof *x);
		float *w = malloc((size_t)out * in * sizeof *w);
		float *b = malloc((size_t)out * sizeof *b);
		float *y = malloc(ny * sizeof *y), *ref = malloc(ny * sizeof *ref);

		CHECK(x && w && b && y && ref);
		if (!x || !w || !b || !y || !ref)
			goto next;
		fill(x, (size_t)n * in, -1, 1, &r);
		fill(w, (size_t)out * in, -1, 1, &r);
		fill(b, (size_t)out, -1, 1, &r);
		for (int bias = 0; bias < 2; bias++) {
			const float *bb = bias ? b : NULL;
			size_t bad = 0;
			/* forward overwrites: garbage in y must not show through */
			for (size_t j = 0; j < ny; j++)
				y[j] = NAN;
			rec_linear_forward(y, x, w, bb, n, in, out, 1);
			rec_linear_forward_naive(ref, x, w, bb, n, in, out);
			for (int i = 0; i < n; i++)
				for (int o = 0; o < out; o++) {
					/* float rounding is bounded by in * 2^-24 * sum |terms| */
					double mag = bb ? fabs(bb[o]) : 0;
					for (int j = 0; j < in; j++)
						mag += fabs((double)x[(size_t)i * in + j] *
						            w[(size_t)o * in + j]);
					size_t at = (size_t)i * out + o;
					if (!(fabs((double)y[at] - ref[at]) <=
					      (in + 1) * 6e-8 * mag + 1e-30))
						bad++;
				}
			if (bad)
				fprintf(stderr, "linear %dx%dx%d bias %d: %zu of %zu differ\n",
				        n, in, out, bias, bad, ny);
			CHECK(bad == 0);
		}
next:
		free(x);
		free(w);
		free(b);
		free(y);
		free(ref);
	}
}

/* No inputs: y is the bias, or zero; no sgemm call with k = 0. */
TEST(layer_linear_empty_input)
{
	float b[3] = { 1, -2, 3 }, y[6], dw[1] = { 0 }, db[3] = { 0 };
	float g[6] = { 1, 1, 1, 2, 2, 2 };

	for (int j = 0; j < 6; j++)
		y[j] = NAN;
	rec_linear_forward(y, NULL, NULL, b, 2, 0, 3, 1);
	CHECK(y[0] == 1 && y[1] == -2 && y[2] == 3 && y[3] == 1 && y[5] == 3);
	rec_linear_forward(y, NULL, NULL, NULL, 2, 0, 3, 1);
	CHECK(y[0] == 0 && y[5] == 0);
	rec_linear_backward(NULL, dw, db, g, NULL, NULL, 2, 0, 3, 1);
	CHECK(db[0] == 3 && db[2] == 3 && dw[0] == 0);
}

/* ---- embedding: the table in w (rows, k), indices in idx ---- */

enum { ROWS = 6 };

static void
emb_fwd(struct kc *c)
{
	rec_embedding_forward(c->y, c->idx, c->w, c->n, c->k);
}

static void
emb_bwd(struct kc *c)
{
	rec_embedding_backward(c->d_w, c->g, c->idx, c->n, c->k);
}

static void
emb_setup(struct kc *c, struct var *vars)
{
	struct rec_rng r;

	rec_rng_seed(&r, 21);
	memset(c, 0, sizeof *c);
	c->n = 3, c->k = 7;
	c->idx[0] = 4, c->idx[1] = 1, c->idx[2] = 4;   /* row 4 twice */
	c->ylen = (size_t)c->n * c->k;
	fill(c->w, (size_t)ROWS * c->k, -1, 1, &r);
	fill(c->g, c->ylen, -1, 1, &r);
	c->forward = emb_fwd;
	c->backward = emb_bwd;
	vars[0] = (struct var){ "table", c->w, c->d_w, (size_t)ROWS * c->k };
}

TEST(layer_embedding_grad)
{
	static struct kc c;
	struct var vars[1];

	emb_setup(&c, vars);
	CHECK(grad_ok("embedding", &c, vars, 1, 1e-2f));
	/* the forward gathered the rows */
	emb_fwd(&c);
	CHECK(memcmp(c.y + 7, c.w + 7, 7 * sizeof(float)) == 0);
	CHECK(memcmp(c.y + 14, c.w + 28, 7 * sizeof(float)) == 0);
}

TEST(layer_embedding_untouched_rows)
{
	static struct kc c;
	struct var vars[1];

	emb_setup(&c, vars);
	/* from zero: rows 0, 2, 3, 5 get exactly zero */
	emb_bwd(&c);
	for (int row = 0; row < ROWS; row++)
		for (int j = 0; j < 7; j++) {
			float d = c.d_w[row * 7 + j];
			if (row == 1)
				CHECK(d == c.g[7 + j]);
			else if (row == 4)
				CHECK(d == c.g[j] + c.g[14 + j]);
			else
				CHECK(d == 0.0f);
		}
	/* and their memory is not even read: NaN there stays NaN */
	for (int j = 0; j < ROWS * 7; j++)
		c.d_w[j] = NAN;
	memset(c.d_w + 7, 0, 7 * sizeof(float));
	memset(c.d_w + 28, 0, 7 * sizeof(float));
	emb_bwd(&c);
	for (int row = 0; row < ROWS; row++)
		for (int j = 0; j < 7; j++)
			CHECK(row == 1 || row == 4 ? isfinite(c.d_w[row * 7 + j])
			                           : isnan(c.d_w[row * 7 + j]));
}

/* ---- activations: x in, y out ---- */

static void
relu_fwd(struct kc *c)
{
	rec_relu_forward(c->y, c->x, c->n, c->in);
}

static void
relu_bwd(struct kc *c)
{
	rec_relu_backward(c->d_x, c->g, c->y, c->n, c->in);
}

static void
sigmoid_fwd(struct kc *c)
{
	rec_sigmoid_forward(c->y, c->x, c->n, c->in);
}

static void
sigmoid_bwd(struct kc *c)
{
	rec_sigmoid_backward(c->d_x, c->g, c->y, c->n, c->in);
}

/* An element-wise kernel on (3, 5). */
static void
ew_setup(struct kc *c, struct var *vars, uint64_t seed)
{
	struct rec_rng r;

	rec_rng_seed(&r, seed);
	memset(c, 0, sizeof *c);
	c->n = 3, c->in = 5;
	c->ylen = 15;
	fill(c->x, 15, -4, 4, &r);
	fill(c->w, 15, -2, 2, &r);
	fill(c->g, 15, -1, 1, &r);
	vars[0] = (struct var){ "x", c->x, c->d_x, 15 };
	vars[1] = (struct var){ "w", c->w, c->d_w, 15 };
}

TEST(layer_relu_grad)
{
	static struct kc c;
	struct var vars[2];
	struct rec_rng r;
	int neg = 0;

	ew_setup(&c, vars, 31);
	rec_rng_seed(&r, 32);
	fill_away(c.x, 15, 0.05f, 2, &r);   /* |x| > 2 eps */
	for (int j = 0; j < 15; j++)
		neg += c.x[j] < 0;
	CHECK(neg > 2 && neg < 13);         /* both sides of the kink seen */
	c.forward = relu_fwd;
	c.backward = relu_bwd;
	CHECK(grad_ok("relu", &c, vars, 1, 1e-2f));
}

TEST(layer_sigmoid_grad)
{
	static struct kc c;
	struct var vars[2];

	ew_setup(&c, vars, 41);
	c.forward = sigmoid_fwd;
	c.backward = sigmoid_bwd;
	CHECK(grad_ok("sigmoid", &c, vars, 1, 1e-3f));
	CHECK(grad_ok("sigmoid", &c, vars, 1, 4e-3f));
}

TEST(layer_sigmoid_extremes)
{
	float x[6] = { -1000, -90, -20, 0, 20, 1000 }, y[6];
	float d[6] = { 0 }, one[6] = { 1, 1, 1, 1, 1, 1 };

	rec_sigmoid_forward(y, x, 1, 6);
	CHECK(y[0] == 0 && y[5] == 1 && y[3] == 0.5f);
	CHECK(y[1] >= 0 && y[1] < 1e-38f);
	CHECK_NEAR(y[2], 2.0611536e-9, 1e-15);   /* digits kept for x << 0 */
	CHECK(y[4] == 1.0f);
	rec_sigmoid_backward(d, one, y, 1, 6);
	for (int j = 0; j < 6; j++)
		CHECK(isfinite(d[j]) && d[j] >= 0 && d[j] <= 0.25f);
}

/* ---- dropout: x in, mask fixed, y out ---- */

static void
dropout_fwd(struct kc *c)
{
	rec_dropout_forward(c->y, c->x, c->mask, c->n, c->in);
}

/* dropout's backward masks a gradient in place: on a copy of dL/dy,
 * added to d_x as the harness wants */
static void
dropout_bwd(struct kc *c)
{
	float d[CAP];
	size_t len = (size_t)c->n * c->in;

	memcpy(d, c->g, len * sizeof *d);
	rec_dropout_backward(d, c->mask, c->n, c->in);
	for (size_t j = 0; j < len; j++)
		c->d_x[j] += d[j];
}

TEST(layer_dropout_grad)
{
	static struct kc c;
	struct var vars[2];
	struct rec_rng r;
	int dropped = 0;

	ew_setup(&c, vars, 51);
	rec_rng_seed(&r, 52);
	rec_dropout_mask(c.mask, &r, 0.5f, 3, 5);
	for (int j = 0; j < 15; j++) {
		dropped += c.mask[j] == 0;
		CHECK(c.mask[j] == 0 || c.mask[j] == 2);
	}
	CHECK(dropped > 0 && dropped < 15);
	c.forward = dropout_fwd;
	c.backward = dropout_bwd;
	CHECK(grad_ok("dropout", &c, vars, 1, 1e-2f));
}

/* ---- a hidden layer (linear, ReLU, dropout): the linear layer's
 * tensors; the mask drawn from the same seed at every forward ---- */

static float hidden_a[CAP], hidden_d_a[CAP];
static int hidden_dropout;

static void
hidden_fwd(struct kc *c)
{
	struct rec_rng r;

	rec_rng_seed(&r, 61);
	if (hidden_dropout)
		rec_dropout_mask(c->mask, &r, 0.5f, c->n, c->out);
	rec_hidden_forward(c->y, hidden_a, hidden_dropout ? c->mask : NULL, c->x, c->w,
	                   c->b, c->n, c->in, c->out, 1);
}

static void
hidden_bwd(struct kc *c)
{
	rec_hidden_backward(c->d_x, c->d_w, c->d_b, hidden_d_a, c->g,
	                    hidden_dropout ? c->mask : NULL, hidden_a, c->x, c->w,
	                    c->n, c->in, c->out, 1);
}

TEST(layer_hidden_grad)
{
	static struct kc c;
	struct var vars[3];

	for (hidden_dropout = 0; hidden_dropout <= 1; hidden_dropout++) {
		linear_setup(&c, vars, 3);
		c.forward = hidden_fwd;
		c.backward = hidden_bwd;
		/* every pre-activation away from ReLU's kink, some cut off */
		rec_linear_forward(c.y, c.x, c.w, c.b, c.n, c.in, c.out, 1);
		int cut = 0, near = 0;
		for (size_t j = 0; j < c.ylen; j++) {
			cut += c.y[j] < 0;
			near += fabsf(c.y[j]) < 0.05f;
		}
		CHECK(cut > 0 && cut < (int)c.ylen && near == 0);
		hidden_fwd(&c);
		if (hidden_dropout) {   /* some of the live units dropped */
			int dropped = 0;
			for (size_t j = 0; j < c.ylen; j++)
				dropped += hidden_a[j] > 0 && c.y[j] == 0;
			CHECK(dropped > 0);
		}
		CHECK(grad_ok("hidden", &c, vars, 3, 1e-3f));
	}
}

TEST(layer_dropout_mask)
{
	enum { N = 250, IN = 81 };         /* odd sizes: a tail of bits */
	static float m1[N * IN], m2[N * IN];
	struct rec_rng r1, r2;
	double sum = 0;
	long zeros = 0;

	rec_rng_seed(&r1, 7);
	rec_rng_seed(&r2, 7);
	rec_dropout_mask(m1, &r1, 0.3f, N, IN);
	rec_dropout_mask(m2, &r2, 0.3f, N, IN);
	CHECK(memcmp(m1, m2, sizeof m1) == 0);   /* same seed, same mask */
	CHECK(r1.s[0] == r2.s[0]);
	for (long j = 0; j < N * IN; j++) {
		zeros += m1[j] == 0;
		sum += m1[j];
		CHECK(m1[j] == 0 || fabsf(m1[j] - 1 / 0.7f) < 1e-4f);
	}
	/* 20250 draws: the standard deviation of the rate is 0.0032 */
	CHECK_NEAR((double)zeros / (N * IN), 0.3, 0.015);
	CHECK_NEAR(sum / (N * IN), 1.0, 0.02);
	/* the next draw differs */
	rec_dropout_mask(m2, &r1, 0.3f, N, IN);
	CHECK(memcmp(m1, m2, sizeof m1) != 0);
	/* p = 0 keeps everything at 1, p = 1 drops everything */
	rec_dropout_mask(m1, &r1, 0, N, IN);
	rec_dropout_mask(m2, &r1, 1, N, IN);
	zeros = 0;
	for (long j = 0; j < N * IN; j++)
		zeros += m1[j] != 1 || m2[j] != 0;
	CHECK(zeros == 0);
}

/* ---- concat: a in x (3, 5), b in w (3, 4), y (3, 9) ---- */

static void
concat_fwd(struct kc *c)
{
	rec_concat_forward(c->y, c->x, c->w, c->n, c->in, c->out);
}

static void
concat_bwd(struct kc *c)
{
	rec_concat_backward(c->d_x, c->d_w, c->g, c->n, c->in, c->out);
}

TEST(layer_concat_grad)
{
	static struct kc c;
	struct var vars[2];

	ew_setup(&c, vars, 61);
	c.out = 4;
	c.ylen = 27;
	vars[1].len = 12;
	struct rec_rng r;
	rec_rng_seed(&r, 62);
	fill(c.g, 27, -1, 1, &r);
	c.forward = concat_fwd;
	c.backward = concat_bwd;
	CHECK(grad_ok("concat", &c, vars, 2, 1e-2f));
	concat_fwd(&c);
	CHECK(c.y[9] == c.x[5] && c.y[14] == c.w[4] && c.y[26] == c.w[11]);
	/* half the split alone */
	memset(c.d_w, 0, sizeof c.d_w);
	rec_concat_backward(NULL, c.d_w, c.g, 3, 5, 4);
	CHECK(c.d_w[0] == c.g[5] && c.d_w[11] == c.g[26]);
}

/* ---- element-wise product: a in x, b in w ---- */

static void
mul_fwd(struct kc *c)
{
	rec_mul_forward(c->y, c->x, c->w, c->n, c->in);
}

static void
mul_bwd(struct kc *c)
{
	rec_mul_backward(c->d_x, c->d_w, c->g, c->x, c->w, c->n, c->in);
}

TEST(layer_mul_grad)
{
	static struct kc c;
	struct var vars[2];

	ew_setup(&c, vars, 71);
	c.in = 7;                           /* GMF on (n, k) = (3, 7) */
	c.ylen = vars[0].len = vars[1].len = 21;
	struct rec_rng r;
	rec_rng_seed(&r, 72);
	fill(c.x, 21, -2, 2, &r);
	fill(c.w, 21, -2, 2, &r);
	fill(c.g, 21, -1, 1, &r);
	c.forward = mul_fwd;
	c.backward = mul_bwd;
	CHECK(grad_ok("mul", &c, vars, 2, 1e-2f));

	/* y = a * a: one gradient array for both sides gets 2 a d_y */
	float d[21] = { 0 };
	rec_mul_backward(d, d, c.g, c.x, c.x, 3, 7);
	for (int j = 0; j < 21; j++)
		CHECK_NEAR(d[j], 2.0 * c.x[j] * c.g[j], 1e-6);
}

/* ---- MSE: pred in x, target in w; L is the loss itself ---- */

static double
mse_loss(struct kc *c)
{
	return rec_mse_forward(NULL, c->x, c->w, c->n);
}

/* The kernel overwrites d_pred; add it, so that the doubling check can
 * run as for the others. */
static void
mse_bwd(struct kc *c)
{
	float d[CAP];

	rec_mse_forward(d, c->x, c->w, c->n);
	for (int j = 0; j < c->n; j++)
		c->d_x[j] += d[j];
}

TEST(layer_mse_grad)
{
	static struct kc c;
	struct var vars[2];

	ew_setup(&c, vars, 81);
	c.n = 5;
	vars[0].len = 5;
	c.loss = mse_loss;
	c.backward = mse_bwd;
	CHECK(grad_ok("mse", &c, vars, 1, 1e-2f));

	float pred[3] = { 1, 2, 4 }, target[3] = { 0, 2, 1 }, d[3] = { 9, 9, 9 };
	CHECK(rec_mse_forward(d, pred, target, 3) == 10.0 / 3);
	CHECK_NEAR(d[0], 2.0 / 3, 1e-7);    /* overwritten */
	CHECK(d[1] == 0 && d[2] == 2.0f);
	d[1] = 9;
	CHECK(rec_mse_forward(d, pred, target, 0) == 0 && d[1] == 9);
}

/* BPR on 5 triples over 6 scores, one score the positive of two triples
 * and the negative of another, one far out (30): the gradient against
 * central differences (a planted 5% error caught), accumulation, and no
 * overflow or lost digits at large differences. */
TEST(layer_bpr_grad)
{
	static const int32_t pos[] = { 0, 0, 2, 4, 1 }, neg[] = { 1, 3, 0, 5, 5 };
	float z[] = { 0.3f, -1.2f, 2.5f, 0.1f, -0.4f, 30.0f }, d[6] = { 0 };
	float scratch[6], dx;
	double num[6], up, down;
	const float eps = 1e-2f, scale = 0.2f;
	struct grad_cmp c;

	CHECK(rec_bpr_forward(d, z, pos, neg, 5, scale) > 30);
	for (int j = 0; j < 6; j++) {
		float keep = z[j];
		z[j] = keep + eps;
		up = rec_bpr_forward(scratch, z, pos, neg, 5, scale);
		z[j] = keep - eps;
		down = rec_bpr_forward(scratch, z, pos, neg, 5, scale);
		z[j] = keep;
		num[j] = scale * (up - down) / (2.0 * eps);
	}
	c = grad_compare(d, num, 6);
	CHECK(c.bad == 0);
	d[2] *= 1.05f;
	c = grad_compare(d, num, 6);
	CHECK(c.bad == 1 && c.worst == 2);
	memset(d, 0, sizeof d);
	rec_bpr_forward(d, z, pos, neg, 5, scale);
	rec_bpr_forward(d, z, pos, neg, 5, scale);   /* adds */
	CHECK_NEAR(d[5], 2 * num[5], 1e-4);
	/* -log sigmoid(-30.4) = 30.4 + log1p(e^-30.4); sigmoid(40) is 1 in
	 * float, but its -log keeps its digits */
	CHECK_NEAR(rec_bpr_term(-30.4f, &dx), 30.4, 1e-5);
	CHECK(dx == -1.0f);
	CHECK_NEAR(rec_bpr_term(40.0f, &dx), 4.248e-18, 1e-21);
	CHECK(dx < 0 && dx > -1e-17f);
	CHECK(rec_bpr_term(0, &dx) == log(2.0) && dx == -0.5f);
}

/* ---- forwards in place ---- */

TEST(layer_in_place)
{
	float x[15], y[15], z[15], mask[15];
	struct rec_rng r;

	rec_rng_seed(&r, 91);
	fill(x, 15, -3, 3, &r);
	rec_dropout_mask(mask, &r, 0.4f, 3, 5);

	memcpy(z, x, sizeof z);
	rec_relu_forward(y, x, 3, 5);
	rec_relu_forward(z, z, 3, 5);
	CHECK(memcmp(y, z, sizeof y) == 0);
	memcpy(z, x, sizeof z);
	rec_sigmoid_forward(y, x, 3, 5);
	rec_sigmoid_forward(z, z, 3, 5);
	CHECK(memcmp(y, z, sizeof y) == 0);
	memcpy(z, x, sizeof z);
	rec_dropout_forward(y, x, mask, 3, 5);
	rec_dropout_forward(z, z, mask, 3, 5);
	CHECK(memcmp(y, z, sizeof y) == 0);
	memcpy(z, x, sizeof z);
	rec_mul_forward(y, x, mask, 3, 5);
	rec_mul_forward(z, z, mask, 3, 5);
	CHECK(memcmp(y, z, sizeof y) == 0);
}

/* ---- the checker can fail ---- */

/* A backward that overwrites instead of adding. */
static void
relu_bwd_overwrites(struct kc *c)
{
	memset(c->d_x, 0, sizeof c->d_x);
	rec_relu_backward(c->d_x, c->g, c->y, c->n, c->in);
}

/* A linear backward that forgets the bias. */
static void
linear_bwd_no_bias(struct kc *c)
{
	rec_linear_backward(c->d_x, c->d_w, NULL, c->g, c->x, c->w, c->n, c->in,
	                    c->out, 1);
}

TEST(layer_gradcheck_can_fail)
{
	static struct kc c;
	struct var vars[3];
	double num[CAP];
	float an[CAP];
	struct verdict v;
	struct rec_rng r2;

	/* the numeric gradient of the linear layer, then one analytic
	 * coordinate off by 5% (relative error 0.024) */
	linear_setup(&c, vars, 11);
	memset(c.d_w, 0, sizeof c.d_w);
	linear_bwd(&c);
	for (int j = 0; j < 20; j++) {
		float save = c.w[j];
		double lp, lm;
		c.w[j] = save + 1e-2f;
		lp = kc_loss(&c);
		c.w[j] = save - 1e-2f;
		lm = kc_loss(&c);
		c.w[j] = save;
		num[j] = (lp - lm) / 2e-2;
		an[j] = c.d_w[j];
	}
	CHECK(grad_compare(an, num, 20).bad == 0);
	an[13] *= 1.05f;
	struct grad_cmp r = grad_compare(an, num, 20);
	CHECK(r.bad == 1 && r.worst == 13 && r.rel > GRAD_TOL);
	an[13] = -an[13] / 1.05f;          /* a sign error */
	r = grad_compare(an, num, 20);
	CHECK(r.bad == 1 && r.worst == 13);

	/* a whole kernel with a missing gradient: d_b is found off */
	linear_setup(&c, vars, 11);
	c.backward = linear_bwd_no_bias;
	v = gradcheck(&c, vars, 3, 1e-2f);
	CHECK(v.var == 2 && v.c.bad == 4);

	/* a backward that overwrites passes the gradient, fails doubling */
	ew_setup(&c, vars, 31);
	rec_rng_seed(&r2, 32);
	fill_away(c.x, 15, 0.05f, 2, &r2);
	c.forward = relu_fwd;
	c.backward = relu_bwd_overwrites;
	v = gradcheck(&c, vars, 1, 1e-2f);
	CHECK(v.var < 0 && v.not_doubled);
}

/* ---- rating biases ---- */

/* L = sum_r g[r] y[r] with y = x + biases, in double. */
static double
bias_loss(const float *x, const float *g, const int32_t *u, const int32_t *i,
          const float *mu, const float *bu, const float *bi, int n)
{
	float y[8];
	double l = 0;

	memcpy(y, x, (size_t)n * sizeof *y);
	rec_bias_forward(y, u, i, mu, bu, bi, n);
	for (int r = 0; r < n; r++)
		l += (double)g[r] * y[r];
	return l;
}

/* Central differences on mu and every table entry, the gradient called
 * twice doubling, and an unknown index adding nothing. */
TEST(layer_bias_grad)
{
	enum { N = 5, NB = 3 };
	static const int32_t u[N] = { 0, 2, 1, 2, 0 }, i[N] = { 1, 0, 1, 2, 2 };
	const int32_t none = -1;
	float x[N], g[N], p[1 + 2 * NB], d[1 + 2 * NB] = { 0 }, once, y = 1.0f;
	const float eps = 1e-2f;
	struct rec_rng r;

	rec_rng_seed(&r, 17);
	fill(x, N, -1, 1, &r);
	fill(g, N, -1, 1, &r);
	fill(p, 1 + 2 * NB, -1, 1, &r);
	rec_bias_backward(d, d + 1, d + 1 + NB, g, u, i, N);
	for (int k = 0; k < 1 + 2 * NB; k++) {
		float keep = p[k];
		double hi, lo;
		p[k] = keep + eps;
		hi = bias_loss(x, g, u, i, p, p + 1, p + 1 + NB, N);
		p[k] = keep - eps;
		lo = bias_loss(x, g, u, i, p, p + 1, p + 1 + NB, N);
		p[k] = keep;
		CHECK_NEAR(d[k], (hi - lo) / (2 * eps), 1e-4);
	}
	once = d[0];
	rec_bias_backward(d, d + 1, d + 1 + NB, g, u, i, N);
	CHECK(d[0] == 2 * once);

	/* unknown user and item: only mu is added */
	rec_bias_forward(&y, &none, &none, p, p + 1, p + 1 + NB, 1);
	CHECK(y == 1.0f + p[0]);
}
