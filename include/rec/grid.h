/*
 * grid.h - a ratings table cut into a g x g grid of blocks, for lock-free
 * parallel SGD (the scheme of LIBMF's FPSG, Chin et al. 2015).
 *
 * Users are dealt to g block rows and items to g block columns by a
 * seeded random permutation, so the blocks hold about equal numbers of
 * ratings however popularity is skewed.  Blocks on one "diagonal" (block
 * (t, (t + s) mod g) for t = 0..g-1) share no user and no item, so g
 * threads can update the embeddings of their blocks at once without a
 * lock: a round runs one diagonal, an epoch g rounds.
 *
 * For a job of many ranks (distributed SGD, Gemulla et al. 2011: each
 * rank a band of users, the items in as many parts, which rotate between
 * the ranks) the items are dealt to parts x g block columns instead, part
 * p being the g columns from p g: each part is a g x g grid of its own
 * that its g rounds run, while the other parts' items are on other ranks.
 * One part is the grid above.  Indices are dealt
 * in runs of 16 consecutive ones, so that two threads never write one
 * cache line of a 64-byte aligned float array indexed by user or item
 * (the biases; the embeddings, 16 rows to a run).
 *
 * Each block's ratings are packed (user, item, rating) in an order made
 * for the cache, which is what makes per-rating SGD fast:
 *   - by band: the block row's users, in index order, cut into bands of
 *     `band` users (whose embeddings stay in the last-level cache);
 *   - within a band, by tile: the block column's items, in index order,
 *     cut into tiles of `tile` items (whose embeddings stay in L2);
 *   - within a tile, grouped by user (in index order, each user's ratings
 *     in the table's order), the users cut into four lanes of about equal
 *     numbers of ratings, and the lanes' ratings taken in turn, so that
 *     consecutive steps are on different users and need not wait for
 *     each other.
 */
#ifndef REC_GRID_H
#define REC_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "rec/ratings.h"
#include "rec/util.h"

struct rec_cell {
	int32_t user, item;   /* the table's dense indices */
	float rating;
};

struct rec_grid {
	int g;                /* block rows, and block columns of a part */
	int parts;            /* parts of the items */
	size_t *start;        /* (g g parts + 1) block b = row * g parts + col
	                       * holds cell[start[b] .. start[b + 1]) */
	struct rec_cell *cell;   /* (n) */
	size_t n;
	/* the items of part p, in index order: part_item[part_start[p] ..
	 * part_start[p + 1]) (part_start: parts + 1) */
	size_t *part_start;
	int32_t *part_item;
	/* the cells of each of the table's users and items */
	size_t users, items;
	uint32_t *user_cells, *item_cells;
};

/* Cut the n rows of r into a g x g parts grid (1 <= g <= 64, parts >=
 * 1), dealing users and items with the seed (the same deal on every
 * rank that has the same id maps), each block in bands of band users
 * and tiles of tile items (both >= 1).  0, or -1 (out of memory) with
 * err set. */
int rec_grid_build(struct rec_grid *grid, const struct rec_ratings *r, int g,
                   int parts, size_t band, size_t tile, uint64_t seed,
                   struct rec_err *err);
/* The same grid, built as r's rows are taken: r's arrays shrink as its
 * rows go into the cells, so that the ratings are never held twice, and
 * r is left with no rows (its id maps kept).  Out of memory: -1 with r
 * as it was. */
int rec_grid_build_taking(struct rec_grid *grid, struct rec_ratings *r, int g,
                          int parts, size_t band, size_t tile, uint64_t seed,
                          struct rec_err *err);
void rec_grid_free(struct rec_grid *grid);   /* leaves it empty; safe twice */

/* The work on one block: its cells, the thread (0..g-1) that runs it. */
typedef void rec_grid_fn(void *ctx, const struct rec_cell *cell, size_t n,
                         int thread);

/* One pass over part's blocks (one part: an epoch): for each round s =
 * 0..g-1, run fn on the blocks (t, part g + (t + s) mod g) for t =
 * 0..g-1, each on a thread of its own (the calling thread takes t = 0);
 * round s's blocks all finish before round s + 1 starts.
 * A block whose thread cannot be started runs on the calling thread, so
 * the epoch is always complete; the work is the same, only slower. */
void rec_grid_run_part(const struct rec_grid *grid, int part, rec_grid_fn *fn,
                       void *ctx);

#endif
