/*
 * gemm.c - single-precision matrix product (see gemm.h).
 *
 * The GotoBLAS scheme cut to what small shapes need: a micro-kernel keeps
 * an MR x NR block of C in sixteen 16-float registers (with AVX-512; a
 * quarter of the block at a time in eight 8-float ones below it) while it
 * walks the shared dimension, reading A a column of MR floats at a time
 * and B a row of NR floats.  A not transposed A is read in place, its
 * rows a stride apart; a transposed one is copied a strip of MR rows at
 * a time (in place, each column of the strip would be half a cache line,
 * a whole stored row away from the next: TN runs 25% faster on AVX2
 * copied).  A not transposed B is read in place too; a transposed one is
 * copied in blocks of KC rows by NC columns into panels NR columns wide.
 * The last strip of fewer than MR rows and the last panel of fewer than
 * NR columns are copied, padded with zeros, so the kernel has no edge
 * cases of its own.
 * Shapes that would be mostly padding have loops of their own: fewer
 * than 16 columns (a layer with one output) a dot product an element,
 * fewer than 4 rows (that layer's weight gradient) a row of C at a time.
 * Which loop runs, and so the order of every sum, depends on the shape
 * alone, never on the threads: no product goes to a BLAS, whose result
 * depends on the kernel it picks (OPENBLAS_CORETYPE).
 *
 * Every product is compiled three times, for AVX-512, for AVX2 with FMA
 * (x86-64-v3) and for the base x86-64, and runs as the best the CPU has.
 * Here, unlike in the rest of the library, a + b * c is fused where the
 * instruction set has FMA (fp-contract below): AVX-512 and AVX2 fuse the
 * same operations on the same lanes in the same order, so the two give
 * the same bits (t_gemm runs both); the base version rounds each product
 * first and differs from them in the last bits.
 */
/* Fused wherever the version has FMA, whatever CFLAGS say: gcc forms
 * FMAs only in an optimised build (-O2 and up), so this file is always
 * built at -O3.  clang fuses within an expression at every level. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "fp-contract=fast")
#endif

#include <string.h>

#include "rec/gemm.h"
#include "rec/parallel.h"
#include "vector.h"

/* gcc and clang on x86-64 build the AVX-512 and AVX2 versions;
 * elsewhere there is only the base one. */
#if defined(__GNUC__) && defined(__x86_64__)
#define GEMM_ISAS 1
#endif

/* Everything a product runs is inlined into the version for its
 * instruction set: a call out would run the base code.  (The one call
 * out, to a quarter block, goes to a version of its own.) */
#define INLINE static inline __attribute__((always_inline))

enum {
	MR = 8,     /* rows of C a kernel call computes */
	NR = 32,    /* its columns: two 16-float vectors */
	KC = 256,   /* the shared dimension, a block at a time */
	NC = 128,   /* columns of op(B) packed at a time (KC x NC: 128 KB) */
	NARROW = NR / 2,   /* fewer columns than this: dot products */
	SHORT = MR / 2     /* fewer rows than this: a row at a time */
};

/* One product, C = alpha op(A) op(B) + beta C, with B given (packed ==
 * NULL) or packed whole (rec_sgemm_pack); m, n, k > 0. */
struct job {
	int trans_a, trans_b, m, n, k, lda, ldb, ldc;
	float alpha, beta;
	const float *a, *b, *packed;
	float *c;
};

/* Rows [r0, r1) of C for j, in one instruction set's version. */
typedef void product_fn(const struct job *j, int r0, int r1);

INLINE float
at(const float *x, int ld, int trans, int row, int col)
{
	return trans ? x[(size_t)col * ld + row] : x[(size_t)row * ld + col];
}

/* s + x y, rounded once (fused: the version has FMA) or twice.  Said
 * explicitly: whether gcc fuses a + b * c in a scalar loop depends on how
 * it vectorises the loop, which differs between instruction sets.  (The
 * vector operations, acc += x * b, are fused wherever FMA is.) */
INLINE float
mac(int fused, float s, float x, float y)
{
	return fused ? __builtin_fmaf(x, y, s) : s + x * y;
}

/* v = the len floats x[0], x[s], x[2 s], ..., then zeros to 16 lanes
 * (none for len <= 0, all 16 for len >= 16). */
