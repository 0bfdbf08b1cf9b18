/*
 * idmap.h - data-set ids (non-negative int64) <-> dense indices 0..n-1,
 * in order of first appearance.
 *
 * While the ids are small next to their count (as in MovieLens, whose ids
 * count up), the map is a direct array indexed by id: one memory access a
 * look-up.  The first id too large for that turns it into a hash table
 * with linear probing, for good.
 */
#ifndef REC_IDMAP_H
#define REC_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct rec_idmap {
	int64_t *ids;     /* dense index -> id, n entries */
	size_t n, cap;
	int32_t *slot;    /* direct: slot[id]; hashed: slot[hash]; holds index + 1, 0 = empty */
	size_t nslot;
	int hashed;       /* 0: direct array, 1: hash table (nslot a power of two) */
};

/* A zeroed struct rec_idmap is an empty map. */

/* The index of id, adding it if new.  Returns 0, or -1 when out of memory
 * or past INT32_MAX entries (the dense indices feed BLAS, which takes int). */
int rec_idmap_add(struct rec_idmap *m, int64_t id, int32_t *idx);

/* The index of id, or -1 if absent. */
int32_t rec_idmap_find(const struct rec_idmap *m, int64_t id);

/* Free the arrays and empty the map. */
void rec_idmap_clear(struct rec_idmap *m);

#endif
