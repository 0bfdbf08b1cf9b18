/* t_side.c - tags.csv and the item side features (genres, tag vocabulary). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/ratings.h"
#include "rec/side.h"

#define HDR "userId,movieId,tag,timestamp\n"

static struct rec_tags *
tags_text(const char *text, struct rec_err *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_tags *t = NULL;

	if (!fp)
		return NULL;
	if (rec_tags_read(&t, fp, "t.csv", err) != 0)
		CHECK(t == NULL);
	fclose(fp);
	return t;
}

static struct rec_tags *
tags_file(const char *path, struct rec_err *err)
{
	FILE *fp = fopen(path, "r");
	struct rec_tags *t = NULL;

	if (!fp)
		return NULL;
	rec_tags_read(&t, fp, path, err);
	fclose(fp);
	return t;
}

static struct rec_movies *
movies_text(const char *text, struct rec_err *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_movies *m = rec_movies_new();

	if (!m)
		rec_erroom(err, "m.csv");
	else if (!fp || rec_movies_read(m, fp, "m.csv", err) != 0) {
		rec_movies_free(m);
		m = NULL;
	}
	if (fp)
		fclose(fp);
	return m;
}

/* "LINE: msg" of reading text as tags.csv. */
static const char *
tags_error(const char *text)
{
	static char buf[300];
	struct rec_err err = { 0 };
	struct rec_tags *t = tags_text(text, &err);

	if (t) {
		rec_tags_free(t);
		return "no error";
	}
	snprintf(buf, sizeof buf, "%ld: %s", err.line, err.msg);
	return buf;
}

/* Tag k of movie id is name (a use of t holds it). */
static int
has_pair(const struct rec_tags *t, int64_t movie, const char *name)
{
	int32_t k = rec_tags_find(t, name);

	for (size_t i = 0; k >= 0 && i < t->n; i++)
		if (t->use[i].movie == movie && t->use[i].tag == k)
			return 1;
	return 0;
}

/* Ratings whose items are ids[0..n) in this order (dense index i is
 * ids[i]), rated by users 1, 2 and 3 up to time 100. */
static struct rec_ratings *
train_of(const int64_t *ids, size_t n)
{
	struct rec_ratings *r = rec_ratings_new();

	CHECK(r && n >= 3);
	for (size_t i = 0; r && i < n; i++)
		CHECK(rec_ratings_push(r, 1 + (int64_t)(i % 3), ids[i], 4, 100, 0, NULL) == 0);
	return r;
}

/* Row i of s is the n features f. */
static int
row_is(const struct rec_side *s, size_t i, const int64_t *f, int n)
{
	if (s->start[i + 1] - s->start[i] != n)
		return 0;
	return n == 0 || memcmp(s->feat + s->start[i], f, (size_t)n * sizeof *f) == 0;
}

/* The fixture, in both spellings: same pairs, same tags. */
static void
check_fixture(const struct rec_tags *t)
{
	CHECK(t->records == 9 && t->empty == 1);
	CHECK(t->n == 8 && t->ntag == 5);
	/* Quoted comma, case folding, trimming: lines 2 and 3 are one pair. */
	CHECK(strcmp(rec_tags_name(t, 0), "funny, dark") == 0);
	CHECK(strcmp(rec_tags_name(t, 1), "classic") == 0);
	/* A quoted newline (LF or CRLF) and a TAB become spaces. */
	CHECK(strcmp(rec_tags_name(t, 2), "two lines") == 0);
	CHECK(strcmp(rec_tags_name(t, 3), "tab here") == 0);
	/* Only ASCII letters are folded. */
	CHECK(strcmp(rec_tags_name(t, 4), "\xc3\x9cn\xc3\xaf" "code \xc3\x80" "b") == 0);
	CHECK(has_pair(t, 10, "funny, dark") && has_pair(t, 20, "funny, dark"));
	CHECK(has_pair(t, 10, "classic") && has_pair(t, 30, "classic"));
	CHECK(has_pair(t, 30, "two lines") && has_pair(t, 20, "tab here"));
	CHECK(!has_pair(t, 20, "classic") && rec_tags_find(t, "Classic") == -1);
	/* Sorted by movie, then tag index, user, time. */
	for (size_t i = 1; i < t->n; i++) {
		const struct rec_tag_use *a = &t->use[i - 1], *b = &t->use[i];
		CHECK(a->movie < b->movie || (a->movie == b->movie &&
		      (a->tag < b->tag || (a->tag == b->tag && (a->user < b->user ||
		       (a->user == b->user && a->ts <= b->ts))))));
	}
	CHECK(t->use[0].movie == 10 && t->use[0].user == 1 && t->use[0].ts == 1000);
}

