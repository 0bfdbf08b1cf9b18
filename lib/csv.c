/*
 * csv.c - the CSV driver on libcsv (see csv.h) and ratings.csv.
 *
 * libcsv calls back once a field and once a record; we collect a record's
 * fields back to back in one buffer and hand the whole record on.  It does
 * not strip a UTF-8 BOM; the line reader does.
 */
#include <csv.h>
#include <string.h>

#include "rec/csv.h"

#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

/* The record being collected. */
struct collect {
	char *buf;
	size_t len, cap;
	size_t off[REC_CSV_FIELDS], flen[REC_CSV_FIELDS];
	int nf;
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
	struct collect *c = data;

	if (c->nf < REC_CSV_FIELDS && !c->oom) {
		if (c->len + len + 1 > c->cap) {
			size_t cap = (c->len + len + 1) * 2;
			char *p = rec_realloc(c->buf, cap);
			if (!p) {
				c->oom = 1;
				return;
			}
			c->buf = p;
			c->cap = cap;
		}
		memcpy(c->buf + c->len, s, len);
		c->buf[c->len + len] = '\0';
		c->off[c->nf] = c->len;
		c->flen[c->nf] = len;
		c->len += len + 1;
	}
	c->nf++;
}

static void
on_row(int term, void *data)
{
	struct collect *c = data;

	(void)term;
	c->done = 1;
}

static int
check_header(const struct rec_csv_record *rec, const char *header,
             const char *file, struct rec_err *err)
{
	char got[256], q[64];
	size_t n = 0;
	int want = 1;

	for (const char *p = header; *p; p++)
		want += *p == ',';
	got[0] = '\0';
	for (int k = 0; k < rec->nf && k < REC_CSV_FIELDS && n < sizeof got; k++)
		n += (size_t)snprintf(got + n, sizeof got - n, "%s%s", k ? "," : "",
		                      rec->field[k]);
	if (rec->nf == want && strcmp(got, header) == 0)
		return 0;
	return rec_errf(err, file, rec->line, "header is '%s%s', expected '%s'",
	                rec_quote(q, sizeof q, got, strlen(got)),
	                rec->nf > REC_CSV_FIELDS ? ",..." : "", header);
}

/* Hand the collected record on (the header first), and start afresh. */
static int
take(struct collect *c, int *header_seen, const char *header, const char *file,
     int (*on_record)(void *, struct rec_csv_record *, struct rec_err *),
     void *ctx, struct rec_err *err)
{
	struct rec_csv_record rec = { .nf = c->nf, .line = c->start };
	int rc;

	if (c->oom)
		return rec_erroom(err, file);
	for (int k = 0; k < c->nf && k < REC_CSV_FIELDS; k++) {
		rec.field[k] = c->buf + c->off[k];
		rec.len[k] = c->flen[k];
	}
	if (!*header_seen) {
		*header_seen = 1;
		rc = check_header(&rec, header, file, err);
	} else {
		rc = on_record(ctx, &rec, err);
	}
	c->len = 0;
	c->nf = 0;
	c->start = 0;
	c->done = 0;
	return rc;
}

int
rec_csv_read(struct rec_lines *l, const char *header,
             int (*on_record)(void *ctx, struct rec_csv_record *rec,
                              struct rec_err *err),
             void *ctx, struct rec_err *err)
{
	struct collect c = { 0 };
	struct csv_parser p;
	int rc, header_seen = 0;
	char *s;
	size_t n;

	if (csv_init(&p, CSV_OPTS) != 0)
		return rec_erroom(err, l->name);
	csv_set_realloc_func(&p, rec_realloc);
	csv_set_free_func(&p, rec_free);
	csv_set_space_func(&p, no_space);
	while ((rc = rec_lines_next(l, &s, &n, err)) == 1) {
		if (!c.start && n > 0)
			c.start = l->lineno;
		if (csv_parse(&p, s, n, on_field, on_row, &c) != n ||
		    csv_parse(&p, "\n", 1, on_field, on_row, &c) != 1) {
			rc = csv_error(&p) == CSV_ENOMEM ? rec_erroom(err, l->name) :
			     rec_errf(err, l->name, l->lineno, "malformed quoting");
			break;
		}
		if (c.done && take(&c, &header_seen, header, l->name, on_record,
		                   ctx, err) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0) {
		if (csv_fini(&p, on_field, on_row, &c) != 0)
			rc = rec_errf(err, l->name, c.start, "unterminated quoted field");
		else if (c.done)
			rc = take(&c, &header_seen, header, l->name, on_record, ctx, err);
		if (rc == 0 && !header_seen)
			rc = rec_errf(err, l->name, 1, "missing header, expected '%s'",
			              header);
	}
	csv_free(&p);
	rec_free(c.buf);
	return rc < 0 ? -1 : 0;
}

/* ---- ratings.csv ---- */

struct ratings_ctx {
	struct rec_ratings *r;
	const struct rec_read_opts *o;
	struct rec_read_stats *st;
	const char *file;
};

static int
on_rating(void *ctx, struct rec_csv_record *rec, struct rec_err *err)
{
	static const char *const names[2] = { "userId", "movieId" };
	struct ratings_ctx *c = ctx;
	int rc;

	if (rec->nf != 4)
		rc = rec_errf(err, c->file, rec->line, "expected 4 fields, got %d",
		              rec->nf);
	else
		rc = rec_ratings_add_fields(c->r, rec->field, rec->len, names, c->o,
		                            c->file, rec->line, err);
	return rc == 0 ? 0 : rec_ratings_skip_bad(c->o, c->st, err);
}

int
rec_csv_read_ratings(struct rec_ratings *r, struct rec_lines *l,
                     const struct rec_read_opts *o, struct rec_read_stats *st,
                     struct rec_err *err)
{
	struct ratings_ctx c = { r, o, st, l->name };

	return rec_csv_read(l, "userId,movieId,rating,timestamp", on_rating, &c, err);
}
