/*
 * lists.h - top-K lists: the TSV stream of rec-score --top
 * (rec-formats(5)), read into one flat array of items.
 *
 * A line is "user TAB rank TAB item TAB score": user and item [0-9]+ up
 * to INT64_MAX, rank [0-9]+ from 1 up to UINT32_MAX, score a number
 * (rec_parse_real).  The lines of one user's list are consecutive, with
 * ranks 1, 2, 3, ... in order; a user has one list, and an item appears
 * at most once in it.  An empty stream is no lists, not an error.
 */
#ifndef REC_LISTS_H
#define REC_LISTS_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/util.h"

struct rec_lists {
	struct rec_idmap users;  /* list i is the list of users.ids[i]; lists
	                          * in file order */
	size_t *start;           /* (users.n + 1) list i is
	                          * item[start[i] .. start[i+1]) */
	int64_t *item;           /* item ids, list by list, in rank order */
	double *score;           /* (n) the score of each item */
	uint32_t *line;          /* (n) the line each item was read from */
	size_t n, cap;           /* items kept (of all lists) and room */
};

/* An empty set of lists; caller frees with rec_lists_free.  NULL if out
 * of memory. */
struct rec_lists *rec_lists_new(void);

/* Free ls and everything in it.  rec_lists_free(NULL) does nothing. */
void rec_lists_free(struct rec_lists *ls);

/* Read a whole stream of top-K lists from fp (borrowed; name is used in
 * messages) into the empty ls, keeping the first k items (ranks 1..k) of
 * every list; k = SIZE_MAX keeps them all.  Every line is checked, kept
 * or not.  Fails (-1, err filled with file and line) on the first bad
 * line: a wrong field count or an empty field (rec_tsv_fields), a bad
 * number ("rank '0' is not a positive integer"), a list that does not
 * start at rank 1 ("user 1's list starts at rank 2, not 1"), a gap
 * ("rank 3 after rank 1 in user 1's list (ranks go 1, 2, 3, ...)"), a
 * second list of a user ("a second list for user 1 (the first starts on
 * line 1)"), a repeated item ("item 50 appears twice in user 1's list
 * (first at rank 1)"); and on a read error or "out of memory".  After a
 * failure ls holds a part of the input and must only be freed. */
int rec_lists_read(struct rec_lists *ls, FILE *fp, const char *name,
                   size_t k, struct rec_err *err);

#endif
