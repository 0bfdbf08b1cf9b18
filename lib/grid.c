/*
 * grid.c - a ratings table cut into blocks for parallel SGD (see grid.h).
 */
#include <string.h>

#include "rec/grid.h"
#include "rec/parallel.h"
#include "rec/rng.h"

enum {
	LINE = 16,   /* floats in a 64-byte cache line */
	LANES = 4    /* users whose steps are interleaved */
};

/* Deal n things to g parts by a random permutation, in runs of LINE
 * consecutive indices: part[x] in [0, g). */
static void
deal(int32_t *part, uint32_t *perm, size_t n, int g, struct rec_rng *rng)
{
	const size_t runs = (n + LINE - 1) / LINE;

	rec_rng_permutation(rng, perm, runs);
	for (size_t j = 0; j < runs; j++)
		for (size_t x = perm[j] * LINE; x < (perm[j] + 1) * LINE && x < n; x++)
			part[x] = (int32_t)(j * (size_t)g / runs);
}

/* Cut each of the g parts (part[x] in [0, g) for x < n) into pieces of
 * size things, in index order: x is thing place[x] of piece piece[x] of
 * its part (place may be NULL).  Returns the most pieces a part has (at
 * least 1), or 0 if out of memory. */
static size_t
cut(uint32_t *piece, uint32_t *place, const int32_t *part, size_t n, int g,
    size_t size)
{
	size_t most = 1, *seen = rec_calloc((size_t)g, sizeof *seen);

	if (!seen)
		return 0;
	for (size_t x = 0; x < n; x++) {
		size_t at = seen[part[x]]++;
		piece[x] = (uint32_t)(at / size);
		if (place)
			place[x] = (uint32_t)(at % size);
		if (piece[x] + 1 > most)
			most = piece[x] + 1;
	}
	rec_free(seen);
	return most;
}

/* Order the cells of each key, cell[bound[key]] to cell[bound[key + 1]],
 * all of whose users are of one band: grouped by user (by place[user] <
 * band, a counting sort, so each user's cells keep their order), the
 * users cut into LANES lanes of about equal numbers of cells at user
 * boundaries, and the lanes' cells taken in turn: lane 0's first, lane
 * 1's first, ..., lane 0's second, and so on.  at (band + 1) and tmp
 * (the most cells a key has) are room to work in. */
static void
order_keys(struct rec_cell *cell, const size_t *bound, size_t nkeys,
           const uint32_t *place, size_t band, size_t *at, struct rec_cell *tmp)
{
	for (size_t key = 0; key < nkeys; key++) {
		const size_t len = bound[key + 1] - bound[key];
		struct rec_cell *c = cell + bound[key];
		size_t next[LANES], stop[LANES], out = 0;

		memset(at, 0, (band + 1) * sizeof *at);
		for (size_t x = 0; x < len; x++)
			at[place[c[x].user] + 1]++;
		for (size_t y = 0; y < band; y++)
			at[y + 1] += at[y];
		for (size_t x = 0; x < len; x++)
			tmp[at[place[c[x].user]]++] = c[x];
		for (int l = 0; l < LANES; l++) {
			size_t cut = l == LANES - 1 ? len : len * (size_t)(l + 1) / LANES;
			while (cut > 0 && cut < len && tmp[cut].user == tmp[cut - 1].user)
				cut++;
			next[l] = l ? stop[l - 1] : 0;
			stop[l] = cut > next[l] ? cut : next[l];
		}
		while (out < len)
			for (int l = 0; l < LANES; l++)
				if (next[l] < stop[l])
					c[out++] = tmp[next[l]++];
	}
}

/* Rows taken from a table at a time before its arrays shrink. */
enum { TAKE_ROWS = 1 << 16 };

/* Cut r's arrays down to its first n rows (n > 0), giving back the
 * rest; a shrink that fails keeps the larger array, which is as good. */
static void
shrink_rows(struct rec_ratings *r, size_t n)
{
	void *p;

	if ((p = rec_realloc_array(r->user, n, sizeof *r->user)))
		r->user = p;
	if ((p = rec_realloc_array(r->item, n, sizeof *r->item)))
		r->item = p;
	if ((p = rec_realloc_array(r->rating, n, sizeof *r->rating)))
		r->rating = p;
	if (r->ts && (p = rec_realloc_array(r->ts, n, sizeof *r->ts)))
		r->ts = p;
	if (r->line && (p = rec_realloc_array(r->line, n, sizeof *r->line)))
		r->line = p;
	r->n = r->cap = n;
}

