/* t_movies.c - the movies.csv reader: quoting, genres, errors with lines. */
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
	CHECK(strncmp(error_of(HDR "1,A,\n"), "2: empty genres field", 21) == 0);
	CHECK(strcmp(error_of(HDR "1,A,Drama||Comedy\n"),
	             "2: empty genre name in 'Drama||Comedy'") == 0);
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
