/* t_grid.c - the blocked rating matrix of parallel SGD, and MF trained
 * by per-rating SGD on it: every rating once, blocks of a round disjoint,
 * an order for the cache, the loss falls, the threads' timing changes
 * nothing. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/grid.h"
#include "rec/mf.h"

/* nu users x ni items, about 3 pairs in 5 rated, ratings 1..5. */
static struct rec_ratings *
table_of(int nu, int ni)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < nu; u++)
		for (int i = 0; i < ni; i++)
			if ((u * 7 + i * 3) % 5 < 3)
				rec_ratings_push(r, 1000 + u, 50 + i,
				                 (float)(1 + (u % 5 + i % 3) % 5),
				                 u * 100 + i, (long)r->n + 1, NULL);
	return r;
}

static struct rec_ratings *
table(void)
{
	return table_of(40, 30);
}

/* piece[x] = x's place among the things of its part (in index order)
 * divided by size: the bands of users and the tiles of items. */
static void
pieces(int *piece, const int *part, int n, int size)
{
	int seen[64] = { 0 };

	for (int x = 0; x < n; x++)
		piece[x] = seen[part[x]]++ / size;
}

TEST(grid_blocks_hold_every_rating_once_and_rounds_are_disjoint)
{
	enum { NU = 200, NI = 100, BAND = 7, TILE = 5 };
	struct rec_ratings *r = table_of(NU, NI);
	struct rec_err err = { 0 };
	float rating[NU * NI];

	for (size_t j = 0; j < r->n; j++)
		rating[r->user[j] * NI + r->item[j]] = r->rating[j];
	for (int g = 1; g <= 5; g++) {
		struct rec_grid grid;
		CHECK(rec_grid_build(&grid, r, g, 1, BAND, TILE, 42, &err) == 0);
		CHECK(grid.g == g && grid.n == r->n && grid.start[g * g] == r->n);

		/* every (user, item) pair once, with its rating */
		int seen[NU * NI] = { 0 }, row_of[NU], col_of[NI], band[NU], tile[NI];
		for (int j = 0; j < NU; j++) row_of[j] = -1;
		for (int j = 0; j < NI; j++) col_of[j] = -1;
		for (int b = 0; b < g * g; b++)
			for (size_t c = grid.start[b]; c < grid.start[b + 1]; c++) {
				const struct rec_cell *x = &grid.cell[c];
				seen[x->user * NI + x->item]++;
				/* a user or an item lives in one block row or column */
				CHECK(row_of[x->user] < 0 || row_of[x->user] == b / g);
				CHECK(col_of[x->item] < 0 || col_of[x->item] == b % g);
				row_of[x->user] = b / g;
				col_of[x->item] = b % g;
				CHECK(x->rating == rating[x->user * NI + x->item]);
			}
		for (size_t j = 0; j < r->n; j++)
			CHECK(seen[r->user[j] * NI + r->item[j]] == 1);
		/* dealt in runs of 16 (a cache line of floats), and evenly: each
		 * block row has NU / g users, give or take a run */
		for (int u = 0; u < NU; u++)
			CHECK(row_of[u] == row_of[u / 16 * 16]);
		for (int i = 0; i < NI; i++)
			CHECK(col_of[i] == col_of[i / 16 * 16]);
		for (int b = 0; b < g; b++) {
			int users = 0;
			for (int u = 0; u < NU; u++)
				users += row_of[u] == b;
			CHECK(users >= NU / g - 16 && users <= NU / g + 16);
		}
		/* a block's ratings come by band of users, then tile of items */
		pieces(band, row_of, NU, BAND);
		pieces(tile, col_of, NI, TILE);
		for (int b = 0; b < g * g; b++)
			for (size_t c = grid.start[b] + 1; c < grid.start[b + 1]; c++) {
				const struct rec_cell *x = &grid.cell[c], *w = x - 1;
				CHECK(band[w->user] < band[x->user] ||
				      (band[w->user] == band[x->user] &&
				       tile[w->item] <= tile[x->item]));
			}
		rec_grid_free(&grid);
		rec_grid_free(&grid);   /* safe twice */
		/* bands and tiles of one: more of them than ratings, so coarser */
		CHECK(rec_grid_build(&grid, r, g, 1, 1, 1, 42, &err) == 0);
		CHECK(grid.start[g * g] == r->n);
		rec_grid_free(&grid);
	}
	rec_ratings_free(r);
}

