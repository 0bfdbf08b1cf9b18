/*
 * idmap.c - hash map from sparse ids to dense indices (see idmap.h).
 * The table is kept at most half full.
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

static int
grow(struct rec_idmap *m)
{
	size_t nslot = m->nslot ? m->nslot * 2 : 1024;
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
	return 0;
}

int32_t
rec_idmap_find(const struct rec_idmap *m, int64_t id)
{
	if (!m->nslot)
		return -1;
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
	if (m->n >= INT32_MAX - 1)
		return -1;
	if (2 * (m->n + 1) > m->nslot && grow(m) != 0)
		return -1;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		int64_t *ids = rec_realloc_array(m->ids, cap, sizeof *ids);
		if (!ids)
			return -1;
		m->ids = ids;
		m->cap = cap;
	}
	for (h = home(id, m->nslot); m->slot[h]; h = (h + 1) & (m->nslot - 1))
		;
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
