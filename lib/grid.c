/*
 * grid.c - a ratings table cut into blocks for parallel SGD (see grid.h).
 */
#include <string.h>

#include "rec/grid.h"
#include "rec/parallel.h"
#include "rec/rng.h"

/* Deal n things to g parts by a random permutation: part[x] in [0, g),
 * and, if rank is not NULL, rank[x] = x's place in the permutation. */
static void
deal(int32_t *part, uint32_t *rank, uint32_t *perm, size_t n, int g,
     struct rec_rng *rng)
{
	rec_rng_permutation(rng, perm, n);
	for (size_t j = 0; j < n; j++) {
		if (rank)
			rank[perm[j]] = (uint32_t)j;
		part[perm[j]] = (int32_t)(j * (size_t)g / n);
	}
}

int
rec_grid_build(struct rec_grid *grid, const struct rec_ratings *r, int g,
               uint64_t seed, struct rec_err *err)
{
	const size_t nu = r->users.n, ni = r->items.n, n = r->n;
	const size_t nb = (size_t)g * g;
	struct rec_rng rng;
	int32_t *urow = rec_malloc_array(nu + 1, sizeof *urow);
	int32_t *icol = rec_malloc_array(ni + 1, sizeof *icol);
	uint32_t *urank = rec_malloc_array(nu + 1, sizeof *urank);
	uint32_t *perm = rec_malloc_array((nu > ni ? nu : ni) + 1, sizeof *perm);
	size_t *ustart = rec_calloc(nu + 1, sizeof *ustart);
	size_t *fill = rec_calloc(nb, sizeof *fill);
	uint32_t *byuser = rec_malloc_array(n + 1, sizeof *byuser);
	int rc = 0;

	memset(grid, 0, sizeof *grid);
	grid->g = g;
	grid->n = n;
	grid->start = rec_calloc(nb + 1, sizeof *grid->start);
	grid->cell = rec_malloc_array(n + 1, sizeof *grid->cell);
	if (!urow || !icol || !urank || !perm || !ustart || !fill || !byuser ||
	    !grid->start || !grid->cell) {
		rec_grid_free(grid);
		rc = rec_erroom(err, NULL);
		goto done;
	}
	rec_rng_seed(&rng, seed);
	deal(urow, urank, perm, nu, g, &rng);
	deal(icol, NULL, perm, ni, g, &rng);

	/* the rows in the users' order (a counting sort on their ranks) ... */
	for (size_t j = 0; j < n; j++)
		ustart[urank[r->user[j]] + 1]++;
	for (size_t a = 0; a < nu; a++)
		ustart[a + 1] += ustart[a];
	for (size_t j = 0; j < n; j++)
		byuser[ustart[urank[r->user[j]]]++] = (uint32_t)j;
	/* ... then stably into their blocks */
	for (size_t j = 0; j < n; j++)
		grid->start[(size_t)urow[r->user[j]] * g + icol[r->item[j]] + 1]++;
	for (size_t b = 0; b < nb; b++) {
		grid->start[b + 1] += grid->start[b];
		fill[b] = grid->start[b];
	}
	for (size_t j = 0; j < n; j++) {
		uint32_t row = byuser[j];
		int32_t u = r->user[row], i = r->item[row];
		grid->cell[fill[(size_t)urow[u] * g + icol[i]]++] =
			(struct rec_cell){ u, i, r->rating[row] };
	}
done:
	rec_free(urow);
	rec_free(icol);
	rec_free(urank);
	rec_free(perm);
	rec_free(ustart);
	rec_free(fill);
	rec_free(byuser);
	return rc;
}

void
rec_grid_free(struct rec_grid *grid)
{
	rec_free(grid->start);
	rec_free(grid->cell);
	memset(grid, 0, sizeof *grid);
}

struct round {
	const struct rec_grid *grid;
	rec_grid_fn *fn;
	void *ctx;
	int s;
};

/* Part t of round s: block (t, (t + s) mod g). */
static void
run_block(void *arg, size_t beg, size_t end, int t)
{
	const struct round *r = arg;
	const int g = r->grid->g;
	const size_t b = (size_t)t * g + (size_t)((t + r->s) % g);
	const size_t *start = r->grid->start;

	(void)beg;
	(void)end;
	r->fn(r->ctx, r->grid->cell + start[b], start[b + 1] - start[b], t);
}

void
rec_grid_epoch(const struct rec_grid *grid, rec_grid_fn *fn, void *ctx)
{
	for (int s = 0; s < grid->g; s++) {
		struct round r = { grid, fn, ctx, s };
		rec_parallel_for((size_t)grid->g, grid->g, run_block, &r);
	}
}