TEST(side_tags_fixture)
{
	struct rec_err err;
	struct rec_tags *a = tags_file(FIXTURES "/tags/tags.csv", &err);
	struct rec_tags *b = tags_file(FIXTURES "/tags/tags-bom-crlf.csv", &err);

	CHECK(a && b);
	if (a)
		check_fixture(a);
	if (b)
		check_fixture(b);
	for (size_t i = 0; a && b && i < a->n; i++)   /* not memcmp: padding */
		CHECK(a->use[i].movie == b->use[i].movie && a->use[i].tag == b->use[i].tag &&
		      a->use[i].user == b->use[i].user && a->use[i].ts == b->use[i].ts);
	rec_tags_free(a);
	rec_tags_free(b);
	rec_tags_free(NULL);
}

TEST(side_tags_normalise)
{
	struct rec_err err;
	struct rec_tags *t = tags_text(HDR "1,2,\"a\x01" "B\x7f\",5\n"
	                               "1,3,\"\tTAB\t\",5\n"
	                               "1,4,\" \r \",5\n"
	                               "1,5,,5\n"
	                               "1,6, Sci-Fi  Classic ,5\n", &err);

	CHECK(t != NULL);
	if (!t)
		return;
	CHECK(t->records == 5 && t->empty == 2 && t->n == 3 && t->ntag == 3);
	CHECK(strcmp(rec_tags_name(t, 0), "a b") == 0);
	CHECK(strcmp(rec_tags_name(t, 1), "tab") == 0);
	/* Unquoted spaces are kept by the CSV driver, then trimmed; inner
	 * runs stay. */
	CHECK(strcmp(rec_tags_name(t, 2), "sci-fi  classic") == 0);
	rec_tags_free(t);
}

