/*
 * ratings.h - the ratings table and its text forms.
 *
 * A table holds n rows as a structure of arrays.  Users and items are
 * stored as dense indices into two id maps (data-set id <-> 0..n-1, in
 * order of first appearance); ratings are floats, timestamps seconds
 * (0 = unknown).  Rows keep the order of the input.  An untimed table
 * keeps no timestamps (8 of its 20 bytes a row): for work that never
 * looks at them, such as MF's training; every row's time reads as 0.
 * What orders rows by time (split.h, the sequence and side-feature
 * models) needs a timed table.
 *
 * Text forms read (rec-formats(5)):
 *   tsv   user TAB item TAB rating TAB timestamp   (also ml-100k u.data)
 *   csv   MovieLens ratings.csv, header userId,movieId,rating,timestamp
 *   dat   ml-1m ratings.dat, user::item::rating::timestamp
 * Every row is validated: ids [0-9]+ up to INT64_MAX, rating
 * [0-9]+(.[0-9]+)? inside the rating range, timestamp [0-9]+.
 */
#ifndef REC_RATINGS_H
#define REC_RATINGS_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/lineio.h"
#include "rec/util.h"

struct rec_ratings {
	size_t n, cap;
	int32_t *user;        /* (n) dense user index */
	int32_t *item;        /* (n) dense item index */
	float *rating;        /* (n) */
	int64_t *ts;          /* (n) seconds; 0 = unknown; NULL when untimed */
	uint32_t *line;       /* (n) source line of each row, or NULL when row i
	                       * came from line i + 1 (the plain TSV case) */
	struct rec_idmap users, items;
	int untimed;          /* 1: no timestamps kept (rec_ratings_new_untimed) */
};

enum rec_format { REC_FMT_AUTO, REC_FMT_TSV, REC_FMT_CSV, REC_FMT_DAT };

struct rec_read_opts {
	enum rec_format format;
	double lo, hi;        /* the rating range, inclusive */
	int skip_bad;         /* drop a bad row (and count it) instead of failing */
};
#define REC_READ_DEFAULTS { REC_FMT_AUTO, 0.5, 5.0, 0 }

struct rec_read_stats {
	size_t bad;           /* rows dropped by skip_bad */
	struct rec_err first_bad;  /* why the first of them was bad */
};

/* An empty table; caller frees with rec_ratings_free.  NULL if out of memory. */
struct rec_ratings *rec_ratings_new(void);
/* The same, untimed: the rows' timestamps are checked as they are added
 * but not kept. */
struct rec_ratings *rec_ratings_new_untimed(void);
void rec_ratings_free(struct rec_ratings *r);

/* Append a row; line is the source line (for messages).  Returns -1 when
 * out of memory or when the table is full (UINT32_MAX rows). */
int rec_ratings_push(struct rec_ratings *r, int64_t user, int64_t item,
                     float rating, int64_t ts, long line, struct rec_err *err);

/* A row's values as read. */
struct rec_row {
	int64_t user, item;
	float rating;
	int64_t ts;
};

/* Parse one line of a TSV stream, or with dat of ml-1m's '::' form,
 * into *row, checked as every reader below checks a row (user TAB item
 * TAB rating TAB timestamp, the rating in o's range); a bad line fails
 * with file:line and a message. */
int rec_ratings_parse_line(char *s, size_t n, int dat,
                           const struct rec_read_opts *o, const char *file,
                           long line, struct rec_row *row, struct rec_err *err);

/* Parse and append one row given as four text fields.  names gives the
 * field names for messages ("userId", "movieId" or "user", "item").
 * A bad field fails with file:line and a message. */
int rec_ratings_add_fields(struct rec_ratings *r, char *const f[4],
                           const size_t len[4], const char *const names[2],
                           const struct rec_read_opts *o, const char *file,
                           long line, struct rec_err *err);

/* After a bad row (err filled): 0 if the options say to drop it, counted
 * in st (which keeps the first reason); -1 to fail (and always on "out of
 * memory"). */
int rec_ratings_skip_bad(const struct rec_read_opts *o,
                         struct rec_read_stats *st, const struct rec_err *err);

