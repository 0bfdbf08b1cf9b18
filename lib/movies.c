/*
 * movies.c - MovieLens movies.csv through libcsv (see movies.h).
 *
 * The records come from the CSV driver of csv.h (so errors name the line
 * where a record starts); this file makes movies of them.
 */
#include <inttypes.h>
#include <string.h>

#include "rec/csv.h"
#include "rec/movies.h"

#define NF 3

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

static int
add_title(struct rec_movies *m, const char *s, size_t len)
{
	if (len + 1 > m->text_cap - m->text_len) {
		size_t cap = m->text_cap ? m->text_cap : 1 << 16;
		while (len + 1 > cap - m->text_len) {
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
	memcpy(m->text + m->text_len, s, len);
	m->text[m->text_len + len] = '\0';
	m->text_len += len + 1;
	return 0;
}

/* The genre mask of the genres field s (len bytes), adding new names to
 * the vocabulary. */
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
		int g;

		if (n == 0)
			return rec_errf(err, file, line, "empty genre name in '%s'",
			                rec_quote(q, sizeof q, s, len));
		if (n != none_len || memcmp(p, REC_NO_GENRES, n) != 0) {
			if ((g = find_genre(m, p, n)) < 0) {
				if (m->ngenres == REC_GENRES_MAX)
					return rec_errf(err, file, line, "more than %d genres "
					                "('%s' would be the %dth)",
					                REC_GENRES_MAX,
					                rec_quote(q, sizeof q, p, n),
					                REC_GENRES_MAX + 1);
				if (!(m->genre[m->ngenres] = rec_malloc(n + 1)))
					return rec_erroom(err, file);
				memcpy(m->genre[m->ngenres], p, n);
				m->genre[m->ngenres][n] = '\0';
				g = (int)m->ngenres++;
			}
			*mask |= (uint64_t)1 << g;
		}
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

struct movies_ctx {
	struct rec_movies *m;
	const char *file;
};

static int
add_movie(void *ctx, struct rec_csv_record *rec, struct rec_err *err)
{
	struct rec_movies *m = ((struct movies_ctx *)ctx)->m;
	const char *file = ((struct movies_ctx *)ctx)->file;
	char *id_s = rec->field[0], q[64];
	size_t id_n = rec->len[0];
	long line = rec->line;
	uint64_t id;
	int32_t idx;
	uint64_t mask;

	if (rec->nf != NF)
		return rec_errf(err, file, line, "expected %d fields, got %d", NF,
		                rec->nf);
	if (id_n == 0)
		return rec_errf(err, file, line, "empty movieId");
	if (rec_parse_u64(id_s, id_n, INT64_MAX, &id) != 0)
		return rec_errf(err, file, line, "movieId '%s' is not a non-negative "
		                "integer", rec_quote(q, sizeof q, id_s, id_n));
	if ((idx = rec_idmap_find(&m->ids, (int64_t)id)) >= 0)
		return rec_errf(err, file, line, "duplicate movieId %" PRIu64 " (first "
		                "on line %lu)", id, (unsigned long)m->line[idx]);
	if (parse_genres(m, rec->field[2], rec->len[2], &mask, file, line, err) != 0)
		return -1;
	if (m->n == m->cap && grow(m) != 0)
		return rec_erroom(err, file);
	one_field(rec->field[1], rec->len[1]);
	if (add_title(m, rec->field[1], rec->len[1]) != 0 ||
	    rec_idmap_add(&m->ids, (int64_t)id, &idx) != 0)
		return rec_erroom(err, file);
	m->genres[m->n] = mask;
	m->line[m->n] = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	m->n++;
	return 0;
}

int
rec_movies_read(struct rec_movies *m, FILE *fp, const char *name,
                struct rec_err *err)
{
	struct movies_ctx c = { m, name };
	struct rec_lines l;
	int rc;

	rec_lines_init(&l, fp, name);
	rc = rec_csv_read(&l, "movieId,title,genres", add_movie, &c, err);
	if (rc == 0 && m->n == 0)
		rc = rec_errf(err, name, 0, "no movies");
	rec_lines_free(&l);
	return rc;
}
