/*
 * eval.c - the predictions reader and rec-eval's evaluation (see eval.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/eval.h"
#include "rec/lineio.h"
#include "rec/tsv.h"

/* n * size bytes (room for at least one), or NULL. */
static void *
alloc(size_t n, size_t size)
{
	return rec_malloc_array(n ? n : 1, size);
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* ---- predictions ---- */

struct rec_preds *
rec_preds_new(void)
{
	struct rec_preds *p = rec_calloc(1, sizeof *p);

	if (p && !(p->truth = rec_ratings_new())) {
		rec_free(p);
		return NULL;
	}
	return p;
}

void
rec_preds_free(struct rec_preds *p)
{
	if (!p)
		return;
	rec_ratings_free(p->truth);
	rec_free(p->pred);
	rec_free(p);
}

/* Check and append one line's fields; 0 or -1 (err). */
static int
add_pred(struct rec_preds *p, char *const *f, const size_t *len,
         const char *file, long line, struct rec_err *err)
{
	static const char *const names[2] = { "user", "item" };
	static const struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_ratings *r = p->truth;
	char q[64];
	double v;

	if (rec_ratings_add_fields(r, f, len, names, &o, file, line, err) != 0)
		return -1;
	if (rec_parse_real(f[4], &v) != 0)   /* f[4] ends the line: NUL */
		return rec_errf(err, file, line, "prediction '%s' is not a number",
		                rec_quote(q, sizeof q, f[4], len[4]));
	if (p->cap < r->n) {                 /* pred grows with the table */
		double *a = rec_realloc_array(p->pred, r->cap, sizeof *a);
		if (!a)
			return rec_erroom(err, NULL);
		p->pred = a;
		p->cap = r->cap;
	}
	p->pred[r->n - 1] = v;
	return 0;
}

int
rec_preds_read(struct rec_preds *p, FILE *fp, const char *name,
               struct rec_err *err)
{
	struct rec_lines l;
	char *s, *f[5] = { 0 };
	size_t n, len[5] = { 0 };
	int rc;

	p->name = name;
	rec_lines_init(&l, fp, name);
	while ((rc = rec_lines_next(&l, &s, &n, err)) == 1)
		if (rec_tsv_fields(s, n, 5, "user item rating timestamp prediction",
		                   f, len, l.name, l.lineno, err) != 0 ||
		    add_pred(p, f, len, l.name, l.lineno, err) != 0) {
			rc = -1;
			break;
		}
	if (rc == 0 && p->truth->n == 0)
		rc = rec_errf(err, l.name, 0, l.lineno ? "no predictions" :
		              "empty input");
	rec_lines_free(&l);
	return rc;
}

/* ---- evaluation ---- */

void
rec_eval_init(struct rec_eval *ev, size_t k, double threshold)
{
	memset(ev, 0, sizeof *ev);
	ev->k = k;
	ev->threshold = threshold;
}

void
rec_eval_free(struct rec_eval *ev)
{
	rec_free(ev->pred_user);
	rec_free(ev->test_user);
	rec_free(ev->novelty_u);
	rec_free(ev->diversity_u);
	memset(ev, 0, sizeof *ev);
}

/* The largest group of a grouping of nu users (rec_ratings_by_user). */
static size_t
most(const size_t *start, size_t nu)
{
	size_t m = 0;

	for (size_t u = 0; u < nu; u++)
		if (start[u + 1] - start[u] > m)
			m = start[u + 1] - start[u];
	return m;
}

int
rec_eval_preds(struct rec_eval *ev, const struct rec_preds *p,
               struct rec_err *err)
{
	const struct rec_ratings *r = p->truth;
	size_t nu = r->users.n, *start = NULL, mx;
	uint32_t *ix = NULL, *first = NULL, dup_row = 0, dup_first = 0;
	int32_t *stamp = NULL;
	struct rec_scored *v = NULL;
	float *truth = NULL;
	double *pred = NULL;
	int dup = 0, rc = -1;

	ev->preds = p;
	rec_metrics_error(r->rating, p->pred, r->n, &ev->rmse, &ev->mae);
	if (rec_ratings_by_user(r, &start, &ix, err) != 0)
		return -1;
	mx = most(start, nu);
	if (!(stamp = alloc(r->items.n, sizeof *stamp)) ||
	    !(first = alloc(r->items.n, sizeof *first)) ||
	    !(v = alloc(mx, sizeof *v)) || !(truth = alloc(mx, sizeof *truth)) ||
	    !(pred = alloc(mx, sizeof *pred)) ||
	    !(ev->pred_user = rec_calloc(nu ? nu : 1, sizeof *ev->pred_user))) {
		rec_erroom(err, NULL);
		goto out;
	}
	for (size_t i = 0; i < r->items.n; i++)
		stamp[i] = -1;
	ev->rated_precision = ev->rated_recall = 0;
	for (size_t u = 0; u < nu; u++) {
		struct rec_eval_pred_user *pu = &ev->pred_user[u];
		size_t m = 0;

		for (size_t j = start[u]; j < start[u + 1]; j++) {
			uint32_t i = ix[j];
			int32_t it = r->item[i];
			if (stamp[it] == (int32_t)u) {
				if (!dup || i < dup_row) {   /* report the first in the file */
					dup = 1;
					dup_row = i;
					dup_first = first[it];
				}
				continue;
			}
			stamp[it] = (int32_t)u;
			first[it] = i;
			v[m].item = r->items.ids[it];
			v[m].score = p->pred[i];
			v[m].truth = r->rating[i];
			truth[m] = r->rating[i];
			pred[m] = p->pred[i];
			m++;
		}
		pu->n = m;
		rec_metrics_error(truth, pred, m, &pu->rmse, &pu->mae);
		rec_metrics_rated(v, m, ev->k, ev->threshold, &pu->rated);
		ev->rated_precision += pu->rated.precision;
		ev->rated_recall += pu->rated.recall;
	}
	ev->rated_precision /= (double)nu;
	ev->rated_recall /= (double)nu;
	if (dup)
		rec_errf(err, p->name, rec_ratings_line(r, dup_row), "a second "
		         "prediction for user %" PRId64 ", item %" PRId64 " (first on "
		         "line %ld)", r->users.ids[r->user[dup_row]],
		         r->items.ids[r->item[dup_row]], rec_ratings_line(r, dup_first));
	else
		rc = 0;
out:
	rec_free(v);
	rec_free(truth);
	rec_free(pred);
	rec_free(stamp);
	rec_free(first);
	rec_free(start);
	rec_free(ix);
	return rc;
}

/* The ranking metrics of every test user with a relevant item. */
static int
eval_ranking(struct rec_eval *ev, struct rec_err *err)
{
	const struct rec_ratings *test = ev->test;
	const struct rec_lists *ls = ev->lists;
	size_t nu = test->users.n, *start;
	uint32_t *ix;
	int64_t *rel;

	if (rec_ratings_by_user(test, &start, &ix, err) != 0)
		return -1;
	rel = alloc(most(start, nu), sizeof *rel);
	ev->test_user = rec_calloc(nu ? nu : 1, sizeof *ev->test_user);
	if (!rel || !ev->test_user) {
		rec_free(rel);
		rec_free(start);
		rec_free(ix);
		return rec_erroom(err, NULL);
	}
	for (size_t u = 0; u < nu; u++) {
		struct rec_eval_test_user *tu = &ev->test_user[u];
		size_t m = 0, len = 0;
		const int64_t *list = NULL;
		int32_t li;

		for (size_t j = start[u]; j < start[u + 1]; j++)
			if (test->rating[ix[j]] >= ev->threshold)
				rel[m++] = test->items.ids[test->item[ix[j]]];
		qsort(rel, m, sizeof *rel, by_id);
		tu->nrel = 0;
		for (size_t j = 0; j < m; j++)      /* drop repeated test items */
			if (j == 0 || rel[j] != rel[tu->nrel - 1])
				rel[tu->nrel++] = rel[j];
		if (tu->nrel == 0)
			continue;
		if ((li = rec_idmap_find(&ls->users, test->users.ids[u])) >= 0) {
			list = ls->item + ls->start[li];
			len = ls->start[li + 1] - ls->start[li];
		} else {
			ev->nolist++;
		}
		rec_metrics_ranking(list, len, rel, tu->nrel, ev->k, &tu->rk);
		ev->rel_users++;
		ev->precision += tu->rk.precision;
		ev->recall += tu->rk.recall;
		ev->ndcg += tu->rk.ndcg;
		ev->hit += tu->rk.hit;
		ev->mrr += tu->rk.rr;
	}
	if (ev->rel_users) {
		double d = (double)ev->rel_users;
		ev->precision /= d;
		ev->recall /= d;
		ev->ndcg /= d;
		ev->hit /= d;
		ev->mrr /= d;
	} else {
		ev->precision = ev->recall = ev->ndcg = ev->hit = ev->mrr = NAN;
	}
	rec_free(rel);
	rec_free(start);
	rec_free(ix);
	return 0;
}

/* Train popularity: the number of distinct users who rated each item;
 * NULL (err) when out of memory. */
static uint32_t *
popularity(const struct rec_ratings *train, struct rec_err *err)
{
	uint32_t *pop = rec_calloc(train->items.n ? train->items.n : 1,
	                           sizeof *pop), *ix = NULL;
	int32_t *stamp = alloc(train->items.n, sizeof *stamp);
	size_t *start = NULL;

	if (!pop || !stamp) {
		rec_erroom(err, NULL);
		goto fail;
	}
	if (rec_ratings_by_user(train, &start, &ix, err) != 0)
		goto fail;
	for (size_t i = 0; i < train->items.n; i++)
		stamp[i] = -1;
	for (size_t u = 0; u < train->users.n; u++)
		for (size_t j = start[u]; j < start[u + 1]; j++) {
			int32_t it = train->item[ix[j]];
			if (stamp[it] != (int32_t)u) {
				stamp[it] = (int32_t)u;
				pop[it]++;
			}
		}
	rec_free(stamp);
	rec_free(start);
	rec_free(ix);
	return pop;
fail:
	rec_free(pop);
	rec_free(stamp);
	return NULL;
}

/* Coverage, novelty, Gini index and long tail on the train catalog. */
static int
eval_catalog(struct rec_eval *ev, struct rec_err *err)
{
	const struct rec_ratings *train = ev->train;
	const struct rec_lists *ls = ev->lists;
	size_t ni = train->items.n, ne = ls->n;
	int32_t *cat = alloc(ne, sizeof *cat);
	uint64_t *count = rec_calloc(ni ? ni : 1, sizeof *count);
	uint8_t *head = alloc(ni, 1);
	uint32_t *pop = NULL;
	int rc = -1;

	if (!cat || !count || !head) {
		rec_erroom(err, NULL);
		goto out;
	}
	if (!(pop = popularity(train, err)))
		goto out;
	for (size_t j = 0; j < ne; j++) {
		cat[j] = rec_idmap_find(&train->items, ls->item[j]);
		if (cat[j] >= 0)
			count[cat[j]]++;
		else
			ev->not_train++;
	}
	ev->coverage = rec_metrics_coverage(count, ni);
	if (rec_metrics_gini(count, ni, &ev->gini, err) != 0 ||
	    rec_metrics_short_head(pop, train->items.ids, ni, 0.8, head, err) != 0)
		goto out;
	ev->novelty = rec_metrics_novelty(cat, ne, pop, train->users.n);
	ev->longtail = rec_metrics_longtail(cat, ne, head);
	for (size_t li = 0; li < ls->users.n; li++)
		ev->novelty_u[li] = rec_metrics_novelty(cat + ls->start[li],
		        ls->start[li + 1] - ls->start[li], pop, train->users.n);
	rc = 0;
out:
	rec_free(cat);
	rec_free(count);
	rec_free(head);
	rec_free(pop);
	return rc;
}

/* Intra-list diversity on the movies' genres. */
static int
eval_diversity(struct rec_eval *ev, struct rec_err *err)
{
	const struct rec_movies *mv = ev->movies;
	const struct rec_lists *ls = ev->lists;
	uint64_t *g = alloc(ls->n, sizeof *g);
	size_t used = 0;

	if (!g)
		return rec_erroom(err, NULL);
	for (size_t j = 0; j < ls->n; j++) {
		int32_t m = rec_movies_find(mv, ls->item[j]);
		g[j] = m >= 0 ? mv->genres[m] : 0;
		ev->not_movies += m < 0;
	}
	ev->diversity = 0;
	for (size_t li = 0; li < ls->users.n; li++) {
		if (rec_metrics_diversity(g + ls->start[li],
		                          ls->start[li + 1] - ls->start[li],
		                          &ev->diversity_u[li]) == 0)
			continue;
		ev->diversity += ev->diversity_u[li];
		used++;
	}
	ev->diversity = used ? ev->diversity / (double)used : NAN;
	rec_free(g);
	return 0;
}

int
rec_eval_lists(struct rec_eval *ev, const struct rec_lists *lists,
               const struct rec_ratings *test, const struct rec_ratings *train,
               const struct rec_movies *movies, struct rec_err *err)
{
	size_t nl = lists->users.n;

	ev->lists = lists;
	ev->test = test;
	ev->train = train;
	ev->movies = movies;
	if (eval_ranking(ev, err) != 0)
		return -1;
	if (!(ev->novelty_u = alloc(nl, sizeof *ev->novelty_u)) ||
	    !(ev->diversity_u = alloc(nl, sizeof *ev->diversity_u)))
		return rec_erroom(err, NULL);
	for (size_t li = 0; li < nl; li++)
		ev->novelty_u[li] = ev->diversity_u[li] = NAN;
	if (train && eval_catalog(ev, err) != 0)
		return -1;
	if (movies && eval_diversity(ev, err) != 0)
		return -1;
	return 0;
}

/* ---- tables ---- */

void
rec_eval_table_free(struct rec_eval_table *t)
{
	rec_free(t->user);
	rec_free(t->v);
	memset(t, 0, sizeof *t);
}

/* Name the next column "name" (k == 0) or "name@k". */
static void
column(struct rec_eval_table *t, const char *name, size_t k, int count)
{
	if (k)
		snprintf(t->name[t->ncol], sizeof t->name[0], "%s@%zu", name, k);
	else
		snprintf(t->name[t->ncol], sizeof t->name[0], "%s", name);
	t->count[t->ncol++] = (uint8_t)count;
}

/* Name the columns of ev's table; summary: no counts. */
static void
columns(const struct rec_eval *ev, struct rec_eval_table *t, int summary)
{
	size_t k = ev->k;

	memset(t, 0, sizeof *t);
	if (ev->preds) {
		if (!summary)
			column(t, "n_pred", 0, 1);
		column(t, "rmse", 0, 0);
		column(t, "mae", 0, 0);
		column(t, "rated_precision", k, 0);
		column(t, "rated_recall", k, 0);
		column(t, "rated_f1", k, 0);
	}
	if (ev->lists) {
		if (!summary)
			column(t, "n_rel", 0, 1);
		column(t, "precision", k, 0);
		column(t, "recall", k, 0);
		column(t, "ndcg", k, 0);
		column(t, "hit", k, 0);
		column(t, "mrr", k, 0);
		if (summary && ev->train)
			column(t, "coverage", k, 0);
		if (ev->train)
			column(t, "novelty", k, 0);
		if (ev->movies)
			column(t, "diversity", k, 0);
		if (summary && ev->train) {
			column(t, "gini", k, 0);
			column(t, "longtail", k, 0);
		}
	}
}

int
rec_eval_summary(const struct rec_eval *ev, struct rec_eval_table *t,
                 struct rec_err *err)
{
	double *v;

	columns(ev, t, 1);
	t->nrow = 1;
	if (!(v = t->v = alloc(t->ncol, sizeof *t->v)))
		return rec_erroom(err, NULL);
	if (ev->preds) {
		*v++ = ev->rmse;
		*v++ = ev->mae;
		*v++ = ev->rated_precision;
		*v++ = ev->rated_recall;
		*v++ = rec_metrics_f1(ev->rated_precision, ev->rated_recall);
	}
	if (ev->lists) {
		*v++ = ev->precision;
		*v++ = ev->recall;
		*v++ = ev->ndcg;
		*v++ = ev->hit;
		*v++ = ev->mrr;
		if (ev->train) {
			*v++ = ev->coverage;
			*v++ = ev->novelty;
		}
		if (ev->movies)
			*v++ = ev->diversity;
		if (ev->train) {
			*v++ = ev->gini;
			*v++ = ev->longtail;
		}
	}
	return 0;
}

/* Every user of the predictions, the test set and the lists, ascending,
 * each once, into t->user and t->nrow. */
static int
all_users(const struct rec_eval *ev, struct rec_eval_table *t,
          struct rec_err *err)
{
	const struct rec_idmap *maps[3] = {
		ev->preds ? &ev->preds->truth->users : NULL,
		ev->lists ? &ev->test->users : NULL,
		ev->lists ? &ev->lists->users : NULL
	};
	size_t n = 0, cap = 0;

	for (int m = 0; m < 3; m++)
		if (maps[m])
			cap += maps[m]->n;
	if (!(t->user = alloc(cap, sizeof *t->user)))
		return rec_erroom(err, NULL);
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; maps[m] && i < maps[m]->n; i++)
			t->user[n++] = maps[m]->ids[i];
	qsort(t->user, n, sizeof *t->user, by_id);
	t->nrow = 0;
	for (size_t j = 0; j < n; j++)
		if (j == 0 || t->user[j] != t->user[t->nrow - 1])
			t->user[t->nrow++] = t->user[j];
	return 0;
}

