/*
 * metrics.h - evaluation metrics (DESIGN.md section 6, rec-eval(1)),
 * computed from plain arrays.
 *
 * Every function here works on one user, one list or one catalog at a
 * time; averaging over users is the caller's (rec-eval's) job, so that
 * the per-user values and the averages come from the same code.  Nothing
 * here prints or exits; only rec_metrics_gini and rec_metrics_short_head
 * allocate (and can fail).  An undefined value (a mean of nothing) is NaN.
 *
 * Item ids are the data set's own ids (int64); "catalog" arrays are
 * indexed by dense item indices 0..ni-1 (the train set's item id map),
 * and a recommended item outside the catalog is given as index -1.
 */
#ifndef REC_METRICS_H
#define REC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "rec/util.h"

/* The star scale: predictions are clipped to it before an error. */
#define REC_STAR_MIN 0.5
#define REC_STAR_MAX 5.0

/* One scored item of one user. */
struct rec_scored {
	int64_t item;    /* data-set id; breaks ties in score */
	double score;    /* the prediction; never NaN */
	float truth;     /* the true rating (rated-items protocol only) */
};

/* Sort v by score descending, ties by item id ascending: a total order,
 * so the ranking never depends on the input order. */
void rec_metrics_rank(struct rec_scored *v, size_t n);

/* RMSE and MAE of pred against truth over n pairs, each prediction first
 * clipped to [REC_STAR_MIN, REC_STAR_MAX].  NaN for n == 0. */
void rec_metrics_error(const float *truth, const double *pred, size_t n,
                       double *rmse, double *mae);

/* One user under the rated-items protocol. */
struct rec_rated {
	size_t nrel;         /* ALL the user's items with truth >= threshold */
	size_t nrec;         /* top-k items with score >= threshold */
	size_t nhit;         /* top-k items with both */
	double precision;    /* nhit / nrec; 0 when nrec == 0 */
	double recall;       /* nhit / nrel; 0 when nrel == 0 */
};

/* The rated-items protocol for one user's n scored test items: rank v
 * (rec_metrics_rank, in place), take the first min(k, n); an item is
 * relevant when truth >= threshold and recommended when it is in those
 * and score >= threshold.  Note that nrel counts the relevant items among
 * all n, not only among the top k. */
void rec_metrics_rated(struct rec_scored *v, size_t n, size_t k,
                       double threshold, struct rec_rated *out);

/* 2PR / (P + R); 0 when P + R == 0. */
double rec_metrics_f1(double p, double r);

/* One user's top-K list under the full-ranking protocol. */
struct rec_ranking {
	size_t nhit;         /* relevant items among the first k of the list */
	double precision;    /* nhit / k (k, even when the list is shorter) */
	double recall;       /* nhit / nrel */
	double ndcg;         /* DCG / IDCG, binary gain, 1/log2(rank + 1) */
	double hit;          /* 1 if nhit > 0, else 0 */
	double rr;           /* 1 / rank of the first relevant item, 0 if none */
};

/* Score the list (item ids in rank order, len of them, no repeats; only
 * the first k count) against rel: the user's relevant item ids, sorted
 * ascending without repeats, nrel >= 1.  IDCG is the DCG of min(k, nrel)
 * relevant items at ranks 1, 2, ...  k >= 1.  An empty list scores 0. */
void rec_metrics_ranking(const int64_t *list, size_t len, const int64_t *rel,
                         size_t nrel, size_t k, struct rec_ranking *out);

/* Catalog coverage: the share of the ni catalog items with count > 0
 * (count[i]: how often item i was recommended).  NaN for ni == 0. */
double rec_metrics_coverage(const uint64_t *count, size_t ni);

/* Gini index of exposure over the ni catalog items, zeros included:
 * with the counts sorted ascending c_1 <= ... <= c_n,
 *   G = sum_i (2i - n - 1) c_i / (n sum_i c_i),
 * 0 when every item is recommended equally often, 1 - 1/n when one item
 * takes every recommendation.  NaN when ni == 0 or no item is
 * recommended.  Allocates a sorted copy: -1 (err) when out of memory. */
int rec_metrics_gini(const uint64_t *count, size_t ni, double *gini,
                     struct rec_err *err);

/* Novelty: the mean over the n recommended items (catalog indices, -1
 * outside the catalog) of -log2 p(i), where p(i) = pop[i] / nusers is the
 * share of train users who rated i; an item outside the catalog or with
 * pop 0 gets p = 1 / (nusers + 1).  NaN for n == 0. */
double rec_metrics_novelty(const int32_t *items, size_t n,
                           const uint32_t *pop, size_t nusers);

/* Mark the short head: the fewest most popular catalog items (pop
 * descending, ties by ids ascending) whose pop sums to at least share
 * (0..1) of the total; head[i] = 1 for them, 0 for the rest.
 * -1 (err) when out of memory. */
int rec_metrics_short_head(const uint32_t *pop, const int64_t *ids, size_t ni,
                           double share, uint8_t *head, struct rec_err *err);

/* Long-tail share: the share of the n recommended items (catalog indices,
 * -1 outside the catalog) that are not in the head; an item outside the
 * catalog is long tail.  NaN for n == 0. */
double rec_metrics_longtail(const int32_t *items, size_t n,
                            const uint8_t *head);

/* Intra-list diversity of one list given as the genre masks of its n
 * items: the mean over the pairs i < j whose masks are both non-zero of
 * the Jaccard distance 1 - |a & b| / |a | b|.  Items without genres take
 * no part.  Returns the number of pairs used and sets *out to their mean
 * (NaN when there is none). */
size_t rec_metrics_diversity(const uint64_t *genres, size_t n, double *out);

#endif
