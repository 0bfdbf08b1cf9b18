/*
 * topk.c - partial selection with a min-heap of the best K so far (see
 * topk.h).  The heap's root is the worst of the kept ones; a new index
 * enters only if it beats the root.
 */
#include <math.h>

#include "rec/topk.h"

/* a ranks above b */
static int
above(const float *score, const int64_t *key, uint32_t a, uint32_t b)
{
	return score[a] > score[b] || (score[a] == score[b] && key[a] < key[b]);
}

static void
sift_down(uint32_t *h, size_t n, size_t at, const float *score, const int64_t *key)
{
	for (;;) {
		size_t l = 2 * at + 1, r = l + 1, worst = at;
		if (l < n && above(score, key, h[worst], h[l]))
			worst = l;
		if (r < n && above(score, key, h[worst], h[r]))
			worst = r;
		if (worst == at)
			return;
		uint32_t t = h[at];
		h[at] = h[worst];
		h[worst] = t;
		at = worst;
	}
}

size_t
rec_topk(const float *score, const int64_t *key, size_t n, size_t k,
         uint32_t *out)
{
	size_t len = 0;

	if (k == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (score[i] == -INFINITY)
			continue;
		if (len < k) {
			/* sift up */
			size_t at = len++;
			out[at] = (uint32_t)i;
			while (at > 0 && above(score, key, out[(at - 1) / 2], out[at])) {
				uint32_t t = out[at];
				out[at] = out[(at - 1) / 2];
				out[(at - 1) / 2] = t;
				at = (at - 1) / 2;
			}
		} else if (above(score, key, (uint32_t)i, out[0])) {
			out[0] = (uint32_t)i;
			sift_down(out, len, 0, score, key);
		}
	}
	/* Heap sort in place: the worst goes to the end each time. */
	for (size_t end = len; end > 1; end--) {
		uint32_t t = out[0];
		out[0] = out[end - 1];
		out[end - 1] = t;
		sift_down(out, end - 1, 0, score, key);
	}
	return len;
}
