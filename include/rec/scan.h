/*
 * scan.h - the scores of a block of users against a run of items, for
 * top-K lists by tiles (recommend.c): C = A B^T, A the users' vectors
 * (m, k), B the items' (n, k), with B packed once for every block.
 *
 * Each element is the same float that rec_sgemm_packed (gemm.h) gives
 * for the product (trans_a 0, alpha 1, beta 0, B packed from the items'
 * vectors transposed): the terms summed in order, 256 at a time, fused
 * wherever rec_sgemm fuses (the same instruction set is picked), so
 * lists ranked by either are the same.  Unlike rec_sgemm, its register
 * tiles fit AVX2's sixteen registers.  One thread; never allocates,
 * prints or fails.
 */
#ifndef REC_SCAN_H
#define REC_SCAN_H

#include <stddef.h>

#include "rec/gemm.h"

/* Items are packed by panels of REC_SCAN_PANEL: the items [i0, i0 + n)
 * of a packed B, i0 a multiple of it, start at bp + i0 k. */
enum { REC_SCAN_PANEL = 16 };

/* Floats of B (n, k) packed; rec_scan_pack packs b (row i, item i's k
 * floats, at b + i ldb) into bp, padding the last panel with zeros. */
size_t rec_scan_packed_len(int k, int n);
void rec_scan_pack(float *bp, int k, int n, const float *b, int ldb);

/* C (m, n) = A (m, k, row stride lda) times B^T, B's items at bp (as
 * above), into c with row stride ldc; m, n, k > 0. */
void rec_scan(int m, int n, int k, const float *a, int lda, const float *bp,
              float *c, int ldc);

/* For tests: rec_scan in one instruction set (gemm.h's), or -1 (nothing
 * done) when this build or this CPU cannot. */
int rec_scan_isa(enum rec_gemm_isa isa, int m, int n, int k, const float *a,
                 int lda, const float *bp, float *c, int ldc);

#endif