/* Within a tile the users' ratings come in four lanes taken in turn: a
 * user's ratings are in the table's order, each at most 4 cells after
 * the one before, and nearly every step is on another user than the
 * step before it. */
TEST(grid_interleaves_four_users_within_a_tile)
{
	struct rec_ratings *r = table_of(200, 100);
	struct rec_err err = { 0 };
	struct rec_grid grid;
	long last[200], row[200], row_of[200 * 100], other = 0;

	for (size_t j = 0; j < r->n; j++)
		row_of[r->user[j] * 100 + r->item[j]] = (long)j;
	CHECK(rec_grid_build(&grid, r, 1, 1, 1000, 1000, 7, &err) == 0);
	for (int u = 0; u < 200; u++)
		last[u] = row[u] = -1;
	for (size_t c = 0; c < grid.n; c++) {
		const struct rec_cell *x = &grid.cell[c];
		CHECK(last[x->user] < 0 || (long)c - last[x->user] <= 4);
		CHECK(row_of[x->user * 100 + x->item] > row[x->user]);
		last[x->user] = (long)c;
		row[x->user] = row_of[x->user * 100 + x->item];
		other += c > 0 && x->user != grid.cell[c - 1].user;
	}
	CHECK(other >= 0.95 * (double)grid.n);
	rec_grid_free(&grid);
	rec_ratings_free(r);
}

/* Which thread ran which block (each block once, so no two threads
 * write the same slot). */
struct visit {
	const struct rec_grid *grid;
	int thread_of[12], cells[12];
};

static void
note_block(void *ctx, const struct rec_cell *cell, size_t n, int thread)
{
	struct visit *v = ctx;
	size_t b = 0;

	while (v->grid->cell + v->grid->start[b] != cell || v->grid->start[b + 1] -
	       v->grid->start[b] != n)
		b++;
	v->thread_of[b] = thread;
	v->cells[b]++;
}

TEST(grid_epoch_runs_every_block_once_on_its_diagonal_thread)
{
	struct rec_ratings *r = table_of(200, 100);
	struct rec_err err = { 0 };
	struct rec_grid grid;
	struct visit v = { &grid, { 0 }, { 0 } };

	CHECK(rec_grid_build(&grid, r, 3, 1, 1000, 1000, 1, &err) == 0);
	for (int b = 0; b < 9; b++)
		CHECK(grid.start[b + 1] > grid.start[b]);   /* no empty block here */
	rec_grid_run_part(&grid, 0, note_block, &v);
	for (int b = 0; b < 9; b++) {
		CHECK(v.cells[b] == 1);
		CHECK(v.thread_of[b] == b / 3);   /* block (t, c) runs on thread t */
	}
	rec_grid_free(&grid);
	rec_ratings_free(r);
}

/* Items in parts (a job's ranks): each part lists its items in index
 * order, every item in one part, about ni / parts each; a part's blocks
 * hold its items alone, every rating once; running a part runs its g x g
 * blocks and no other, block (t, c) on thread t. */
