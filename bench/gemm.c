/*
 * gemm - rec_sgemm against cblas_sgemm on the neural layers' shapes, on
 * the same inputs in the same run: for each shape the largest difference
 * of the two results, then GFLOP/s and microseconds a call of each, then
 * of rec_sgemm on 2 threads.
 *
 *	gemm
 *
 * Shapes (op(A) m x k times op(B) k x n, N = not transposed, T =
 * transposed): NCF's MLP forward and backward at batch 256 and its
 * side-feature projection; the LSTM's step (64 sequences, 4 x 128 gates)
 * and its input part; AttnGraphRec's head at batch 1024 and its
 * attention's projection of the 4 layers of 1024 nodes to 32; and the
 * narrow ones: NCF's output layer forward and its weight gradient at
 * batch 256, the LSTM's at 1600 rows.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rec/gemm.h"
#include "rec/rng.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Seconds a call of the product, over about 0.3 s of calls: BLAS's, or
 * rec_sgemm's on threads threads. */
static double
timed(int blas, int threads, int ta, int tb, int m, int n, int k,
      const float *a, const float *b, float *c)
{
	int lda = ta ? m : k, ldb = tb ? k : n;
	long reps = (long)(6e8 / (2.0 * m * n * k)) + 1;
	double t0 = now();

	for (long r = 0; r < reps; r++)
		if (blas)
			cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
			            tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
			            lda, b, ldb, 1.0f, c, n);
		else
			rec_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 1.0f, c, n,
			          threads);
	return (now() - t0) / (double)reps;
}

int
main(void)
{
	static const int shape[][5] = {   /* trans a, trans b, m, n, k */
		{ 0, 1, 256, 128, 192 }, { 0, 0, 256, 192, 128 },
		{ 1, 0, 128, 192, 256 }, { 0, 1, 256, 64, 220 },
		{ 0, 1, 64, 512, 128 }, { 0, 1, 3200, 512, 64 },
		{ 0, 1, 1024, 128, 192 }, { 1, 0, 128, 192, 1024 },
		{ 0, 0, 1024, 192, 128 }, { 0, 1, 1024, 64, 128 },
		{ 0, 1, 4096, 32, 64 }, { 0, 0, 4096, 64, 32 },
		{ 1, 0, 32, 64, 4096 }, { 0, 1, 256, 1, 96 }, { 1, 0, 1, 96, 256 },
		{ 0, 1, 1600, 1, 64 }, { 1, 0, 1, 64, 1600 },
	};
	struct rec_rng r;

	rec_rng_seed(&r, 1);
	printf("shape\tmax_diff\tblas_gflops\trec_gflops\trec2_gflops\t"
	       "blas_us\trec_us\trec2_us\n");
	for (size_t s = 0; s < sizeof shape / sizeof shape[0]; s++) {
		int ta = shape[s][0], tb = shape[s][1];
		int m = shape[s][2], n = shape[s][3], k = shape[s][4];
		size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
		float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
		float *c1 = calloc(nc, sizeof *c1), *c2 = calloc(nc, sizeof *c2);
		double diff = 0, t[3], flop = 2.0 * m * n * k;

		if (!a || !b || !c1 || !c2) {
			fprintf(stderr, "gemm: out of memory\n");
			return 1;
		}
		for (size_t j = 0; j < na; j++)
			a[j] = (float)rec_rng_uniform(&r) - 0.5f;
		for (size_t j = 0; j < nb; j++)
			b[j] = (float)rec_rng_uniform(&r) - 0.5f;
		cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
		            tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
		            ta ? m : k, b, tb ? k : n, 0.0f, c1, n);
		rec_sgemm(ta, tb, m, n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f,
		          c2, n, 1);
		for (size_t j = 0; j < nc; j++)
			diff = fmax(diff, fabs((double)c1[j] - c2[j]));
		t[0] = timed(1, 1, ta, tb, m, n, k, a, b, c1);
		t[1] = timed(0, 1, ta, tb, m, n, k, a, b, c2);
		t[2] = timed(0, 2, ta, tb, m, n, k, a, b, c2);
		printf("%c%c %dx%dx%d\t%.1e\t%.0f\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\n",
		       ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, diff,
		       flop / t[0] * 1e-9, flop / t[1] * 1e-9, flop / t[2] * 1e-9,
		       t[0] * 1e6, t[1] * 1e6, t[2] * 1e6);
		free(a);
		free(b);
		free(c1);
		free(c2);
	}
	return 0;
}
