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
