/* t_genres.c - genres of lists and histories (genres.h) on the
 * hand-computed case of tests/cli/rec-genres.bats (tests/fixtures/genres),
 * plus unknown items and out of memory. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "rec/genres.h"

#define G FIXTURES "/genres/"

struct inputs {
	struct rec_movies *m;
	struct rec_lists *ls;
	struct rec_ratings *hist;
};

static void
inputs_free(struct inputs *in)
{
	rec_movies_free(in->m);
	rec_lists_free(in->ls);
	rec_ratings_free(in->hist);
	memset(in, 0, sizeof *in);
}

/* Read the fixtures, or the text of lists instead of top.tsv. */
static int
inputs_read(struct inputs *in, const char *lists, struct rec_err *err)
{
	FILE *fm = fopen(G "movies.csv", "r"), *fh = fopen(G "hist.tsv", "r");
	FILE *fl = lists ? fmemopen((void *)lists, strlen(lists), "r") :
	                   fopen(G "top.tsv", "r");
	int rc = -1;

	memset(in, 0, sizeof *in);
	if (!fm || !fh || !fl)
		rec_errsys(err, "fixtures");
	else if (!(in->m = rec_movies_new()) || !(in->ls = rec_lists_new()) ||
	         !(in->hist = rec_ratings_new()))
		rec_erroom(err, "t");
	else
		rc = rec_movies_read(in->m, fm, "movies.csv", err) != 0 ||
		     rec_lists_read(in->ls, fl, "top.tsv", SIZE_MAX, err) != 0 ||
		     rec_ratings_read_tsv(in->hist, fh, "hist.tsv", err) != 0 ? -1 : 0;
	if (fm)
		fclose(fm);
	if (fh)
		fclose(fh);
	if (fl)
		fclose(fl);
	return rc;
}

/* The count of the genre called name in cnt. */
static uint64_t
count_of(const struct rec_movies *m, const uint64_t *cnt, const char *name)
{
	int g = rec_movies_genre_index(m, name);
	return g < 0 ? UINT64_MAX : cnt[g];
}

static uint64_t
mask_of(const struct rec_movies *m, const char *const *names)
{
	uint64_t mask = 0;
	for (; *names; names++)
		mask |= (uint64_t)1 << rec_movies_genre_index(m, *names);
	return mask;
}

