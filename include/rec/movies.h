/*
 * movies.h - MovieLens movies.csv: titles and genres, read through libcsv.
 *
 * The file has the header "movieId,title,genres" and one record a movie:
 * a non-negative integer id, a title (quoted when it holds commas, quotes
 * or newlines, RFC 4180), and the genre names joined by '|'.  As in csv.h,
 * every message names the line where the offending record starts.
 *
 * Genres become a bit mask over a genre vocabulary: the genre names in the
 * order of their first appearance in the file, at most REC_GENRES_MAX of
 * them.  MovieLens writes "(no genres listed)" for a movie without genres;
 * that is no genre (mask 0), not a genre of its own.
 *
 * A title or genre name is kept as one TSV field: a TAB, CR or LF in it
 * (a quoted newline) is replaced by a space.
 */
#ifndef REC_MOVIES_H
#define REC_MOVIES_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/util.h"

#define REC_GENRES_MAX 64
#define REC_NO_GENRES "(no genres listed)"

struct rec_movies {
	size_t n;                       /* movies, in file order */
	struct rec_idmap ids;           /* movieId <-> dense index 0..n-1 */
	uint64_t *genres;               /* (n) bit g set: the movie has genre g */
	uint32_t *line;                 /* (n) line where the movie's record starts */
	size_t *title_off;              /* (n) offset of each title in text */
	char *text;                     /* the titles, each NUL-terminated */
	size_t text_len, text_cap, cap;
	size_t ngenres;
	char *genre[REC_GENRES_MAX];    /* (ngenres) genre names, owned */
};

/* An empty table; caller frees with rec_movies_free.  NULL if out of memory. */
struct rec_movies *rec_movies_new(void);
void rec_movies_free(struct rec_movies *m);

/* Read a whole movies.csv from fp (borrowed; name is used in messages and
 * must outlive the call) into the empty table m.  Fails (-1, err filled
 * with file and line) on a missing or wrong header, a record without
 * exactly 3 fields, a bad movieId, a duplicate movieId ("duplicate movieId
 * 11 (first on line 12)"), an empty genres field or genre name, more than
 * REC_GENRES_MAX genres, malformed quoting, or a file without movies.
 * A UTF-8 BOM and CRLF line ends are accepted. */
int rec_movies_read(struct rec_movies *m, FILE *fp, const char *name,
                    struct rec_err *err);

/* The dense index of movieId id, or -1 if it is not in the table. */
int32_t rec_movies_find(const struct rec_movies *m, int64_t id);

/* The title of movie i (0 <= i < n): a pointer into m, do not free. */
const char *rec_movies_title(const struct rec_movies *m, size_t i);

/* The index of the genre called name, or -1 if it is not in the vocabulary. */
int rec_movies_genre_index(const struct rec_movies *m, const char *name);

#endif