TEST(side_tags_errors)
{
	CHECK(strcmp(tags_error(""), "1: missing header, expected "
	             "'userId,movieId,tag,timestamp'") == 0);
	CHECK(strcmp(tags_error("userId,movieId,tag\n1,2,a\n"), "1: header is "
	             "'userId,movieId,tag', expected 'userId,movieId,tag,timestamp'") == 0);
	CHECK(strcmp(tags_error("userId,movieId,rating,timestamp\n"), "1: header is "
	             "'userId,movieId,rating,timestamp', expected "
	             "'userId,movieId,tag,timestamp'") == 0);
	CHECK(strcmp(tags_error(HDR), "0: no tags") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,a\n"), "2: expected 4 fields, got 3") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,a,b,5\n"), "2: expected 4 fields, got 5") == 0);
	CHECK(strcmp(tags_error(HDR "1,x,a,5\n"),
	             "2: movieId 'x' is not a non-negative integer") == 0);
	CHECK(strcmp(tags_error(HDR "-1,2,a,5\n"),
	             "2: userId '-1' is not a non-negative integer") == 0);
	CHECK(strcmp(tags_error(HDR ",2,a,5\n"), "2: empty userId") == 0);
	CHECK(strcmp(tags_error(HDR "1,99999999999999999999,a,5\n"),
	             "2: movieId '99999999999999999999' out of range") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,a,1.5\n"), "2: bad timestamp '1.5'") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,a,\n"), "2: bad timestamp ''") == 0);
	/* Lines: a record is named by the line where it starts. */
	CHECK(strcmp(tags_error(HDR "1,1,\"a\n\nb\",5\n2,x,c,6\n"),
	             "5: movieId 'x' is not a non-negative integer") == 0);
	CHECK(strcmp(tags_error(HDR "1,1,ok,5\n7,\"x\ny\",z,5\n"),
	             "3: movieId 'x?y' is not a non-negative integer") == 0);
	CHECK(strcmp(tags_error(HDR "1,1,\"a\nb\",5\n1,2,\"c\n"),
	             "4: unterminated quoted field") == 0);
	CHECK(strcmp(tags_error(HDR "1,1,a\"b\",5\n"), "2: malformed quoting") == 0);
	/* Latin-1, a lone continuation byte, an overlong form, a surrogate:
	 * not UTF-8, named where they are read (not when the model is saved) */
	CHECK(strcmp(tags_error(HDR "1,1,ok,5\n1,2,caf\xe9,5\n"),
	             "3: tag 'caf?' is not valid UTF-8") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,a\x80,5\n"), "2: tag 'a?' is not valid UTF-8") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,\xc0\xaf,5\n"), "2: tag '?" "?' is not valid UTF-8") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,\xed\xa0\x80,5\n"),
	             "2: tag '?" "?" "?' is not valid UTF-8") == 0);
	CHECK(strcmp(tags_error(HDR "1,2,\xf0\x9f\x8e\xac ok,5\n"), "no error") == 0);
}

/* The hand-made example of side_vocab*: items 50 (no movie, no tag), 10,
 * 20 ("(no genres listed)"), 30, 40; movie 99 and 98 are not items. */
static const char vocab_tags[] = HDR
	"1,10,z,1\n1,20,c,1\n1,30,C,1\n1,10,b,1\n2,20,B,1\n1,30, b ,1\n"
	"1,10,a,1\n1,99,a,1\n1,20,a,1\n1,99,z,1\n1,98,z,1\n"
	"1,40,d,1\n2,40,d,1\n3,40,D,1\n"
	"1,30,e,1\n1,40,e,1\n1,10,e,1\n1,20,e,1\n";
static const char vocab_movies[] = "movieId,title,genres\n"
	"10,A,Drama|Comedy\n20,B,(no genres listed)\n30,C,Comedy\n40,D,Horror\n"
	"60,E,Western\n";

static struct rec_ratings *
vocab_train(void)
{
	static const int64_t ids[] = { 50, 10, 20, 30, 40 };

	return train_of(ids, 5);
}

