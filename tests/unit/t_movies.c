/* t_movies.c - the movie files (movies.csv, movies.dat, u.item): quoting,
 * genres, Latin-1 titles, errors with lines. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "rec/movies.h"

#define HDR "movieId,title,genres\n"

/* Read text as movies.csv under name; returns the table or NULL (err). */
static struct rec_movies *
read_text(const char *text, size_t len, const char *name, struct rec_err *err)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct rec_movies *m = rec_movies_new();

	if (!m) {
		rec_erroom(err, name);
	} else if (rec_movies_read(m, fp, name, err) != 0) {
		rec_movies_free(m);
		m = NULL;
	}
	fclose(fp);
	return m;
}

static struct rec_movies *
read_str(const char *text, struct rec_err *err)
{
	return read_text(text, strlen(text), "m.csv", err);
}

/* The error message of reading text, as "LINE: msg". */
static const char *
error_of(const char *text)
{
	static char buf[300];
	struct rec_err err = { 0 };
	struct rec_movies *m = read_str(text, &err);

	if (m) {
		rec_movies_free(m);
		return "no error";
	}
	snprintf(buf, sizeof buf, "%ld: %s", err.line, err.msg);
	return buf;
}

TEST(movies_fixture)
{
	FILE *fp = fopen(FIXTURES "/movies/movies.csv", "r");
	struct rec_movies *m = rec_movies_new();
	struct rec_err err;
	int32_t i;

	CHECK(fp && m);
	if (!fp || !m)
		return;
	CHECK(rec_movies_read(m, fp, "movies.csv", &err) == 0);
	fclose(fp);
	CHECK(m->n == 5);
	/* Genres in order of first appearance; "(no genres listed)" is none. */
	CHECK(m->ngenres == 8);
	CHECK(strcmp(m->genre[0], "Adventure") == 0 && strcmp(m->genre[3], "Comedy") == 0);
	CHECK(strcmp(m->genre[7], "Musical") == 0);
	CHECK(rec_movies_genre_index(m, "Drama") == 5);
	CHECK(rec_movies_genre_index(m, REC_NO_GENRES) == -1);
	CHECK((i = rec_movies_find(m, 1)) == 0 && m->genres[0] == 0x1f);
	/* A quoted title with a comma. */
	CHECK((i = rec_movies_find(m, 11)) == 1);
	CHECK(strcmp(rec_movies_title(m, 1), "American President, The (1995)") == 0);
	CHECK(m->genres[1] == ((1u << 3) | (1u << 5) | (1u << 6)));
	/* Doubled quotes. */
	CHECK(strcmp(rec_movies_title(m, 2), "\"Great\" Performances: Cats (1998)") == 0);
	/* No genres. */
	CHECK((i = rec_movies_find(m, 114335)) == 3 && m->genres[3] == 0);
	/* A newline in the title becomes a space; the record starts on line
	 * 6 and takes two lines. */
	CHECK((i = rec_movies_find(m, 5)) == 4);
	CHECK(strcmp(rec_movies_title(m, 4), "Two Lines (2000)") == 0);
	CHECK(m->line[4] == 6 && m->line[3] == 5);
	CHECK(m->genres[4] == ((1u << 5) | (1u << 3)));
	CHECK(rec_movies_find(m, 2) == -1 && rec_movies_find(m, -1) == -1);
	rec_movies_free(m);
	rec_movies_free(NULL);
}

