/* t_sample.c - the positives of a table and the negatives drawn for
 * them: never a positive of the user, every other item about as often,
 * none for a user with every item; no positives is an error. */
#include <string.h>

#include "check.h"
#include "rec/sample.h"

/* 3 users x 5 items: user 10 likes 20, 22; user 11 likes all five;
 * user 12 likes none. */
static struct rec_ratings *
table(void)
{
	static const struct { int64_t u, i; float r; } rows[] = {
		{ 10, 20, 4 }, { 10, 21, 2 }, { 10, 22, 3.5f }, { 11, 20, 5 },
		{ 11, 21, 4 }, { 11, 22, 4 }, { 11, 23, 4 }, { 11, 24, 4 },
		{ 12, 20, 1 }, { 12, 23, 3 },
	};
	struct rec_ratings *r = rec_ratings_new();

	for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++)
		CHECK(rec_ratings_push(r, rows[j].u, rows[j].i, rows[j].r, 0,
		                       (long)j + 1, NULL) == 0);
	return r;
}

TEST(sample_positives_and_negatives)
{
	struct rec_ratings *r = table();
	struct rec_sample s = { 0 };
	struct rec_rng rng;
	struct rec_err err = { 0 };
	int count[5] = { 0 };

	CHECK(rec_sample_init(&s, r, 3.5f, &err) == 0);
	CHECK(s.of == r && s.n == 7 && s.items == 5);
	/* the rows in table order; each user's items ascending */
	CHECK(s.row[0] == 0 && s.row[1] == 2 && s.row[2] == 3 && s.row[6] == 7);
	CHECK(s.start[0] == 0 && s.start[1] == 2 && s.start[2] == 7 && s.start[3] == 7);
	CHECK(s.item[0] == 0 && s.item[1] == 2);
	rec_rng_seed(&rng, 1);
	for (int t = 0; t < 3000; t++) {
		int32_t j = rec_sample_negative(&s, 0, &rng);
		CHECK(j == 1 || j == 3 || j == 4);
		if (j >= 0)
			count[j]++;
	}
	CHECK(count[0] == 0 && count[2] == 0);
	for (int j = 1; j < 5; j++)
		CHECK(j == 2 || (count[j] > 900 && count[j] < 1100));
	CHECK(rec_sample_negative(&s, 1, &rng) == -1);   /* has every item */
	CHECK(rec_sample_negative(&s, 2, &rng) >= 0);
	/* a higher threshold: fewer positives; none is an error, s kept */
	CHECK(rec_sample_init(&s, r, 5, &err) == 0 && s.n == 1);
	CHECK(rec_sample_init(&s, r, 5.5f, &err) == -1 && s.n == 1);
	CHECK(strcmp(err.msg, "no positives (ratings of at least 5.5 stars) to "
	             "train on") == 0);
	rec_sample_free(&s);
	CHECK(s.row == NULL && s.n == 0);
	rec_sample_free(NULL);
	rec_ratings_free(r);
}
