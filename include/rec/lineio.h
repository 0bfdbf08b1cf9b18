/*
 * lineio.h - a line reader that knows the file name and the line number.
 *
 * Lines are returned without their "\n" and without one "\r" before it
 * (CRLF files read as LF files); a UTF-8 byte order mark at the very start
 * of the stream is skipped.  A NUL byte in a line, a line longer than
 * REC_LINE_MAX, and a read error are errors that name the file and line.
 * A last line without a final newline is returned as a line.
 */
#ifndef REC_LINEIO_H
#define REC_LINEIO_H

#include <stdio.h>

#include "rec/util.h"

#define REC_LINE_MAX (16u << 20)   /* 16 MiB */

struct rec_lines {
	FILE *fp;          /* borrowed */
	const char *name;  /* borrowed; "<stdin>" for standard input */
	long lineno;       /* number of the line last returned, 1-based */
	char *buf;         /* owned */
	size_t cap, beg, end;
	int eof, started;
	char *last;        /* the line last returned, for rec_lines_unread */
	size_t lastlen;
	int again;
};

/* Start reading fp under name.  Both are borrowed and must outlive l.
 * Allocates nothing until the first rec_lines_next. */
void rec_lines_init(struct rec_lines *l, FILE *fp, const char *name);

/* The next line: *line points into l's buffer (valid until the next call;
 * the byte after it is a writable NUL), *len is its length.  Returns 1 for
 * a line, 0 at the end of the input, -1 on error (err filled). */
int rec_lines_next(struct rec_lines *l, char **line, size_t *len,
                   struct rec_err *err);

/* Make the next rec_lines_next return the line just returned again
 * (one line of look-ahead, for format detection). */
void rec_lines_unread(struct rec_lines *l);

/* Free the buffer (not the stream). */
void rec_lines_free(struct rec_lines *l);

#endif
