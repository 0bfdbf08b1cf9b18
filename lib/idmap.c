/*
 * idmap.c - sparse ids to dense indices (see idmap.h).  The direct array
 * grows to the largest id seen, but never past 8 slots an id plus 1 Mi
 * (so at most 32 bytes an id and 4 MiB); the hash table is kept at most
 * half full.
 */
#include <string.h>

#include "rec/idmap.h"
#include "rec/rng.h"
#include "rec/util.h"

static size_t
home(int64_t id, size_t nslot)
{
	return (size_t)rec_rng_mix((uint64_t)id) & (nslot - 1);
}

/* Rebuild the slots as a hash table of nslot entries (a power of two). */
static int
rehash(struct rec_idmap *m, size_t nslot)
{
	int32_t *slot = rec_calloc(nslot, sizeof *slot);

	if (!slot)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		size_t h = home(m->ids[i], nslot);
		while (slot[h])
			h = (h + 1) & (nslot - 1);
		slot[h] = (int32_t)i + 1;
	}
	rec_free(m->slot);
	m->slot = slot;
	m->nslot = nslot;
	m->hashed = 1;
	return 0;
}

/* Make the direct array cover id, or switch to hashing. */
static int
make_room(struct rec_idmap *m, int64_t id)
{
	size_t limit = 8 * (m->n + 1) + (1u << 20), nslot, need;

	if (m->hashed) {
		if (2 * (m->n + 1) <= m->nslot)
			return 0;
		return rehash(m, m->nslot * 2);
	}
	if ((uint64_t)id < m->nslot)
		return 0;
	if ((uint64_t)id >= limit) {
		for (nslot = 1024; nslot < 2 * (m->n + 1); nslot *= 2)
			;
		return rehash(m, nslot);
	}
	need = (size_t)id + 1;
	nslot = m->nslot * 2 > need ? m->nslot * 2 : need;
	if (nslot > limit)
		nslot = limit;
	/* calloc, not realloc: fresh pages come zeroed without being touched,
	 * so a few large ids cost no more than the slots they use. */
	int32_t *slot = rec_calloc(nslot, sizeof *slot);
	if (!slot)
		return -1;
	if (m->nslot)
		memcpy(slot, m->slot, m->nslot * sizeof *slot);
	rec_free(m->slot);
	m->slot = slot;
	m->nslot = nslot;
	return 0;
}

int32_t
rec_idmap_find(const struct rec_idmap *m, int64_t id)
{
	if (!m->hashed)
		return (uint64_t)id < m->nslot ? m->slot[id] - 1 : -1;
	for (size_t h = home(id, m->nslot);; h = (h + 1) & (m->nslot - 1)) {
		int32_t s = m->slot[h];
		if (!s)
			return -1;
		if (m->ids[s - 1] == id)
			return s - 1;
	}
}

int
rec_idmap_add(struct rec_idmap *m, int64_t id, int32_t *idx)
{
	int32_t found = rec_idmap_find(m, id);
	size_t h;

	if (found >= 0) {
		*idx = found;
		return 0;
	}
	if (m->n >= INT32_MAX - 1 || make_room(m, id) != 0)
		return -1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		int64_t *ids = rec_realloc_array(m->ids, cap, sizeof *ids);
		if (!ids)
			return -1;
		m->ids = ids;
		m->cap = cap;
	}
	if (m->hashed)
		for (h = home(id, m->nslot); m->slot[h]; h = (h + 1) & (m->nslot - 1))
			;
	else
		h = (size_t)id;
	m->ids[m->n] = id;
	m->slot[h] = (int32_t)m->n + 1;
	*idx = (int32_t)m->n++;
	return 0;
}

void
rec_idmap_clear(struct rec_idmap *m)
{
	rec_free(m->ids);
	rec_free(m->slot);
	memset(m, 0, sizeof *m);
}
