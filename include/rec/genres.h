/*
 * genres.h - the genre make-up of top-K lists and of users' histories
 * (rec-genres(1)): movies.csv's genres (movies.h) looked up for the items
 * of the lists (lists.h) and of a ratings stream (ratings.h).
 *
 * A movie's genres are a bit mask over the movies' genre vocabulary; a
 * movie "(no genres listed)" has none and adds nothing to any count.
 * Counts are of genre labels: an item with two genres adds one to each,
 * an item in three lists adds three times.
 *
 * Usage:
 *	rec_genres_lists(m, "movies.csv", ls, "top.tsv", &lmi, &err);
 *	rec_genres_history(m, "movies.csv", hist, "train.tsv", 4.0, &hmi, &err);
 *	rec_genres_count(m, lmi, ls->n, cnt);
 *	rec_genres_masks(m, ls, lmi, hist, hmi, &hm, &rm, &err);
 */
#ifndef REC_GENRES_H
#define REC_GENRES_H

#include <stdint.h>

#include "rec/lists.h"
#include "rec/movies.h"
#include "rec/ratings.h"
#include "rec/util.h"

/* The movie index (movies.h) of every item of ls: (*mi)[j] for ls->item[j].
 * An item that is not in m fails, naming lname and the line where the
 * item is, and mname: "item 99 is not in movies.csv".  Caller frees *mi with
 * rec_free (NULL on failure).  -1 (err) on failure or out of memory. */
int rec_genres_lists(const struct rec_movies *m, const char *mname,
                     const struct rec_lists *ls, const char *lname,
                     int32_t **mi, struct rec_err *err);

/* The movie index of the item of every row of hist, or -1 for a row whose
 * rating is below liked (not part of the history).  An item not in m fails
 * as above, naming hname and the row's line ("item 99 is not in movies.csv"),
 * even in a row below liked.  Caller frees *mi with rec_free.  -1 (err) on
 * failure or out of memory. */
int rec_genres_history(const struct rec_movies *m, const char *mname,
                       const struct rec_ratings *hist, const char *hname,
                       double liked, int32_t **mi, struct rec_err *err);

/* Add the genre labels of the movies mi[0..n) to cnt (m->ngenres
 * entries): cnt[g] += the number of them with genre g.  Entries < 0 are
 * skipped.  Returns the number of labels added. */
uint64_t rec_genres_count(const struct rec_movies *m, const int32_t *mi,
                          size_t n, uint64_t *cnt);

/* The genres of each list's user: (*rec)[i] the union of the genres of
 * list i's items, (*hist)[i] the union of the genres of that user's rows
 * of hist with hmi >= 0 (0 when the user has none).  hist may be NULL
 * (every (*hist)[i] is 0).  Caller frees both with rec_free.  -1 (err)
 * when out of memory. */
int rec_genres_masks(const struct rec_movies *m, const struct rec_lists *ls,
                     const int32_t *lmi, const struct rec_ratings *hist,
                     const int32_t *hmi, uint64_t **hmask, uint64_t **rmask,
                     struct rec_err *err);

/* The overlap of each listed user's history genres with the genres of
 * the user's list (rec-genres --overlap): how many genres are in the
 * history, in the list, in both, only in the history, only in the list. */
enum { REC_OVERLAP_HIST, REC_OVERLAP_REC, REC_OVERLAP_BOTH,
       REC_OVERLAP_HIST_ONLY, REC_OVERLAP_REC_ONLY, REC_OVERLAP_NCOLS };

struct rec_overlap_row {
	int64_t user;                   /* the user's id */
	uint64_t hist, rec;             /* the genre masks (rec_genres_masks) */
};

struct rec_overlap {
	size_t n;                       /* users with a list */
	struct rec_overlap_row *row;    /* (n) by user id */
	double mean[REC_OVERLAP_NCOLS]; /* each count's mean over the users */
	uint64_t hist_all, rec_all;     /* the unions over all users */
	size_t no_history;              /* users whose history has no genre */
};

/* The five counts (REC_OVERLAP_*) of the genre masks hist and rec. */
void rec_genres_overlap_counts(uint64_t hist, uint64_t rec,
                               int count[REC_OVERLAP_NCOLS]);

/* The overlap table of the lists ls (item movie indices lmi) and the
 * histories hist (movie indices hmi, as rec_genres_masks; hist may be
 * NULL).  Free with rec_genres_overlap_free.  -1 (err) when out of
 * memory, leaving nothing to free. */
int rec_genres_overlap(struct rec_overlap *o, const struct rec_movies *m,
                       const struct rec_lists *ls, const int32_t *lmi,
                       const struct rec_ratings *hist, const int32_t *hmi,
                       struct rec_err *err);

void rec_genres_overlap_free(struct rec_overlap *o);   /* zeroes *o */

/* The genre indices of m in ix[0..m->ngenres), sorted by the counts c1,
 * then c2 (both descending; c2 may be NULL), then by name: the order of
 * rec-genres' tables. */
void rec_genres_order(const struct rec_movies *m, const uint64_t *c1,
                      const uint64_t *c2, size_t *ix);

/* The rows of hist of the user with id user that have hmi >= 0, best
 * first: by rating, highest first, then the newest first, then by item
 * id, then by row.  *n of them in *rows (row indices; rec_free it); none
 * is *n == 0.  -1 (err) when out of memory. */
int rec_genres_user_rows(const struct rec_ratings *hist, const int32_t *hmi,
                         int64_t user, uint32_t **rows, size_t *n,
                         struct rec_err *err);

/* The number of genres in a mask. */
int rec_genres_popcount(uint64_t mask);

#endif
