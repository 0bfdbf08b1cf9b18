/*
 * ratings.c - the ratings table: validation, TSV and dat reading, TSV
 * writing, grouping, deduplication and the min-count filters.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/csv.h"
#include "rec/dist.h"
#include "rec/ratings.h"

#define MAX_ROWS UINT32_MAX

struct rec_ratings *
rec_ratings_new(void)
{
	return rec_calloc(1, sizeof(struct rec_ratings));
}

struct rec_ratings *
rec_ratings_new_untimed(void)
{
	struct rec_ratings *r = rec_ratings_new();

	if (r)
		r->untimed = 1;
	return r;
}

void
rec_ratings_free(struct rec_ratings *r)
{
	if (!r)
		return;
	rec_free(r->user);
	rec_free(r->item);
	rec_free(r->rating);
	rec_free(r->ts);
	rec_free(r->line);
	rec_idmap_clear(&r->users);
	rec_idmap_clear(&r->items);
	rec_free(r);
}

long
rec_ratings_line(const struct rec_ratings *r, size_t i)
{
	return r->line ? (long)r->line[i] : (long)i + 1;
}

int
rec_ratings_users(const struct rec_ratings *r, int32_t **users, size_t *n,
                  struct rec_err *err)
{
	const size_t nu = r->users.n;
	unsigned char *seen = rec_calloc(nu + 1, 1);

	*n = 0;
	if (!seen || !(*users = rec_malloc_array(nu + 1, sizeof **users))) {
		rec_free(seen);
		return rec_erroom(err, NULL);
	}
	for (size_t j = 0; j < r->n; j++)
		seen[r->user[j]] = 1;
	for (size_t u = 0; u < nu; u++)
		if (seen[u])
			(*users)[(*n)++] = (int32_t)u;
	rec_free(seen);
	return 0;
}

int64_t
rec_ratings_time(const struct rec_ratings *r, size_t i)
{
	return r->ts ? r->ts[i] : 0;
}

static int
grow(struct rec_ratings *r)
{
	size_t cap = r->cap ? r->cap + r->cap / 2 : 4096;
	void *p;

	if (cap > MAX_ROWS)
		cap = MAX_ROWS;
	/* Each array is taken over as soon as it is reallocated, so a
	 * failure half-way leaves a consistent (larger) table. */
	if (!(p = rec_realloc_array(r->user, cap, sizeof *r->user)))
		return -1;
	r->user = p;
	if (!(p = rec_realloc_array(r->item, cap, sizeof *r->item)))
		return -1;
	r->item = p;
	if (!(p = rec_realloc_array(r->rating, cap, sizeof *r->rating)))
		return -1;
	r->rating = p;
	if (!r->untimed) {
		if (!(p = rec_realloc_array(r->ts, cap, sizeof *r->ts)))
			return -1;
		r->ts = p;
	}
	if (r->line) {
		if (!(p = rec_realloc_array(r->line, cap, sizeof *r->line)))
			return -1;
		r->line = p;
	}
	r->cap = cap;
	return 0;
}

/* Give back the arrays' growth slack (up to a third of them): a table
 * read grows no more.  The arrays a shuffled epoch reads at random go
 * into huge pages: grown by realloc, most of their pages are small ones,
 * and at 25M ratings a page-table walk a read made NCF's gather of a
 * batch half its epoch.  A shrink that fails keeps the larger array, which
 * is as good. */
static void
fit(struct rec_ratings *r)
{
	void *p;

	if (r->n == 0)   /* with no slack, realloc keeps each block as it is */
		return;
	if ((p = rec_realloc_array(r->user, r->n, sizeof *r->user)))
		r->user = p;
	if ((p = rec_realloc_array(r->item, r->n, sizeof *r->item)))
		r->item = p;
	if ((p = rec_realloc_array(r->rating, r->n, sizeof *r->rating)))
		r->rating = p;
	if (r->ts && (p = rec_realloc_array(r->ts, r->n, sizeof *r->ts)))
		r->ts = p;
	if (r->line && (p = rec_realloc_array(r->line, r->n, sizeof *r->line)))
		r->line = p;
	r->cap = r->n;
	rec_huge_pages_now(r->user, r->n * sizeof *r->user);
	rec_huge_pages_now(r->item, r->n * sizeof *r->item);
	rec_huge_pages_now(r->rating, r->n * sizeof *r->rating);
}

