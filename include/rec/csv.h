/*
 * csv.h - MovieLens CSV files, read through libcsv.
 *
 * Lines are fed to libcsv one physical line at a time, so every message
 * names the line where the offending record starts, also for records with
 * quoted newlines.  Quoted fields with commas, doubled quotes and newlines
 * are read as RFC 4180 says; blank lines are skipped (libcsv's rule).
 */
#ifndef REC_CSV_H
#define REC_CSV_H

#include "rec/lineio.h"
#include "rec/ratings.h"

/* Read ratings.csv (header userId,movieId,rating,timestamp) from l into
 * r.  Errors name l's file and line. */
int rec_csv_read_ratings(struct rec_ratings *r, struct rec_lines *l,
                         const struct rec_read_opts *o,
                         struct rec_read_stats *st, struct rec_err *err);

#endif