TEST(movies_bom_crlf_and_tabs)
{
	const char lf[] = HDR "7,\"A,\n\"\"B\"\"\",Drama|Comedy\n8,C\tD,Drama\n9,E,Comedy";
	const char crlf[] = "\xEF\xBB\xBF" "movieId,title,genres\r\n"
	                    "7,\"A,\r\n\"\"B\"\"\",Drama|Comedy\r\n8,C\tD,Drama\r\n9,E,Comedy\r\n";
	struct rec_err err;
	struct rec_movies *a = read_str(lf, &err), *b = read_str(crlf, &err);

	CHECK(a && b);
	if (!a || !b)
		goto out;
	CHECK(a->n == 3 && b->n == 3);
	CHECK(strcmp(rec_movies_title(a, 0), "A, \"B\"") == 0);
	CHECK(strcmp(rec_movies_title(b, 0), "A, \"B\"") == 0);
	CHECK(strcmp(rec_movies_title(a, 1), "C D") == 0);   /* TAB -> space */
	CHECK(a->line[1] == 4 && b->line[1] == 4 && b->line[2] == 5);
	CHECK(memcmp(a->genres, b->genres, 3 * sizeof *a->genres) == 0);
	CHECK(a->ngenres == 2 && b->ngenres == 2);
out:
	rec_movies_free(a);
	rec_movies_free(b);
}

TEST(movies_errors_name_lines)
{
	CHECK(strcmp(error_of(HDR "12,A,Drama\n13,B,Drama\n\n11,C,Drama\n"
	                      "11,\"D\nE\",Drama\n12,F,Drama\n"),
	             "6: duplicate movieId 11 (first on line 5)") == 0);
	CHECK(strcmp(error_of(HDR "12,A,Drama\n11,\"D\nE\",Drama\n12,F,Drama\n"),
	             "5: duplicate movieId 12 (first on line 2)") == 0);
	CHECK(strcmp(error_of(""), "1: missing header, expected "
	             "'movieId,title,genres'") == 0);
	CHECK(strcmp(error_of(HDR), "0: no movies") == 0);
	CHECK(strcmp(error_of("movieId,title\n1,A\n"), "1: header is "
	             "'movieId,title', expected 'movieId,title,genres'") == 0);
	CHECK(strcmp(error_of(HDR "1,A,Drama,x\n"), "2: expected 3 fields, got 4") == 0);
	CHECK(strcmp(error_of(HDR "1,A\n"), "2: expected 3 fields, got 2") == 0);
	CHECK(strcmp(error_of(HDR "x1,A,Drama\n"),
	             "2: movieId 'x1' is not a non-negative integer") == 0);
	CHECK(strcmp(error_of(HDR ",A,Drama\n"), "2: empty movieId") == 0);
	CHECK(strcmp(error_of(HDR "99999999999999999999,A,Drama\n"),
	             "2: movieId '99999999999999999999' out of range") == 0);
	CHECK(strncmp(error_of(HDR "1,A,\n"), "2: empty genres field", 21) == 0);
	CHECK(strcmp(error_of(HDR "1,A,Drama||Comedy\n"),
	             "2: empty genre name in 'Drama||Comedy'") == 0);
	/* a genre that is not UTF-8, found where it is read (NCF would fail
	 * only when it saves the model) */
	CHECK(strcmp(error_of(HDR "1,A,Drama|Com\xe9" "die\n"),
	             "2: genre 'Com?die' is not valid UTF-8") == 0);
	CHECK(strcmp(error_of(HDR "1,A,Drama\n2,\"B\nC,Drama\n"),
	             "3: unterminated quoted field") == 0);
	CHECK(strcmp(error_of(HDR "1,A\"B\",Drama\n"), "2: malformed quoting") == 0);
}

TEST(movies_genre_limit)
{
	/* 64 distinct genres fit; the 65th is an error. */
	char text[4096];
	size_t n = (size_t)snprintf(text, sizeof text, HDR "1,A,g0");
	struct rec_err err;
	struct rec_movies *m;

	for (int g = 1; g < 64; g++)
		n += (size_t)snprintf(text + n, sizeof text - n, "|g%d", g);
	n += (size_t)snprintf(text + n, sizeof text - n, "\n2,B,g63|g0\n");
	m = read_text(text, n, "m.csv", &err);
	CHECK(m && m->ngenres == 64 && m->genres[0] == UINT64_MAX &&
	      m->genres[1] == (((uint64_t)1 << 63) | 1));
	rec_movies_free(m);
	snprintf(text + n, sizeof text - n, "3,C,g64\n");
	CHECK(strcmp(error_of(text), "4: more than 64 genres ('g64' would be the 65th)") == 0);
}

