/* t_gemm.c - rec_sgemm and rec_sgemm_packed against a naive loop in
 * double: the four transposes, sizes on both sides of every block edge
 * (MR 8, NR 32, KC 256, NC 128) and of the narrow loops (16 columns, 4
 * rows), row strides wider than the rows, alpha and beta, beta = 0 over
 * NaN, and k = 0.  Then every instruction set's version against the
 * order gemm.c documents, to the bit. */
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
		rec_sgemm_packed(ta, m, n, k, alpha, a, lda, bp, beta, c, ldc, 1);
		free(bp);
	} else {
		rec_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1);
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

	rec_sgemm(0, 0, 1, 1, 0, 1.0f, a, 1, b, 1, 3.0f, c, 1, 1);
	CHECK(c[0] == 6.0f);
	rec_sgemm(0, 0, 1, 1, 0, 1.0f, a, 1, b, 1, 0.0f, c + 1, 1, 1);
	CHECK(c[1] == 0.0f);
}

/* Same inputs, same bits, run after run and on any number of threads:
 * a product large enough to be cut into 3 and 2 strips, and one with 3
 * columns (dot products) whose strips end inside the rows. */
TEST(gemm_repeatable)
{
	static const int shape[][3] = { { 67, 70, 300 }, { 4099, 3, 100 } };
	static float a[4099 * 300], b[300 * 70], c1[4099 * 70], c2[4099 * 70];
	struct rec_rng r;

	rec_rng_seed(&r, 3);
	uniform(a, sizeof a / sizeof a[0], &r);
	uniform(b, sizeof b / sizeof b[0], &r);
	for (size_t s = 0; s < sizeof shape / sizeof shape[0]; s++) {
		int m = shape[s][0], n = shape[s][1], k = shape[s][2];
		size_t bytes = (size_t)m * n * sizeof c1[0];

		rec_sgemm(0, 1, m, n, k, 1.0f, a, k, b, k, 0.0f, c1, n, 1);
		for (int threads = 1; threads <= 3; threads++) {
			memset(c2, 0, bytes);
			rec_sgemm(0, 1, m, n, k, 1.0f, a, k, b, k, 0.0f, c2, n, threads);
			CHECK(memcmp(c1, c2, bytes) == 0);
		}
	}
}

/* A packed B gives what rec_sgemm gives, bit for bit, at the shapes of
 * the blocked loop (4 rows and 16 columns or more). */
TEST(gemm_packed_same_bits)
{
	enum { M = 37, N = 70, K = 300 };
	static float a[M * K], b[N * K], bp[96 * K], c1[M * N], c2[M * N];
	struct rec_rng r;

	CHECK(rec_sgemm_packed_len(K, N) <= sizeof bp / sizeof bp[0]);
	rec_rng_seed(&r, 4);
	uniform(a, M * K, &r);
	uniform(b, K * N, &r);
	rec_sgemm(0, 1, M, N, K, 1.0f, a, K, b, K, 0.0f, c1, N, 1);
	rec_sgemm_pack(bp, 1, K, N, b, K);
	rec_sgemm_packed(0, M, N, K, 1.0f, a, K, bp, 0.0f, c2, N, 1);
	CHECK(memcmp(c1, c2, sizeof c1) == 0);
}

/* x y + s rounded once (fused) or the product rounded first */
static float
mac(int fused, float s, float x, float y)
{
	return fused ? fmaf(x, y, s) : s + x * y;
}

/* Element (i, j) of alpha op(A) op(B) + beta c, summed in the order
 * gemm.c gives it for the shape: fewer than 16 columns, 16 lanes of
 * partial sums (term p in lane p % 16) added as a tree of halves, then
 * the rest in order; fewer than 4 rows, in order; else in order a block
 * of 256 terms at a time, each block's alpha sum added to C. */
