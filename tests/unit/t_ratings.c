/* t_ratings.c - the line reader, the id map, the ratings readers, dedupe,
 * the filters, the splits and the RNG, on in-memory streams. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/lineio.h"
#include "rec/ratings.h"
#include "rec/rng.h"
#include "rec/split.h"

/* Read text as ratings with options o; returns the table or NULL (err). */
static struct rec_ratings *
read_text(const char *text, const char *name, const struct rec_read_opts *o,
          struct rec_err *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_ratings *r = rec_ratings_new();
	struct rec_read_opts def = REC_READ_DEFAULTS;

	if (!r) {
		rec_erroom(err, name);
	} else if (rec_ratings_read(r, fp, name, o ? o : &def, NULL, err) != 0) {
		rec_ratings_free(r);
		r = NULL;
	}
	fclose(fp);
	return r;
}

TEST(lineio_crlf_bom_lastline)
{
	const char text[] = "\xEF\xBB\xBF" "a\r\nbb\n\nccc";
	FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
	struct rec_lines l;
	struct rec_err err;
	char *s;
	size_t n;

	rec_lines_init(&l, fp, "t");
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && n == 1 && strcmp(s, "a") == 0);
	rec_lines_unread(&l);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "a") == 0 && l.lineno == 1);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "bb") == 0);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && n == 0);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "ccc") == 0 && l.lineno == 4);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 0);
	rec_lines_free(&l);
	fclose(fp);
}

TEST(lineio_long_lines)
{
	size_t big = 3u << 20;   /* longer than one read chunk */
	char *text = malloc(big + 8);
	FILE *fp;
	struct rec_lines l;
	struct rec_err err;
	char *s;
	size_t n;

	memset(text, 'x', big);
	memcpy(text + big, "\nab\n", 4);
	fp = fmemopen(text, big + 4, "r");
	rec_lines_init(&l, fp, "t");
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && n == big);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "ab") == 0);
	rec_lines_free(&l);
	fclose(fp);
	free(text);
}

TEST(idmap_dense_in_order)
{
	struct rec_idmap m = { 0 };
	int32_t ix;
	int ok = 1;

	for (int64_t i = 0; i < 5000; i++)
		ok &= rec_idmap_add(&m, i * 7919 + 3, &ix) == 0 && ix == (int32_t)i;
	CHECK(ok);
	CHECK(rec_idmap_add(&m, 3, &ix) == 0 && ix == 0 && m.n == 5000);
	CHECK(rec_idmap_find(&m, 7919 * 4999 + 3) == 4999);
	CHECK(rec_idmap_find(&m, 4) == -1);
	rec_idmap_clear(&m);
	CHECK(rec_idmap_find(&m, 3) == -1);
}

TEST(ratings_formats_agree)
{
	const char *csv = "userId,movieId,rating,timestamp\n5,7,3.5,10\n6,7,4.0,20\n";
	const char *tsv = "5\t7\t3.5\t10\n6\t7\t4\t20\n";
	const char *dat = "5::7::3.5::10\n6::7::4::20\n";
	const char *texts[] = { csv, tsv, dat };
	struct rec_err err;

	for (int k = 0; k < 3; k++) {
		struct rec_ratings *r = read_text(texts[k], "x", NULL, &err);
		CHECK(r && r->n == 2);
		if (!r)
			continue;
		CHECK(r->users.ids[r->user[1]] == 6 && r->items.ids[r->item[1]] == 7);
		CHECK(r->rating[0] == 3.5f && r->ts[1] == 20);
		CHECK(r->items.n == 1 && r->users.n == 2);
		CHECK(rec_ratings_line(r, 1) == (k == 0 ? 3 : 2));
		rec_ratings_free(r);
	}
}

