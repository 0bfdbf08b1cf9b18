/* t_shard.c - parts of a count, and what the shard functions do with one
 * rank (jobs of many ranks: tests/mpi). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/dist.h"
#include "rec/ratings.h"
#include "rec/shard.h"

TEST(shard_parts_cover_in_order)
{
	for (uint64_t n = 0; n < 23; n++)
		for (int parts = 1; parts <= 5; parts++) {
			uint64_t next = 0, beg, end;
			for (int p = 0; p < parts; p++) {
				rec_shard_part(n, parts, p, &beg, &end);
				CHECK(beg == next && end >= beg && end - beg <= n / parts + 1);
				for (uint64_t j = beg; j < end; j++)
					CHECK(rec_shard_part_of(n, parts, j) == p);
				next = end;
			}
			CHECK(next == n);
		}
}

TEST(shard_one_rank_is_the_plain_reader)
{
	const char good[] = "7\t3\t4\t10\n5\t3\t2.5\t11\n7\t9\t5\t12\n";
	const char bad[] = "7\t3\t4\t10\n5\tx\t2.5\t11\n";
	FILE *fp = fmemopen((void *)good, sizeof good - 1, "r");
	struct rec_ratings *r = rec_ratings_new(), *bare = rec_ratings_new();
	struct rec_err err, err2;

	CHECK(rec_dist_size() == 1 && rec_dist_rank() == 0);
	CHECK(rec_shard_by_user(NULL, 12345) == 0);
	CHECK(rec_shard_read_ratings(r, fp, "g", rec_shard_by_user, NULL, &err) == 0);
	rewind(fp);
	CHECK(rec_ratings_read_tsv(bare, fp, "g", &err) == 0);
	CHECK(r->n == 3 && r->n == bare->n && r->users.n == 2 && r->items.n == 2);
	CHECK(r->users.ids[0] == 7 && r->users.ids[1] == 5 && r->items.ids[1] == 9);
	CHECK(memcmp(r->user, bare->user, 3 * sizeof *r->user) == 0 &&
	      memcmp(r->rating, bare->rating, 3 * sizeof *r->rating) == 0);
	fclose(fp);
	rec_ratings_free(r);
	rec_ratings_free(bare);
	fp = fmemopen((void *)bad, sizeof bad - 1, "r");
	r = rec_ratings_new();
	CHECK(rec_shard_read_ratings(r, fp, "b", rec_shard_by_user, NULL, &err) == -1);
	rewind(fp);
	rec_ratings_free(r);
	r = rec_ratings_new();
	CHECK(rec_ratings_read_tsv(r, fp, "b", &err2) == -1);
	CHECK(err.line == 2 && err.line == err2.line && strcmp(err.msg, err2.msg) == 0);
	rec_ratings_free(r);
	fclose(fp);
}

TEST(shard_merge_ids_one_rank)
{
	struct rec_idmap mine = { 0 }, all = { 0 };
	int32_t ix, *to_all;
	struct rec_err err;
	const int64_t ids[] = { 40, 2, 99999999999, 7 };

	for (int k = 0; k < 4; k++)
		CHECK(rec_idmap_add(&mine, ids[k], &ix) == 0);
	CHECK(rec_shard_merge_ids(&mine, &all, &to_all, &err) == 0);
	CHECK(all.n == 4);
	for (int k = 0; k < 4; k++)
		CHECK(all.ids[k] == ids[k] && to_all[k] == k);
	rec_free(to_all);
	rec_idmap_clear(&mine);
	rec_idmap_clear(&all);
}

TEST(ratings_concat_keeps_the_maps)
{
	struct rec_ratings *a = rec_ratings_new(), *b = rec_ratings_new(), *c;
	uint8_t keep[2] = { 0, 1 };
	struct rec_err err;

	/* a's map holds user 5 without a row of it (a rank's part of a job's
	 * table holds the whole map): the concatenation keeps it, first */
	CHECK(rec_ratings_push(a, 5, 1, 4, 0, 1, &err) == 0);
	CHECK(rec_ratings_push(a, 6, 2, 4, 0, 2, &err) == 0);
	rec_ratings_compact(a, keep);
	CHECK(rec_ratings_push(b, 8, 3, 4, 0, 1, &err) == 0);
	CHECK(rec_ratings_push(b, 5, 2, 4, 0, 2, &err) == 0);
	CHECK((c = rec_ratings_concat(a, b, &err)) != NULL);
	CHECK(c->n == 3 && c->users.n == 3 && c->users.ids[0] == 5 &&
	      c->users.ids[1] == 6 && c->users.ids[2] == 8);
	CHECK(c->items.n == 3 && c->items.ids[0] == 1);
	CHECK(c->user[0] == 1 && c->user[2] == 0);
	rec_ratings_free(a);
	rec_ratings_free(b);
	rec_ratings_free(c);
}