TEST(movies_out_of_memory)
{
	const char text[] = HDR "1,\"A, B\",Drama|Comedy\n2,C,Horror\n";

	for (long n = 0;; n++) {
		struct rec_err err = { 0 };
		struct rec_movies *m;

		rec_alloc_fail_after(n, 1);
		m = read_str(text, &err);
		rec_alloc_fail_after(-1, 0);
		if (m) {
			CHECK(m->n == 2 && m->ngenres == 3);
			rec_movies_free(m);
			break;
		}
		CHECK(strcmp(err.msg, "out of memory") == 0);
		if (strcmp(err.msg, "out of memory") != 0 || n > 1000)
			break;
	}
}

/* Read the fixture tests/fixtures/movies/<file>; NULL (and a failed
 * check) if it cannot be read. */
static struct rec_movies *
read_fixture(const char *file)
{
	char path[256];
	FILE *fp;
	struct rec_movies *m = rec_movies_new();
	struct rec_err err = { 0 };

	snprintf(path, sizeof path, FIXTURES "/movies/%s", file);
	CHECK((fp = fopen(path, "r")) != NULL && m);
	if (fp && m && rec_movies_read(m, fp, file, &err) != 0) {
		fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg);
		rec_movies_free(m);
		m = NULL;
	}
	if (fp)
		fclose(fp);
	CHECK(m != NULL);
	return m;
}

/* Whether a and b hold the same movies: ids, titles, genre names and
 * masks, in the same order. */
static int
same_movies(const struct rec_movies *a, const struct rec_movies *b)
{
	if (a->n != b->n || a->ngenres != b->ngenres)
		return 0;
	for (size_t g = 0; g < a->ngenres; g++)
		if (strcmp(a->genre[g], b->genre[g]) != 0)
			return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->ids.ids[i] != b->ids.ids[i] || a->genres[i] != b->genres[i] ||
		    strcmp(rec_movies_title(a, i), rec_movies_title(b, i)) != 0)
			return 0;
	return 1;
}

/* ml-100k's u.item and ml-1m's movies.dat, told from movies.csv by their
 * first line: the fixtures hold the same 20 movies as equivalent.csv. */
TEST(movies_item_and_dat_fixtures)
{
	struct rec_movies *item = read_fixture("u.item");
	struct rec_movies *dat = read_fixture("movies.dat");
	struct rec_movies *csv = read_fixture("equivalent.csv");
	int32_t i;

	if (!item || !dat || !csv)
		goto out;
	CHECK(item->n == 20 && dat->n == 20 && csv->n == 20);
	/* Genres in order of first appearance (in u.item, of a flag set to
	 * 1); "unknown" is no genre; "Children's" as the data set spells it. */
	CHECK(item->ngenres == 15);
	CHECK(strcmp(item->genre[0], "Animation") == 0 &&
	      strcmp(item->genre[1], "Children's") == 0 &&
	      strcmp(item->genre[2], "Comedy") == 0 &&
	      strcmp(item->genre[3], "Action") == 0);
	CHECK(rec_movies_genre_index(item, "unknown") == -1);
	CHECK(rec_movies_genre_index(item, "Film-Noir") >= 0);
	CHECK((i = rec_movies_find(item, 101)) == 0 && item->genres[0] == 7);
	CHECK((i = rec_movies_find(item, 119)) == 18 && item->genres[18] == 0);
	CHECK(strcmp(rec_movies_title(item, 18), "unknown") == 0);
	CHECK(item->line[0] == 1 && item->line[19] == 20);
	/* Latin-1 titles come out as UTF-8. */
	CHECK((i = rec_movies_find(item, 109)) == 8);
	CHECK(strcmp(rec_movies_title(item, 8), "Mis\xC3\xA9rables, Les (1995)") == 0);
	CHECK(strcmp(rec_movies_title(dat, 8), "Mis\xC3\xA9rables, Les (1995)") == 0);
	CHECK(strcmp(rec_movies_title(dat, 19), "Cit\xC3\xA9 des enfants perdus, La (1995)") == 0);
	CHECK(same_movies(item, csv));
	CHECK(same_movies(dat, csv));
out:
	rec_movies_free(item);
	rec_movies_free(dat);
	rec_movies_free(csv);
}

