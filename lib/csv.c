/*
 * csv.c - MovieLens CSV through libcsv, one physical line at a time (so
 * that each record's first line is known exactly).
 *
 * libcsv trims spaces around unquoted fields by default; we switch that
 * off, so " 3.5" is the bad rating it looks like.  It does not strip a
 * UTF-8 BOM; the line reader does.
 */
#include <csv.h>
#include <string.h>

#include "rec/csv.h"

#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

static const char ratings_header[] = "userId,movieId,rating,timestamp";

/* One record being collected: its fields, back to back in buf. */
struct record {
	char *buf;
	size_t len, cap;
	size_t off[4], flen[4];
	int nf;              /* fields seen (may exceed 4) */
	long start;          /* line where the record starts; 0 = none yet */
	int done;            /* a whole record is ready */
	int oom;
};

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void
on_field(void *s, size_t len, void *data)
{
	struct record *rec = data;

	if (rec->nf < 4 && !rec->oom) {
		if (rec->len + len + 1 > rec->cap) {
			size_t cap = (rec->len + len + 1) * 2;
			char *p = rec_realloc(rec->buf, cap);
			if (!p) {
				rec->oom = 1;
				return;
			}
			rec->buf = p;
			rec->cap = cap;
		}
		memcpy(rec->buf + rec->len, s, len);
		rec->buf[rec->len + len] = '\0';
		rec->off[rec->nf] = rec->len;
		rec->flen[rec->nf] = len;
		rec->len += len + 1;
	}
	rec->nf++;
}

static void
on_row(int c, void *data)
{
	struct record *rec = data;

	(void)c;
	rec->done = 1;
}

/* The record's fields joined with commas, for messages. */
static const char *
joined(const struct record *rec, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (int k = 0; k < rec->nf && k < 4; k++)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s",
		                      k ? "," : "", rec->buf + rec->off[k]);
	return out;
}

static int
check_header(const struct record *rec, const char *file, struct rec_err *err)
{
	char got[256], q[64];

	joined(rec, got, sizeof got);
	if (rec->nf == 4 && strcmp(got, ratings_header) == 0)
		return 0;
	return rec_errf(err, file, rec->start, "header is '%s%s', expected '%s'",
	                rec_quote(q, sizeof q, got, strlen(got)),
	                rec->nf > 4 ? ",..." : "", ratings_header);
}

struct ratings_ctx {
	struct rec_ratings *r;
	const struct rec_read_opts *o;
	struct rec_read_stats *st;
	const char *file;
	struct record rec;
	int header_seen;
	struct rec_err *err;
};

/* Use the complete record in c->rec: the header, or a rating. */
static int
take_record(struct ratings_ctx *c)
{
	static const char *const names[2] = { "userId", "movieId" };
	struct record *rec = &c->rec;
	char *f[4];
	int rc = 0;

	if (rec->oom)
		return rec_erroom(c->err, c->file);
	if (!c->header_seen) {
		c->header_seen = 1;
		rc = check_header(rec, c->file, c->err);
	} else {
		if (rec->nf != 4) {
			rc = rec_errf(c->err, c->file, rec->start,
			              "expected 4 fields, got %d", rec->nf);
		} else {
			for (int k = 0; k < 4; k++)
				f[k] = rec->buf + rec->off[k];
			rc = rec_ratings_add_fields(c->r, f, rec->flen, names, c->o,
			                            c->file, rec->start, c->err);
		}
		if (rc != 0)
			rc = rec_ratings_skip_bad(c->o, c->st, c->err);
	}
	rec->len = 0;
	rec->nf = 0;
	rec->start = 0;
	rec->done = 0;
	return rc;
}

int
rec_csv_read_ratings(struct rec_ratings *r, struct rec_lines *l,
                     const struct rec_read_opts *o, struct rec_read_stats *st,
                     struct rec_err *err)
{
	struct ratings_ctx c = { .r = r, .o = o, .st = st, .file = l->name, .err = err };
	struct csv_parser p;
	char *s;
	size_t n;
	int rc;

	if (csv_init(&p, CSV_OPTS) != 0)
		return rec_erroom(err, l->name);
	csv_set_realloc_func(&p, rec_realloc);
	csv_set_free_func(&p, rec_free);
	csv_set_space_func(&p, no_space);
	while ((rc = rec_lines_next(l, &s, &n, err)) == 1) {
		if (!c.rec.start && n > 0)
			c.rec.start = l->lineno;
		if (csv_parse(&p, s, n, on_field, on_row, &c.rec) != n ||
		    csv_parse(&p, "\n", 1, on_field, on_row, &c.rec) != 1) {
			rc = csv_error(&p) == CSV_ENOMEM ? rec_erroom(err, l->name) :
			     rec_errf(err, l->name, l->lineno, "malformed quoting");
			break;
		}
		if (c.rec.done && take_record(&c) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0) {
		if (csv_fini(&p, on_field, on_row, &c.rec) != 0)
			rc = rec_errf(err, l->name, c.rec.start, "unterminated quoted field");
		else if (c.rec.done)
			rc = take_record(&c);
		if (rc == 0 && !c.header_seen)
			rc = rec_errf(err, l->name, 1, "missing header, expected '%s'",
			              ratings_header);
	}
	csv_free(&p);
	rec_free(c.rec.buf);
	return rc < 0 ? -1 : 0;
}
