/*
 * gemm.c - single-precision matrix product (see gemm.h).
 *
 * The GotoBLAS scheme cut to what small shapes need: a micro-kernel keeps
 * an MR x NR block of C in sixteen 16-float registers while it walks the
 * shared dimension, reading A in place through a row and a column stride
 * (a transpose costs nothing) and B a row of NR floats at a time.  A not
 * transposed B is read in place too; a transposed one is copied in
 * blocks of KC rows by NC columns into panels NR columns wide.  The last
 * strip of fewer than MR rows and the last panel of fewer than NR
 * columns are copied, padded with zeros, so the kernel has no edge cases
 * of its own.
 * Shapes that would be mostly padding (fewer than 16 columns or 4 rows)
 * go to cblas_sgemm.
 *
 * The kernel is cloned for AVX-512 and AVX2 (gcc's ifunc), and a + b * c
 * may be fused here (fp-contract below), unlike in the rest of the
 * library: the lanes and the order of the sums are fixed, so a machine
 * gets the same numbers on every run, though an AVX-512 machine and one
 * without FMA differ in the last bits, as two BLAS kernels do.
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")   /* clang contracts by default */
#endif

#include <cblas.h>
#include <string.h>

#include "rec/gemm.h"
#include "rec/parallel.h"
#include "rec/vector.h"

enum {
	MR = 8,     /* rows of C a kernel call computes */
	NR = 32,    /* its columns: two 16-float vectors */
	KC = 256,   /* the shared dimension, a block at a time */
	NC = 128    /* columns of op(B) packed at a time (KC x NC: 128 KB) */
};

static float
at(const float *x, int ld, int trans, int row, int col)
{
	return trans ? x[(size_t)col * ld + row] : x[(size_t)row * ld + col];
}

/* op(B)[p0 .. p0+kc) x [j0 .. j0+nc) into panels NR columns wide (the
 * last padded with zeros), panel i at bp + i pstride, its row p at
 * p NR. */
static void
pack_b(float *bp, size_t pstride, const float *b, int ldb, int trans,
       int p0, int kc, int j0, int nc)
{
	for (int j = 0; j < nc; j += NR) {
		int w = nc - j < NR ? nc - j : NR;
		float *panel = bp + (size_t)(j / NR) * pstride;

		for (int p = 0; p < kc; p++) {
			float *dst = panel + (size_t)p * NR;
			if (!trans)
				memcpy(dst, b + (size_t)(p0 + p) * ldb + j0 + j,
				       (size_t)w * sizeof *dst);
			else
				for (int q = 0; q < w; q++)
					dst[q] = b[(size_t)(j0 + j + q) * ldb + p0 + p];
			memset(dst + w, 0, (size_t)(NR - w) * sizeof *dst);
		}
	}
}

/* ap = op(A)[i0 .. i0+mr) x [p0 .. p0+kc) padded with zero rows to MR,
 * column by column: the strip the kernel reads when mr < MR. */
static void
pack_a(float *ap, const float *a, int lda, int trans, int i0, int mr,
       int p0, int kc)
{
	for (int p = 0; p < kc; p++)
		for (int r = 0; r < MR; r++)
			ap[(size_t)p * MR + r] = r < mr ?
			    at(a, lda, trans, i0 + r, p0 + p) : 0.0f;
}

/* C[0 .. mr) x [0 .. nr) = alpha A B + beta C, over kc, where row r
 * of the MR x kc block A is a[r * rs + p * cs] and row p of the kc x NR
 * block B is bp[p * bs ...]. */
VECTOR_CLONES static void
kernel(float *c, int ldc, const float *a, size_t rs, size_t cs,
       const float *bp, size_t bs, int kc, int mr, int nr, float alpha,
       float beta)
{
	v16 acc[MR][2] = { { { 0 } } };
	float tile[MR][NR];

	for (int p = 0; p < kc; p++) {
		v16 b0, b1;
		memcpy(&b0, bp + (size_t)p * bs, sizeof b0);
		memcpy(&b1, bp + (size_t)p * bs + 16, sizeof b1);
#pragma GCC unroll 8
		for (int r = 0; r < MR; r++) {
			float x = a[r * rs + (size_t)p * cs];
			acc[r][0] += x * b0;
			acc[r][1] += x * b1;
		}
	}
	for (int r = 0; r < MR; r++) {
		acc[r][0] *= alpha;
		acc[r][1] *= alpha;
		memcpy(tile[r], &acc[r][0], sizeof acc[r][0]);
		memcpy(tile[r] + 16, &acc[r][1], sizeof acc[r][1]);
	}
	for (int r = 0; r < mr; r++) {
		float *cr = c + (size_t)r * ldc;
		if (beta == 0.0f)
			memcpy(cr, tile[r], (size_t)nr * sizeof *cr);
		else
			for (int j = 0; j < nr; j++)
				cr[j] = tile[r][j] + beta * cr[j];
	}
}

/* C (m, n) = alpha op(A)[, p0 .. p0+kc) B + beta C, B in panels of NR
 * columns, panel i at bp + i pstride, its rows bs apart: as pack_b
 * leaves them (bs = NR), or B itself when it is not transposed and n is
 * whole panels (pstride = NR, bs = ldb). */