/* One u.item line of movie id with title and the 19 flags given. */
#define ITEM(id, title, flags) id "|" title "|01-Jan-1995||http://x|" flags "\n"
#define NONE "0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"
#define DRAMA "0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0"

TEST(movies_item_and_dat_titles)
{
	/* An ASCII title, a UTF-8 one (kept, not converted twice), a Latin-1
	 * one with bytes from every range above 0x7F, a TAB; the unknown flag
	 * is no genre of its own, also beside another genre. */
	static const char item_text[] =
		ITEM("1", "Plain", NONE)
		ITEM("2", "Caf\xC3\xA9 (UTF-8)", DRAMA)
		ITEM("3", "\xA0\xE9\xFF\x80", "1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0")
		ITEM("4", "A\tB", "1|" "0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0");
	/* Colons next to the separators belong to the title. */
	static const char dat_text[] =
		"1::Title:::Comedy\n2:::Title::Drama|Comedy\n"
		"3::Caf\xE9::(no genres listed)\n4::::Drama\n";
	struct rec_err err;
	struct rec_movies *item = read_text(item_text, strlen(item_text), "u.item", &err);
	struct rec_movies *dat = read_text(dat_text, strlen(dat_text), "movies.dat", &err);

	CHECK(item && dat);
	if (!item || !dat)
		goto out;
	CHECK(item->n == 4 && item->ngenres == 2);
	CHECK(strcmp(rec_movies_title(item, 0), "Plain") == 0 && item->genres[0] == 0);
	CHECK(strcmp(rec_movies_title(item, 1), "Caf\xC3\xA9 (UTF-8)") == 0);
	CHECK(strcmp(rec_movies_title(item, 2), "\xC2\xA0\xC3\xA9\xC3\xBF\xC2\x80") == 0);
	CHECK(strcmp(rec_movies_title(item, 3), "A B") == 0 && item->genres[3] == 0);
	CHECK(strcmp(item->genre[0], "Drama") == 0 && strcmp(item->genre[1], "Action") == 0);
	CHECK(item->genres[1] == 1 && item->genres[2] == 2);
	CHECK(dat->n == 4 && dat->ngenres == 2);
	CHECK(strcmp(rec_movies_title(dat, 0), "Title:") == 0);
	CHECK(strcmp(rec_movies_title(dat, 1), ":Title") == 0);
	CHECK(strcmp(rec_movies_title(dat, 2), "Caf\xC3\xA9") == 0 && dat->genres[2] == 0);
	CHECK(strcmp(rec_movies_title(dat, 3), "") == 0 && dat->genres[3] == 2);
	CHECK(dat->genres[0] == 1 && dat->genres[1] == 3);
out:
	rec_movies_free(item);
	rec_movies_free(dat);
}

