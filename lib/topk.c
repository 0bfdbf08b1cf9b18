/*
 * topk.c - partial selection with a min-heap of the best K so far (see
 * topk.h).  The heap's root is the worst of the kept ones; a new index
 * enters only if it beats the root.  Once the heap is full, the scores
 * go by in chunks of 64 whose maximum (a vectorised loop) is compared
 * with the root's score: most chunks hold nothing that could enter and
 * are passed over whole; in the others, vectors of 16 the same way, and
 * in a vector that holds some, just the scores that may enter.
 */
#include <math.h>

#include "rec/topk.h"
#include "vector.h"

/* Heap entry a ranks above entry b: by a higher score, or by a smaller
 * key for a tie.  The keys are looked up only for a tie (a look-up is a
 * miss in the cache, as a rule). */
static int
entry_above(const struct rec_topk_list *l, const int64_t *key, size_t a,
            size_t b)
{
	float s = l->score[a], t = l->score[b];

	return s > t || (s == t && key[l->idx[a]] < key[l->idx[b]]);
}

static void
swap(struct rec_topk_list *l, size_t a, size_t b)
{
	uint32_t i = l->idx[a];
	float s = l->score[a];

	l->idx[a] = l->idx[b];
	l->score[a] = l->score[b];
	l->idx[b] = i;
	l->score[b] = s;
}

/* The heap of the first n entries, entry at sunk to where it belongs. */
static void
sift_down(struct rec_topk_list *l, const int64_t *key, size_t n, size_t at)
{
	for (;;) {
		size_t c = 2 * at + 1, worst = at;
		if (c < n && entry_above(l, key, worst, c))
			worst = c;
		if (c + 1 < n && entry_above(l, key, worst, c + 1))
			worst = c + 1;
		if (worst == at)
			return;
		swap(l, at, worst);
		at = worst;
	}
}

enum { CHUNK = 64, LANES = 16 };

typedef int32_t v16i __attribute__((vector_size(64)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef int32_t v4i __attribute__((vector_size(16)));

/* Whether any of the len (a multiple of LANES) scores s may be at least
 * bar: one is when s - bar has its sign bit clear (s == bar gives +0,
 * when a zero bar is taken as -0; a NaN may pass, which costs a look
 * and changes nothing).  Subtractions and ands, which vectorise on
 * every instruction set, where float compares into a vector do not
 * without AVX-512DQ. */
static inline __attribute__((always_inline)) int
reaches(const float *s, int len, float bar)
{
	v16 b;
	v16i below = ~(v16i){ 0 };
	v8i lo8, hi8;
	v4i lo4, hi4;

	for (int l = 0; l < LANES; l++)
		b[l] = bar == 0.0f ? -0.0f : bar;
	for (int c = 0; c < len; c += LANES) {
		v16 x;
		v16i d;
		memcpy(&x, s + c, sizeof x);
		x -= b;
		memcpy(&d, &x, sizeof d);
		below &= d;
	}
	/* the lanes, and'ed by halves */
	memcpy(&lo8, &below, sizeof lo8);
	memcpy(&hi8, (char *)&below + sizeof lo8, sizeof hi8);
	lo8 &= hi8;
	memcpy(&lo4, &lo8, sizeof lo4);
	memcpy(&hi4, (char *)&lo8 + sizeof lo4, sizeof hi4);
	lo4 &= hi4;
	return ((lo4[0] & lo4[1]) & (lo4[2] & lo4[3])) >= 0;
}

/* The lanes of s[0 .. LANES) that may be at least bar, as reaches
 * tells it, lane l as bit l. */
static inline __attribute__((always_inline)) unsigned
reaching(const float *s, float bar)
{
	v16 x, b;
	v16i d;
	unsigned m = 0;

	for (int l = 0; l < LANES; l++)
		b[l] = bar == 0.0f ? -0.0f : bar;
	memcpy(&x, s, sizeof x);
	x -= b;
	memcpy(&d, &x, sizeof d);
	for (int l = 0; l < LANES; l++)
		m |= (unsigned)(d[l] >= 0) << l;
	return m;
}

/* Offer index i, of score s, to l, which is full: it enters if it ranks
 * above the root (as entry_above). */
static inline __attribute__((always_inline)) void
replace_root(struct rec_topk_list *l, const int64_t *key, uint32_t i, float s)
{
	float t = l->score[0];

	if (s != -INFINITY && (s > t || (s == t && key[i] < key[l->idx[0]]))) {
		l->idx[0] = i;
		l->score[0] = s;
		sift_down(l, key, l->len, 0);
	}
}

VECTOR_CLONES void
rec_topk_offer(struct rec_topk_list *l, const float *score, const int64_t *key,
               uint32_t i0, size_t n)
{
	if (l->k == 0)
		return;
	for (size_t j = 0; j < n; j++) {
		/* scores all below the root cannot change the heap (a tie
		 * might, by its key, so ties take the slow way): passed
		 * over by chunks, then by vectors within a chunk, of which
		 * only the lanes that may reach the root are looked at.
		 * Not below a root of +INFINITY, where reaches' s - bar is
		 * a NaN for a tie. */
		while (l->len == l->k && j % LANES == 0 &&
		       l->score[0] < INFINITY) {
			unsigned m;
			if (j % CHUNK == 0 && j + CHUNK <= n &&
			    !reaches(score + j, CHUNK, l->score[0])) {
				j += CHUNK;
				continue;
			}
			if (j + LANES > n)
				break;
			for (m = reaching(score + j, l->score[0]); m; m &= m - 1) {
				unsigned at = (unsigned)__builtin_ctz(m);
				replace_root(l, key, i0 + (uint32_t)(j + at), score[j + at]);
			}
			j += LANES;
		}
		if (j >= n)
			break;
		if (score[j] == -INFINITY)
			continue;
		if (l->len < l->k) {
			/* sift up */
			size_t at = l->len++;
			l->idx[at] = i0 + (uint32_t)j;
			l->score[at] = score[j];
			while (at > 0 && entry_above(l, key, (at - 1) / 2, at)) {
				swap(l, at, (at - 1) / 2);
				at = (at - 1) / 2;
			}
		} else {
			replace_root(l, key, i0 + (uint32_t)j, score[j]);
		}
	}
}

void
rec_topk_sort(struct rec_topk_list *l, const int64_t *key)
{
	/* heap sort in place: the worst goes to the end each time */
	for (size_t end = l->len; end > 1; end--) {
		swap(l, 0, end - 1);
		sift_down(l, key, end - 1, 0);
	}
}