/* Read a whole stream into r (which may be non-empty).  With format AUTO
 * the first line decides: a CSV header (or a name ending in ".csv") is
 * csv, a line with "::" is dat, anything else tsv.  No rows at all is an
 * error.  st may be NULL. */
int rec_ratings_read(struct rec_ratings *r, FILE *fp, const char *name,
                     const struct rec_read_opts *o, struct rec_read_stats *st,
                     struct rec_err *err);

/* Read the rows of l into r, each line a row: TSV, or dat with format
 * DAT (no format guessed, no header); no rows at all is no error here. */
int rec_ratings_read_lines(struct rec_ratings *r, struct rec_lines *l,
                           const struct rec_read_opts *o,
                           struct rec_read_stats *st, struct rec_err *err);

/* The ratings stream of a TSV file, strictly (rec_ratings_read with TSV
 * and default options): what every program but rec-filter reads. */
int rec_ratings_read_tsv(struct rec_ratings *r, FILE *fp, const char *name,
                         struct rec_err *err);

/* Write rows as TSV.  With sel == NULL every row; else the rows with
 * sel[i] == want.  With tags != NULL every row is written, prefixed by
 * tags[sel[i]] and a TAB.  Returns -1 on a write error (err names file). */
int rec_ratings_write_tsv(const struct rec_ratings *r, FILE *fp,
                          const char *file, const uint8_t *sel, int want,
                          const char *const *tags, struct rec_err *err);

/* Group the rows by user: the rows of user u are ix[start[u]] ..
 * ix[start[u+1] - 1], in row order.  start has users.n + 1 entries.
 * Caller frees both with rec_free. */
int rec_ratings_by_user(const struct rec_ratings *r, size_t **start,
                        uint32_t **ix, struct rec_err *err);

/* All rows of a, then all rows of b, in a new table (caller frees),
 * untimed when both are; NULL when out of memory (err filled).  Its id
 * maps are a's, then b's ids that a lacks: for tables read from streams,
 * the order of first appearance in a's rows then b's; for tables spread
 * over the ranks (shard.h), the same maps on every rank.  Its lines are
 * its rows' places, 1 on; in a job of more than one rank (a collective
 * then) a's lines, then b's after the job's rows of a, as one process's
 * table of every rank's rows would have them. */
struct rec_ratings *rec_ratings_concat(const struct rec_ratings *a,
                                       const struct rec_ratings *b,
                                       struct rec_err *err);

/* Keep the rows with keep[i] != 0, in order. */
void rec_ratings_compact(struct rec_ratings *r, const uint8_t *keep);

enum rec_dedup { REC_DEDUP_LAST, REC_DEDUP_FIRST, REC_DEDUP_ERROR };

/* Remove repeated (user, item) rows.  LAST keeps the most recent rating
 * (largest timestamp, ties: the later line); FIRST the earliest (smallest
 * timestamp, ties: the earlier line); ERROR fails on the first repeat in
 * file order, naming both lines.  *dropped counts the rows removed. */
int rec_ratings_dedupe(struct rec_ratings *r, enum rec_dedup how,
                       const char *file, size_t *dropped, struct rec_err *err);

struct rec_filter_opts {
	long min_item;        /* drop items with fewer ratings */
	long min_user;        /* drop users with fewer ratings */
	int k_core;           /* repeat both until nothing changes */
};

struct rec_filter_stats {
	size_t rows, users, items;   /* kept */
	size_t rows_in;              /* before */
	int rounds;
};

/* Drop sparse items, then sparse users (once, or until stable). */
int rec_ratings_filter(struct rec_ratings *r, const struct rec_filter_opts *o,
                       struct rec_filter_stats *st, struct rec_err *err);

/* Count the users and items that have at least one row. */
int rec_ratings_count(const struct rec_ratings *r, size_t *users, size_t *items,
                      struct rec_err *err);

/* The source line of row i. */
long rec_ratings_line(const struct rec_ratings *r, size_t i);

/* *users (caller frees with rec_free) = the users of r's rows, each
 * once, in index order; *n of them (a job's rank: the users it owns,
 * dist.h). */
int rec_ratings_users(const struct rec_ratings *r, int32_t **users, size_t *n,
                      struct rec_err *err);

/* The timestamp of row i (0 in an untimed table). */
int64_t rec_ratings_time(const struct rec_ratings *r, size_t i);

#endif
