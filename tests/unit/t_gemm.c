/* t_gemm.c - rec_sgemm and rec_sgemm_packed against a naive loop in
 * double: the four transposes, sizes on both sides of every block edge (MR 8, NR 32,
 * KC 256, NC 128) and of the BLAS hand-off (16 columns, 4 rows), row
 * strides wider than the rows, alpha and beta, beta = 0 over NaN, and
 * k = 0. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/gemm.h"
#include "rec/rng.h"

/* x[0 .. n) uniform on [0, 1). */
static void
uniform(float *x, size_t n, struct rec_rng *r)
{
	for (size_t j = 0; j < n; j++)
		x[j] = (float)rec_rng_uniform(r);
}

/* Element (row, col) of op(X), X row-major with stride ld. */
static double
elem(const float *x, int ld, int trans, int row, int col)
{
	return trans ? x[(size_t)col * ld + row] : x[(size_t)row * ld + col];
}

/* Run one product and compare every element of C with the naive sum;
 * the bound is float rounding over k terms of the given magnitudes. */
static void
check_one(int packed, int ta, int tb, int m, int n, int k, float alpha,
          float beta, struct rec_rng *r)
{
	int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
	size_t na = (size_t)(ta ? k : m) * lda, nb = (size_t)(tb ? n : k) * ldb;
	size_t nc = (size_t)m * ldc;
	float *a = malloc((na + 1) * sizeof *a), *b = malloc((nb + 1) * sizeof *b);
	float *c = malloc(nc * sizeof *c), *c0 = malloc(nc * sizeof *c0);
	size_t bad = 0;

	CHECK(a && b && c && c0);
	if (!a || !b || !c || !c0)
		goto out;
	uniform(a, na, r);
	uniform(b, nb, r);
	for (size_t j = 0; j < nc; j++)
		c0[j] = c[j] = beta == 0.0f && j % (size_t)ldc < (size_t)n ?
		                NAN : (float)rec_rng_uniform(r);
	if (packed) {
		float *bp = malloc((rec_sgemm_packed_len(k, n) + 1) * sizeof *bp);
		CHECK(bp != NULL);
		if (!bp)
			goto out;
		rec_sgemm_pack(bp, tb, k, n, b, ldb);
		rec_sgemm_packed(ta, m, n, k, alpha, a, lda, bp, beta, c, ldc);
		free(bp);
	} else {
		rec_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
	}
	for (int i = 0; i < m; i++) {
		for (int j = 0; j < n; j++) {
			double sum = 0, mag = 0, want;
			size_t at = (size_t)i * ldc + j;
			for (int p = 0; p < k; p++) {
				double t = elem(a, lda, ta, i, p) * elem(b, ldb, tb, p, j);
				sum += t;
				mag += fabs(t);
			}
			want = alpha * sum;
			mag = fabs(alpha) * mag + 1e-30;
			if (beta != 0.0f) {   /* 0 * NaN would poison both */
				want += beta * (double)c0[at];
				mag += fabs(beta * (double)c0[at]);
			}
			if (!(fabs(c[at] - want) <= (k + 2) * 1.2e-7 * mag))
				bad++;
		}
		for (int j = n; j < ldc; j++)   /* past the row: untouched */
			if (c[(size_t)i * ldc + j] != c0[(size_t)i * ldc + j])
				bad++;
	}
	if (bad)
		fprintf(stderr, "sgemm%s %c%c %dx%dx%d alpha %g beta %g: %zu bad\n",
		        packed ? " packed" : "", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n,
		        k, alpha, beta, bad);
	CHECK(bad == 0);
out:
	free(a);
	free(b);
	free(c);
	free(c0);
}

TEST(gemm_matches_naive)
{
	static const int shape[][3] = {   /* m, n, k */
		{ 1, 1, 1 }, { 3, 15, 7 }, { 4, 16, 1 }, { 8, 32, 5 }, { 9, 33, 17 },
		{ 15, 31, 64 }, { 17, 129, 3 }, { 64, 512, 65 }, { 7, 40, 300 },
		{ 33, 160, 257 }, { 256, 128, 192 },
	};
	static const float ab[][2] = { { 1, 0 }, { 1, 1 }, { -0.5f, 2 } };
	struct rec_rng r;

	rec_rng_seed(&r, 11);
	for (size_t s = 0; s < sizeof shape / sizeof shape[0]; s++)
		for (int t = 0; t < 8; t++)
			for (size_t v = 0; v < sizeof ab / sizeof ab[0]; v++)
				check_one(t >> 2, t & 1, t >> 1 & 1, shape[s][0],
				          shape[s][1], shape[s][2], ab[v][0], ab[v][1], &r);
}

/* k = 0: C = beta C, and beta = 0 clears what was there. */
TEST(gemm_empty_sum)
{
	float a[1] = { 5 }, b[1] = { 7 }, c[2] = { 2, NAN };

	rec_sgemm(0, 0, 1, 1, 0, 1.0f, a, 1, b, 1, 3.0f, c, 1);
	CHECK(c[0] == 6.0f);
	rec_sgemm(0, 0, 1, 1, 0, 1.0f, a, 1, b, 1, 0.0f, c + 1, 1);
	CHECK(c[1] == 0.0f);
}

/* Same inputs, same bits, run after run and on any number of threads
 * (the product is large enough to be split into 3 and 2 strips). */
TEST(gemm_repeatable)
{
	enum { M = 67, N = 70, K = 300 };
	static float a[M * K], b[K * N], c1[M * N], c2[M * N];
	struct rec_rng r;

	rec_rng_seed(&r, 3);
	uniform(a, M * K, &r);
	uniform(b, K * N, &r);
	rec_sgemm(0, 1, M, N, K, 1.0f, a, K, b, K, 0.0f, c1, N);
	for (int threads = 1; threads <= 3; threads++) {
		rec_sgemm_set_threads(threads);
		memset(c2, 0, sizeof c2);
		rec_sgemm(0, 1, M, N, K, 1.0f, a, K, b, K, 0.0f, c2, N);
		CHECK(memcmp(c1, c2, sizeof c1) == 0);
	}
	rec_sgemm_set_threads(1);
}

/* A packed B gives what rec_sgemm gives, bit for bit, at the shapes it
 * does not hand to BLAS. */
TEST(gemm_packed_same_bits)
{
	enum { M = 37, N = 70, K = 300 };
	static float a[M * K], b[N * K], bp[96 * K], c1[M * N], c2[M * N];
	struct rec_rng r;

	CHECK(rec_sgemm_packed_len(K, N) <= sizeof bp / sizeof bp[0]);
	rec_rng_seed(&r, 4);
	uniform(a, M * K, &r);
	uniform(b, K * N, &r);
	rec_sgemm(0, 1, M, N, K, 1.0f, a, K, b, K, 0.0f, c1, N);
	rec_sgemm_pack(bp, 1, K, N, b, K);
	rec_sgemm_packed(0, M, N, K, 1.0f, a, K, bp, 0.0f, c2, N);
	CHECK(memcmp(c1, c2, sizeof c1) == 0);
}
