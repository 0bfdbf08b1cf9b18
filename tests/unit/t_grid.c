/* t_grid.c - the blocked rating matrix of parallel SGD, and MF trained
 * by per-rating SGD on it: every rating once, blocks of a round disjoint,
 * users grouped, the loss falls, the threads' timing changes nothing. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/grid.h"
#include "rec/mf.h"

/* 40 users x 30 items, about half the pairs rated, ratings 1..5. */
static struct rec_ratings *
table(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 40; u++)
		for (int i = 0; i < 30; i++)
			if ((u * 7 + i * 3) % 5 < 3)
				rec_ratings_push(r, 1000 + u, 50 + i,
				                 (float)(1 + (u % 5 + i % 3) % 5),
				                 u * 100 + i, (long)r->n + 1, NULL);
	return r;
}

TEST(grid_blocks_hold_every_rating_once_and_rounds_are_disjoint)
{
	struct rec_ratings *r = table();
	struct rec_err err = { 0 };

	for (int g = 1; g <= 5; g++) {
		struct rec_grid grid;
		CHECK(rec_grid_build(&grid, r, g, 42, &err) == 0);
		CHECK(grid.g == g && grid.n == r->n && grid.start[g * g] == r->n);

		/* every (user, item) pair once, with its rating */
		int *seen = calloc(40 * 30, sizeof *seen);
		int *row_of = malloc(40 * sizeof *row_of), *col_of = malloc(30 * sizeof *col_of);
		for (int j = 0; j < 40; j++) row_of[j] = -1;
		for (int j = 0; j < 30; j++) col_of[j] = -1;
		for (int b = 0; b < g * g; b++) {
			int prev_user = -1;
			char *done = calloc(40, 1);
			for (size_t c = grid.start[b]; c < grid.start[b + 1]; c++) {
				const struct rec_cell *x = &grid.cell[c];
				seen[x->user * 30 + x->item]++;
				/* a user or an item lives in one block row or column */
				CHECK(row_of[x->user] < 0 || row_of[x->user] == b / g);
				CHECK(col_of[x->item] < 0 || col_of[x->item] == b % g);
				row_of[x->user] = b / g;
				col_of[x->item] = b % g;
				/* a block's ratings come grouped by user */
				if (x->user != prev_user) {
					CHECK(!done[x->user]);
					if (prev_user >= 0)
						done[prev_user] = 1;
					prev_user = x->user;
				}
			}
			free(done);
		}
		size_t total = 0;
		for (size_t j = 0; j < r->n; j++) {
			int u = r->user[j], i = r->item[j];
			CHECK(seen[u * 30 + i] == 1);
			total += (size_t)seen[u * 30 + i];
		}
		CHECK(total == r->n);
		/* dealt evenly: each block row has 40 / g users, give or take one */
		for (int b = 0; b < g; b++) {
			int users = 0;
			for (int u = 0; u < 40; u++)
				users += row_of[u] == b;
			CHECK(users >= 40 / g && users <= 40 / g + 1);
		}
		free(seen);
		free(row_of);
		free(col_of);
		rec_grid_free(&grid);
		rec_grid_free(&grid);   /* safe twice */
	}
	rec_ratings_free(r);
}

/* Which thread ran which block (each block once, so no two threads
 * write the same slot). */
struct visit {
	const struct rec_grid *grid;
	int thread_of[9], cells[9];
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
	struct rec_ratings *r = table();
	struct rec_err err = { 0 };
	struct rec_grid grid;
	struct visit v = { &grid, { 0 }, { 0 } };

	CHECK(rec_grid_build(&grid, r, 3, 1, &err) == 0);
	for (int b = 0; b < 9; b++)
		CHECK(grid.start[b + 1] > grid.start[b]);   /* no empty block here */
	rec_grid_epoch(&grid, note_block, &v);
	for (int b = 0; b < 9; b++) {
		CHECK(v.cells[b] == 1);
		CHECK(v.thread_of[b] == b / 3);   /* block (t, c) runs on thread t */
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

	hp.k = 8;
	hp.opt = REC_OPT_SGD;
	hp.batch = 1;
	hp.dropout = 0;
	hp.lr = 0.1f;
	hp.reg = 0.001f;
	for (int threads = 1; threads <= 3; threads++) {
		hp.threads = threads;
		struct rec_model *m = rec_mf_make(&hp, r, 3, &err);
		CHECK(m && rec_model_rmse(m, r, &before, &err) == 0);
		rec_model_free(m);
		CHECK(rec_train(&m, rec_mf_make, &hp, r, NULL, &o, &res, &err) == 0);
		CHECK(rec_model_rmse(m, r, &after, &err) == 0);
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