/* Everything genres.h computes on the fixtures; 0 or -1 (err). */
static int
run_all(struct rec_err *err)
{
	struct inputs in;
	int32_t *lmi = NULL, *hmi = NULL;
	uint64_t *hm = NULL, *rm = NULL, cnt[REC_GENRES_MAX] = { 0 };
	uint32_t *rows = NULL;
	struct rec_overlap o = { 0 };
	int count[REC_OVERLAP_NCOLS];
	size_t n = 0;
	int rc = -1;

	if (inputs_read(&in, NULL, err) != 0 ||
	    rec_genres_lists(in.m, "movies.csv", in.ls, "top.tsv", &lmi, err) != 0 ||
	    rec_genres_history(in.m, "movies.csv", in.hist, "hist.tsv", 4.0, &hmi,
	                       err) != 0 ||
	    rec_genres_masks(in.m, in.ls, lmi, in.hist, hmi, &hm, &rm, err) != 0 ||
	    rec_genres_user_rows(in.hist, hmi, 7, &rows, &n, err) != 0 ||
	    rec_genres_overlap(&o, in.m, in.ls, lmi, in.hist, hmi, err) != 0)
		goto out;
	rc = 0;
	/* Lists: Drama 3, Comedy 2, Action 2, Sci-Fi 2, Horror 1. */
	CHECK(rec_genres_count(in.m, lmi, in.ls->n, cnt) == 10);
	CHECK(count_of(in.m, cnt, "Drama") == 3 && count_of(in.m, cnt, "Comedy") == 2 &&
	      count_of(in.m, cnt, "Action") == 2 && count_of(in.m, cnt, "Sci-Fi") == 2 &&
	      count_of(in.m, cnt, "Horror") == 1);
	/* History rated >= 4: rows 0, 1, 3 (movies 1, 6, 2). */
	CHECK(hmi[0] >= 0 && hmi[1] >= 0 && hmi[2] < 0 && hmi[3] >= 0 && hmi[4] < 0);
	memset(cnt, 0, sizeof cnt);
	CHECK(rec_genres_count(in.m, hmi, in.hist->n, cnt) == 4);
	CHECK(count_of(in.m, cnt, "Drama") == 2 && count_of(in.m, cnt, "Comedy") == 2 &&
	      count_of(in.m, cnt, "Horror") == 0);
	/* Masks, list by list (users 7, 8, 9). */
	CHECK(rm[0] == mask_of(in.m, (const char *[]){ "Action", "Comedy", "Drama",
	                                                "Sci-Fi", NULL }));
	CHECK(hm[0] == mask_of(in.m, (const char *[]){ "Comedy", "Drama", NULL }));
	CHECK(rm[1] == mask_of(in.m, (const char *[]){ "Comedy", "Drama", NULL }));
	CHECK(hm[1] == mask_of(in.m, (const char *[]){ "Comedy", NULL }));
	CHECK(hm[2] == 0 && rec_genres_popcount(rm[2]) == 4);
	/* User 7's liked rows, best first: movie 1 (5 stars), movie 6 (4). */
	CHECK(n == 2 && rows[0] == 0 && rows[1] == 1);
	/* The overlap table: users by id; means history 3/3, list 10/3, both
	 * 3/3, history only 0, list only 7/3; user 9 has no liked history */
	CHECK(o.n == 3 && o.row[0].user == 7 && o.row[1].user == 8 &&
	      o.row[2].user == 9);
	CHECK(o.row[0].hist == hm[0] && o.row[0].rec == rm[0] &&
	      o.row[2].hist == 0 && o.row[2].rec == rm[2]);
	CHECK_NEAR(o.mean[REC_OVERLAP_HIST], 1.0, 1e-12);
	CHECK_NEAR(o.mean[REC_OVERLAP_REC], 10.0 / 3, 1e-12);
	CHECK_NEAR(o.mean[REC_OVERLAP_BOTH], 1.0, 1e-12);
	CHECK_NEAR(o.mean[REC_OVERLAP_HIST_ONLY], 0.0, 1e-12);
	CHECK_NEAR(o.mean[REC_OVERLAP_REC_ONLY], 7.0 / 3, 1e-12);
	CHECK(o.no_history == 1 && o.hist_all == (hm[0] | hm[1]) &&
	      o.rec_all == (rm[0] | rm[1] | rm[2]));
	rec_genres_overlap_counts(o.row[1].hist, o.row[1].rec, count);
	CHECK(count[REC_OVERLAP_HIST] == 1 && count[REC_OVERLAP_REC] == 2 &&
	      count[REC_OVERLAP_BOTH] == 1 && count[REC_OVERLAP_HIST_ONLY] == 0 &&
	      count[REC_OVERLAP_REC_ONLY] == 1);
out:
	rec_genres_overlap_free(&o);
	CHECK(o.row == NULL && o.n == 0);
	rec_free(lmi);
	rec_free(hmi);
	rec_free(hm);
	rec_free(rm);
	rec_free(rows);
	inputs_free(&in);
	return rc;
}

/* The order of the tables: the catalogue's counts (Drama 3, Comedy 2,
 * then Action, Horror, Sci-Fi with 1 each, by name); a second count
 * breaks the first's ties before the names do. */
TEST(genres_order)
{
	struct inputs in;
	struct rec_err err;
	uint64_t cnt[REC_GENRES_MAX] = { 0 }, second[REC_GENRES_MAX] = { 0 };
	size_t ix[REC_GENRES_MAX];
	static const char *const want[] = { "Drama", "Comedy", "Action", "Horror", "Sci-Fi" };

	CHECK(inputs_read(&in, NULL, &err) == 0);
	if (!in.m)
		return;
	for (size_t i = 0; i < in.m->n; i++) {
		int32_t mi = (int32_t)i;
		rec_genres_count(in.m, &mi, 1, cnt);
	}
	CHECK(in.m->ngenres == 5);
	rec_genres_order(in.m, cnt, NULL, ix);
	for (size_t j = 0; j < 5; j++)
		CHECK(strcmp(in.m->genre[ix[j]], want[j]) == 0);
	second[rec_movies_genre_index(in.m, "Sci-Fi")] = 1;
	rec_genres_order(in.m, cnt, second, ix);
	CHECK(strcmp(in.m->genre[ix[2]], "Sci-Fi") == 0 &&
	      strcmp(in.m->genre[ix[3]], "Action") == 0);
	inputs_free(&in);
}