TEST(ratings_errors_name_line)
{
	struct rec_err err;

	CHECK(read_text("1\t2\t3\t4\n1\t2\n", "r.tsv", NULL, &err) == NULL);
	CHECK(err.line == 2 && strcmp(err.msg, "expected 4 TAB-separated fields, got 2") == 0);
	CHECK(read_text("userId,movieId,rating,timestamp\n\n1,2,9,4\n", "r.csv", NULL, &err) == NULL);
	CHECK(err.line == 3 && strcmp(err.msg, "rating 9 out of range [0.5, 5]") == 0);
	CHECK(strcmp(err.file, "r.csv") == 0);
}

TEST(ratings_skip_bad_keeps_lines)
{
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_read_stats st;
	struct rec_err err;
	const char *text = "1\t2\t3\t4\nbad\n1\t3\t3\t4\n";
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_ratings *r = rec_ratings_new();

	o.skip_bad = 1;
	CHECK(rec_ratings_read(r, fp, "s", &o, &st, &err) == 0);
	CHECK(r->n == 2 && st.bad == 1 && st.first_bad.line == 2);
	CHECK(rec_ratings_line(r, 0) == 1 && rec_ratings_line(r, 1) == 3);
	rec_ratings_free(r);
	fclose(fp);
}

/* tsv (ratings from 0 up) read and written again gives the same bytes. */
static void
check_round_trip(const char *tsv)
{
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_err err;
	struct rec_ratings *r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	o.lo = 0;
	r = read_text(tsv, "x", &o, &err);
	CHECK(r != NULL);
	if (!r)
		return;
	out = open_memstream(&buf, &len);
	CHECK(rec_ratings_write_tsv(r, out, "o", NULL, 0, NULL, &err) == 0);
	fclose(out);
	CHECK(strcmp(buf, tsv) == 0);
	free(buf);
	rec_ratings_free(r);
}

TEST(ratings_write_tsv_round_trip)
{
	/* numbers on each side of every digit-pair and 32-bit boundary */
	check_round_trip("5\t7\t3.5\t10\n6\t7\t4\t20\n9\t8\t0.1\t0\n"
	                 "10\t99\t1\t100\n101\t1000\t2.5\t4294967295\n"
	                 "4294967296\t9223372036854775807\t5\t12345678901234\n");
}

TEST(ratings_write_tsv_every_digit_count)
{
	/* 10^d - 1 and 10^d as ids and timestamps, for d = 1 .. 18 */
	char tsv[4096];
	size_t used = 0;
	uint64_t ten = 1;

	for (int d = 1; d <= 18; d++) {
		ten *= 10;
		used += (size_t)snprintf(tsv + used, sizeof tsv - used,
		                         "%" PRIu64 "\t%" PRIu64 "\t1\t%" PRIu64 "\n"
		                         "%" PRIu64 "\t%" PRIu64 "\t2\t%" PRIu64 "\n",
		                         ten - 1, ten, ten, ten, ten - 1, ten - 1);
	}
	check_round_trip(tsv);
}

TEST(ratings_dedupe_policies)
{
	/* (1,10) three times: t=100 line 1, t=200 line 2, t=200 line 4 */
	const char *tsv = "1\t10\t1\t100\n1\t10\t2\t200\n2\t10\t3\t5\n1\t10\t4\t200\n";
	struct rec_err err;
	size_t d;
	struct rec_ratings *r = read_text(tsv, "d", NULL, &err);

	CHECK(rec_ratings_dedupe(r, REC_DEDUP_LAST, "d", &d, &err) == 0);
	CHECK(d == 2 && r->n == 2 && r->rating[0] == 3.0f && r->rating[1] == 4.0f);
	rec_ratings_free(r);
	r = read_text(tsv, "d", NULL, &err);
	CHECK(rec_ratings_dedupe(r, REC_DEDUP_FIRST, "d", &d, &err) == 0);
	CHECK(d == 2 && r->n == 2 && r->rating[0] == 1.0f);
	rec_ratings_free(r);
	r = read_text(tsv, "d", NULL, &err);
	CHECK(rec_ratings_dedupe(r, REC_DEDUP_ERROR, "d", &d, &err) == -1);
	CHECK(err.line == 2 && strcmp(err.msg, "duplicate rating for user 1, item 10 (first on line 1)") == 0);
	rec_ratings_free(r);
}

