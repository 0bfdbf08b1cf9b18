/*
 * eval.h - rec-eval's evaluation: predictions and top-K lists against
 * the truth, into per-user results and the averages (rec-eval(1)).
 *
 * Two protocols (DESIGN.md section 6):
 *   predictions   a ratings stream with a predicted rating appended:
 *                 RMSE and MAE over every line; rated-items precision
 *                 and recall@K, per user, averaged over every user
 *   top-K lists   (lists.h) against the test ratings: precision, recall,
 *                 NDCG, hit rate and MRR@K, per user, averaged over the
 *                 test users with a relevant item (a rating >= the
 *                 threshold; a user without a list scores 0); with the
 *                 train ratings coverage, novelty, Gini index and
 *                 long-tail share; with movies.csv diversity
 * The metrics themselves are metrics.h's; this module reads the
 * predictions, groups by user, averages and names the results.
 *
 * Usage:
 *	struct rec_eval ev;
 *	rec_eval_init(&ev, 10, 3.5);
 *	rec_eval_preds(&ev, preds, &err);        (either or both)
 *	rec_eval_lists(&ev, lists, test, train, movies, &err);
 *	rec_eval_summary(&ev, &table, &err);     (or rec_eval_per_user)
 *	... print table ...
 *	rec_eval_table_free(&table);
 *	rec_eval_free(&ev);
 */
#ifndef REC_EVAL_H
#define REC_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "rec/lists.h"
#include "rec/metrics.h"
#include "rec/movies.h"
#include "rec/ratings.h"
#include "rec/util.h"

/* ---- predictions ---- */

/* The predictions stream: "user item rating timestamp prediction" lines,
 * the first four fields a ratings line (ratings.h, default rating range),
 * the last a number (rec_parse_real; any value, clipped only when an
 * error is computed). */
struct rec_preds {
	struct rec_ratings *truth;  /* the first four fields, row i = line i */
	double *pred;               /* (truth->n) the fifth field */
	size_t cap;                 /* room in pred */
	const char *name;           /* the name given to rec_preds_read, for
	                             * the messages of rec_eval_preds */
};

/* An empty predictions table; caller frees with rec_preds_free.  NULL if
 * out of memory. */
struct rec_preds *rec_preds_new(void);
void rec_preds_free(struct rec_preds *p);   /* NULL: does nothing */

/* Read a whole predictions stream from fp (borrowed; name is kept in p
 * for messages and must outlive p) into the empty p.  Fails (-1, err
 * filled with file and line) on the first bad line: a wrong field count
 * or an empty field (rec_tsv_fields), a bad ratings field (as
 * rec_ratings_add_fields), "prediction 'x' is not a number"; on an
 * empty stream ("empty input") or one of empty lines only ("no
 * predictions"); on a read error or "out of memory".  A repeated (user,
 * item) is found by rec_eval_preds, not here. */
int rec_preds_read(struct rec_preds *p, FILE *fp, const char *name,
                   struct rec_err *err);

/* ---- results ---- */

/* One user of the predictions. */
struct rec_eval_pred_user {
	size_t n;                /* predictions (distinct items) */
	double rmse, mae;
	struct rec_rated rated;  /* the rated-items protocol */
};

/* One user of the test ratings. */
struct rec_eval_test_user {
	size_t nrel;             /* relevant test items (distinct) */
	struct rec_ranking rk;   /* the user's list scored; valid when nrel > 0 */
};

struct rec_eval {
	size_t k;                /* the cut-off of every @K metric, >= 1 */
	double threshold;        /* a rating >= threshold is relevant */

	/* Filled by rec_eval_preds; preds == NULL until then. */
	const struct rec_preds *preds;          /* borrowed */
	double rmse, mae;                       /* over every prediction */
	double rated_precision, rated_recall;   /* means over every user */
	struct rec_eval_pred_user *pred_user;   /* (preds->truth->users.n) */

