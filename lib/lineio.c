/*
 * lineio.c - buffered line reading with file:line positions.
 *
 * One buffer, refilled with fread and scanned with memchr: several times
 * faster than getline on the 25-million-line files we read.
 */
#include <errno.h>
#include <string.h>

#include "rec/lineio.h"

#define CHUNK (64u << 10)   /* the first buffer; it doubles for long lines */

void
rec_lines_init(struct rec_lines *l, FILE *fp, const char *name)
{
	memset(l, 0, sizeof *l);
	l->fp = fp;
	l->name = name;
	l->stop = -1;
}

void
rec_lines_free(struct rec_lines *l)
{
	rec_free(l->buf);
	l->buf = NULL;
	l->cap = l->beg = l->end = 0;
}

/* Make room and read more bytes after l->end.  Returns 1 if bytes were
 * added, 0 at EOF, -1 on error. */
static int
fill(struct rec_lines *l, struct rec_err *err)
{
	size_t n;

	if (l->eof)
		return 0;
	if (l->beg > 0) {
		memmove(l->buf, l->buf + l->beg, l->end - l->beg);
		l->end -= l->beg;
		l->base += (off_t)l->beg;
		l->beg = 0;
	}
	if (l->cap - l->end < CHUNK / 2) {
		size_t cap = l->cap ? l->cap * 2 : CHUNK;
		char *p;

		if (l->end > REC_LINE_MAX)
			return rec_errf(err, l->name, l->lineno + 1,
			                "line longer than 16 MiB");
		p = rec_realloc(l->buf, cap + 1);
		if (!p)
			return rec_erroom(err, l->name);
		l->buf = p;
		l->cap = cap;
	}
	n = fread(l->buf + l->end, 1, l->cap - l->end, l->fp);
	if (n == 0) {
		if (ferror(l->fp)) {
			rec_errsys(err, l->name);
			if (!err || !err->sys)
				return rec_errf(err, l->name, 0, "read error");
			return -1;
		}
		l->eof = 1;
		return 0;
	}
	l->end += n;
	return 1;
}

/* Whether the next line starts at or past the range's end. */
static int
past_stop(const struct rec_lines *l)
{
	return l->stop >= 0 && l->base + (off_t)l->beg >= l->stop;
}

/* Move past the next newline (or to the end of the stream), reading
 * the bytes before it unchecked.  Returns 1 past a newline, 0 at the end
 * of the stream, -1 on error. */
static int
skip_line(struct rec_lines *l, struct rec_err *err)
{
	for (;;) {
		size_t n = l->end - l->beg;
		char *nl = n ? memchr(l->buf + l->beg, '\n', n) : NULL;
		int r;
		if (nl) {
			l->beg = (size_t)(nl - l->buf) + 1;
			return 1;
		}
		l->beg = l->end;   /* nothing kept: the buffer never grows */
		errno = 0;
		if ((r = fill(l, err)) <= 0)
			return r;
	}
}

int
rec_lines_init_range(struct rec_lines *l, FILE *fp, const char *name,
                     off_t beg, off_t end, struct rec_err *err)
{
	rec_lines_init(l, fp, name);
	l->stop = end;
	l->base = beg > 0 ? beg - 1 : 0;
	errno = 0;
	if (fseeko(fp, l->base, SEEK_SET) != 0)
		return rec_errsys(err, name);
	if (beg > 0) {
		/* the line that holds byte beg - 1 is the range before's */
		l->started = 1;
		if (skip_line(l, err) < 0)
			return -1;
	}
	return 0;
}

int
rec_lines_skip_rest(struct rec_lines *l, struct rec_err *err)
{
	int r;

	if (l->again) {   /* the line given back is one of those left */
		l->again = 0;
		l->lineno++;
	}
	while (!past_stop(l)) {
		if (l->beg == l->end) {   /* a line starts here, if any byte follows */
			errno = 0;
			if ((r = fill(l, err)) < 0)
				return -1;
			if (r == 0)
				return 0;
		}
		l->lineno++;
		if ((r = skip_line(l, err)) <= 0)
			return r;
	}
	return 0;
}

int
rec_lines_next(struct rec_lines *l, char **line, size_t *len,
               struct rec_err *err)
{
	char *p, *nl;
	size_t n;
	int r;

	if (l->again) {
		l->again = 0;
		l->lineno++;
		*line = l->last;
		*len = l->lastlen;
		return 1;
	}
	if (past_stop(l))
		return 0;
	for (;;) {
		n = l->end - l->beg;
		/* (no arithmetic on the buffer before it exists) */
		nl = n ? memchr(l->buf + l->beg, '\n', n) : NULL;
		if (nl) {
			p = l->buf + l->beg;
			break;
		}
		errno = 0;
		r = fill(l, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			if (l->end == l->beg)
				return 0;
			nl = l->buf + l->end;   /* last line, no newline */
			p = l->buf + l->beg;
			break;
		}
	}
	l->lineno++;
	n = (size_t)(nl - p);
	l->beg = (size_t)(nl - l->buf) + (nl < l->buf + l->end);
	if (!l->started) {
		l->started = 1;
		if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
			p += 3, n -= 3;
	}
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > REC_LINE_MAX)
		return rec_errf(err, l->name, l->lineno, "line longer than 16 MiB");
	if (memchr(p, '\0', n))
		return rec_errf(err, l->name, l->lineno, "NUL byte in input");
	p[n] = '\0';
	*line = l->last = p;
	*len = l->lastlen = n;
	return 1;
}

void
rec_lines_unread(struct rec_lines *l)
{
	if (l->last && l->lineno > 0) {
		l->again = 1;
		l->lineno--;
	}
}