INLINE void
load16(v16 *v, const float *x, size_t s, int len)
{
	if (s == 1 && len >= 16) {
		memcpy(v, x, sizeof *v);
		return;
	}
	for (int q = 0; q < 16; q++)
		(*v)[q] = q < len ? x[q * s] : 0.0f;
}

/* load16's for 8 lanes. */
INLINE void
load8(v8 *v, const float *x, size_t s, int len)
{
	if (s == 1 && len >= 8) {
		memcpy(v, x, sizeof *v);
		return;
	}
	for (int q = 0; q < 8; q++)
		(*v)[q] = q < len ? x[q * s] : 0.0f;
}

/* op(B)[p0 .. p0+kc) x [j0 .. j0+nc) into panels NR columns wide (the
 * last padded with zeros), panel i at bp + i pstride, its row p at
 * p NR. */
INLINE void
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
 * column by column: the strip the kernel reads when mr < MR or A is
 * transposed. */
INLINE void
pack_a(float *ap, const float *a, int lda, int trans, int i0, int mr,
       int p0, int kc)
{
	for (int p = 0; p < kc; p++)
		for (int r = 0; r < MR; r++)
			ap[(size_t)p * MR + r] = r < mr ?
			    at(a, lda, trans, i0 + r, p0 + p) : 0.0f;
}

/* tile = alpha A B over kc, where row r of the MR x kc block A is
 * a[r * rs + p * cs] and row p of the kc x NR block B is bp[p * bs ...]:
 * the whole block in sixteen 16-float accumulators, one AVX-512 register
 * each. */
INLINE void
block_wide(float tile[MR][NR], const float *a, size_t rs, size_t cs,
           const float *bp, size_t bs, int kc, float alpha)
{
	v16 acc[MR][2] = { { { 0 } } };

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
}

/* The same as block_wide, a quarter of the block (4 rows x 16 columns,
 * eight 8-float accumulators) at a time: AVX2 has sixteen 8-float
 * registers, too few for the whole block, which gcc then keeps in memory
 * (a 30x slower product).  Every element is the same sum, term by term
 * in the same order, so the bits are block_wide's. */
INLINE void
block_quarters(float tile[MR][NR], const float *a, size_t rs, size_t cs,
               const float *bp, size_t bs, int kc, float alpha)
{
	for (int r0 = 0; r0 < MR; r0 += 4)
		for (int j0 = 0; j0 < NR; j0 += 16) {
			v8 acc[4][2] = { { { 0 } } };

			for (int p = 0; p < kc; p++) {
				const float *bq = bp + (size_t)p * bs + j0;
				v8 b0, b1;
				memcpy(&b0, bq, sizeof b0);
				memcpy(&b1, bq + 8, sizeof b1);
#pragma GCC unroll 4
				for (int r = 0; r < 4; r++) {
					float x = a[(r0 + r) * rs + (size_t)p * cs];
					acc[r][0] += x * b0;
					acc[r][1] += x * b1;
				}
			}
			for (int r = 0; r < 4; r++) {
				acc[r][0] *= alpha;
				acc[r][1] *= alpha;
				memcpy(tile[r0 + r] + j0, &acc[r][0], sizeof acc[r][0]);
				memcpy(tile[r0 + r] + j0 + 8, &acc[r][1], sizeof acc[r][1]);
			}
		}
}

/* block_quarters in a function of its own for each version without
 * 16-float registers: inlined into the kernel's loops, gcc 12 keeps the
 * two B vectors on the stack, not in registers (half the speed). */
__attribute__((noinline)) static void
quarters_base(float tile[MR][NR], const float *a, size_t rs, size_t cs,
              const float *bp, size_t bs, int kc, float alpha)
{
	block_quarters(tile, a, rs, cs, bp, bs, kc, alpha);
}

#ifdef GEMM_ISAS
__attribute__((noinline, target("avx2,fma"))) static void
quarters_avx2(float tile[MR][NR], const float *a, size_t rs, size_t cs,
              const float *bp, size_t bs, int kc, float alpha)
{
	block_quarters(tile, a, rs, cs, bp, bs, kc, alpha);
}
#endif

/* C[0 .. mr) x [0 .. nr) = alpha A B + beta C, A and B as block_wide
 * has them; by block_wide where the version has 16-float registers
 * (wide), else by quarters, fused (AVX2) or not (base). */