	/* Filled by rec_eval_lists; lists == NULL until then.  The inputs
	 * are borrowed; train and movies may be NULL. */
	const struct rec_lists *lists;
	const struct rec_ratings *test, *train;
	const struct rec_movies *movies;
	size_t rel_users;        /* test users with a relevant item */
	size_t nolist;           /* of them, the users without a list */
	double precision, recall, ndcg, hit, mrr;   /* means over rel_users;
	                                             * NaN when it is 0 */
	struct rec_eval_test_user *test_user;   /* (test->users.n) */
	/* With train (else 0): */
	double coverage, novelty, gini, longtail;
	size_t not_train;        /* recommended items (of lists->n) not in train */
	/* With movies (else 0): */
	double diversity;        /* mean over the lists with a pair of items
	                          * with genres; NaN when there is none */
	size_t not_movies;       /* recommended items not in movies */
	double *novelty_u;       /* (lists->users.n) per list; NaN: none */
	double *diversity_u;     /* (lists->users.n) per list; NaN: none */
};

/* Start ev with the cut-off k (>= 1) and the relevance threshold; no
 * results yet.  Allocates nothing.  Then call rec_eval_preds and
 * rec_eval_lists at most once each. */
void rec_eval_init(struct rec_eval *ev, size_t k, double threshold);

/* Free the results (not the borrowed inputs) and zero ev. */
void rec_eval_free(struct rec_eval *ev);

/* Evaluate the predictions p (borrowed; must outlive ev).  The same
 * (user, item) twice fails, after everything was computed, naming the
 * second line and the first: "a second prediction for user 1, item 10
 * (first on line 1)"; so does "out of memory" (-1, err). */
int rec_eval_preds(struct rec_eval *ev, const struct rec_preds *p,
                   struct rec_err *err);

/* Evaluate the lists against test; with train (may be NULL) the
 * beyond-accuracy metrics on the train catalog and popularity (an
 * item's popularity: its distinct train users; the short head: the most
 * popular items that take 80% of the total); with movies (may be NULL)
 * diversity.  Repeated test ratings
 * of a user count once.  All borrowed; they must outlive ev.  Fails only
 * when out of memory (-1, err). */
int rec_eval_lists(struct rec_eval *ev, const struct rec_lists *lists,
                   const struct rec_ratings *test,
                   const struct rec_ratings *train,
                   const struct rec_movies *movies, struct rec_err *err);

/* ---- tables ---- */

#define REC_EVAL_COLS 32

/* The results as named columns (rec-eval(1) names them: "rmse",
 * "precision@10", ...), in the order rec-eval prints them. */
struct rec_eval_table {
	size_t ncol, nrow;
	char name[REC_EVAL_COLS][48];   /* (ncol) column names */
	uint8_t count[REC_EVAL_COLS];   /* (ncol) 1: a count (an integer) */
	int64_t *user;                  /* (nrow) per-user tables: the user of
	                                 * each row; NULL for the summary */
	double *v;                      /* (nrow * ncol) row by row */
};

/* The summary: one row, a column for every metric ev holds (the error
 * and rated-items metrics with F1, then the ranking metrics, then
 * coverage, novelty, diversity, Gini and long tail as far as train and
 * movies were given).  NaN for an undefined mean.  t is overwritten
 * (it must hold no arrays).  -1 (err) when out of memory; t must be
 * freed with rec_eval_table_free either way. */
int rec_eval_summary(const struct rec_eval *ev, struct rec_eval_table *t,
                     struct rec_err *err);

/* The per-user table: a row for every user of the predictions, the test
 * ratings and the lists, by user id ascending.  Columns: with
 * predictions n_pred (a count), rmse, mae, rated precision, recall and
 * F1; with lists n_rel (a count), precision, recall, ndcg, hit, mrr,
 * novelty (with train) and diversity (with movies).  NaN where the user
 * takes no part (no predictions, no relevant item, no list) or where the
 * value is undefined.  t is overwritten (it must hold no arrays).  -1
 * (err) when out of memory; t must be freed with rec_eval_table_free
 * either way. */
int rec_eval_per_user(const struct rec_eval *ev, struct rec_eval_table *t,
                      struct rec_err *err);

/* Free t's arrays and zero it. */
void rec_eval_table_free(struct rec_eval_table *t);

#endif