TEST(grid_parts_split_the_items)
{
	enum { NU = 200, NI = 300, G = 2, PARTS = 3 };
	struct rec_ratings *r = table_of(NU, NI);
	struct rec_err err = { 0 };
	struct rec_grid grid;
	int part_of[NI], seen[NU * NI] = { 0 };

	CHECK(rec_grid_build(&grid, r, G, PARTS, 50, 20, 9, &err) == 0);
	CHECK(grid.parts == PARTS && grid.part_start[0] == 0 &&
	      grid.part_start[PARTS] == NI);
	for (int i = 0; i < NI; i++)
		part_of[i] = -1;
	for (int p = 0; p < PARTS; p++) {
		size_t beg = grid.part_start[p], end = grid.part_start[p + 1];
		CHECK(end - beg >= NI / PARTS - 16 && end - beg <= NI / PARTS + 16);
		for (size_t j = beg; j < end; j++) {
			CHECK(j == beg || grid.part_item[j] > grid.part_item[j - 1]);
			CHECK(part_of[grid.part_item[j]] < 0);
			part_of[grid.part_item[j]] = p;
		}
	}
	for (int b = 0; b < G * G * PARTS; b++)
		for (size_t c = grid.start[b]; c < grid.start[b + 1]; c++) {
			const struct rec_cell *x = &grid.cell[c];
			CHECK(part_of[x->item] == b % (G * PARTS) / G);
			seen[x->user * NI + x->item]++;
		}
	for (size_t j = 0; j < r->n; j++)
		CHECK(seen[r->user[j] * NI + r->item[j]] == 1);
	for (int p = 0; p < PARTS; p++) {
		struct visit v = { &grid, { 0 }, { 0 } };
		rec_grid_run_part(&grid, p, note_block, &v);
		for (int b = 0; b < G * G * PARTS; b++) {
			int col = b % (G * PARTS);
			CHECK(v.cells[b] == (col / G == p));
			CHECK(v.cells[b] == 0 || v.thread_of[b] == b / (G * PARTS));
		}
	}
	rec_grid_free(&grid);
	rec_ratings_free(r);
}

static char *
save(const struct rec_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(rec_model_save(m, fp, "m.st", NULL, NULL, 0, NULL) == 0);
	fclose(fp);
	return buf;
}

TEST(mf_per_rating_sgd_learns_and_ignores_timing)
{
	struct rec_ratings *r = table();
	struct rec_err err = { 0 };
	struct rec_train_opts o = { .epochs = 40, .patience = 5, .seed = 3 };
	struct rec_train_result res;
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	double before, after;
	char *first = NULL;
	size_t first_len = 0;
	struct rec_valid v;

	hp.k = 8;
	hp.opt = REC_OPT_SGD;
	hp.batch = 1;
	hp.dropout = 0;
	hp.lr = 0.1f;
	hp.reg = 0.001f;
	for (int threads = 1; threads <= 3; threads++) {
		hp.threads = threads;
		struct rec_model *m = rec_mf_make(&hp, r, 3, &err);
		CHECK(m && rec_model_validate(m, r, NULL, &v, &err) == 0);
		before = v.rmse;
		rec_model_free(m);
		CHECK(rec_train(&m, rec_mf_make, &hp, r, NULL, &o, &res, &err) == 0);
		CHECK(rec_model_validate(m, r, NULL, &v, &err) == 0);
		after = v.rmse;
		CHECK(after < 0.6 * before);
		/* ten runs on the same threads: the same bytes every time */
		size_t len;
		char *a = save(m, &len);
		for (int again = 0; again < 10; again++) {
			struct rec_model *m2;
			size_t len2;
			CHECK(rec_train(&m2, rec_mf_make, &hp, r, NULL, &o, &res, &err) == 0);
			char *b = save(m2, &len2);
			CHECK(len == len2 && memcmp(a, b, len) == 0);
			free(b);
			rec_model_free(m2);
		}
		if (threads == 1) {
			first = a;
			first_len = len;
		} else {
			/* another grid, another order: another model */
			CHECK(len != first_len || memcmp(a, first, len) != 0);
			free(a);
		}
		rec_model_free(m);
	}
	free(first);
	rec_ratings_free(r);
}

TEST(grid_and_per_rating_sgd_oom_loop)
{
	struct rec_ratings *r = table();
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_train_opts o = { .epochs = 2, .patience = 5, .seed = 3 };
	struct rec_train_result res;

	hp.k = 4;
	hp.opt = REC_OPT_SGD;
	hp.batch = 1;
	hp.dropout = 0;
	hp.threads = 2;
	for (long n = 0; n < 10000; n++) {
		struct rec_err err = { 0 };
		struct rec_model *m = NULL;
		rec_alloc_fail_after(n, 1);
		int rc = rec_train(&m, rec_mf_make, &hp, r, NULL, &o, &res, &err);
		rec_alloc_fail_after(-1, 0);
		rec_model_free(m);
		if (rc == 0)
			break;
		CHECK(strcmp(err.msg, "out of memory") == 0);
	}
	rec_ratings_free(r);
}