int
rec_eval_per_user(const struct rec_eval *ev, struct rec_eval_table *t,
                  struct rec_err *err)
{
	columns(ev, t, 0);
	if (all_users(ev, t, err) != 0)
		return -1;
	if (!(t->v = rec_malloc_array(t->nrow ? t->nrow : 1,
	                              t->ncol * sizeof *t->v)))
		return rec_erroom(err, NULL);
	for (size_t r = 0; r < t->nrow; r++) {
		int64_t id = t->user[r];
		double *v = t->v + r * t->ncol;

		if (ev->preds) {
			int32_t u = rec_idmap_find(&ev->preds->truth->users, id);
			const struct rec_eval_pred_user *pu =
				u >= 0 ? &ev->pred_user[u] : NULL;
			*v++ = pu ? (double)pu->n : 0;
			*v++ = pu ? pu->rmse : NAN;
			*v++ = pu ? pu->mae : NAN;
			*v++ = pu ? pu->rated.precision : NAN;
			*v++ = pu ? pu->rated.recall : NAN;
			*v++ = pu ? rec_metrics_f1(pu->rated.precision,
			                           pu->rated.recall) : NAN;
		}
		if (ev->lists) {
			int32_t u = rec_idmap_find(&ev->test->users, id);
			const struct rec_eval_test_user *tu =
				u >= 0 ? &ev->test_user[u] : NULL;
			const struct rec_ranking *rk =
				tu && tu->nrel > 0 ? &tu->rk : NULL;
			int32_t li = rec_idmap_find(&ev->lists->users, id);
			*v++ = tu ? (double)tu->nrel : 0;
			*v++ = rk ? rk->precision : NAN;
			*v++ = rk ? rk->recall : NAN;
			*v++ = rk ? rk->ndcg : NAN;
			*v++ = rk ? rk->hit : NAN;
			*v++ = rk ? rk->rr : NAN;
			if (ev->train)
				*v++ = li >= 0 ? ev->novelty_u[li] : NAN;
			if (ev->movies)
				*v++ = li >= 0 ? ev->diversity_u[li] : NAN;
		}
	}
	return 0;
}
