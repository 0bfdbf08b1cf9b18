/*
 * tsv.h - one line of a TSV stream split into a fixed number of fields.
 *
 * For the TSV streams that are not ratings (ratings.h has its own
 * reader): predictions, top-K lists.  Fields are separated by single
 * TABs; no quoting, no trimming.
 */
#ifndef REC_TSV_H
#define REC_TSV_H

#include <stddef.h>

#include "rec/util.h"

/* Split the line s (n bytes, as rec_lines_next returns it) into exactly
 * want fields: f[j] points into s, len[j] is its length; the last field
 * ends where the line ends (so after rec_lines_next it is followed by a
 * NUL).  what names the fields for messages ("user rank item score").
 * Fails (-1, err filled with file and line) on
 *   "empty line"
 *   "expected 4 TAB-separated fields (what), got 3"   (or "got more")
 *   "empty field 2"                                   (1-based)
 * f and len need room for want entries. */
int rec_tsv_fields(char *s, size_t n, int want, const char *what, char **f,
                   size_t *len, const char *file, long line,
                   struct rec_err *err);

#endif