/* An untimed table: the times are checked but not kept (no array for
 * them); every row's reads as 0, in the policies, in a TSV and in a
 * concatenation, which is untimed only when both parts are. */
TEST(ratings_users_of_rows)
{
	struct rec_err err;
	struct rec_ratings *r = read_text("9\t1\t4\t1\n5\t1\t4\t1\n9\t2\t4\t1\n"
	                                  "3\t2\t4\t1\n", "u", NULL, &err);
	int32_t *u = NULL;
	size_t n;

	/* users 9, 5, 3 are indices 0, 1, 2; the rows' are 0, 1, 0, 2 */
	CHECK(r && rec_ratings_users(r, &u, &n, &err) == 0);
	CHECK(n == 3 && u[0] == 0 && u[1] == 1 && u[2] == 2);
	rec_free(u);
	r->n = 3;   /* a part of the table, as a job's rank holds: no user 3 */
	CHECK(rec_ratings_users(r, &u, &n, &err) == 0);
	CHECK(n == 2 && u[0] == 0 && u[1] == 1);
	rec_free(u);
	r->n = 4;
	rec_ratings_free(r);
}

TEST(ratings_untimed)
{
	const char *tsv = "1\t10\t1\t100\n1\t10\t2\t200\n2\t10\t3\t5\n1\t10\t4\t50\n";
	struct rec_err err;
	size_t d;
	char out[256] = { 0 };
	FILE *fp = fmemopen((void *)tsv, strlen(tsv), "r");
	FILE *o = fmemopen(out, sizeof out - 1, "w");
	struct rec_ratings *r = rec_ratings_new_untimed(), *t, *c;

	CHECK(rec_ratings_read_tsv(r, fp, "u", &err) == 0);
	fclose(fp);
	CHECK(r->n == 4 && r->ts == NULL && rec_ratings_time(r, 3) == 0);
	CHECK(rec_ratings_write_tsv(r, o, "o", NULL, 0, NULL, &err) == 0);
	fclose(o);
	CHECK(strcmp(out, "1\t10\t1\t0\n1\t10\t2\t0\n2\t10\t3\t0\n1\t10\t4\t0\n") == 0);
	/* the times tie, so the later line is the last, the earlier the first */
	t = read_text(tsv, "t", NULL, &err);
	c = rec_ratings_concat(r, r, &err);
	CHECK(c && c->untimed && c->ts == NULL && c->n == 8);
	rec_ratings_free(c);
	c = rec_ratings_concat(t, r, &err);
	CHECK(c && !c->untimed && c->n == 8 && rec_ratings_time(c, 0) == 100 &&
	      rec_ratings_time(c, 4) == 0);
	rec_ratings_free(c);
	rec_ratings_free(t);
	CHECK(rec_ratings_dedupe(r, REC_DEDUP_LAST, "u", &d, &err) == 0);
	CHECK(d == 2 && r->n == 2 && r->rating[0] == 3.0f && r->rating[1] == 4.0f);
	rec_ratings_free(r);
	r = rec_ratings_new_untimed();
	fp = fmemopen((void *)tsv, strlen(tsv), "r");
	CHECK(rec_ratings_read_tsv(r, fp, "u", &err) == 0);
	fclose(fp);
	CHECK(rec_ratings_dedupe(r, REC_DEDUP_FIRST, "u", &d, &err) == 0);
	CHECK(d == 2 && r->n == 2 && r->rating[0] == 1.0f && r->rating[1] == 3.0f);
	rec_ratings_free(r);
}

/* Deduplication groups a range of users at a time (a quarter of the
 * rows): on many users with many repeats, each policy keeps the rows a
 * direct search keeps, and the error names the first repeat in file
 * order and the row it repeats. */
