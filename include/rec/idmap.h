/*
 * idmap.h - data-set ids (non-negative int64) <-> dense indices 0..n-1,
 * in order of first appearance.  Open addressing with linear probing.
 */
#ifndef REC_IDMAP_H
#define REC_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct rec_idmap {
	int64_t *ids;     /* dense index -> id, n entries */
	size_t n, cap;
	int32_t *slot;    /* hash slots: dense index + 1, 0 = empty */
	size_t nslot;     /* a power of two, or 0 before the first add */
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
