/*
 * movies.c - MovieLens movie files (see movies.h): movies.csv through the
 * CSV driver of csv.h (so errors name the line where a record starts),
 * ml-1m's movies.dat and ml-100k's u.item one line at a time.  All three
 * end in the same place: a checked id, a title and a genre mask.
 */
#include <inttypes.h>
#include <string.h>

#include "rec/csv.h"
#include "rec/movies.h"

#define CSV_HEADER "movieId,title,genres"
#define CSV_FIELDS 3
#define ITEM_FIELDS 24
#define ITEM_FLAGS 19   /* u.item's last fields: its genre flags */

/* The names of u.item's genre flags, in field order (ml-100k's u.genre).
 * "unknown" is what movies.csv calls REC_NO_GENRES: no genre. */
static const char *const item_genre[ITEM_FLAGS] = {
	"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
	"Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"
};

enum format { CSV, DAT, ITEM };

struct rec_movies *
rec_movies_new(void)
{
	return rec_calloc(1, sizeof(struct rec_movies));
}

void
rec_movies_free(struct rec_movies *m)
{
	if (!m)
		return;
	rec_idmap_clear(&m->ids);
	rec_free(m->genres);
	rec_free(m->line);
	rec_free(m->title_off);
	rec_free(m->text);
	for (size_t g = 0; g < m->ngenres; g++)
		rec_free(m->genre[g]);
	rec_free(m);
}

int32_t
rec_movies_find(const struct rec_movies *m, int64_t id)
{
	return id < 0 ? -1 : rec_idmap_find(&m->ids, id);
}

const char *
rec_movies_title(const struct rec_movies *m, size_t i)
{
	return m->text + m->title_off[i];
}

/* The index of the genre named s[0..n), or -1. */
static int
find_genre(const struct rec_movies *m, const char *s, size_t n)
{
	for (size_t g = 0; g < m->ngenres; g++)
		if (strlen(m->genre[g]) == n && memcmp(m->genre[g], s, n) == 0)
			return (int)g;
	return -1;
}

int
rec_movies_genre_index(const struct rec_movies *m, const char *name)
{
	return find_genre(m, name, strlen(name));
}

/* TAB, CR and LF become spaces, so that the text is one TSV field. */
static void
one_field(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			s[i] = ' ';
}

/* The first "::" in s[0..n), or NULL. */
static char *
find_dcolon(char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == ':' && s[i + 1] == ':')
			return s + i;
	return NULL;
}

static int
grow(struct rec_movies *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	void *p;

	if (!(p = rec_realloc_array(m->genres, cap, sizeof *m->genres)))
		return -1;
	m->genres = p;
	if (!(p = rec_realloc_array(m->line, cap, sizeof *m->line)))
		return -1;
	m->line = p;
	if (!(p = rec_realloc_array(m->title_off, cap, sizeof *m->title_off)))
		return -1;
	m->title_off = p;
	m->cap = cap;
	return 0;
}

/* Append the title s[0..len) of movie m->n.  With latin1, a title that is
 * not UTF-8 is read as Latin-1 and converted: a byte c >= 0x80 is the
 * code point c, two bytes in UTF-8. */
static int
add_title(struct rec_movies *m, const char *s, size_t len, int latin1)
{
	size_t out = len;
	char *d;

	if (latin1 && !rec_utf8_valid(s, len))
		for (size_t i = 0; i < len; i++)
			out += (unsigned char)s[i] >= 0x80;
	if (out + 1 > m->text_cap - m->text_len) {
		size_t cap = m->text_cap ? m->text_cap : 1 << 16;
		while (out + 1 > cap - m->text_len) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		char *p = rec_realloc(m->text, cap);
		if (!p)
			return -1;
		m->text = p;
		m->text_cap = cap;
	}
	m->title_off[m->n] = m->text_len;
	d = m->text + m->text_len;
	if (out == len) {
		memcpy(d, s, len);
		d += len;
	} else {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c < 0x80) {
				*d++ = (char)c;
			} else {
				*d++ = (char)(0xC0 | c >> 6);
				*d++ = (char)(0x80 | (c & 0x3F));
			}
		}
	}
	*d = '\0';
	m->text_len += out + 1;
	return 0;
}

/* Set the bit of the genre named s[0..n) in *mask, adding the name to the
 * vocabulary when it is new. */