TEST(ratings_dedupe_many_users_as_a_direct_search)
{
	enum { N = 3000 };
	static int64_t user[N], item[N], ts[N];
	struct rec_rng rng;

	rec_rng_seed(&rng, 5);
	for (int j = 0; j < N; j++) {
		/* skewed users, so that ranges hold few or many of them */
		user[j] = (int64_t)(rec_rng_next(&rng) % 60) * (int64_t)(rec_rng_next(&rng) % 60) / 59;
		item[j] = (int64_t)(rec_rng_next(&rng) % 40);
		ts[j] = (int64_t)(rec_rng_next(&rng) % 5);
	}
	for (int how = 0; how < 3; how++) {
		struct rec_ratings *r = rec_ratings_new();
		struct rec_err err;
		size_t d, kept = 0, bad = SIZE_MAX, first = 0;
		static uint8_t keep[N];

		for (int j = 0; j < N; j++)
			CHECK(rec_ratings_push(r, user[j], item[j], (float)j, ts[j], j + 1, &err) == 0);
		for (int j = 0; j < N; j++) {
			keep[j] = 1;
			for (int o = 0; o < N; o++) {
				if (o == j || user[o] != user[j] || item[o] != item[j])
					continue;
				if (how == REC_DEDUP_ERROR && o < j && (size_t)j < bad)
					bad = (size_t)j, first = (size_t)o;
				/* o wins: LAST, the later time, ties the later line;
				 * FIRST, the earlier time, ties the earlier line */
				if (how == REC_DEDUP_LAST ? ts[o] > ts[j] || (ts[o] == ts[j] && o > j) :
				                            ts[o] < ts[j] || (ts[o] == ts[j] && o < j))
					keep[j] = 0;
			}
			kept += keep[j];
		}
		if (how == REC_DEDUP_ERROR) {
			char msg[256];
			snprintf(msg, sizeof msg, "duplicate rating for user %" PRId64 ", item %"
			         PRId64 " (first on line %zu)", user[bad], item[bad], first + 1);
			CHECK(rec_ratings_dedupe(r, REC_DEDUP_ERROR, "d", &d, &err) == -1);
			CHECK(err.line == (long)bad + 1 && strcmp(err.msg, msg) == 0 && r->n == N);
		} else {
			CHECK(rec_ratings_dedupe(r, (enum rec_dedup)how, "d", &d, &err) == 0);
			CHECK(kept < N && r->n == kept && d == N - kept);
			for (size_t j = 0, k = 0; j < N; j++)
				if (keep[j])
					CHECK(r->rating[k++] == (float)j);
		}
		rec_ratings_free(r);
	}
}

TEST(ratings_filter_k_core)
{
	/* a chain: the 2-core is empty only after several rounds */
	const char *tsv = "1\t1\t3\t0\n1\t2\t3\t0\n2\t2\t3\t0\n2\t3\t3\t0\n3\t3\t3\t0\n";
	struct rec_filter_opts fo = { 2, 2, 1 };
	struct rec_filter_stats st;
	struct rec_err err;
	struct rec_ratings *r = read_text(tsv, "k", NULL, &err);

	CHECK(rec_ratings_filter(r, &fo, &st, &err) == 0);
	CHECK(st.rows == 0 && st.rounds >= 2 && st.rows_in == 5);
	rec_ratings_free(r);
	r = read_text(tsv, "k", NULL, &err);
	fo.k_core = 0;
	CHECK(rec_ratings_filter(r, &fo, &st, &err) == 0);
	CHECK(st.rounds == 1 && st.rows == 2 && st.users == 1 && st.items == 2);
	rec_ratings_free(r);
}

TEST(split_counts)
{
	CHECK(rec_split_count(0.8, 5) == 4);
	CHECK(rec_split_count(0.5, 5) == 3);
	CHECK(rec_split_count(0.7, 5) == 4);    /* 3.5 up, despite 3.4999... */
	CHECK(rec_split_count(0.8, 1) == 1);
	CHECK(rec_split_count(0.0, 9) == 0);
	CHECK(rec_split_count(1.0, 9) == 9);
}