int
rec_ratings_push(struct rec_ratings *r, int64_t user, int64_t item,
                 float rating, int64_t ts, long line, struct rec_err *err)
{
	size_t i = r->n;

	if (i == MAX_ROWS)
		return rec_errf(err, NULL, line, "more than %" PRIu32 " ratings",
		                (uint32_t)MAX_ROWS);
	if (i == r->cap && grow(r) != 0)
		return rec_erroom(err, NULL);
	if (!r->line && line != (long)i + 1) {
		/* Rows no longer follow lines one to one: remember lines. */
		r->line = rec_malloc_array(r->cap, sizeof *r->line);
		if (!r->line)
			return rec_erroom(err, NULL);
		for (size_t j = 0; j < i; j++)
			r->line[j] = (uint32_t)j + 1;
	}
	if (r->users.n >= INT32_MAX - 1 || r->items.n >= INT32_MAX - 1)
		return rec_errf(err, NULL, line, "more than %d users or items",
		                INT32_MAX - 2);
	if (rec_idmap_add(&r->users, user, &r->user[i]) != 0 ||
	    rec_idmap_add(&r->items, item, &r->item[i]) != 0)
		return rec_erroom(err, NULL);
	r->rating[i] = rating;
	if (r->ts)
		r->ts[i] = ts;
	if (r->line)
		r->line[i] = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	r->n = i + 1;
	return 0;
}

/* ---- parsing ---- */


/* The values of a row's four text fields into *row; a bad field fails
 * with file:line and a message. */
static int
parse_fields(char *const f[4], const size_t len[4], const char *const names[2],
             const struct rec_read_opts *o, const char *file, long line,
             struct rec_row *row, struct rec_err *err)
{
	uint64_t ts;
	double v;
	char q[64];

	if (rec_parse_id(&row->user, f[0], len[0], names[0], file, line, err) != 0 ||
	    rec_parse_id(&row->item, f[1], len[1], names[1], file, line, err) != 0)
		return -1;
	if (len[2] == 0)
		return rec_errf(err, file, line, "empty rating");
	if (rec_parse_dec(f[2], len[2], &v) != 0)
		return rec_errf(err, file, line, "rating '%s' is not a number",
		                rec_quote(q, sizeof q, f[2], len[2]));
	if (v < o->lo || v > o->hi)
		return rec_errf(err, file, line, "rating %s out of range [%g, %g]",
		                rec_quote(q, sizeof q, f[2], len[2]), o->lo, o->hi);
	if (rec_parse_u64(f[3], len[3], INT64_MAX, &ts) != 0)
		return rec_errf(err, file, line, "bad timestamp '%s'",
		                rec_quote(q, sizeof q, f[3], len[3]));
	row->rating = (float)v;
	row->ts = (int64_t)ts;
	return 0;
}

int
rec_ratings_add_fields(struct rec_ratings *r, char *const f[4],
                       const size_t len[4], const char *const names[2],
                       const struct rec_read_opts *o, const char *file,
                       long line, struct rec_err *err)
{
	struct rec_row row;

	if (parse_fields(f, len, names, o, file, line, &row, err) != 0)
		return -1;
	if (rec_ratings_push(r, row.user, row.item, row.rating, row.ts, line, err) != 0) {
		if (err) {
			snprintf(err->file, sizeof err->file, "%s", file);
			err->line = 0;
		}
		return -1;
	}
	return 0;
}

/* The first sep (1 or 2 bytes) in [p, end), or NULL. */
static char *
find_sep(char *p, char *end, const char *sep, size_t seplen)
{
	while ((p = memchr(p, sep[0], (size_t)(end - p))) != NULL) {
		if (seplen == 1 || (end - p >= 2 && p[1] == sep[1]))
			return p;
		p++;
	}
	return NULL;
}