static void
multiply(int trans_a, int m, int n, int kc, float alpha, const float *a,
         int lda, int p0, const float *bp, size_t pstride, size_t bs,
         float beta, float *c, int ldc)
{
	_Alignas(64) float ap[MR * KC];

	for (int i0 = 0; i0 < m; i0 += MR) {
		int mr = m - i0 < MR ? m - i0 : MR;
		const float *as = ap;
		size_t rs = 1, cs = MR;

		if (mr < MR)
			pack_a(ap, a, lda, trans_a, i0, mr, p0, kc);
		else if (trans_a)
			as = a + (size_t)p0 * lda + i0, cs = (size_t)lda;
		else
			as = a + (size_t)i0 * lda + p0, rs = (size_t)lda, cs = 1;
		for (int j = 0; j < n; j += NR)
			kernel(c + (size_t)i0 * ldc + j, ldc, as, rs, cs,
			       bp + (size_t)(j / NR) * pstride, bs, kc, mr,
			       n - j < NR ? n - j : NR, alpha, beta);
	}
}

/* k <= 0: C = beta C. */
static void
scale(int m, int n, float beta, float *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float *x = &c[(size_t)i * ldc + j];
			*x = beta == 0.0f ? 0.0f : beta * *x;
		}
}

/* The product over rows [0, m) of C with B given (packed == NULL) or
 * packed whole (rec_sgemm_pack); m, n, k > 0 and not a BLAS shape. */
static void
rows(int trans_a, int trans_b, int m, int n, int k, float alpha,
     const float *a, int lda, const float *b, int ldb, const float *packed,
     float beta, float *c, int ldc)
{
	_Alignas(64) float bp[KC * NC];

	for (int p0 = 0; p0 < k; p0 += KC) {
		int kc = k - p0 < KC ? k - p0 : KC;
		float be = p0 == 0 ? beta : 1.0f;
		int j0 = 0;

		if (packed) {
			multiply(trans_a, m, n, kc, alpha, a, lda, p0,
			         packed + (size_t)p0 * NR, (size_t)k * NR, NR, be, c,
			         ldc);
			continue;
		}
		if (!trans_b) {   /* whole panels straight from B */
			j0 = n / NR * NR;
			multiply(trans_a, m, j0, kc, alpha, a, lda, p0,
			         b + (size_t)p0 * ldb, NR, (size_t)ldb, be, c, ldc);
		}
		for (; j0 < n; j0 += NC) {
			int nc = n - j0 < NC ? n - j0 : NC;
			pack_b(bp, (size_t)kc * NR, b, ldb, trans_b, p0, kc, j0, nc);
			multiply(trans_a, m, nc, kc, alpha, a, lda, p0, bp,
			         (size_t)kc * NR, NR, be, c + j0, ldc);
		}
	}
}

static int threads = 1;

void
rec_sgemm_set_threads(int n)
{
	threads = n < 1 ? 1 : n;
}

/* One product cut into parts by strips of MR rows, for rec_parallel_for. */
struct job {
	int trans_a, trans_b, m, n, k, lda, ldb, ldc;
	float alpha, beta;
	const float *a, *b, *packed;
	float *c;
};

static void
part(void *arg, size_t beg, size_t end, int t)
{
	const struct job *j = arg;
	int r0 = (int)beg * MR, r1 = (int)end * MR < j->m ? (int)end * MR : j->m;

	(void)t;
	if (r1 > r0)
		rows(j->trans_a, j->trans_b, r1 - r0, j->n, j->k, j->alpha,
		     j->a + (j->trans_a ? (size_t)r0 : (size_t)r0 * j->lda), j->lda,
		     j->b, j->ldb, j->packed, j->beta, j->c + (size_t)r0 * j->ldc,
		     j->ldc);
}

/* rows() on one thread, or on strips spread over the threads when the
 * product is worth it (a few hundred thousand multiply-adds a thread). */
static void
spread(const struct job *j)
{
	size_t strips = ((size_t)j->m + MR - 1) / MR;
	int parts = threads;

	if ((double)j->m * j->n * j->k < 262144.0 * parts)
		parts = 1;
	if ((size_t)parts > strips)
		parts = (int)strips;
	if (parts <= 1)
		rows(j->trans_a, j->trans_b, j->m, j->n, j->k, j->alpha, j->a,
		     j->lda, j->b, j->ldb, j->packed, j->beta, j->c, j->ldc);
	else
		rec_parallel_for(strips, parts, part, (void *)j);
}

void
rec_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta,
          float *c, int ldc)
{
	struct job j = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta,
	                 a, b, NULL, c };

	if (m <= 0 || n <= 0)
		return;
	if (k <= 0) {
		scale(m, n, beta, c, ldc);
		return;
	}
	if (n < NR / 2 || m < MR / 2) {   /* mostly padding: leave it to BLAS */
		cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
		            trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a,
		            lda, b, ldb, beta, c, ldc);
		return;
	}
	spread(&j);
}

size_t
rec_sgemm_packed_len(int k, int n)
{
	if (k <= 0 || n <= 0)
		return 0;
	return ((size_t)n + NR - 1) / NR * NR * (size_t)k;
}

void
rec_sgemm_pack(float *bp, int trans_b, int k, int n, const float *b, int ldb)
{
	if (k > 0 && n > 0)
		pack_b(bp, (size_t)k * NR, b, ldb, trans_b, 0, k, 0, n);
}

void
rec_sgemm_packed(int trans_a, int m, int n, int k, float alpha,
                 const float *a, int lda, const float *bp, float beta,
                 float *c, int ldc)
{
	struct job j = { trans_a, 0, m, n, k, lda, 0, ldc, alpha, beta, a, NULL,
	                 bp, c };

	if (m <= 0 || n <= 0)
		return;
	if (k <= 0) {
		scale(m, n, beta, c, ldc);
		return;
	}
	spread(&j);
}