TEST(split_time_and_valid)
{
	const char *tsv = "1\t1\t3\t50\n1\t2\t3\t10\n1\t3\t3\t40\n1\t4\t3\t20\n1\t5\t3\t30\n";
	struct rec_split_opts o = REC_SPLIT_DEFAULTS;
	struct rec_split_stats st;
	struct rec_err err;
	struct rec_ratings *r = read_text(tsv, "s", NULL, &err);
	uint8_t part[5];

	o.valid_ratio = 0.25;
	CHECK(rec_split(r, &o, part, &st, &err) == 0);
	/* time order: t10 t20 t30 t40 | t50; valid = the last of the train 4 */
	CHECK(part[0] == REC_PART_TEST && part[2] == REC_PART_VALID);
	CHECK(part[1] == REC_PART_TRAIN && part[3] == REC_PART_TRAIN && part[4] == REC_PART_TRAIN);
	CHECK(st.n[0] == 3 && st.n[1] == 1 && st.n[2] == 1 && st.leaked == 0);
	rec_ratings_free(r);
}

TEST(rng_reproducible)
{
	struct rec_rng a, b;
	double sum = 0;
	int same = 1;

	rec_rng_seed(&a, 42);
	rec_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		same &= rec_rng_next(&a) == rec_rng_next(&b);
	CHECK(same);
	rec_rng_seed(&a, 1);
	for (int i = 0; i < 100000; i++) {
		float u = rec_rng_uniform(&a);
		CHECK(u >= 0.0f && u < 1.0f);
		sum += u;
	}
	CHECK_NEAR(sum / 100000, 0.5, 0.01);
	for (int i = 0; i < 1000; i++)
		CHECK(rec_rng_below(&a, 7) < 7);
}

/* A keyed permutation: every n of a few sizes (1, around powers of 4,
 * and odd ones) gets each place once; the key changes it; about as
 * many points move up as down (no identity in disguise). */
TEST(rng_perm_is_a_permutation)
{
	static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 15, 16, 17, 1000, 4096, 4097,
	                                  65537 };
	struct rec_rng_perm p, q;
	uint64_t up = 0, same = 0;

	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		const uint64_t n = sizes[s];
		unsigned char *seen = calloc(n, 1);
		int ok = 1;

		rec_rng_perm_init(&p, n, 7);
		for (uint64_t x = 0; x < n; x++) {
			uint64_t at = rec_rng_perm_at(&p, x);
			ok &= at < n && !seen[at];
			if (at < n)
				seen[at] = 1;
		}
		CHECK(ok);
		free(seen);
	}
	rec_rng_perm_init(&p, 65537, 7);
	rec_rng_perm_init(&q, 65537, 8);
	for (uint64_t x = 0; x < 65537; x++) {
		up += rec_rng_perm_at(&p, x) > x;
		same += rec_rng_perm_at(&p, x) == rec_rng_perm_at(&q, x);
	}
	CHECK(up > 32000 && up < 33600);
	CHECK(same < 20);
}

/* Every reader ends in success or "out of memory" and leaks nothing
 * (LeakSanitizer checks the leaks under make asan). */
TEST(ratings_oom_loop)
{
	const char *texts[] = {
		"userId,movieId,rating,timestamp\n1,2,3.5,4\n\"1\",3,4.0,5\n2,2,1,0\n",
		"1\t2\t3.5\t4\n1\t3\t4\t5\n2\t2\t1\t0\n",
	};

	for (int k = 0; k < 2; k++) {
		for (long n = 0;; n++) {
			struct rec_err err = { 0 };
			struct rec_ratings *r;
			size_t d;
			int rc;

			rec_alloc_fail_after(n, 1);
			r = read_text(texts[k], "o", NULL, &err);
			rc = r ? rec_ratings_dedupe(r, REC_DEDUP_LAST, "o", &d, &err) : -1;
			rec_alloc_fail_after(-1, 0);
			rec_ratings_free(r);
			if (rc == 0)
				break;
			CHECK(strcmp(err.msg, "out of memory") == 0);
			if (strcmp(err.msg, "out of memory") != 0 || n > 1000)
				break;
		}
	}
}