static int
add_genre(struct rec_movies *m, const char *s, size_t n, uint64_t *mask,
          const char *file, long line, struct rec_err *err)
{
	char q[64];
	int g = find_genre(m, s, n);

	if (g < 0) {
		if (m->ngenres == REC_GENRES_MAX)
			return rec_errf(err, file, line, "more than %d genres ('%s' "
			                "would be the %dth)", REC_GENRES_MAX,
			                rec_quote(q, sizeof q, s, n), REC_GENRES_MAX + 1);
		if (!(m->genre[m->ngenres] = rec_malloc(n + 1)))
			return rec_erroom(err, file);
		memcpy(m->genre[m->ngenres], s, n);
		m->genre[m->ngenres][n] = '\0';
		g = (int)m->ngenres++;
	}
	*mask |= (uint64_t)1 << g;
	return 0;
}

/* The genre mask of the genres field s (len bytes) of movies.csv or
 * movies.dat: names joined by '|', or REC_NO_GENRES. */
static int
parse_genres(struct rec_movies *m, char *s, size_t len, uint64_t *mask,
             const char *file, long line, struct rec_err *err)
{
	static const size_t none_len = sizeof REC_NO_GENRES - 1;
	char q[64];
	const char *p = s, *end = s + len;

	*mask = 0;
	if (len == 0)
		return rec_errf(err, file, line, "empty genres field (MovieLens "
		                "writes '%s')", REC_NO_GENRES);
	one_field(s, len);
	for (;;) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t n = (size_t)((bar ? bar : end) - p);

		if (n == 0)
			return rec_errf(err, file, line, "empty genre name in '%s'",
			                rec_quote(q, sizeof q, s, len));
		/* a genre name goes into NCF's model metadata, JSON: UTF-8 */
		if (!rec_utf8_valid(p, n))
			return rec_errf(err, file, line, "genre '%s' is not valid UTF-8",
			                rec_quote(q, sizeof q, p, n));
		if ((n != none_len || memcmp(p, REC_NO_GENRES, n) != 0) &&
		    add_genre(m, p, n, mask, file, line, err) != 0)
			return -1;
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

/* The id field s[0..n) of a new movie: an id not seen before. */
static int
new_id(const struct rec_movies *m, const char *s, size_t n, int64_t *id,
       const char *file, long line, struct rec_err *err)
{
	int32_t idx;

	if (rec_parse_id(id, s, n, "movieId", file, line, err) != 0)
		return -1;
	if ((idx = rec_idmap_find(&m->ids, *id)) >= 0)
		return rec_errf(err, file, line, "duplicate movieId %" PRId64 " (first "
		                "on line %lu)", *id, (unsigned long)m->line[idx]);
	return 0;
}

/* Append movie id (from new_id) with its title and genres; latin1 as in
 * add_title. */
static int
push(struct rec_movies *m, int64_t id, char *title, size_t title_len,
     int latin1, uint64_t mask, const char *file, long line,
     struct rec_err *err)
{
	int32_t idx;

	if (m->n == m->cap && grow(m) != 0)
		return rec_erroom(err, file);
	one_field(title, title_len);
	if (add_title(m, title, title_len, latin1) != 0 ||
	    rec_idmap_add(&m->ids, id, &idx) != 0)
		return rec_erroom(err, file);
	m->genres[m->n] = mask;
	m->line[m->n] = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	m->n++;
	return 0;
}

struct movies_ctx {
	struct rec_movies *m;
	const char *file;
};

/* A record of movies.csv: movieId,title,genres. */
static int
csv_movie(void *ctx, struct rec_csv_record *rec, struct rec_err *err)
{
	struct rec_movies *m = ((struct movies_ctx *)ctx)->m;
	const char *file = ((struct movies_ctx *)ctx)->file;
	int64_t id;
	uint64_t mask;

	if (rec->nf != CSV_FIELDS)
		return rec_errf(err, file, rec->line, "expected %d fields, got %d",
		                CSV_FIELDS, rec->nf);
	if (new_id(m, rec->field[0], rec->len[0], &id, file, rec->line, err) != 0 ||
	    parse_genres(m, rec->field[2], rec->len[2], &mask, file, rec->line,
	                 err) != 0)
		return -1;
	return push(m, id, rec->field[1], rec->len[1], 0, mask, file, rec->line,
	            err);
}

/* A line of movies.dat: id::title::genres.  Ids and genre names hold no
 * ':', so the title is all between the first "::" and the last, and a
 * title that starts or ends with ':' is read right. */
static int
dat_movie(struct rec_movies *m, char *s, size_t n, const char *file, long line,
          struct rec_err *err)
{
	char *first = find_dcolon(s, n), *last = NULL;
	uint64_t mask;
	int64_t id;

	for (size_t i = n; i >= 2 && first && !last; i--)
		if (s[i - 2] == ':' && s[i - 1] == ':')
			last = s + i - 2;
	if (!first || last < first + 2)
		return rec_errf(err, file, line, "expected 3 '::'-separated "
		                "fields, got %d", first ? 2 : 1);
	if (find_dcolon(first + 2, (size_t)(last - first - 2)))
		return rec_errf(err, file, line, "expected 3 '::'-separated "
		                "fields, got more");
	if (new_id(m, s, (size_t)(first - s), &id, file, line, err) != 0 ||
	    parse_genres(m, last + 2, (size_t)(s + n - last - 2), &mask, file,
	                 line, err) != 0)
		return -1;
	return push(m, id, first + 2, (size_t)(last - first - 2), 1, mask,
	            file, line, err);
}

/* A line of u.item: id|title|release date|video release date|IMDb URL|
 * then the ITEM_FLAGS genre flags, each 0 or 1. */
static int
item_movie(struct rec_movies *m, char *s, size_t n, const char *file, long line,
           struct rec_err *err)
{
	char *f[ITEM_FIELDS], *p = s, *end = s + n, q[64];
	size_t len[ITEM_FIELDS];
	int nf = 0;
	uint64_t mask = 0;
	int64_t id;

	for (;;) {
		char *bar = memchr(p, '|', (size_t)(end - p));
		if (nf < ITEM_FIELDS) {
			f[nf] = p;
			len[nf] = (size_t)((bar ? bar : end) - p);
		}
		nf++;
		if (!bar)
			break;
		p = bar + 1;
	}
	if (nf != ITEM_FIELDS)
		return rec_errf(err, file, line, "expected %d '|'-separated fields, "
		                "got %d", ITEM_FIELDS, nf);
	if (new_id(m, f[0], len[0], &id, file, line, err) != 0)
		return -1;
	for (int g = 0; g < ITEM_FLAGS; g++) {
		int k = ITEM_FIELDS - ITEM_FLAGS + g;

		if (len[k] != 1 || (f[k][0] != '0' && f[k][0] != '1'))
			return rec_errf(err, file, line, "genre flag %s (field %d) is "
			                "'%s', expected 0 or 1", item_genre[g], k + 1,
			                rec_quote(q, sizeof q, f[k], len[k]));
		if (g > 0 && f[k][0] == '1' &&
		    add_genre(m, item_genre[g], strlen(item_genre[g]), &mask, file,
		              line, err) != 0)
			return -1;
	}
	return push(m, id, f[1], len[1], 1, mask, file, line, err);
}

/* movies.dat or u.item, one movie a line. */
static int
read_lines(struct rec_movies *m, struct rec_lines *l, enum format fmt,
           struct rec_err *err)
{
	char *s;
	size_t n;
	int rc;

	while ((rc = rec_lines_next(l, &s, &n, err)) == 1) {
		if (n == 0)
			return rec_errf(err, l->name, l->lineno, "empty line");
		if ((fmt == DAT ? dat_movie : item_movie)(m, s, n, l->name, l->lineno,
		                                         err) != 0)
			return -1;
	}
	return rc;
}

/* The format of a file whose first line is s (n bytes), told as
 * rec_ratings_read tells its own. */
static enum format
detect(char *s, size_t n, const char *name)
{
	size_t k = strlen(name);

	if ((n >= 7 && memcmp(s, "movieId", 7) == 0) ||
	    (n >= 8 && memcmp(s, "\"movieId", 8) == 0) ||
	    (k >= 4 && strcmp(name + k - 4, ".csv") == 0))
		return CSV;
	return find_dcolon(s, n) ? DAT : memchr(s, '|', n) ? ITEM : CSV;
}

int
rec_movies_read(struct rec_movies *m, FILE *fp, const char *name,
                struct rec_err *err)
{
	struct movies_ctx c = { m, name };
	struct rec_lines l;
	enum format fmt = CSV;
	char *s;
	size_t n;
	int rc;

	rec_lines_init(&l, fp, name);
	if ((rc = rec_lines_next(&l, &s, &n, err)) == 1) {
		fmt = detect(s, n, name);
		rec_lines_unread(&l);
	}
	if (rc >= 0)
		rc = fmt == CSV ? rec_csv_read(&l, CSV_HEADER, csv_movie, &c, err) :
		     read_lines(m, &l, fmt, err);
	if (rc == 0 && m->n == 0)
		rc = rec_errf(err, name, 0, "no movies");
	rec_lines_free(&l);
	return rc < 0 ? -1 : 0;
}