/* Split s at sep (a one- or two-byte separator) into at most 4 fields;
 * returns the number of fields found (5 means "more than 4"). */
static int
split_fields(char *s, size_t n, const char *sep, size_t seplen, char *f[4],
             size_t len[4])
{
	char *end = s + n, *p = s;
	int k = 0;

	for (;;) {
		char *q = find_sep(p, end, sep, seplen);
		if (k == 4)
			return 5;
		f[k] = p;
		len[k] = (size_t)((q ? q : end) - p);
		k++;
		if (!q)
			return k;
		p = q + seplen;
	}
}

int
rec_ratings_skip_bad(const struct rec_read_opts *o, struct rec_read_stats *st,
                     const struct rec_err *err)
{
	if (!o->skip_bad || (err && strcmp(err->msg, "out of memory") == 0))
		return -1;
	if (st && st->bad++ == 0 && err)
		st->first_bad = *err;
	return 0;
}

/* Digits up to the byte stop, at most 18 of them (so no overflow). */
static const char *
fast_u64(const char *p, const char *end, char stop, uint64_t *v)
{
	const char *s = p;
	uint64_t x = 0;

	while (p < end && *p >= '0' && *p <= '9')
		x = x * 10 + (uint64_t)(*p++ - '0');
	if (p == s || p - s > 18 || (stop ? p == end || *p != stop : p != end))
		return NULL;
	*v = x;
	return p + 1;
}

/* The common case of a TSV row, in one pass: "id TAB id TAB d[.d] TAB ts"
 * with short numbers.  Returns 0 and the values, or -1 to leave the row
 * to the checked path (which gives the message, or takes long numbers).
 * The rating equals rec_parse_dec's: mantissa / 10^fraction digits. */
static int
fast_tsv_row(const char *s, size_t n, uint64_t *user, uint64_t *item,
             double *rating, uint64_t *ts)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8 };
	const char *p = s, *end = s + n, *q;
	uint64_t mant = 0;
	int frac = 0;

	if (!(p = fast_u64(p, end, '\t', user)) || !(p = fast_u64(p, end, '\t', item)))
		return -1;
	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		mant = mant * 10 + (uint64_t)(*q - '0');
	if (q == p || q - p > 6)
		return -1;
	if (q < end && *q == '.') {
		for (p = ++q; q < end && *q >= '0' && *q <= '9'; q++)
			mant = mant * 10 + (uint64_t)(*q - '0');
		frac = (int)(q - p);
		if (frac == 0 || frac > 8)
			return -1;
	}
	if (q == end || *q != '\t' || !fast_u64(q + 1, end, 0, ts))
		return -1;
	*rating = (double)mant / pow10[frac];
	return 0;
}

int
rec_ratings_parse_line(char *s, size_t n, int dat, const struct rec_read_opts *o,
                       const char *file, long line, struct rec_row *row,
                       struct rec_err *err)
{
	static const char *const names[2] = { "user", "item" };
	const char *form = dat ? "'::'-separated" : "TAB-separated";
	char *f[4];
	size_t len[4];
	uint64_t user, item, ts;
	double v;
	int k;

	if (!dat && fast_tsv_row(s, n, &user, &item, &v, &ts) == 0 &&
	    v >= o->lo && v <= o->hi) {
		*row = (struct rec_row){ (int64_t)user, (int64_t)item, (float)v,
		                         (int64_t)ts };
		return 0;
	}
	if (n == 0)
		return rec_errf(err, file, line, "empty line");
	if ((k = split_fields(s, n, dat ? "::" : "\t", dat ? 2 : 1, f, len)) > 4)
		return rec_errf(err, file, line, "expected 4 %s fields, got more", form);
	if (k < 4)
		return rec_errf(err, file, line, "expected 4 %s fields, got %d", form, k);
	if (!dat && (len[0] == 0 || len[1] == 0 || len[2] == 0 || len[3] == 0))
		return rec_errf(err, file, line, "empty field %d",
		                len[0] == 0 ? 1 : len[1] == 0 ? 2 : len[2] == 0 ? 3 : 4);
	return parse_fields(f, len, names, o, file, line, row, err);
}

