/* t_attn.c - attention over layers (attn.h): the forward against a plain
 * double-precision reference, and every gradient (e, q, W, Q, b, v)
 * against five-point differences of L = sum z . g, at tiny odd sizes (n = 5
 * pairs over 3 nodes and 2 queries, most of them shared by several pairs,
 * nl = 4 layers, k = 5, h = 3); a second backward doubles the gradients;
 * the check fails on a planted error. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "rec/attn.h"
#include "rec/rng.h"

enum { N = 5, NE = 3, NQ = 2, NL = 4, K = 5, H = 3 };

/* pair j: node ie[j], query iq[j] */
static const int32_t ie[N] = { 0, 2, 0, 1, 2 }, iq[N] = { 1, 0, 0, 1, 1 };

struct at {
	float e[NE * NL * K], q[NQ * K], W[H * K], Q[H * K], b[H], v[H];
	float z[N * K], alpha[N * NL], t[N * NL * H], pe[NE * NL * H], pq[NQ * H];
	float g[N * K];
	float d_e[NE * NL * K], d_q[NQ * K], d_W[H * K], d_Q[H * K], d_b[H], d_v[H];
};

static void
fill(float *a, size_t len, float scale, struct rec_rng *r)
{
	for (size_t j = 0; j < len; j++)
		a[j] = scale * (2 * rec_rng_uniform(r) - 1);
}

static void
setup(struct at *a, uint64_t seed)
{
	struct rec_rng r;

	rec_rng_seed(&r, seed);
	memset(a, 0, sizeof *a);
	fill(a->e, sizeof a->e / sizeof(float), 1, &r);
	fill(a->q, sizeof a->q / sizeof(float), 1, &r);
	fill(a->W, sizeof a->W / sizeof(float), 0.8f, &r);
	fill(a->Q, sizeof a->Q / sizeof(float), 0.8f, &r);
	fill(a->b, H, 0.5f, &r);
	fill(a->v, H, 2, &r);
	fill(a->g, sizeof a->g / sizeof(float), 1, &r);
}

static double
loss(struct at *a)
{
	double sum = 0;

	rec_attn_forward(a->z, a->alpha, a->t, a->e, a->q, ie, iq, a->W, a->Q,
	                 a->b, a->v, a->pe, a->pq, N, NE, NQ, NL, K, H, 1);
	for (int j = 0; j < N * K; j++)
		sum += (double)a->z[j] * a->g[j];
	return sum;
}

static void
backward(struct at *a)
{
	rec_attn_backward(a->d_e, a->d_q, a->d_W, a->d_Q, a->d_b, a->d_v, a->g,
	                  a->e, a->q, ie, iq, a->alpha, a->t, a->W, a->Q, a->v,
	                  a->pe, a->pq, N, NE, NQ, NL, K, H, 1);
}

TEST(attn_forward_matches_reference)
{
	static struct at a;

	setup(&a, 1);
	loss(&a);
	for (int j = 0; j < N; j++) {
		const float *e = a.e + ie[j] * NL * K, *q = a.q + iq[j] * K;
		double s[NL], top = -1e300, sum = 0;
		for (int l = 0; l < NL; l++) {
			s[l] = 0;
			for (int c = 0; c < H; c++) {
				double pre = a.b[c];
				for (int d = 0; d < K; d++)
					pre += (double)a.W[c * K + d] * e[l * K + d] +
					       (double)a.Q[c * K + d] * q[d];
				s[l] += a.v[c] * tanh(pre);
			}
			top = s[l] > top ? s[l] : top;
		}
		for (int l = 0; l < NL; l++)
			sum += exp(s[l] - top);
		for (int l = 0; l < NL; l++)
			CHECK_NEAR(a.alpha[j * NL + l], exp(s[l] - top) / sum, 1e-5);
		for (int d = 0; d < K; d++) {
			double z = 0;
			for (int l = 0; l < NL; l++)
				z += exp(s[l] - top) / sum * e[l * K + d];
			CHECK_NEAR(a.z[j * K + d], z, 1e-5);
		}
	}
}

struct var {
	const char *name;
	float *v, *d;
	size_t len;
};

/* The number of coordinates of the vars whose analytic gradient is off
 * (tamper >= 0: the analytic gradient of var 0's coordinate tamper made
 * 5% larger first); *not_doubled set when a second backward does not
 * double every gradient. */
static size_t
check(struct at *a, long tamper, int *not_doubled)
{
	struct var vars[6] = {
		{ "e", a->e, a->d_e, NE * NL * K }, { "q", a->q, a->d_q, NQ * K },
		{ "W", a->W, a->d_W, H * K }, { "Q", a->Q, a->d_Q, H * K },
		{ "b", a->b, a->d_b, H }, { "v", a->v, a->d_v, H },
	};
	static float once[6][NE * NL * K];
	static double num[NE * NL * K];
	size_t bad = 0;

	for (int t = 0; t < 6; t++)
		memset(vars[t].d, 0, vars[t].len * sizeof(float));
	loss(a);
	backward(a);
	for (int t = 0; t < 6; t++)
		memcpy(once[t], vars[t].d, vars[t].len * sizeof(float));
	if (tamper >= 0)
		once[0][tamper] *= 1.05f;
	for (int t = 0; t < 6; t++) {
		for (size_t j = 0; j < vars[t].len; j++) {
			/* The five-point stencil (exact through degree 4) at
			 * a step of 1/32: some coordinates' gradients are
			 * 1e-4, where a central difference's choice is
			 * between its truncation and the float forward's
			 * rounding, each a few percent. */
			const float step = 1.0f / 32;
			float keep = vars[t].v[j];
			double f[4];
			for (int p = 0; p < 4; p++) {
				vars[t].v[j] = keep + (float)(p < 2 ? p + 1 : 1 - p) * step;
				f[p] = loss(a);
			}
			vars[t].v[j] = keep;
			num[j] = (8 * (f[0] - f[2]) - (f[1] - f[3])) / (12.0 * step);
		}
		struct grad_cmp c = grad_compare(once[t], num, vars[t].len);
		if (c.bad && tamper < 0)
			fprintf(stderr, "attn: d_%s: %zu of %zu off; worst [%zu] analytic "
			        "%.6g numeric %.6g\n", vars[t].name, c.bad, vars[t].len,
			        c.worst, c.an, c.num);
		bad += c.bad;
	}
	loss(a);
	backward(a);
	*not_doubled = 0;
	for (int t = 0; t < 6; t++)
		for (size_t j = 0; j < vars[t].len; j++) {
			double want = 2.0 * once[t][j] / (t == 0 && (long)j == tamper ? 1.05 : 1);
			if (fabs(vars[t].d[j] - want) > 1e-5 * fabs(want) + 1e-6)
				*not_doubled = 1;
		}
	return bad;
}

TEST(attn_grad)
{
	static struct at a;
	int not_doubled;

	for (uint64_t seed = 2; seed < 5; seed++) {
		setup(&a, seed);
		CHECK(check(&a, -1, &not_doubled) == 0);
		CHECK(!not_doubled);
	}
}

TEST(attn_gradcheck_can_fail)
{
	static struct at a;
	int not_doubled;

	setup(&a, 2);
	CHECK(check(&a, 7, &not_doubled) == 1);
}