/* Which titles count as UTF-8 (kept) and which as Latin-1 (converted). */
TEST(movies_latin1_or_utf8)
{
	static const struct { const char *in, *out; } t[] = {
		{ "\xF0\x9F\x8E\xAC \xE2\x82\xAC \xC3\xA9", NULL },   /* kept */
		{ "\xF4\x8F\xBF\xBF", NULL },                          /* U+10FFFF */
		{ "\xC0\xAF", "\xC3\x80\xC2\xAF" },                     /* overlong */
		{ "\xE0\x80\xAF", "\xC3\xA0\xC2\x80\xC2\xAF" },          /* overlong */
		{ "\xED\xA0\x80", "\xC3\xAD\xC2\xA0\xC2\x80" },          /* surrogate */
		{ "\xF4\x90\x80\x80", "\xC3\xB4\xC2\x90\xC2\x80\xC2\x80" }, /* > U+10FFFF */
		{ "\xF8", "\xC3\xB8" },
		{ "a\xE2\x82", "a\xC3\xA2\xC2\x82" },                    /* cut short */
		{ "\xC3\xA9\xE9", "\xC3\x83\xC2\xA9\xC3\xA9" },          /* one bad byte */
	};

	for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
		char text[256];
		struct rec_err err;
		struct rec_movies *m;
		int n = snprintf(text, sizeof text, ITEM("1", "%s", NONE), t[k].in);

		m = read_text(text, (size_t)n, "u.item", &err);
		CHECK(m && strcmp(rec_movies_title(m, 0), t[k].out ? t[k].out : t[k].in) == 0);
		rec_movies_free(m);
	}
}

/* The error of reading text under a name that does not end in ".csv". */
static const char *
error_of_named(const char *text, const char *name)
{
	static char buf[300];
	struct rec_err err = { 0 };
	struct rec_movies *m = read_text(text, strlen(text), name, &err);

	if (m) {
		rec_movies_free(m);
		return "no error";
	}
	snprintf(buf, sizeof buf, "%ld: %s", err.line, err.msg);
	return buf;
}