/* Whether two grids hold the same blocks and cells. */
static int
same_grid(const struct rec_grid *a, const struct rec_grid *b)
{
	const size_t nb = (size_t)a->g * a->g;

	return a->g == b->g && a->n == b->n &&
	       memcmp(a->start, b->start, (nb + 1) * sizeof *a->start) == 0 &&
	       memcmp(a->cell, b->cell, a->n * sizeof *a->cell) == 0;
}

/* Built taking the table's rows, the grid is the same, on either side
 * of the rows taken at a time (65,536); the table is left with no rows
 * but its id maps.  Out of memory, the table is as it was. */
TEST(grid_built_taking_the_rows_is_the_same_grid)
{
	for (int size = 0; size < 2; size++) {
		struct rec_ratings *r = size ? table_of(400, 300) : table();
		struct rec_ratings *copy = size ? table_of(400, 300) : table();
		const size_t n = r->n, nu = r->users.n, ni = r->items.n;
		struct rec_err err = { 0 };

		CHECK(!size || n > 65536);
		for (int g = 1; g <= 3; g++) {
			struct rec_grid a, b;
			rec_ratings_free(r);
			r = size ? table_of(400, 300) : table();
			CHECK(rec_grid_build(&a, r, g, 1, 100, 50, 7, &err) == 0);
			CHECK(rec_grid_build_taking(&b, r, g, 1, 100, 50, 7, &err) == 0);
			CHECK(same_grid(&a, &b));
			CHECK(r->n == 0 && !r->user && !r->item && !r->rating && !r->ts);
			CHECK(r->users.n == nu && r->items.n == ni);
			rec_grid_free(&a);
			rec_grid_free(&b);
		}
		rec_ratings_free(r);
		/* out of memory: -1, and the table unchanged */
		r = size ? table_of(400, 300) : table();
		for (long fail = 0; size == 0 && fail < 1000; fail++) {
			struct rec_grid b;
			rec_alloc_fail_after(fail, 0);
			int rc = rec_grid_build_taking(&b, r, 2, 1, 100, 50, 7, &err);
			rec_alloc_fail_after(-1, 0);
			if (rc == 0) {
				rec_grid_free(&b);
				break;
			}
			CHECK(strcmp(err.msg, "out of memory") == 0 && r->n == n &&
			      memcmp(r->user, copy->user, n * sizeof *r->user) == 0 &&
			      memcmp(r->item, copy->item, n * sizeof *r->item) == 0 &&
			      memcmp(r->rating, copy->rating, n * sizeof *r->rating) == 0);
		}
		rec_ratings_free(r);
		rec_ratings_free(copy);
	}
}

/* rec_train_taking makes the model rec_train makes: per-rating SGD takes
 * the table's rows, the minibatch optimisers leave them. */
TEST(mf_trained_taking_the_rows_is_the_same_model)
{
	struct rec_train_opts o = { .epochs = 3, .patience = 5, .seed = 3 };
	struct rec_train_result res;
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_err err = { 0 };

	hp.k = 8;
	for (int mode = 0; mode < 3; mode++) {
		struct rec_ratings *r = table_of(400, 300);
		struct rec_model *m, *m2;
		const size_t n = r->n;
		size_t len, len2;

		hp.opt = mode ? REC_OPT_SGD : REC_OPT_ADAM;
		hp.batch = mode ? 1 : 64;
		hp.dropout = 0;
		hp.threads = mode ? mode : 1;
		CHECK(rec_train(&m, rec_mf_make, &hp, r, NULL, &o, &res, &err) == 0);
		CHECK(rec_train_taking(&m2, rec_mf_make, &hp, r, &o, &res, &err) == 0);
		CHECK(r->n == (mode ? 0 : n));
		char *a = save(m, &len), *b = save(m2, &len2);
		CHECK(len == len2 && memcmp(a, b, len) == 0);
		free(a);
		free(b);
		rec_model_free(m);
		rec_model_free(m2);
		rec_ratings_free(r);
	}
}
