/*
 * gemm.h - single-precision matrix product for the small, skinny shapes
 * of the neural layers (a batch of 64 to a few thousand rows against
 * weights of a few hundred columns), where a BLAS spends much of its time
 * deciding, copying and waking threads.
 *
 * rec_sgemm computes, like cblas_sgemm with CblasRowMajor,
 *
 *     C = alpha op(A) op(B) + beta C
 *
 * where op(X) is X or its transpose (trans_a, trans_b nonzero), C is
 * (m, n) with row stride ldc, op(A) is (m, k) and op(B) is (k, n); A and
 * B are row-major with row strides lda and ldb.  A product large enough
 * to gain from it is cut into strips of rows run on threads threads (1
 * to 64; below 1, 1) through rec_parallel_for.  beta = 0 never reads C
 * (it may hold anything).  Sizes <= 0 do nothing but the beta scaling
 * (k <= 0 gives C = beta C).  C must not overlap A or B.
 *
 * Each element is summed in an order that depends only on the shape (m,
 * n, k and the transposes), so the result is the same from run to run,
 * for any number of threads, and on every CPU that has AVX2 and FMA
 * (x86-64-v3; one without differs in the last bits): no product goes to
 * a BLAS.  Never allocates (it packs blocks into about 150 KB of stack),
 * prints or fails.
 */
#ifndef REC_GEMM_H
#define REC_GEMM_H

#include <stddef.h>

void rec_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
               const float *a, int lda, const float *b, int ldb, float beta,
               float *c, int ldc, int threads);

/*
 * The same with op(B) copied once into the kernel's layout, for a B that
 * many products share (an LSTM's recurrent weights, step after step):
 * rec_sgemm_pack fills bp, rec_sgemm_packed_len(k, n) floats, from B as
 * rec_sgemm reads it; rec_sgemm_packed then computes what rec_sgemm
 * would with that B (to the same bits, for shapes of 4 rows and 16
 * columns or more).
 */
size_t rec_sgemm_packed_len(int k, int n);
void rec_sgemm_pack(float *bp, int trans_b, int k, int n, const float *b,
                    int ldb);
void rec_sgemm_packed(int trans_a, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *bp, float beta,
                      float *c, int ldc, int threads);

/*
 * For tests: the instruction sets a product is compiled for, best first
 * (AVX-512; AVX2 with FMA; the base one: plain x86-64, or what the build
 * targets on another processor), and rec_sgemm run in one of them on
 * one thread, or -1 (nothing done) when this build or this CPU cannot.
 * The first two give the same bits.
 */
enum rec_gemm_isa { REC_GEMM_AVX512, REC_GEMM_AVX2, REC_GEMM_BASE };
int rec_sgemm_isa(enum rec_gemm_isa isa, int trans_a, int trans_b, int m,
                  int n, int k, float alpha, const float *a, int lda,
                  const float *b, int ldb, float beta, float *c, int ldc);

#endif
