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
#include <sys/types.h>

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
	off_t base;        /* the offset in the file of buf[0] */
	off_t stop;        /* no line that starts here or later; -1: none */
};

/* Start reading fp under name.  Both are borrowed and must outlive l.
 * Allocates nothing until the first rec_lines_next. */
void rec_lines_init(struct rec_lines *l, FILE *fp, const char *name);

/* The next line: *line points into l's buffer (valid until the next call;
 * the byte after it is a writable NUL), *len is its length.  Returns 1 for
 * a line, 0 at the end of the input, -1 on error (err filled). */
int rec_lines_next(struct rec_lines *l, char **line, size_t *len,
                   struct rec_err *err);

/* Start reading the part of fp (a file that can seek) that byte range
 * [beg, end) of it holds, as Hadoop splits a file: the lines that start
 * in the range, from the first line start at or after beg (beg itself
 * when beg is 0 or the byte before it is a newline); the last one may
 * run past end.  Ranges that cover the file read each line once.  Lines
 * are numbered from 1 within the range; no byte order mark is skipped
 * past beg 0.  -1 (err, "line" 0) when fp cannot seek or be read. */
int rec_lines_init_range(struct rec_lines *l, FILE *fp, const char *name,
                         off_t beg, off_t end, struct rec_err *err);

/* Count the lines left (of the range, or to the end of the stream)
 * without checking them, so that l->lineno becomes the number of lines
 * read and left: after an error, for the line numbers of later ranges.
 * -1 on a read error. */
int rec_lines_skip_rest(struct rec_lines *l, struct rec_err *err);

/* Make the next rec_lines_next return the line just returned again
 * (one line of look-ahead, for format detection). */
void rec_lines_unread(struct rec_lines *l);

/* Free the buffer (not the stream). */
void rec_lines_free(struct rec_lines *l);

#endif