/* Leave r with no rows: its arrays freed, its id maps kept. */
static void
empty_rows(struct rec_ratings *r)
{
	rec_free(r->user);
	rec_free(r->item);
	rec_free(r->rating);
	rec_free(r->ts);
	rec_free(r->line);
	r->user = r->item = NULL;
	r->rating = NULL;
	r->ts = NULL;
	r->line = NULL;
	r->n = r->cap = 0;
}

/* The items of each part, in index order: part p is the g columns from
 * p g (icol[i]: item i's column). */
static void
list_parts(struct rec_grid *grid, const int32_t *icol, size_t ni)
{
	size_t *at = grid->part_start;

	for (size_t i = 0; i < ni; i++)
		at[icol[i] / grid->g + 1]++;
	for (int p = 0; p < grid->parts; p++)
		at[p + 1] += at[p];
	for (size_t i = 0; i < ni; i++)
		grid->part_item[at[icol[i] / grid->g]++] = (int32_t)i;
	for (int p = grid->parts; p > 0; p--)   /* back to where each starts */
		at[p] = at[p - 1];
	at[0] = 0;
}

/* rec_grid_build, and with taking (r itself) rec_grid_build_taking. */
static int
build(struct rec_grid *grid, const struct rec_ratings *r,
      struct rec_ratings *taking, int g, int parts, size_t band, size_t tile,
      uint64_t seed, struct rec_err *err)
{
	const size_t nu = r->users.n, ni = r->items.n, n = r->n;
	const size_t cols = (size_t)g * parts, nb = (size_t)g * cols;
	struct rec_rng rng;
	size_t tiles = 0, bands = 0, nkeys, most = 0;
	int32_t *urow = rec_malloc_array(nu + 1, sizeof *urow);
	int32_t *icol = rec_malloc_array(ni + 1, sizeof *icol);
	uint32_t *uband = rec_malloc_array(nu + 1, sizeof *uband);
	uint32_t *uplace = rec_malloc_array(nu + 1, sizeof *uplace);
	uint32_t *itile = rec_malloc_array(ni + 1, sizeof *itile);
	uint32_t *perm = rec_malloc_array((nu > ni ? nu : ni) + 1, sizeof *perm);
	size_t *fill = NULL, *at = NULL;
	struct rec_cell *tmp = NULL;
	int rc = 0;

	memset(grid, 0, sizeof *grid);
	grid->g = g;
	grid->parts = parts;
	grid->n = n;
	grid->users = nu;
	grid->items = ni;
	grid->start = rec_calloc(nb + 1, sizeof *grid->start);
	grid->cell = rec_malloc_array_scattered(n + 1, sizeof *grid->cell);
	grid->part_start = rec_calloc((size_t)parts + 1, sizeof *grid->part_start);
	grid->part_item = rec_malloc_array(ni + 1, sizeof *grid->part_item);
	grid->user_cells = rec_calloc(nu + 1, sizeof *grid->user_cells);
	grid->item_cells = rec_calloc(ni + 1, sizeof *grid->item_cells);
	if (!urow || !icol || !uband || !uplace || !itile || !perm ||
	    !grid->start || !grid->cell || !grid->part_start || !grid->part_item ||
	    !grid->user_cells || !grid->item_cells)
		goto oom;
	rec_rng_seed(&rng, seed);
	deal(urow, perm, nu, g, &rng);
	deal(icol, perm, ni, (int)cols, &rng);
	list_parts(grid, icol, ni);
	/* bands and tiles so small that there are more of them than ratings
	 * (wide rows) would only cost memory: coarsen them */
	band = band ? band : 1;
	tile = tile ? tile : 1;
	for (;;) {
		bands = cut(uband, uplace, urow, nu, g, band);
		tiles = cut(itile, NULL, icol, ni, (int)cols, tile);
		if (!bands || !tiles)
			goto oom;
		if (rec_mul_ok(nb * bands, tiles, &nkeys) && nkeys <= nb + n)
			break;
		band *= 2;
		tile *= 2;
	}
	fill = rec_calloc(nkeys + 2, sizeof *fill);
	if (!fill)
		goto oom;

	/* the rows, stably, into their blocks, bands and tiles: the order of
	 * the keys (a counting sort: fill[key] is where key's cells start) ... */
#define KEY(u, i) ((((size_t)urow[u] * cols + (size_t)icol[i]) * bands + uband[u]) * \
                   tiles + itile[i])
	for (size_t j = 0; j < n; j++) {
		fill[KEY(r->user[j], r->item[j]) + 1]++;
		grid->user_cells[r->user[j]]++;
		grid->item_cells[r->item[j]]++;
	}
	for (size_t key = 0; key < nkeys; key++) {
		if (fill[key + 1] > most)
			most = fill[key + 1];
		fill[key + 1] += fill[key];
	}
	for (size_t b = 0; b <= nb; b++)
		grid->start[b] = fill[b * bands * tiles];
	/* the room order_keys needs, so that nothing fails once rows are
	 * taken */
	at = rec_malloc_array(band + 1, sizeof *at);
	tmp = rec_malloc_array(most + 1, sizeof *tmp);
	if (!at || !tmp)
		goto oom;
	/* ... from the last row back, each to the end of its key's cells so
	 * far (fill[key + 1], which ends as where key's cells start), the
	 * table taken as it goes ... */
	for (size_t j = n; j-- > 0;) {
		int32_t u = r->user[j], i = r->item[j];
		grid->cell[--fill[KEY(u, i) + 1]] = (struct rec_cell){ u, i, r->rating[j] };
		if (taking && j % TAKE_ROWS == 0 && j > 0)
			shrink_rows(taking, j);
	}