INLINE void
kernel(int fused, int wide, float *c, int ldc, const float *a, size_t rs,
       size_t cs, const float *bp, size_t bs, int kc, int mr, int nr,
       float alpha, float beta)
{
	float tile[MR][NR];

	if (wide)
		block_wide(tile, a, rs, cs, bp, bs, kc, alpha);
#ifdef GEMM_ISAS
	else if (fused)
		quarters_avx2(tile, a, rs, cs, bp, bs, kc, alpha);
#endif
	else
		quarters_base(tile, a, rs, cs, bp, bs, kc, alpha);
	for (int r = 0; r < mr; r++) {
		float *cr = c + (size_t)r * ldc;
		if (beta == 0.0f)
			memcpy(cr, tile[r], (size_t)nr * sizeof *cr);
		else
			for (int j = 0; j < nr; j++)
				cr[j] = mac(fused, tile[r][j], beta, cr[j]);
	}
}

/* C (m, n) = alpha op(A)[, p0 .. p0+kc) B + beta C, B in panels of NR
 * columns, panel i at bp + i pstride, its rows bs apart: as pack_b
 * leaves them (bs = NR), or B itself when it is not transposed and n is
 * whole panels (pstride = NR, bs = ldb). */
INLINE void
multiply(int fused, int wide, int trans_a, int m, int n, int kc, float alpha,
         const float *a, int lda, int p0, const float *bp, size_t pstride,
         size_t bs, float beta, float *c, int ldc)
{
	_Alignas(64) float ap[MR * KC];

	for (int i0 = 0; i0 < m; i0 += MR) {
		int mr = m - i0 < MR ? m - i0 : MR;
		const float *as = ap;
		size_t rs = 1, cs = MR;

		if (mr < MR || trans_a)
			pack_a(ap, a, lda, trans_a, i0, mr, p0, kc);
		else
			as = a + (size_t)i0 * lda + p0, rs = (size_t)lda, cs = 1;
		for (int j = 0; j < n; j += NR)
			kernel(fused, wide, c + (size_t)i0 * ldc + j, ldc, as, rs, cs,
			       bp + (size_t)(j / NR) * pstride, bs, kc, mr,
			       n - j < NR ? n - j : NR, alpha, beta);
	}
}

/* The blocked product over rows [0, m) of C (B packed whole when packed
 * is not NULL): KC terms of the sum at a time, C's columns a panel of B
 * at a time. */
INLINE void
blocked(int fused, int wide, int trans_a, int trans_b, int m, int n, int k,
        float alpha, const float *a, int lda, const float *b, int ldb,
        const float *packed, float beta, float *c, int ldc)
{
	_Alignas(64) float bp[KC * NC];

	for (int p0 = 0; p0 < k; p0 += KC) {
		int kc = k - p0 < KC ? k - p0 : KC;
		float be = p0 == 0 ? beta : 1.0f;

		for (int j0 = 0, w; j0 < n; j0 += w) {
			const float *panels = bp;
			size_t pstride = (size_t)kc * NR, bs = NR;

			if (packed) {
				w = n;
				panels = packed + (size_t)p0 * NR;
				pstride = (size_t)k * NR;
			} else if (!trans_b && n - j0 >= NR) {   /* B in place */
				w = (n - j0) / NR * NR;
				panels = b + (size_t)p0 * ldb + j0;
				pstride = NR;
				bs = (size_t)ldb;
			} else {
				w = n - j0 < NC ? n - j0 : NC;
				pack_b(bp, pstride, b, ldb, trans_b, p0, kc, j0, w);
			}
			multiply(fused, wide, trans_a, m, w, kc, alpha, a, lda, p0, panels,
			         pstride, bs, be, c + j0, ldc);
		}
	}
}

/* The sum over p < k of x[p xs] y[p ys]: term p in lane p mod 16 of a
 * vector of partial sums (one 16-float vector where the version has
 * them, wide, else two 8-float ones holding the same lanes), the lanes
 * added as vec_sum8x2's tree, then the last k mod 16 terms in order. */