TEST(side_vocab)
{
	static const int64_t r1[] = { 0, 1, 5, 6, 7 }, r2[] = { 4, 5, 6, 7 },
	                     r3[] = { 1, 5, 6 }, r4[] = { 2, 5 };
	static const int64_t r1c[] = { 0, 1, 5, 6, 7 }, r2c[] = { 4, 5, 6, 7, 8 },
	                     r3c[] = { 1, 5, 6, 8 };
	static const char *const names[] = { "Drama", "Comedy", "Horror", "Western",
		REC_NO_GENRES, "e", "b", "a", "c" };
	struct rec_err err;
	struct rec_ratings *items = vocab_train();
	struct rec_tags *t = tags_text(vocab_tags, &err);
	struct rec_movies *m = movies_text(vocab_movies, &err);
	struct rec_side *s = NULL;
	struct rec_side_stats st;

	CHECK(t && m && items);
	if (!t || !m || !items)
		goto out;
	CHECK(t->n == 18);   /* "d" three times on 40: one pair */
	/* vocab 3: e (4 items), b (3), then a and c tie at 2: a by its bytes
	 * although c came first; z (3 movies, 1 item) and d (1) do not
	 * qualify. */
	CHECK(rec_side_build(&s, items, m, t, 3, &st, &err) == 0);
	if (!s)
		goto out;
	CHECK(s->ngenre == 5 && s->ntag == 3 && s->nfeat == 8 && s->ni == 5);
	for (int k = 0; k < s->nfeat; k++)
		CHECK(strcmp(s->name[k], names[k]) == 0);
	CHECK(st.no_movie == 1 && st.no_genre == 1 && st.no_tag == 1 &&
	      st.qualified == 4);
	CHECK(st.uses_kept == 18 && st.uses_late == 0 && st.uses_unknown == 0);
	CHECK(row_is(s, 0, NULL, 0));
	CHECK(row_is(s, 1, r1, 5));
	CHECK(row_is(s, 2, r2, 4));     /* "(no genres listed)" is feature 4 */
	CHECK(row_is(s, 3, r3, 3));
	CHECK(row_is(s, 4, r4, 2));
	CHECK(s->nnz == 14 && s->start[0] == 0 && s->start[5] == 14);
	rec_side_free(s);

	/* A larger vocab takes every qualified tag, no more. */
	CHECK(rec_side_build(&s, items, m, t, 200, &st, &err) == 0);
	if (!s)
		goto out;
	CHECK(s->ntag == 4 && s->nfeat == 9 && strcmp(s->name[8], "c") == 0);
	CHECK(row_is(s, 1, r1c, 5) && row_is(s, 2, r2c, 5) && row_is(s, 3, r3c, 4));
	rec_side_free(s);

	/* Only items of the map count: without 20, "a" and "c" are each on
	 * one item, "b" on two. */
	{
		static const int64_t ids[] = { 10, 30, 40 };
		struct rec_ratings *few = train_of(ids, 3);
		CHECK(few && rec_side_build(&s, few, NULL, t, 200, &st, &err) == 0);
		if (s) {
			CHECK(s->ngenre == 0 && s->ntag == 2 && st.qualified == 2);
			CHECK(strcmp(s->name[0], "e") == 0 && strcmp(s->name[1], "b") == 0);
			CHECK(st.no_movie == 0 && st.no_tag == 0);
		}
		rec_side_free(s);
		rec_ratings_free(few);
	}

	/* vocab 0 or no tags: genres only; no movies: tags only; neither:
	 * empty rows. */
	CHECK(rec_side_build(&s, items, m, t, 0, &st, &err) == 0);
	CHECK(s && s->nfeat == 5 && s->ntag == 0 && s->nnz == 5 && st.no_tag == 5);
	rec_side_free(s);
	CHECK(rec_side_build(&s, items, m, NULL, 200, NULL, &err) == 0);
	CHECK(s && s->nfeat == 5 && s->nnz == 5);
	rec_side_free(s);
	CHECK(rec_side_build(&s, items, NULL, t, 3, &st, &err) == 0);
	CHECK(s && s->ngenre == 0 && s->nfeat == 3 && s->nnz == 9);
	CHECK(s && strcmp(s->name[0], "e") == 0 && s->feat[0] == 0 && st.no_movie == 0);
	rec_side_free(s);
	CHECK(rec_side_build(&s, items, NULL, NULL, 3, NULL, &err) == 0);
	CHECK(s && s->nfeat == 0 && s->nnz == 0 && s->start[5] == 0);
	rec_side_free(s);
	s = (struct rec_side *)1;
	CHECK(rec_side_build(&s, items, m, t, -1, NULL, &err) == -1 && s == NULL);
	CHECK(strcmp(err.msg, "tag vocabulary size -1 is negative") == 0);
out:
	rec_tags_free(t);
	rec_movies_free(m);
	rec_ratings_free(items);
}

/* Only the tag uses of the training period count: user 1's last training
 * rating is at 100 (train_of) and user 4 has none.  Without the late and
 * unknown uses, "x" is on items 10 and 30 only, "y" on one item (10):
 * only "x" qualifies. */