TEST(movies_item_and_dat_errors_name_lines)
{
	/* u.item */
	CHECK(strcmp(error_of_named(ITEM("1", "A", NONE) "2|B|x|y\n", "u.item"),
	             "2: expected 24 '|'-separated fields, got 4") == 0);
	CHECK(strcmp(error_of_named(ITEM("1", "A|B", NONE), "u.item"),
	             "1: expected 24 '|'-separated fields, got 25") == 0);
	CHECK(strcmp(error_of_named(ITEM("1", "A", NONE) ITEM("2", "B",
	             "0|2|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"), "u.item"),
	             "2: genre flag Action (field 7) is '2', expected 0 or 1") == 0);
	CHECK(strcmp(error_of_named(ITEM("1", "A",
	             "0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|"), "u.item"),
	             "1: genre flag Western (field 24) is '', expected 0 or 1") == 0);
	CHECK(strcmp(error_of_named(ITEM("1", "A",
	             "00|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0"), "u.item"),
	             "1: genre flag unknown (field 6) is '00', expected 0 or 1") == 0);
	CHECK(strcmp(error_of_named(ITEM("1", "A", NONE) ITEM("x1", "B", NONE),
	                            "u.item"),
	             "2: movieId 'x1' is not a non-negative integer") == 0);
	CHECK(strcmp(error_of_named(ITEM("", "B", NONE), "u.item"),
	             "1: empty movieId") == 0);
	CHECK(strcmp(error_of_named(ITEM("99999999999999999999", "B", NONE), "u.item"),
	             "1: movieId '99999999999999999999' out of range") == 0);
	CHECK(strcmp(error_of_named(ITEM("7", "A", NONE) ITEM("8", "B", NONE)
	                            ITEM("7", "C", NONE), "u.item"),
	             "3: duplicate movieId 7 (first on line 1)") == 0);
	CHECK(strcmp(error_of_named(ITEM("7", "A", NONE) "\n" ITEM("8", "B", NONE),
	                            "u.item"), "2: empty line") == 0);
	/* movies.dat */
	CHECK(strcmp(error_of_named("1::A::Drama\n2::B\n", "movies.dat"),
	             "2: expected 3 '::'-separated fields, got 2") == 0);
	CHECK(strcmp(error_of_named("1::A::Drama\n2:::Drama\n", "movies.dat"),
	             "2: expected 3 '::'-separated fields, got 2") == 0);
	CHECK(strcmp(error_of_named("1::A::Drama\n2\n", "movies.dat"),
	             "2: expected 3 '::'-separated fields, got 1") == 0);
	CHECK(strcmp(error_of_named("1::A::B::Drama\n", "movies.dat"),
	             "1: expected 3 '::'-separated fields, got more") == 0);
	CHECK(strcmp(error_of_named("1::A::Drama\n1a::B::Drama\n", "movies.dat"),
	             "2: movieId '1a' is not a non-negative integer") == 0);
	CHECK(strcmp(error_of_named("::A::Drama\n", "movies.dat"),
	             "1: empty movieId") == 0);
	CHECK(strncmp(error_of_named("1::A::Drama\n2::B::\n", "movies.dat"),
	              "2: empty genres field", 21) == 0);
	CHECK(strcmp(error_of_named("1::A::Drama||Comedy\n", "movies.dat"),
	             "1: empty genre name in 'Drama||Comedy'") == 0);
	CHECK(strcmp(error_of_named("1::A::Com\xe9" "die\n", "movies.dat"),
	             "1: genre 'Com?die' is not valid UTF-8") == 0);
	CHECK(strcmp(error_of_named("5::A::Drama\n\n", "movies.dat"),
	             "2: empty line") == 0);
	CHECK(strcmp(error_of_named("5::A::Drama\n6::B::Drama\n5::C::Drama\n",
	                            "movies.dat"),
	             "3: duplicate movieId 5 (first on line 1)") == 0);
	/* The first line decides the format, so a movies.dat line in a
	 * u.item is a wrong u.item line, and the other way round. */
	CHECK(strcmp(error_of_named(ITEM("1", "A", NONE) "2::B::Drama\n", "u.item"),
	             "2: expected 24 '|'-separated fields, got 1") == 0);
	CHECK(strcmp(error_of_named("2::B::Drama\n" ITEM("1", "A", NONE), "movies.dat"),
	             "2: expected 3 '::'-separated fields, got 1") == 0);
	/* movies.csv: a header, or a name ending in ".csv", or neither "::"
	 * nor '|' on the first line. */
	CHECK(strcmp(error_of_named("movieId,title|genres\n1,A,Drama\n", "m"),
	             "1: header is 'movieId,title|genres', expected "
	             "'movieId,title,genres'") == 0);
	CHECK(strcmp(error_of_named("1::A::Drama\n", "m.csv"),
	             "1: header is '1::A::Drama', expected 'movieId,title,genres'") == 0);
	CHECK(strcmp(error_of_named("1,A,Drama\n", "m"),
	             "1: header is '1,A,Drama', expected 'movieId,title,genres'") == 0);
	CHECK(strcmp(error_of_named("", "m"), "1: missing header, expected "
	             "'movieId,title,genres'") == 0);
}

TEST(movies_item_and_dat_out_of_memory)
{
	static const char *const text[2] = {
		ITEM("1", "Mis\xE9rables", DRAMA) ITEM("2", "B", NONE),
		"1::Mis\xE9rables::Drama|Comedy\n2::B::Horror\n",
	};

	for (int t = 0; t < 2; t++)
		for (long n = 0;; n++) {
			struct rec_err err = { 0 };
			struct rec_movies *m;

			rec_alloc_fail_after(n, 1);
			m = read_text(text[t], strlen(text[t]), "m", &err);
			rec_alloc_fail_after(-1, 0);
			if (m) {
				CHECK(m->n == 2 && m->ngenres == (t ? 3u : 1u));
				CHECK(strcmp(rec_movies_title(m, 0), "Mis\xC3\xA9rables") == 0);
				rec_movies_free(m);
				break;
			}
			CHECK(strcmp(err.msg, "out of memory") == 0);
			if (strcmp(err.msg, "out of memory") != 0 || n > 1000)
				break;
		}
}
