/*
 * movies.h - the movies of a MovieLens data set, titles and genres, from
 * any of its three movie files:
 *
 *   movies.csv  ml-latest(-small), ml-20m, ml-25m: the header
 *               "movieId,title,genres", then one CSV record a movie, read
 *               through libcsv (csv.h): a title is quoted when it holds
 *               commas, quotes or newlines (RFC 4180), and every message
 *               names the line where the offending record starts.
 *   movies.dat  ml-1m (and ml-10m): "id::title::genres", no header.
 *   u.item      ml-100k: 24 '|'-separated fields, no header: id, title,
 *               release date, video release date, IMDb URL (these three
 *               are not read), then 19 genre flags, each 0 or 1, for
 *               unknown, Action, Adventure, Animation, Children's, Comedy,
 *               Crime, Documentary, Drama, Fantasy, Film-Noir, Horror,
 *               Musical, Mystery, Romance, Sci-Fi, Thriller, War, Western
 *               (ml-100k's u.genre).
 *
 * The first line tells them apart, as rec_ratings_read tells the ratings
 * files apart: a line that starts with movieId (quoted or not), or a file
 * name that ends in ".csv", is movies.csv; else a line with "::" is
 * movies.dat; else a line with '|' is u.item; anything else is read as
 * movies.csv, whose header check then says what is wrong.
 *
 * Genres become a bit mask over a genre vocabulary: the genre names in the
 * order of their first appearance in the file (in u.item, of a flag set to
 * 1), at most REC_GENRES_MAX of them.  A movie without genres has mask 0
 * and no genre of its own: movies.csv writes "(no genres listed)" for it
 * (and so may a movies.dat), u.item sets the flag "unknown", which is
 * never a genre, also beside other flags.  The names are the data set's
 * own: ml-100k and ml-1m write "Children's" where ml-latest writes
 * "Children".
 *
 * Titles: movies.csv's are kept as they are (MovieLens writes them in
 * UTF-8).  GroupLens wrote movies.dat's and u.item's in Latin-1 (ISO
 * 8859-1): such a title, when it is not valid UTF-8, is converted to
 * UTF-8; one that is (all ASCII titles, or a file converted before) is
 * kept.  A title or genre name is kept as one TSV field: a TAB, CR or LF
 * in it (a quoted newline) is replaced by a space.
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

/* Read a whole movie file (movies.csv, movies.dat or u.item, as above)
 * from fp (borrowed; name is used in messages and must outlive the call)
 * into the empty table m.  Fails (-1, err filled with file and line) on
 *   - in all three: a bad movieId ("movieId 'x1' is not a non-negative
 *     integer", "empty movieId", "... out of range"), a duplicate movieId
 *     ("duplicate movieId 11 (first on line 12)"), more than
 *     REC_GENRES_MAX genres, a file without movies;
 *   - in movies.csv: a missing or wrong header, a record without exactly
 *     3 fields, an empty genres field or genre name, malformed quoting;
 *   - in movies.dat: an empty line, a line without exactly 3 fields
 *     ("expected 3 '::'-separated fields, got 2"), an empty genres field
 *     or genre name (ids and genres hold no ':', so the title is all
 *     between the first "::" and the last);
 *   - in u.item: an empty line, a line without exactly 24 fields
 *     ("expected 24 '|'-separated fields, got 23"), a genre flag that is
 *     not 0 or 1 ("genre flag Action (field 7) is '2', expected 0 or 1").
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