TEST(side_tags_period)
{
	static const int64_t ids[] = { 10, 20, 30 };
	static const int64_t r10[] = { 0 }, r30[] = { 0 };
	struct rec_err err;
	struct rec_ratings *r = train_of(ids, 3);
	struct rec_tags *t = tags_text(HDR "1,10,x,100\n2,30,x,5\n1,20,x,101\n"
	                               "4,20,x,5\n1,10,y,1\n1,20,y,101\n4,30,y,1\n", &err);
	struct rec_side *s = NULL;
	struct rec_side_stats st;

	CHECK(r && t);
	if (!r || !t || rec_side_build(&s, r, NULL, t, 200, &st, &err) != 0)
		goto out;
	CHECK(st.uses_kept == 3 && st.uses_late == 2 && st.uses_unknown == 2);
	CHECK(s->ntag == 1 && strcmp(s->name[0], "x") == 0 && st.qualified == 1);
	CHECK(row_is(s, 0, r10, 1) && row_is(s, 1, NULL, 0) && row_is(s, 2, r30, 1));
out:
	rec_side_free(s);
	rec_tags_free(t);
	rec_ratings_free(r);
}

TEST(side_genres_fixture)
{
	static const int64_t ids[] = { 5, 1, 114335, 777 };
	static const int64_t r0[] = { 3, 5 }, r1[] = { 0, 1, 2, 3, 4 }, r2[] = { 8 };
	FILE *fp = fopen(FIXTURES "/movies/movies.csv", "r");
	struct rec_movies *m = rec_movies_new();
	struct rec_ratings *items = train_of(ids, 4);
	struct rec_side *s = NULL;
	struct rec_side_stats st;
	struct rec_err err;

	CHECK(fp && m && items);
	if (!fp || !m || !items)
		goto out;
	CHECK(rec_movies_read(m, fp, "movies.csv", &err) == 0);
	CHECK(rec_side_build(&s, items, m, NULL, 200, &st, &err) == 0);
	if (!s)
		goto out;
	/* 8 genres + "no genre"; 777 is not in movies.csv: no feature. */
	CHECK(s->ngenre == 9 && s->nfeat == 9 && s->ntag == 0);
	CHECK(strcmp(s->name[0], "Adventure") == 0 && strcmp(s->name[5], "Drama") == 0);
	CHECK(strcmp(s->name[8], REC_NO_GENRES) == 0);
	CHECK(row_is(s, 0, r0, 2) && row_is(s, 1, r1, 5) && row_is(s, 2, r2, 1));
	CHECK(row_is(s, 3, NULL, 0));
	CHECK(st.no_movie == 1 && st.no_genre == 1 && st.no_tag == 4);
out:
	if (fp)
		fclose(fp);
	rec_side_free(s);
	rec_movies_free(m);
	rec_ratings_free(items);
}

/* The message of rec_side_from_csr on these parts. */
static const char *
csr_error(int ngenre, int ntag, const char *const *name, size_t ni,
          const int64_t *start, size_t nnz, const int64_t *feat)
{
	static char buf[300];
	struct rec_err err = { 0 };
	struct rec_side *s = NULL;

	if (rec_side_from_csr(&s, ngenre, ntag, name, ni, start, nnz, feat,
	                      "m.st", &err) == 0) {
		rec_side_free(s);
		return "no error";
	}
	CHECK(s == NULL && strcmp(err.file, "m.st") == 0 && err.line == 0);
	snprintf(buf, sizeof buf, "%s", err.msg);
	return buf;
}