TEST(genres_fixture)
{
	struct rec_err err = { 0 };

	CHECK(run_all(&err) == 0);
}

TEST(genres_user_rows_order)
{
	/* Ties on rating: the newest first, then the smaller item id. */
	const char text[] = "1\t30\t4\t100\n1\t20\t4\t200\n1\t10\t4\t200\n"
	                    "2\t10\t5\t1\n1\t40\t5\t1\n";
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_ratings *r = rec_ratings_new();
	struct rec_err err = { 0 };
	int32_t hmi[5] = { 0, 0, 0, 0, 0 };
	uint32_t *rows;
	size_t n;

	CHECK(rec_ratings_read_tsv(r, fp, "t", &err) == 0);
	CHECK(rec_genres_user_rows(r, hmi, 1, &rows, &n, &err) == 0);
	CHECK(n == 4 && rows[0] == 4 && rows[1] == 2 && rows[2] == 1 && rows[3] == 0);
	rec_free(rows);
	/* A user without rows, and one not in the table at all. */
	hmi[3] = -1;
	CHECK(rec_genres_user_rows(r, hmi, 2, &rows, &n, &err) == 0 && n == 0);
	rec_free(rows);
	CHECK(rec_genres_user_rows(r, hmi, 99, &rows, &n, &err) == 0 && n == 0);
	rec_free(rows);
	rec_ratings_free(r);
	fclose(fp);
}

TEST(genres_unknown_items)
{
	struct rec_err err = { 0 };
	struct inputs in;
	int32_t *mi = (int32_t *)&err;

	CHECK(inputs_read(&in, "7\t1\t3\t1\n7\t2\t99\t0.5\n", &err) == 0);
	CHECK(rec_genres_lists(in.m, "movies.csv", in.ls, "top.tsv", &mi, &err) == -1);
	CHECK(mi == NULL && strcmp(err.file, "top.tsv") == 0 && err.line == 2 &&
	      strcmp(err.msg, "item 99 is not in movies.csv") == 0);
	inputs_free(&in);

	/* A history row of an unknown movie, below --liked or not. */
	static const char text[] = "1\t1\t5\t0\n1\t77\t1\t0\n";
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_movies *m = rec_movies_new();
	struct rec_ratings *r = rec_ratings_new();
	FILE *fm = fopen(G "movies.csv", "r");
	CHECK(rec_movies_read(m, fm, "m", &err) == 0);
	CHECK(rec_ratings_read_tsv(r, fp, "h", &err) == 0);
	CHECK(rec_genres_history(m, "m", r, "h", 4.0, &mi, &err) == -1);
	CHECK(mi == NULL && strcmp(err.file, "h") == 0 && err.line == 2 &&
	      strcmp(err.msg, "item 77 is not in m") == 0);
	rec_movies_free(m);
	rec_ratings_free(r);
	fclose(fm);
	fclose(fp);
}

/* The N-th allocation fails, for N = 0, 1, 2, ... until none does. */
TEST(genres_oom_loop)
{
	for (int persistent = 1; persistent >= 0; persistent--)
		for (long n = 0;; n++) {
			struct rec_err err = { 0 };
			int rc;

			rec_alloc_fail_after(n, persistent);
			rc = run_all(&err);
			rec_alloc_fail_after(-1, 0);
			if (rc == 0)
				break;
			CHECK(strcmp(err.msg, "out of memory") == 0);
			if (strcmp(err.msg, "out of memory") != 0 || n > 10000)
				break;
		}
}
