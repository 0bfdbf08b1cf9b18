/*
 * topk.h - the K best of n scores, by partial selection (a size-K heap,
 * O(n log K)), never a full sort.
 */
#ifndef REC_TOPK_H
#define REC_TOPK_H

#include <stddef.h>
#include <stdint.h>

/* out[0..r) = indices of the r = min(k, candidates) highest scores, best
 * first; -INFINITY marks an excluded index (never chosen).  Ties go to
 * the smaller key[idx] (data-set ids, so the order does not depend on
 * how indices were assigned).  Returns r. */
size_t rec_topk(const float *score, const int64_t *key, size_t n, size_t k,
                uint32_t *out);

#endif
