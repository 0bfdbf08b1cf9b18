/*
 * topk.h - the K best of n scores, by partial selection (a size-K heap,
 * O(n log K)), never a full sort; the scores may come a piece at a time
 * (top-K lists by tiles, recommend.c), never all in memory at once.
 */
#ifndef REC_TOPK_H
#define REC_TOPK_H

#include <stddef.h>
#include <stdint.h>

/* A list being selected: up to k (index, score) pairs, in the caller's
 * arrays idx and score (k each).  Start it as { idx, score, k, 0 }. */
struct rec_topk_list {
	uint32_t *idx;
	float *score;
	size_t k, len;
};

/* Offer indices i0 .. i0 + n, of scores score[0 .. n), to l: the list
 * keeps the k highest of all it was offered; -INFINITY marks an
 * excluded index (never kept).  Ties go to the smaller key[idx]
 * (data-set ids, so the order does not depend on how indices were
 * assigned).  Offer the indices in increasing order, each once: the
 * result is then that of one offer of them all. */
void rec_topk_offer(struct rec_topk_list *l, const float *score,
                    const int64_t *key, uint32_t i0, size_t n);

/* After the last offer: l's pairs best first (l->len of them, the
 * min(k, candidates) best). */
void rec_topk_sort(struct rec_topk_list *l, const int64_t *key);

#endif