#undef KEY
	if (taking)
		empty_rows(taking);
	fill[nkeys + 1] = n;
	/* ... then each key's by user, in lanes */
	order_keys(grid->cell, fill + 1, nkeys, uplace, band, at, tmp);
	goto done;
oom:
	rec_grid_free(grid);
	rc = rec_erroom(err, NULL);
done:
	rec_free(urow);
	rec_free(icol);
	rec_free(uband);
	rec_free(uplace);
	rec_free(itile);
	rec_free(perm);
	rec_free(fill);
	rec_free(at);
	rec_free(tmp);
	return rc;
}

int
rec_grid_build(struct rec_grid *grid, const struct rec_ratings *r, int g,
               int parts, size_t band, size_t tile, uint64_t seed,
               struct rec_err *err)
{
	return build(grid, r, NULL, g, parts, band, tile, seed, err);
}

int
rec_grid_build_taking(struct rec_grid *grid, struct rec_ratings *r, int g,
                      int parts, size_t band, size_t tile, uint64_t seed,
                      struct rec_err *err)
{
	return build(grid, r, r, g, parts, band, tile, seed, err);
}

void
rec_grid_free(struct rec_grid *grid)
{
	rec_free(grid->start);
	rec_free(grid->cell);
	rec_free(grid->part_start);
	rec_free(grid->part_item);
	rec_free(grid->user_cells);
	rec_free(grid->item_cells);
	memset(grid, 0, sizeof *grid);
}

struct round {
	const struct rec_grid *grid;
	rec_grid_fn *fn;
	void *ctx;
	int part, s;
};

/* Thread t's block of round s: (t, part g + (t + s) mod g). */
static void
run_block(void *arg, size_t beg, size_t end, int t)
{
	const struct round *r = arg;
	const int g = r->grid->g;
	const size_t b = (size_t)t * g * r->grid->parts + (size_t)r->part * g +
	                 (size_t)((t + r->s) % g);
	const size_t *start = r->grid->start;

	(void)beg;
	(void)end;
	r->fn(r->ctx, r->grid->cell + start[b], start[b + 1] - start[b], t);
}

void
rec_grid_run_part(const struct rec_grid *grid, int part, rec_grid_fn *fn,
                  void *ctx)
{
	for (int s = 0; s < grid->g; s++) {
		struct round r = { grid, fn, ctx, part, s };
		rec_parallel_for((size_t)grid->g, grid->g, run_block, &r);
	}
}