static int
read_delimited(struct rec_ratings *r, struct rec_lines *l, int dat,
               const struct rec_read_opts *o, struct rec_read_stats *st,
               struct rec_err *err)
{
	struct rec_row row;
	char *s;
	size_t n;
	int rc;

	while ((rc = rec_lines_next(l, &s, &n, err)) == 1) {
		if (rec_ratings_parse_line(s, n, dat, o, l->name, l->lineno, &row,
		                           err) != 0) {
			if (rec_ratings_skip_bad(o, st, err) != 0)
				return -1;
		} else if (rec_ratings_push(r, row.user, row.item, row.rating, row.ts,
		                            l->lineno, err) != 0) {
			return -1;
		}
	}
	return rc;
}

static int
looks_csv(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncmp(line, "userId,", 7) == 0 || strncmp(line, "\"userId\",", 9) == 0 ||
	       (n >= 4 && strcmp(name + n - 4, ".csv") == 0);
}

int
rec_ratings_read(struct rec_ratings *r, FILE *fp, const char *name,
                 const struct rec_read_opts *o, struct rec_read_stats *st,
                 struct rec_err *err)
{
	struct rec_lines l;
	enum rec_format fmt = o->format;
	size_t n0 = r->n;
	char *s;
	size_t n;
	int rc;

	if (st)
		memset(st, 0, sizeof *st);
	rec_lines_init(&l, fp, name);
	rc = rec_lines_next(&l, &s, &n, err);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		if (fmt == REC_FMT_AUTO)
			fmt = looks_csv(s, name) ? REC_FMT_CSV :
			      find_sep(s, s + n, "::", 2) ? REC_FMT_DAT : REC_FMT_TSV;
		rec_lines_unread(&l);
	}
	if (fmt == REC_FMT_CSV || (rc == 0 && looks_csv("", name)))
		rc = rec_csv_read_ratings(r, &l, o, st, err);
	else
		rc = read_delimited(r, &l, fmt == REC_FMT_DAT, o, st, err);
	if (rc == 0 && r->n == n0) {
		if (l.lineno == 0)
			rc = rec_errf(err, name, 0, "empty input");
		else
			rc = rec_errf(err, name, 0, "no ratings");
	}
	if (rc == 0)
		fit(r);
out:
	rec_lines_free(&l);
	return rc < 0 ? -1 : 0;
}

int
rec_ratings_read_lines(struct rec_ratings *r, struct rec_lines *l,
                       const struct rec_read_opts *o, struct rec_read_stats *st,
                       struct rec_err *err)
{
	return read_delimited(r, l, o->format == REC_FMT_DAT, o, st, err);
}

int
rec_ratings_read_tsv(struct rec_ratings *r, FILE *fp, const char *name,
                     struct rec_err *err)
{
	struct rec_read_opts o = REC_READ_DEFAULTS;

	o.format = REC_FMT_TSV;
	return rec_ratings_read(r, fp, name, &o, NULL, err);
}

/* ---- writing ---- */

/* v in decimal at p; returns the end.  The digits are counted first and
 * written backwards in place, two a step from a table, in 32-bit
 * arithmetic once v fits: writing a 25M-rating file is mostly this. */