TEST(side_csr_round_trip)
{
	static const char *const nm[] = { "Drama", REC_NO_GENRES, "funny" };
	static const char *const empty[] = { "Drama", "", "funny" };
	static const char *const nl[] = { "Drama", REC_NO_GENRES, "fun\nny" };
	static const int64_t start[] = { 0, 2, 2, 3 }, feat[] = { 0, 2, 1 };
	static const int64_t s0[] = { 1, 2, 2, 3 }, s1[] = { 0, 2, 1, 3 };
	static const int64_t s2[] = { 0, 2, 2, 4 };
	static const int64_t f0[] = { 0, 3, 1 }, f1[] = { 2, 2, 1 }, f2[] = { 2, 0, 1 };
	static const int64_t f3[] = { 0, 2, -1 };
	struct rec_err err;
	struct rec_ratings *items = vocab_train();
	struct rec_tags *t = tags_text(vocab_tags, &err);
	struct rec_movies *m = movies_text(vocab_movies, &err);
	struct rec_side *a = NULL, *b = NULL;

	CHECK(t && m);
	if (!t || !m || rec_side_build(&a, items, m, t, 3, NULL, &err) != 0)
		goto out;
	CHECK(rec_side_from_csr(&b, a->ngenre, a->ntag, (const char *const *)a->name,
	                        a->ni, a->start, a->nnz, a->feat, NULL, &err) == 0);
	if (!b)
		goto out;
	CHECK(b->nfeat == a->nfeat && b->ngenre == a->ngenre && b->ntag == a->ntag);
	CHECK(b->ni == a->ni && b->nnz == a->nnz);
	CHECK(memcmp(a->start, b->start, (a->ni + 1) * sizeof *a->start) == 0);
	CHECK(memcmp(a->feat, b->feat, a->nnz * sizeof *a->feat) == 0);
	for (int k = 0; k < a->nfeat; k++)
		CHECK(strcmp(a->name[k], b->name[k]) == 0 && a->name[k] != b->name[k]);

	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 3, feat), "no error") == 0);
	CHECK(strcmp(csr_error(0, 3, nm, 3, start, 3, feat), "no error") == 0);
	CHECK(strcmp(csr_error(0, 0, NULL, 0, start, 0, NULL), "no error") == 0);
	CHECK(strcmp(csr_error(-1, 1, nm, 3, start, 3, feat),
	             "side sizes ngenre -1, ntag 1 are out of range") == 0);
	CHECK(strcmp(csr_error(1, 2, nm, 3, start, 3, feat), "side feature 0 (the "
	             "last genre feature) is not '(no genres listed)'") == 0);
	CHECK(strcmp(csr_error(2, 1, empty, 3, start, 3, feat),
	             "side feature 1 has an empty name") == 0);
	CHECK(strcmp(csr_error(2, 1, nl, 3, start, 3, feat),
	             "side feature 2 has a newline in its name") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, s0, 3, feat),
	             "side start[0] = 1, expected 0") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, s1, 3, feat),
	             "side start[2] = 1 is below start[1] = 2") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, s2, 3, feat),
	             "side start[3] = 4, expected 3 (the number of features)") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 2, feat),
	             "side start[3] = 3, expected 2 (the number of features)") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 3, f0),
	             "side feat[1] = 3 out of range [0, 3)") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 3, f3),
	             "side feat[2] = -1 out of range [0, 3)") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 3, f1),
	             "side feat[1] = 2 not above feat[0] = 2 (row 0)") == 0);
	CHECK(strcmp(csr_error(2, 1, nm, 3, start, 3, f2),
	             "side feat[1] = 0 not above feat[0] = 2 (row 0)") == 0);
out:
	rec_side_free(a);
	rec_side_free(b);
	rec_side_free(NULL);
	rec_tags_free(t);
	rec_movies_free(m);
	rec_ratings_free(items);
}

/* The message of splitting joined into nfeat names. */
static const char *
split_error(const char *joined, int nfeat)
{
	static char buf[300];
	struct rec_err err = { 0 };
	char **names = NULL;

	if (rec_side_names_split(&names, joined, nfeat, "m.st", &err) == 0) {
		rec_free(names);
		return "no error";
	}
	CHECK(names == NULL);
	snprintf(buf, sizeof buf, "%s", err.msg);
	return buf;
}

