/* t_dist.c - the plain build's communicator: a job of one rank, where
 * every collective is a copy or nothing (jobs of many ranks: tests/mpi). */
#include <string.h>

#include "check.h"
#include "rec/dist.h"

TEST(dist_one_rank_collectives)
{
	int64_t x[2] = { 5, 6 };
	double d = 2.5;
	size_t sc[1] = { 3 }, rc[1], total;
	const char send[] = "abc";
	char *recv = NULL;
	struct rec_err err = { .line = 4 };

	CHECK(rec_dist_agree(0, NULL) == 0);
	CHECK(rec_dist_agree(-1, &err) == -1 && err.line == 4);
	rec_dist_sum_i64(x, 2);
	rec_dist_sum_f64(&d, 1);
	CHECK(x[0] == 5 && x[1] == 6 && d == 2.5);
	rec_dist_exscan_i64(x, 2);
	CHECK(x[0] == 0 && x[1] == 0);
	CHECK(rec_dist_alltoallv(send, sc, 1, (void **)&recv, rc, &err) == 0);
	CHECK(rc[0] == 3 && memcmp(recv, "abc", 3) == 0);
	rec_free(recv);
	CHECK(rec_dist_allgatherv(send, 2, 1, (void **)&recv, &total, &err) == 0);
	CHECK(total == 2 && memcmp(recv, "ab", 2) == 0);
	rec_free(recv);
	char into[2];
	uint64_t count;
	rec_dist_allgatherv_to(send, 2, 1, into, &count);
	CHECK(count == 2 && memcmp(into, "ab", 2) == 0);
	char ring[3] = { 0 };
	rec_dist_shift(send, 3, ring, 3);   /* to and from itself */
	CHECK(memcmp(ring, "abc", 3) == 0);
}
