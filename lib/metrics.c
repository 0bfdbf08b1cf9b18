/*
 * metrics.c - evaluation metrics (see metrics.h and rec-eval(1)).
 *
 * Sums are taken in double in array order, so the same input always gives
 * the same bits.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/metrics.h"

static int
by_score(const void *a, const void *b)
{
	const struct rec_scored *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return (x->item > y->item) - (x->item < y->item);
}

void
rec_metrics_rank(struct rec_scored *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, by_score);
}

static double
clip(double p)
{
	return p < REC_STAR_MIN ? REC_STAR_MIN : p > REC_STAR_MAX ? REC_STAR_MAX : p;
}

void
rec_metrics_error(const float *truth, const double *pred, size_t n,
                  double *rmse, double *mae)
{
	double se = 0, ae = 0;

	for (size_t i = 0; i < n; i++) {
		double d = clip(pred[i]) - (double)truth[i];
		se += d * d;
		ae += fabs(d);
	}
	*rmse = n ? sqrt(se / (double)n) : NAN;
	*mae = n ? ae / (double)n : NAN;
}

void
rec_metrics_rated(struct rec_scored *v, size_t n, size_t k, double threshold,
                  struct rec_rated *out)
{
	size_t top = n < k ? n : k;

	memset(out, 0, sizeof *out);
	rec_metrics_rank(v, n);
	for (size_t i = 0; i < n; i++) {
		int rel = v[i].truth >= threshold;
		out->nrel += (size_t)rel;
		if (i < top && v[i].score >= threshold) {
			out->nrec++;
			out->nhit += (size_t)rel;
		}
	}
	out->precision = out->nrec ? (double)out->nhit / (double)out->nrec : 0;
	out->recall = out->nrel ? (double)out->nhit / (double)out->nrel : 0;
}

double
rec_metrics_f1(double p, double r)
{
	return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void
rec_metrics_ranking(const int64_t *list, size_t len, const int64_t *rel,
                    size_t nrel, size_t k, struct rec_ranking *out)
{
	size_t top = len < k ? len : k, ideal = nrel < k ? nrel : k;
	double dcg = 0, idcg = 0;

	memset(out, 0, sizeof *out);
	for (size_t r = 0; r < top; r++) {
		if (!bsearch(&list[r], rel, nrel, sizeof *rel, by_id))
			continue;
		out->nhit++;
		dcg += 1 / log2((double)r + 2);
		if (out->rr == 0)
			out->rr = 1 / ((double)r + 1);
	}
	for (size_t r = 0; r < ideal; r++)
		idcg += 1 / log2((double)r + 2);
	out->precision = (double)out->nhit / (double)k;
	out->recall = nrel ? (double)out->nhit / (double)nrel : 0;
	out->ndcg = idcg > 0 ? dcg / idcg : 0;
	out->hit = out->nhit > 0;
}

double
rec_metrics_coverage(const uint64_t *count, size_t ni)
{
	size_t seen = 0;

	for (size_t i = 0; i < ni; i++)
		seen += count[i] > 0;
	return ni ? (double)seen / (double)ni : NAN;
}

static int
by_count(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
rec_metrics_gini(const uint64_t *count, size_t ni, double *gini,
                 struct rec_err *err)
{
	uint64_t *c;
	double total = 0, sum = 0;

	*gini = NAN;
	if (ni == 0)
		return 0;
	if (!(c = rec_malloc_array(ni, sizeof *c)))
		return rec_erroom(err, NULL);
	memcpy(c, count, ni * sizeof *c);
	qsort(c, ni, sizeof *c, by_count);
	for (size_t i = 0; i < ni; i++) {
		total += (double)c[i];
		sum += (2.0 * (double)(i + 1) - (double)ni - 1) * (double)c[i];
	}
	if (total > 0)
		*gini = sum / ((double)ni * total);
	rec_free(c);
	return 0;
}

double
rec_metrics_novelty(const int32_t *items, size_t n, const uint32_t *pop,
                    size_t nusers)
{
	double sum = 0, unseen = -log2(1 / ((double)nusers + 1));

	for (size_t j = 0; j < n; j++) {
		int32_t i = items[j];
		if (i < 0 || pop[i] == 0)
			sum += unseen;
		else
			sum += -log2((double)pop[i] / (double)nusers);
	}
	return n ? sum / (double)n : NAN;
}

/* For sorting catalog items by popularity: pop descending, id ascending. */
struct popular {
	uint32_t pop;
	int64_t id;
	size_t ix;
};

static int
by_pop(const void *a, const void *b)
{
	const struct popular *x = a, *y = b;

	if (x->pop != y->pop)
		return x->pop > y->pop ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

int
rec_metrics_short_head(const uint32_t *pop, const int64_t *ids, size_t ni,
                       double share, uint8_t *head, struct rec_err *err)
{
	struct popular *v;
	double total = 0, cum = 0;

	if (ni == 0)
		return 0;
	if (!(v = rec_malloc_array(ni, sizeof *v)))
		return rec_erroom(err, NULL);
	for (size_t i = 0; i < ni; i++) {
		v[i].pop = pop[i];
		v[i].id = ids[i];
		v[i].ix = i;
		total += pop[i];
		head[i] = 0;
	}
	qsort(v, ni, sizeof *v, by_pop);
	for (size_t j = 0; j < ni && cum < share * total; j++) {
		head[v[j].ix] = 1;
		cum += v[j].pop;
	}
	rec_free(v);
	return 0;
}

double
rec_metrics_longtail(const int32_t *items, size_t n, const uint8_t *head)
{
	size_t tail = 0;

	for (size_t j = 0; j < n; j++)
		tail += items[j] < 0 || !head[items[j]];
	return n ? (double)tail / (double)n : NAN;
}

size_t
rec_metrics_diversity(const uint64_t *genres, size_t n, double *out)
{
	size_t pairs = 0;
	double sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (!genres[i])
			continue;
		for (size_t j = i + 1; j < n; j++) {
			uint64_t a = genres[i], b = genres[j];
			if (!b)
				continue;
			sum += 1 - (double)__builtin_popcountll(a & b) /
			           (double)__builtin_popcountll(a | b);
			pairs++;
		}
	}
	*out = pairs ? sum / (double)pairs : NAN;
	return pairs;
}