INLINE float
dot(int fused, int wide, const float *x, size_t xs, const float *y,
    size_t ys, int k)
{
	float sum;
	int p = 0;

	if (wide) {
		v16 acc = { 0 };

		for (; p + 16 <= k; p += 16) {
			v16 u, v;
			load16(&u, x + (size_t)p * xs, xs, 16);
			load16(&v, y + (size_t)p * ys, ys, 16);
			acc += u * v;
		}
		sum = vec_sum16(&acc);
	} else {
		v8 lo = { 0 }, hi = { 0 };

		for (; p + 16 <= k; p += 16) {
			v8 u0, u1, v0, v1;
			load8(&u0, x + (size_t)p * xs, xs, 8);
			load8(&u1, x + (size_t)(p + 8) * xs, xs, 8);
			load8(&v0, y + (size_t)p * ys, ys, 8);
			load8(&v1, y + (size_t)(p + 8) * ys, ys, 8);
			lo += u0 * v0;
			hi += u1 * v1;
		}
		sum = vec_sum8x2(&lo, &hi);
	}
	for (; p < k; p++)
		sum = mac(fused, sum, x[(size_t)p * xs], y[(size_t)p * ys]);
	return sum;
}

/* C (m, n) = alpha op(A) op(B) + beta C for n < NARROW: each element the
 * dot product of op(A)'s row and op(B)'s column. */
INLINE void
dots(int fused, int wide, int trans_a, int trans_b, int m, int n, int k,
     float alpha, const float *a, int lda, const float *b, int ldb,
     float beta, float *c, int ldc)
{
	/* op(A)[i][p] is a[i * ia + p * pa], op(B)[p][j] b[p * pb + j * jb] */
	size_t ia = trans_a ? 1 : (size_t)lda, pa = trans_a ? (size_t)lda : 1;
	size_t pb = trans_b ? 1 : (size_t)ldb, jb = trans_b ? (size_t)ldb : 1;

	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			float *cij = c + (size_t)i * ldc + j;
			float sum = alpha * dot(fused, wide, a + (size_t)i * ia, pa,
			                        b + (size_t)j * jb, pb, k);

			*cij = beta == 0.0f ? sum : mac(fused, sum, beta, *cij);
		}
}

/* sums[j] = the sum over p in order of x[p xs] b[p pb + j jb] for the
 * w columns j < w (up to 64): in four 16-float vectors where the version
 * has them (wide), else in eight 8-float ones, the same lanes. */
INLINE void
row_sums(int wide, float sums[64], const float *x, size_t xs,
         const float *b, size_t pb, size_t jb, int k, int w)
{
	if (wide) {
		v16 acc[4] = { { 0 } };

		for (int p = 0; p < k; p++)
			for (int q = 0; q < 4 && 16 * q < w; q++) {
				v16 v;
				load16(&v, b + (size_t)p * pb + (size_t)q * 16 * jb, jb,
				       w - 16 * q);
				acc[q] += x[(size_t)p * xs] * v;
			}
		memcpy(sums, acc, sizeof acc);
	} else {
		v8 acc[8] = { { 0 } };

		for (int p = 0; p < k; p++)
			for (int q = 0; q < 8 && 8 * q < w; q++) {
				v8 v;
				load8(&v, b + (size_t)p * pb + (size_t)q * 8 * jb, jb,
				      w - 8 * q);
				acc[q] += x[(size_t)p * xs] * v;
			}
		memcpy(sums, acc, sizeof acc);
	}
}

/* C (m, n) = alpha op(A) op(B) + beta C for m < SHORT: a row of C 64
 * columns at a time, each element summed over p in order. */
INLINE void
rows_of_c(int fused, int wide, int trans_a, int trans_b, int m, int n,
          int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc)
{
	/* op(A)[i][p] is a[i * ia + p * pa], op(B)[p][j] b[p * pb + j * jb] */
	size_t ia = trans_a ? 1 : (size_t)lda, pa = trans_a ? (size_t)lda : 1;
	size_t pb = trans_b ? 1 : (size_t)ldb, jb = trans_b ? (size_t)ldb : 1;

	for (int i = 0; i < m; i++)
		for (int j0 = 0; j0 < n; j0 += 64) {
			int w = n - j0 < 64 ? n - j0 : 64;
			const float *x = a + (size_t)i * ia, *bj = b + (size_t)j0 * jb;
			float *ci = c + (size_t)i * ldc + j0;
			_Alignas(64) float sums[64];

			if (jb == 1 && w == 64)   /* whole rows of B: plain loads */
				row_sums(wide, sums, x, pa, bj, pb, 1, k, 64);
			else
				row_sums(wide, sums, x, pa, bj, pb, jb, k, w);
			for (int j = 0; j < w; j++) {
				float sum = alpha * sums[j];
				ci[j] = beta == 0.0f ? sum : mac(fused, sum, beta, ci[j]);
			}
		}
}