TEST(side_names_join_split)
{
	struct rec_err err;
	struct rec_ratings *items = vocab_train();
	struct rec_tags *t = tags_text(vocab_tags, &err);
	struct rec_movies *m = movies_text(vocab_movies, &err);
	struct rec_side *s = NULL, *z = NULL;
	char *joined = NULL, **names = NULL;

	CHECK(t && m);
	if (!t || !m || rec_side_build(&s, items, m, t, 3, NULL, &err) != 0)
		goto out;
	joined = rec_side_names_join(s, &err);
	CHECK(joined && strcmp(joined, "Drama\nComedy\nHorror\nWestern\n"
	                       "(no genres listed)\ne\nb\na") == 0);
	CHECK(rec_side_names_split(&names, joined, s->nfeat, NULL, &err) == 0);
	for (int k = 0; names && k < s->nfeat; k++)
		CHECK(strcmp(names[k], s->name[k]) == 0);
	rec_free(names);
	names = NULL;
	/* No features: "" both ways. */
	CHECK(rec_side_build(&z, items, NULL, NULL, 0, NULL, &err) == 0);
	rec_free(joined);
	joined = z ? rec_side_names_join(z, &err) : NULL;
	CHECK(joined && strcmp(joined, "") == 0);
	CHECK(strcmp(split_error("", 0), "no error") == 0);
	CHECK(strcmp(split_error("a", 1), "no error") == 0);
	CHECK(strcmp(split_error("a\nb", 1), "side names: 2 names, expected 1") == 0);
	CHECK(strcmp(split_error("a\nb", 3), "side names: 2 names, expected 3") == 0);
	CHECK(strcmp(split_error("", 1), "side names: 0 names, expected 1") == 0);
	CHECK(strcmp(split_error("a\n\nb", 3), "side name 1 is empty") == 0);
	CHECK(strcmp(split_error("a\n", 2), "side name 1 is empty") == 0);
	CHECK(strcmp(split_error("\na", 2), "side name 0 is empty") == 0);
out:
	rec_free(joined);
	rec_side_free(s);
	rec_side_free(z);
	rec_tags_free(t);
	rec_movies_free(m);
	rec_ratings_free(items);
}

/* Read, build, join, split and rebuild, with allocation n failing and
 * every one after it: each step fails with "out of memory" or the whole
 * works. */
TEST(side_out_of_memory)
{
	struct rec_ratings *items = vocab_train();

	for (long n = 0;; n++) {
		struct rec_err err = { 0 };
		struct rec_tags *t = NULL;
		struct rec_movies *m = NULL;
		struct rec_side *s = NULL, *b = NULL;
		char *joined = NULL, **names = NULL;
		int ok = 0;

		rec_alloc_fail_after(n, 1);
		if (items && (t = tags_text(vocab_tags, &err)) &&
		    (m = movies_text(vocab_movies, &err)) &&
		    rec_side_build(&s, items, m, t, 3, NULL, &err) == 0 &&
		    (joined = rec_side_names_join(s, &err)) &&
		    rec_side_names_split(&names, joined, s->nfeat, "m.st", &err) == 0 &&
		    rec_side_from_csr(&b, s->ngenre, s->ntag, (const char *const *)names,
		                      s->ni, s->start, s->nnz, s->feat, "m.st", &err) == 0)
			ok = 1;
		rec_alloc_fail_after(-1, 0);
		if (ok)
			CHECK(b->nfeat == 8 && b->nnz == 14);
		else
			CHECK(strcmp(err.msg, "out of memory") == 0);
		rec_side_free(b);
		rec_free(names);
		rec_free(joined);
		rec_side_free(s);
		rec_movies_free(m);
		rec_tags_free(t);
		if (ok || strcmp(err.msg, "out of memory") != 0 || n > 1000) {
			CHECK(ok && n > 10);
			break;
		}
	}
	rec_ratings_free(items);
}