static char *
put_u64(char *p, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324"
		"25262728293031323334353637383940414243444546474849"
		"50515253545556575859606162636465666768697071727374"
		"75767778798081828384858687888990919293949596979899";
	uint64_t big = 10;
	int n = 1;
	char *s;
	uint32_t w;

	while (n < 20 && v >= big)
		n++, big *= 10;
	s = p + n;
	while (v > UINT32_MAX) {
		s -= 2;
		memcpy(s, pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	for (w = (uint32_t)v; w >= 100; w /= 100) {
		s -= 2;
		memcpy(s, pairs + 2 * (w % 100), 2);
	}
	if (w >= 10)
		memcpy(s - 2, pairs + 2 * w, 2);
	else
		s[-1] = (char)('0' + w);
	return p + n;
}

/* The shortest decimal that reads back as v, never with an exponent (so
 * that our own grammar reads it); half stars without printf. */
static char *
put_rating(char *p, float v)
{
	float twice = v * 2.0f;

	if (v >= 0 && v < 1e6f && twice == (float)(uint32_t)twice) {
		uint32_t t = (uint32_t)twice;
		p = put_u64(p, t / 2);
		if (t & 1) {
			*p++ = '.';
			*p++ = '5';
		}
		return p;
	}
	for (int d = 1;; d++) {
		int n = snprintf(p, 64, "%.*f", d, (double)v);
		if (d == 9 || strtof(p, NULL) == v)
			return p + n;
	}
}

int
rec_ratings_write_tsv(const struct rec_ratings *r, FILE *fp, const char *file,
                      const uint8_t *sel, int want, const char *const *tags,
                      struct rec_err *err)
{
	enum { BUF = 1 << 16, ROW = 160 };
	char buf[BUF], *p = buf;

	for (size_t i = 0; i < r->n; i++) {
		if (sel && !tags && sel[i] != want)
			continue;
		if (tags) {
			const char *t = tags[sel[i]];
			size_t tl = strlen(t);
			memcpy(p, t, tl);
			p += tl;
			*p++ = '\t';
		}
		p = put_u64(p, (uint64_t)r->users.ids[r->user[i]]);
		*p++ = '\t';
		p = put_u64(p, (uint64_t)r->items.ids[r->item[i]]);
		*p++ = '\t';
		p = put_rating(p, r->rating[i]);
		*p++ = '\t';
		p = put_u64(p, (uint64_t)rec_ratings_time(r, i));
		*p++ = '\n';
		if (p - buf > BUF - ROW) {
			if (fwrite(buf, 1, (size_t)(p - buf), fp) != (size_t)(p - buf))
				return rec_errsys(err, file);
			p = buf;
		}
	}
	if (fwrite(buf, 1, (size_t)(p - buf), fp) != (size_t)(p - buf))
		return rec_errsys(err, file);
	return 0;
}

/* ---- grouping, deduplication, filters ---- */

int
rec_ratings_by_user(const struct rec_ratings *r, size_t **startp, uint32_t **ixp,
                    struct rec_err *err)
{
	size_t nu = r->users.n;
	size_t *start = rec_calloc(nu + 2, sizeof *start);
	uint32_t *ix = rec_malloc_array(r->n, sizeof *ix);

	if (!start || !ix) {
		rec_free(start);
		rec_free(ix);
		return rec_erroom(err, NULL);
	}
	/* Counting sort, stable: start[u + 2] counts, then prefix sums. */
	for (size_t i = 0; i < r->n; i++)
		start[r->user[i] + 2]++;
	for (size_t u = 2; u < nu + 2; u++)
		start[u] += start[u - 1];
	for (size_t i = 0; i < r->n; i++)
		ix[start[r->user[i] + 1]++] = (uint32_t)i;
	*startp = start;
	*ixp = ix;
	return 0;
}

void
rec_ratings_compact(struct rec_ratings *r, const uint8_t *keep)
{
	size_t j = 0;

	for (size_t i = 0; i < r->n; i++) {
		if (!keep[i])
			continue;
		r->user[j] = r->user[i];
		r->item[j] = r->item[i];
		r->rating[j] = r->rating[i];
		if (r->ts)
			r->ts[j] = r->ts[i];
		if (r->line)
			r->line[j] = r->line[i];
		j++;
	}
	r->n = j;
}

/* The users' rows are grouped for dedupe a range of users at a time, a
 * range holding at most 1/DEDUPE_PARTS of the rows (or one user's), so
 * that the index of a range takes 1 byte a row, not 4. */
enum { DEDUPE_PARTS = 4 };

int
rec_ratings_dedupe(struct rec_ratings *r, enum rec_dedup how, const char *file,
                   size_t *dropped, struct rec_err *err)
{
	const size_t nu = r->users.n, ni = r->items.n;
	size_t room = r->n / DEDUPE_PARTS + 1, nd = 0, bad = SIZE_MAX, badfirst = 0;
	size_t *start = rec_calloc(nu + 1, sizeof *start);
	size_t *at = rec_malloc_array(nu + 1, sizeof *at);
	uint32_t *ix = NULL, *kept = rec_malloc_array(ni + 1, sizeof *kept);
	int32_t *owner = rec_malloc_array(ni + 1, sizeof *owner);
	uint8_t *keep = NULL;
	int rc = -1;

	*dropped = 0;
	if (!start || !at || !kept || !owner)
		goto oom;
	/* start[u] .. start[u + 1]: user u's rows among all grouped by user */
	for (size_t i = 0; i < r->n; i++)
		start[r->user[i] + 1]++;
	for (size_t u = 0; u < nu; u++) {
		if (start[u + 1] > room)
			room = start[u + 1];
		start[u + 1] += start[u];
	}
	ix = rec_malloc_array(room, sizeof *ix);
	/* only the policies drop rows: an error leaves them all */
	if (!ix || (how != REC_DEDUP_ERROR && !(keep = rec_malloc_array(r->n + 1, 1))))
		goto oom;
	if (keep)
		memset(keep, 1, r->n);
	for (size_t j = 0; j < ni; j++)
		owner[j] = -1;
	for (size_t u0 = 0, u1; u0 < nu; u0 = u1) {
		const size_t base = start[u0];
		/* the users u0 .. u1 - 1, whose rows fit in ix, by user in row
		 * order (ix[start[u] - base] on) */
		for (u1 = u0 + 1; u1 < nu && start[u1 + 1] - base <= room; u1++)
			;
		memcpy(at + u0, start + u0, (u1 - u0) * sizeof *at);
		for (size_t i = 0; i < r->n; i++) {
			size_t u = (size_t)r->user[i];
			if (u >= u0 && u < u1)
				ix[at[u]++ - base] = (uint32_t)i;
		}
		/* Per user, remember which row holds each item so far. */
		for (size_t u = u0; u < u1; u++) {
			for (size_t k = start[u] - base; k < start[u + 1] - base; k++) {
				uint32_t i = ix[k], old;
				int32_t it = r->item[i];
				if (owner[it] != (int32_t)u) {
					owner[it] = (int32_t)u;
					kept[it] = i;
					continue;
				}
				old = kept[it];   /* old < i: rows are in line order */
				nd++;
				if (how == REC_DEDUP_ERROR) {
					if (i < bad)
						bad = i, badfirst = old;
					continue;
				}
				int64_t ti = rec_ratings_time(r, i), told = rec_ratings_time(r, old);
				if (how == REC_DEDUP_LAST ? ti >= told : ti < told) {
					keep[old] = 0;
					kept[it] = i;
				} else {
					keep[i] = 0;
				}
			}
		}
	}
	if (bad != SIZE_MAX) {
		rec_errf(err, file, rec_ratings_line(r, bad),
		         "duplicate rating for user %" PRId64 ", item %" PRId64
		         " (first on line %ld)", r->users.ids[r->user[bad]],
		         r->items.ids[r->item[bad]], rec_ratings_line(r, badfirst));
		goto out;
	}
	if (nd)
		rec_ratings_compact(r, keep);
	*dropped = nd;
	rc = 0;
	goto out;
oom:
	rec_erroom(err, file);
out:
	rec_free(start);
	rec_free(at);
	rec_free(ix);
	rec_free(owner);
	rec_free(kept);
	rec_free(keep);
	return rc;
}

/* cnt[x] = rows per dense index over idx[0..n). */
static void
count_rows(size_t *cnt, size_t m, const int32_t *idx, size_t n)
{
	memset(cnt, 0, m * sizeof *cnt);
	for (size_t i = 0; i < n; i++)
		cnt[idx[i]]++;
}

/* Drop rows whose idx has fewer than min rows; returns rows dropped. */
static size_t
drop_sparse(struct rec_ratings *r, const int32_t *idx, size_t m, long min,
            size_t *cnt, uint8_t *keep)
{
	size_t dropped = 0;

	if (min <= 1)
		return 0;
	count_rows(cnt, m, idx, r->n);
	for (size_t i = 0; i < r->n; i++) {
		keep[i] = cnt[idx[i]] >= (size_t)min;
		dropped += !keep[i];
	}
	if (dropped)
		rec_ratings_compact(r, keep);
	return dropped;
}

int
rec_ratings_count(const struct rec_ratings *r, size_t *users, size_t *items,
                  struct rec_err *err)
{
	size_t m = r->users.n > r->items.n ? r->users.n : r->items.n;
	uint8_t *seen = rec_malloc(m ? m : 1);

	if (!seen)
		return rec_erroom(err, NULL);
	*users = *items = 0;
	memset(seen, 0, m);
	for (size_t i = 0; i < r->n; i++)
		if (!seen[r->user[i]])
			seen[r->user[i]] = 1, ++*users;
	memset(seen, 0, m);
	for (size_t i = 0; i < r->n; i++)
		if (!seen[r->item[i]])
			seen[r->item[i]] = 1, ++*items;
	rec_free(seen);
	return 0;
}

int
rec_ratings_filter(struct rec_ratings *r, const struct rec_filter_opts *o,
                   struct rec_filter_stats *st, struct rec_err *err)
{
	size_t m = r->users.n > r->items.n ? r->users.n : r->items.n;
	size_t *cnt = rec_malloc_array(m, sizeof *cnt);
	uint8_t *keep = rec_malloc(r->n);
	size_t dropped;

	memset(st, 0, sizeof *st);
	st->rows_in = r->n;
	if (!cnt || !keep) {
		rec_free(cnt);
		rec_free(keep);
		return rec_erroom(err, NULL);
	}
	do {
		st->rounds++;
		dropped = drop_sparse(r, r->item, r->items.n, o->min_item, cnt, keep);
		dropped += drop_sparse(r, r->user, r->users.n, o->min_user, cnt, keep);
	} while (o->k_core && dropped);
	rec_free(cnt);
	rec_free(keep);
	st->rows = r->n;
	return rec_ratings_count(r, &st->users, &st->items, err);
}

struct rec_ratings *
rec_ratings_concat(const struct rec_ratings *a, const struct rec_ratings *b,
                   struct rec_err *err)
{
	struct rec_ratings *r = a->untimed && b->untimed ? rec_ratings_new_untimed() :
	                        rec_ratings_new();
	const struct rec_ratings *parts[2] = { a, b };
	const int job = rec_dist_size() > 1;
	int64_t before[2] = { 0, (int64_t)a->n };   /* lines before a's, b's */
	int32_t ix;

	if (job)
		rec_dist_sum_i64(before + 1, 1);
	if (!r) {
		rec_erroom(err, NULL);
		return NULL;
	}
	for (int p = 0; p < 2; p++) {
		const struct rec_ratings *s = parts[p];
		for (size_t k = 0; k < s->users.n; k++)
			if (rec_idmap_add(&r->users, s->users.ids[k], &ix) != 0)
				goto oom;
		for (size_t k = 0; k < s->items.n; k++)
			if (rec_idmap_add(&r->items, s->items.ids[k], &ix) != 0)
				goto oom;
	}
	for (int p = 0; p < 2; p++) {
		const struct rec_ratings *s = parts[p];
		for (size_t i = 0; i < s->n; i++) {
			long line = job ? (long)before[p] + rec_ratings_line(s, i) : (long)r->n + 1;
			if (rec_ratings_push(r, s->users.ids[s->user[i]],
			                     s->items.ids[s->item[i]], s->rating[i],
			                     rec_ratings_time(s, i), line, err) != 0) {
				rec_ratings_free(r);
				return NULL;
			}
		}
	}
	return r;
oom:
	rec_ratings_free(r);
	rec_erroom(err, NULL);
	return NULL;
}