/* Rows [r0, r1) of C for j, fused or not.  The loop is chosen by the
 * whole product's shape, so that a strip of rows gets the bits it gets
 * alone. */
INLINE void
product(int fused, int wide, const struct job *j, int r0, int r1)
{
	const float *a = j->a + (j->trans_a ? (size_t)r0 : (size_t)r0 * j->lda);
	float *c = j->c + (size_t)r0 * j->ldc;
	int m = r1 - r0;

	if (j->packed || (j->n >= NARROW && j->m >= SHORT))
		blocked(fused, wide, j->trans_a, j->trans_b, m, j->n, j->k, j->alpha, a,
		        j->lda, j->b, j->ldb, j->packed, j->beta, c, j->ldc);
	else if (j->n < NARROW)
		dots(fused, wide, j->trans_a, j->trans_b, m, j->n, j->k, j->alpha,
		     a, j->lda, j->b, j->ldb, j->beta, c, j->ldc);
	else
		rows_of_c(fused, wide, j->trans_a, j->trans_b, m, j->n, j->k,
		          j->alpha, a, j->lda, j->b, j->ldb, j->beta, c, j->ldc);
}

static void
product_base(const struct job *j, int r0, int r1)
{
	product(0, 0, j, r0, r1);
}

#ifdef GEMM_ISAS
__attribute__((target("avx2,fma"))) static void
product_avx2(const struct job *j, int r0, int r1)
{
	product(1, 0, j, r0, r1);
}

__attribute__((target("avx512f"))) static void
product_avx512(const struct job *j, int r0, int r1)
{
	product(1, 1, j, r0, r1);
}
#endif

/* The version for isa, or NULL when this build or this CPU has none. */
static product_fn *
version(enum rec_gemm_isa isa)
{
#ifdef GEMM_ISAS
	if (isa == REC_GEMM_AVX512 && __builtin_cpu_supports("avx512f"))
		return product_avx512;
	if (isa == REC_GEMM_AVX2 && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		return product_avx2;
#endif
	return isa == REC_GEMM_BASE ? product_base : NULL;
}

/* The best version this CPU runs. */
static product_fn *
best(void)
{
	product_fn *f = version(REC_GEMM_AVX512);

	if (!f)
		f = version(REC_GEMM_AVX2);
	return f ? f : product_base;
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

/* A product and its version, cut into parts by strips of MR rows for
 * rec_parallel_for. */
struct run {
	const struct job *job;
	product_fn *fn;
};

static void
part(void *arg, size_t beg, size_t end, int t)
{
	const struct run *run = arg;
	int m = run->job->m;
	int r0 = (int)beg * MR, r1 = (int)end * MR < m ? (int)end * MR : m;

	(void)t;
	if (r1 > r0)
		run->fn(run->job, r0, r1);
}

/* j by fn on one thread, or on strips spread over up to threads threads
 * when the product is worth it (a few hundred thousand multiply-adds a
 * thread). */
static void
spread(const struct job *j, product_fn *fn, int threads)
{
	struct run run = { j, fn };
	size_t strips = ((size_t)j->m + MR - 1) / MR;
	int parts = threads < 1 ? 1 : threads;

	if (j->m <= 0 || j->n <= 0)
		return;
	if (j->k <= 0) {
		scale(j->m, j->n, j->beta, j->c, j->ldc);
		return;
	}
	if ((double)j->m * j->n * j->k < 262144.0 * parts)
		parts = 1;
	if ((size_t)parts > strips)
		parts = (int)strips;
	if (parts <= 1)
		fn(j, 0, j->m);
	else
		rec_parallel_for(strips, parts, part, &run);
}

void
rec_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
          const float *a, int lda, const float *b, int ldb, float beta,
          float *c, int ldc, int threads)
{
	struct job j = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta,
	                 a, b, NULL, c };

	spread(&j, best(), threads);
}

int
rec_sgemm_isa(enum rec_gemm_isa isa, int trans_a, int trans_b, int m, int n,
              int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc)
{
	struct job j = { trans_a, trans_b, m, n, k, lda, ldb, ldc, alpha, beta,
	                 a, b, NULL, c };
	product_fn *fn = version(isa);

	if (!fn)
		return -1;
	spread(&j, fn, 1);
	return 0;
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
                 float *c, int ldc, int threads)
{
	struct job j = { trans_a, 0, m, n, k, lda, 0, ldc, alpha, beta, a, NULL,
	                 bp, c };

	spread(&j, best(), threads);
}
