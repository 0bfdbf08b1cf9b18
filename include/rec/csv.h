/*
 * csv.h - CSV files with a header, read through libcsv: the one CSV
 * driver behind the MovieLens readers (ratings.csv here, movies.csv in
 * movies.h).
 *
 * Lines are fed to libcsv one physical line at a time, so every message
 * names the line where the offending record starts, also for records with
 * quoted newlines.  Quoted fields with commas, doubled quotes and newlines
 * are read as RFC 4180 says; blank lines are skipped (libcsv's rule);
 * spaces around fields are kept (libcsv would trim them), so " 3.5" is
 * the bad number it looks like.
 */
#ifndef REC_CSV_H
#define REC_CSV_H

#include "rec/lineio.h"
#include "rec/ratings.h"

#define REC_CSV_FIELDS 4   /* fields kept of a record; more are counted */

/* One record: its first fields, each NUL-terminated (and writable). */
struct rec_csv_record {
	char *field[REC_CSV_FIELDS];
	size_t len[REC_CSV_FIELDS];
	int nf;            /* fields in the record (may exceed REC_CSV_FIELDS) */
	long line;         /* the line where it starts */
};

/* Read the CSV stream of l: the first record must be exactly header
 * ("a,b,c"; "missing header, expected ..." / "header is ..., expected
 * ..."), then each record goes to on_record(ctx, rec, err), which returns
 * 0 to go on or -1 (err filled) to stop.  Errors of the file itself:
 * "malformed quoting", "unterminated quoted field". */
int rec_csv_read(struct rec_lines *l, const char *header,
                 int (*on_record)(void *ctx, struct rec_csv_record *rec,
                                  struct rec_err *err),
                 void *ctx, struct rec_err *err);

/* Read ratings.csv (header userId,movieId,rating,timestamp) from l into
 * r, with o's rating range and bad-row policy. */
int rec_csv_read_ratings(struct rec_ratings *r, struct rec_lines *l,
                         const struct rec_read_opts *o,
                         struct rec_read_stats *st, struct rec_err *err);

#endif
