/*
 * scan.c - users' scores against items by register tiles (see scan.h).
 *
 * A strip of up to ROWS users against one or two panels of 16 items: the
 * strip's scores stay in registers (6 x 16 in twelve of AVX2's sixteen,
 * 6 x 32 in twelve AVX-512 ones) while the kernel walks the shared
 * dimension, one broadcast of a user's coordinate and one multiply-add a
 * vector at a time.  The panels go by in the outer loop, so that a
 * panel's items (16 x k floats) stay in the first-level cache while the
 * block's strips pass over them.
 *
 * The order of each sum is gemm.c's (the terms in order from zero, KC at
 * a time, each block's sum then added to the one before) and, as there,
 * a + b * c is fused where the version has FMA: the same bits as
 * rec_sgemm_packed in the same instruction set.
 */
/* Fused wherever the version has FMA, whatever CFLAGS say, as in gemm.c
 * (gcc forms FMAs only in an optimised build). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "fp-contract=fast")
#endif

#include <string.h>

#include "rec/scan.h"
#include "vector.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define SCAN_ISAS 1
#endif

#define INLINE static inline __attribute__((always_inline))

enum {
	PANEL = REC_SCAN_PANEL,
	KC = 256,     /* terms summed before they are added to C: gemm.c's */
	ROWS = 6      /* users a strip, at most */
};

/* One product of rec_scan. */
struct scan {
	int m, n, k, lda, ldc;
	const float *a, *bp;
	float *c;
};

/* The scores of rows [i0, i0 + mr) (mr <= rows <= ROWS) against the
 * panels [j0, j0 + panels PANEL) (the last one may be partly past n) in
 * vectors of type V (L floats): the rows past mr repeat the last one and
 * are not stored.  Defined for each vector width by STRIP. */
#define STRIP(V, L)                                                          \
INLINE void                                                                  \
strip_##V(int rows, int panels, const struct scan *s, int i0, int j0, int mr)\
{                                                                            \
	enum { NV = PANEL / (L) };                                           \
	const int k = s->k, w = s->n - j0 < panels * PANEL ?                 \
	                        s->n - j0 : panels * PANEL;                   \
	const float *ar[ROWS];                                               \
	V acc[ROWS][2 * NV];                                                 \
                                                                             \
	for (int r = 0; r < rows; r++)                                       \
		ar[r] = s->a + (size_t)(i0 + (r < mr ? r : mr - 1)) * s->lda; \
	for (int p0 = 0; p0 < k; p0 += KC) {                                 \
		int p1 = k - p0 < KC ? k : p0 + KC;                          \
		for (int r = 0; r < rows; r++)                               \
			for (int v = 0; v < panels * NV; v++)                \
				acc[r][v] = (V){ 0 };                        \
		for (int p = p0; p < p1; p++) {                              \
			V b[2 * NV];                                         \
			for (int v = 0; v < panels * NV; v++)                \
				memcpy(&b[v], s->bp + (size_t)(j0 + v / NV * PANEL) * k \
				       + (size_t)p * PANEL + v % NV * (L), sizeof b[v]); \
			for (int r = 0; r < rows; r++) {                     \
				float x = ar[r][p];                          \
				for (int v = 0; v < panels * NV; v++)        \
					acc[r][v] += x * b[v];               \
			}                                                    \
		}                                                            \
		/* by rows, to rows (a constant), so that acc[r] stays in  \
		 * registers: stored from them when whole */                \
		_Pragma("GCC unroll 6")                                      \
		for (int r = 0; r < rows && r < mr; r++) {                   \
			float t[2 * PANEL], *cr = s->c + (size_t)(i0 + r) * s->ldc + j0; \
			if (p0 == 0 && w == panels * PANEL) {                \
				for (int v = 0; v < panels * NV; v++) {      \
					V x = acc[r][v];                     \
					memcpy(cr + v * (L), &x, sizeof x);  \
				}                                            \
				continue;                                    \
			}                                                    \
			for (int v = 0; v < panels * NV; v++) {              \
				V x = acc[r][v];                             \
				memcpy(t + v * (L), &x, sizeof x);           \
			}                                                    \
			if (p0 == 0)                                         \
				memcpy(cr, t, (size_t)w * sizeof *cr);       \
			else                                                 \
				for (int j = 0; j < w; j++)                  \
					cr[j] += t[j];                       \
		}                                                            \
	}                                                                    \
}

STRIP(v8, 8)
STRIP(v16, 16)

/* The whole product by strips of rows users against groups of panels
 * panels, in vectors of width lanes; the panel groups outside. */
INLINE void
run(int lanes, int rows, int panels, const struct scan *s)
{
	for (int j0 = 0; j0 < s->n; j0 += panels * PANEL) {
		int whole = s->n - j0 > (panels - 1) * PANEL;
		for (int i0 = 0; i0 < s->m; i0 += rows) {
			int mr = s->m - i0 < rows ? s->m - i0 : rows;
			if (lanes == 16 && whole)
				strip_v16(rows, panels, s, i0, j0, mr);
			else if (lanes == 16)
				strip_v16(rows, 1, s, i0, j0, mr);
			else if (whole)
				strip_v8(rows, panels, s, i0, j0, mr);
			else
				strip_v8(rows, 1, s, i0, j0, mr);
		}
		if (!whole)
			break;
	}
}

typedef void scan_fn(const struct scan *s);

static void
scan_base(const struct scan *s)
{
	run(8, 2, 1, s);
}

#ifdef SCAN_ISAS
__attribute__((target("avx2,fma"))) static void
scan_avx2(const struct scan *s)
{
	run(8, ROWS, 1, s);
}

__attribute__((target("avx512f"))) static void
scan_avx512(const struct scan *s)
{
	run(16, ROWS, 2, s);
}
#endif

/* The version for isa, or NULL: on the same condition as gemm.c's. */
static scan_fn *
version(enum rec_gemm_isa isa)
{
#ifdef SCAN_ISAS
	if (isa == REC_GEMM_AVX512 && __builtin_cpu_supports("avx512f"))
		return scan_avx512;
	if (isa == REC_GEMM_AVX2 && __builtin_cpu_supports("avx2") &&
	    __builtin_cpu_supports("fma"))
		return scan_avx2;
#endif
	return isa == REC_GEMM_BASE ? scan_base : NULL;
}

size_t
rec_scan_packed_len(int k, int n)
{
	if (k <= 0 || n <= 0)
		return 0;
	return ((size_t)n + PANEL - 1) / PANEL * PANEL * (size_t)k;
}

void
rec_scan_pack(float *bp, int k, int n, const float *b, int ldb)
{
	for (int i0 = 0; i0 < n; i0 += PANEL)
		for (int p = 0; p < k; p++)
			for (int l = 0; l < PANEL; l++)
				bp[(size_t)i0 * k + (size_t)p * PANEL + l] = i0 + l < n ?
				    b[(size_t)(i0 + l) * ldb + p] : 0.0f;
}

void
rec_scan(int m, int n, int k, const float *a, int lda, const float *bp,
         float *c, int ldc)
{
	struct scan s = { m, n, k, lda, ldc, a, bp, c };
	scan_fn *f = version(REC_GEMM_AVX512);

	if (!f)
		f = version(REC_GEMM_AVX2);
	(f ? f : scan_base)(&s);
}

int
rec_scan_isa(enum rec_gemm_isa isa, int m, int n, int k, const float *a,
             int lda, const float *bp, float *c, int ldc)
{
	struct scan s = { m, n, k, lda, ldc, a, bp, c };
	scan_fn *fn = version(isa);

	if (!fn)
		return -1;
	fn(&s);
	return 0;
}