static float
in_order(int fused, int ta, int tb, int m, int n, int k, float alpha,
         const float *a, int lda, const float *b, int ldb, float beta,
         float c, int i, int j)
{
	int block = n < 16 ? k : m < 4 ? k : 256;
	float sum;

	for (int p0 = 0; p0 < k || p0 == 0; p0 += block) {
		int end = p0 + block < k ? p0 + block : k, p = p0;
		float s = 0, be = p0 == 0 ? beta : 1.0f;

		if (n < 16) {
			float lane[16] = { 0 };
			for (; p + 16 <= k; p += 16)
				for (int l = 0; l < 16; l++)
					lane[l] = mac(fused, lane[l],
					              (float)elem(a, lda, ta, i, p + l),
					              (float)elem(b, ldb, tb, p + l, j));
			for (int w = 8; w >= 2; w /= 2)
				for (int l = 0; l < w; l++)
					lane[l] += lane[l + w];
			s = lane[0] + lane[1];
		}
		for (; p < end; p++)
			s = mac(fused, s, (float)elem(a, lda, ta, i, p),
			        (float)elem(b, ldb, tb, p, j));
		sum = alpha * s;
		c = be == 0.0f ? sum : mac(fused, sum, be, c);
	}
	return c;
}

/* Every version this CPU runs (the base one always) gives in_order's
 * bits, fused where it has FMA: the AVX-512 and AVX2 versions agree. */
TEST(gemm_versions_in_order)
{
	static const int ms[] = { 1, 3, 4, 9 }, ns[] = { 1, 7, 15, 16, 33, 130 };
	static const int ks[] = { 1, 16, 37, 256, 300 };
	static const float ab[][2] = { { 1, 0 }, { 1, 1 }, { -0.5f, 2 } };
	static const char *name[] = { "avx512", "avx2", "base" };
	struct rec_rng r;

	rec_rng_seed(&r, 12);
	for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++) {
		size_t bad = 0, ran = 0;
		for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
		for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
		for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
		for (int t = 0; t < 4; t++)
		for (size_t v = 0; v < sizeof ab / sizeof ab[0]; v++) {
			int m = ms[mi], n = ns[ni], k = ks[ki], ta = t & 1, tb = t >> 1;
			int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2, ldc = n + 3;
			float alpha = ab[v][0], beta = ab[v][1];
			float *a = malloc((size_t)(ta ? k : m) * lda * sizeof *a);
			float *b = malloc((size_t)(tb ? n : k) * ldb * sizeof *b);
			float *c = malloc((size_t)m * ldc * sizeof *c);
			float *c0 = malloc((size_t)m * ldc * sizeof *c0);

			CHECK(a && b && c && c0);
			if (a && b && c && c0) {
				uniform(a, (size_t)(ta ? k : m) * lda, &r);
				uniform(b, (size_t)(tb ? n : k) * ldb, &r);
				uniform(c0, (size_t)m * ldc, &r);
				memcpy(c, c0, (size_t)m * ldc * sizeof *c);
				if (rec_sgemm_isa(isa, ta, tb, m, n, k, alpha, a, lda, b,
				                  ldb, beta, c, ldc) == 0) {
					ran++;
					for (int i = 0; i < m; i++)
						for (int j = 0; j < n; j++) {
							size_t o = (size_t)i * ldc + j;
							float want = in_order(isa != REC_GEMM_BASE, ta,
							                      tb, m, n, k, alpha, a, lda,
							                      b, ldb, beta, c0[o], i, j);
							bad += memcmp(&c[o], &want, sizeof want) != 0;
						}
				}
			}
			free(a);
			free(b);
			free(c);
			free(c0);
		}
		if (!ran)
			fprintf(stderr, "gemm: no %s version in this build or CPU\n",
			        name[isa]);
		if (bad)
			fprintf(stderr, "gemm %s: %zu elements out of order\n",
			        name[isa], bad);
		CHECK(bad == 0);
		CHECK(ran > 0 || isa != REC_GEMM_BASE);
	}
}
