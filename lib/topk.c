/*
 * topk.c - partial selection with a min-heap of the best K so far (see
 * topk.h).  The heap's root is the worst of the kept ones; a new index
 * enters only if it beats the root.  Once the heap is full, the scores
 * go by in chunks of 64 whose maximum (a vectorised loop) is compared
 * with the root's score: most chunks hold nothing that could enter and
 * are passed over whole.
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

enum { CHUNK = 64, LANES = 8 };

/* The largest of CHUNK scores, NaN ignored (per lane: s > m ? s : m,
 * which vectorises to max instructions). */
static float
chunk_max(const float *s)
{
	float m[LANES], best;

	for (int l = 0; l < LANES; l++)
		m[l] = s[l];
	for (int c = LANES; c < CHUNK; c += LANES)
		for (int l = 0; l < LANES; l++)
			m[l] = s[c + l] > m[l] ? s[c + l] : m[l];
	best = m[0];
	for (int l = 1; l < LANES; l++)
		best = m[l] > best ? m[l] : best;
	return best;
}

size_t
rec_topk(const float *score, const int64_t *key, size_t n, size_t k,
         uint32_t *out)
{
	size_t len = 0;

	if (k == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		/* a chunk all below the root cannot change the heap (a tie
		 * might, by its key, so ties take the slow way) */
		while (len == k && i % CHUNK == 0 && i + CHUNK <= n &&
		       chunk_max(score + i) < score[out[0]])
			i += CHUNK;
		if (i >= n)
			break;
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