#define ML "data/ml-latest-small/"

/* ml-latest-small, when it is there: the items with at least 20 ratings,
 * 19 genres + "no genre", and a tag vocabulary in order of use. */
TEST(side_movielens)
{
	FILE *rf = fopen(ML "ratings.csv", "r"), *mf = fopen(ML "movies.csv", "r");
	FILE *tf = fopen(ML "tags.csv", "r");
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_filter_opts fo = { 20, 0, 0 };
	struct rec_filter_stats fs;
	struct rec_ratings *r = rec_ratings_new();
	struct rec_movies *m = rec_movies_new();
	struct rec_tags *t = NULL;
	struct rec_ratings *kept = rec_ratings_new();
	struct rec_side *s = NULL;
	struct rec_side_stats st;
	struct rec_err err;
	size_t *cnt = NULL;

	if (!rf || !mf || !tf)
		goto out;
	CHECK(r && m && kept);
	if (!r || !m || !kept)
		goto out;
	CHECK(rec_ratings_read(r, rf, "ratings.csv", &o, NULL, &err) == 0);
	CHECK(rec_ratings_filter(r, &fo, &fs, &err) == 0);
	for (size_t i = 0; i < r->n; i++)
		CHECK(rec_ratings_push(kept, r->users.ids[r->user[i]],
		                       r->items.ids[r->item[i]], r->rating[i], r->ts[i],
		                       0, &err) == 0);
	CHECK(kept->items.n == fs.items);
	CHECK(rec_movies_read(m, mf, "movies.csv", &err) == 0);
	CHECK(rec_tags_read(&t, tf, "tags.csv", &err) == 0);
	if (!t)
		goto out;
	CHECK(t->records == 3683);
	CHECK(rec_side_build(&s, kept, m, t, 200, &st, &err) == 0);
	if (!s)
		goto out;
	/* Every rating kept, all the tags written by then: (3,683 records,
	 * of taggers that rated) */
	CHECK(st.uses_kept + st.uses_late + st.uses_unknown == t->n);
	CHECK(s->ngenre == 20 && strcmp(s->name[19], REC_NO_GENRES) == 0);
	CHECK(s->ntag == (st.qualified < 200 ? (int)st.qualified : 200));
	CHECK(st.no_movie == 0);
	/* Each tag column is on at least 2 items, columns by falling count
	 * then by name. */
	if (!(cnt = rec_calloc((size_t)s->nfeat, sizeof *cnt)))
		goto out;
	for (size_t j = 0; j < s->nnz; j++)
		cnt[s->feat[j]]++;
	for (int k = s->ngenre; k < s->nfeat; k++) {
		CHECK(cnt[k] >= 2);
		if (k > s->ngenre)
			CHECK(cnt[k - 1] > cnt[k] ||
			      (cnt[k - 1] == cnt[k] && strcmp(s->name[k - 1], s->name[k]) < 0));
	}
	if (getenv("REC_SIDE_REPORT")) {
		fprintf(stderr, "items %zu, tags %zu, pairs %zu, qualified %zu, "
		        "no genre %zu, no tag %zu\n", kept->items.n, t->ntag, t->n,
		        st.qualified, st.no_genre, st.no_tag);
		for (int k = s->ngenre; k < s->nfeat && k < s->ngenre + 10; k++)
			fprintf(stderr, "  %zu %s\n", cnt[k], s->name[k]);
		fprintf(stderr, "  ... last: %zu %s\n", cnt[s->nfeat - 1],
		        s->name[s->nfeat - 1]);
	}
out:
	if (rf)
		fclose(rf);
	if (mf)
		fclose(mf);
	if (tf)
		fclose(tf);
	rec_free(cnt);
	rec_side_free(s);
	rec_tags_free(t);
	rec_movies_free(m);
	rec_ratings_free(r);
	rec_ratings_free(kept);
}
