/* rec-eval - accuracy and beyond-accuracy metrics of predictions and top-K lists */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rec/metrics.h"
#include "rec/movies.h"
#include "rec/ratings.h"

static const char usage_text[] =
"usage: rec-eval [-p FILE] [-r FILE --test FILE] [--train FILE]\n"
"                [--movies FILE] [-k K] [--threshold T]\n"
"                [--wide --name NAME [--header] | --per-user] [-o FILE]\n";

static const char help_text[] =
"Compute every metric its inputs allow and print a 'metric value' table.\n"
"Predictions are ratings lines plus a predicted rating (user item rating\n"
"timestamp prediction); top-K lists are 'user rank item score' lines.\n"
"\n"
"  -p, --predictions FILE  predictions: error and rated-items metrics\n"
"                          (standard input when neither -p nor -r is given)\n"
"  -r, --lists FILE        top-K lists: full-ranking metrics (needs --test)\n"
"      --test FILE         the test ratings, the truth for -r\n"
"      --train FILE        the train ratings: with -r, coverage, novelty,\n"
"                          Gini index and long-tail share\n"
"      --movies FILE       MovieLens movies.csv: with -r, diversity\n"
"  -k K                    cut-off of every @K metric (10)\n"
"      --threshold T       a rating >= T is relevant (3.5)\n"
"      --wide              one row: name, then one column a metric\n"
"      --name NAME         the row's name, with --wide\n"
"      --header            with --wide, print the header row first\n"
"      --per-user          one row a user instead of the averages\n"
"  -o, --output FILE       write FILE (atomically), not standard output\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Every metric is defined in rec-eval(1).\n";

#define KMAX 10000

struct opts {
	const char *pred, *lists, *test, *train, *movies, *out, *name;
	size_t k;
	double threshold;
	int wide, header, per_user;
};

/* n * size bytes (at least one), or die. */
static void *
xmalloc_array(size_t n, size_t size)
{
	void *p = rec_malloc_array(n ? n : 1, size);

	if (!p)
		rec_cli_die("out of memory");
	return p;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = rec_calloc(n ? n : 1, size);

	if (!p)
		rec_cli_die("out of memory");
	return p;
}

/* Grow an array to hold n entries (doubling); 0 or -1. */
static int
reserve(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 1024;
	void *q;

	if (n <= *cap)
		return 0;
	while (c < n) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if (!(q = rec_realloc_array(*p, c, size)))
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Split the line s (n bytes) at TABs into at most max fields; returns the
 * number of fields, max + 1 for "more". */
static int
split_tabs(char *s, size_t n, char **f, size_t *len, int max)
{
	char *end = s + n, *p = s;
	int k = 0;

	for (;;) {
		char *q = memchr(p, '\t', (size_t)(end - p));
		if (k == max)
			return max + 1;
		f[k] = p;
		len[k] = (size_t)((q ? q : end) - p);
		k++;
		if (!q)
			return k;
		p = q + 1;
	}
}

/* Common checks of a TSV line of want fields; 0 or -1 (err filled). */
static int
check_fields(int got, const size_t *len, int want, const char *what,
             const struct rec_lines *l, size_t n, struct rec_err *err)
{
	if (n == 0)
		return rec_errf(err, l->name, l->lineno, "empty line");
	if (got > want)
		return rec_errf(err, l->name, l->lineno, "expected %d TAB-separated "
		                "fields (%s), got more", want, what);
	if (got < want)
		return rec_errf(err, l->name, l->lineno, "expected %d TAB-separated "
		                "fields (%s), got %d", want, what, got);
	for (int j = 0; j < want; j++)
		if (len[j] == 0)
			return rec_errf(err, l->name, l->lineno, "empty field %d", j + 1);
	return 0;
}

static struct rec_ratings *
read_ratings(const char *path)
{
	struct rec_err err = { 0 };
	struct rec_input in = rec_cli_input(path);
	struct rec_ratings *r = rec_ratings_new();

	if (!r)
		rec_cli_die("out of memory");
	if (rec_ratings_read_tsv(r, in.fp, in.name, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	return r;
}

/* ---- predictions ---- */

struct preds {
	struct rec_ratings *r;   /* the truth: the first four fields */
	double *pred;            /* (r->n) the last field */
	size_t cap;
	const char *name;        /* the input's name, for messages */
};

static void
read_preds(struct preds *p, const char *path)
{
	static const char *const names[2] = { "user", "item" };
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_input in = rec_cli_input(path);
	struct rec_err err = { 0 };
	struct rec_lines l;
	char *s, *f[5] = { 0 }, q[64];
	size_t n, len[5] = { 0 };
	int rc;

	if (!(p->r = rec_ratings_new()))
		rec_cli_die("out of memory");
	rec_lines_init(&l, in.fp, in.name);
	while ((rc = rec_lines_next(&l, &s, &n, &err)) == 1) {
		int k = split_tabs(s, n, f, len, 5);
		double v;

		if (check_fields(k, len, 5, "user item rating timestamp prediction",
		                 &l, n, &err) != 0 ||
		    rec_ratings_add_fields(p->r, f, len, names, &o, l.name, l.lineno,
		                           &err) != 0)
			rec_cli_fail(&err);
		if (rec_parse_real(f[4], &v) != 0) {   /* f[4] ends the line: NUL */
			rec_errf(&err, l.name, l.lineno, "prediction '%s' is not a number",
			         rec_quote(q, sizeof q, f[4], len[4]));
			rec_cli_fail(&err);
		}
		if (reserve((void **)&p->pred, &p->cap, p->r->n, sizeof *p->pred) != 0)
			rec_cli_die("out of memory");
		p->pred[p->r->n - 1] = v;
	}
	if (rc < 0)
		rec_cli_fail(&err);
	if (p->r->n == 0) {
		rec_errf(&err, l.name, 0, l.lineno ? "no predictions" : "empty input");
		rec_cli_fail(&err);
	}
	p->name = in.name;
	rec_lines_free(&l);
	rec_cli_close_input(&in);
}

/* Per prediction user (dense index of p->r->users). */
struct pred_user {
	size_t n;
	double rmse, mae;
	struct rec_rated rated;
};

struct pred_result {
	double rmse, mae, precision, recall;
	struct pred_user *user;   /* (users.n) */
};

static void
eval_preds(const struct preds *p, const struct opts *o, struct pred_result *res)
{
	const struct rec_ratings *r = p->r;
	size_t nu = r->users.n, *start, most = 0;
	uint32_t *ix, *first, dup_row = 0, dup_first = 0;
	int32_t *stamp;
	struct rec_err err = { 0 };
	int dup = 0;

	rec_metrics_error(r->rating, p->pred, r->n, &res->rmse, &res->mae);
	if (rec_ratings_by_user(r, &start, &ix, &err) != 0)
		rec_cli_fail(&err);
	stamp = xmalloc_array(r->items.n, sizeof *stamp);
	first = xmalloc_array(r->items.n, sizeof *first);
	for (size_t i = 0; i < r->items.n; i++)
		stamp[i] = -1;
	for (size_t u = 0; u < nu; u++)
		if (start[u + 1] - start[u] > most)
			most = start[u + 1] - start[u];
	struct rec_scored *v = xmalloc_array(most, sizeof *v);
	float *truth = xmalloc_array(most, sizeof *truth);
	double *pred = xmalloc_array(most, sizeof *pred);

	res->user = xcalloc(nu, sizeof *res->user);
	res->precision = res->recall = 0;
	for (size_t u = 0; u < nu; u++) {
		struct pred_user *pu = &res->user[u];
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
		rec_metrics_rated(v, m, o->k, o->threshold, &pu->rated);
		res->precision += pu->rated.precision;
		res->recall += pu->rated.recall;
	}
	res->precision /= (double)nu;
	res->recall /= (double)nu;
	if (dup)
		rec_errf(&err, p->name, rec_ratings_line(r, dup_row), "a second "
		         "prediction for user %" PRId64 ", item %" PRId64 " (first on "
		         "line %ld)", r->users.ids[r->user[dup_row]],
		         r->items.ids[r->item[dup_row]], rec_ratings_line(r, dup_first));
	rec_free(v);
	rec_free(truth);
	rec_free(pred);
	rec_free(stamp);
	rec_free(first);
	rec_free(start);
	rec_free(ix);
	if (err.msg[0])
		rec_cli_fail(&err);
}

/* ---- top-K lists ---- */

struct lists {
	struct rec_idmap users;  /* list i is the list of users.ids[i] */
	size_t *start;           /* (users.n + 1) list i: item[start[i]..start[i+1]) */
	int64_t *item;           /* the first k items of every list */
	size_t n, cap;
};

/* What read_lists needs to check a line against the lines before it. */
struct list_state {
	struct rec_idmap items;  /* every item seen, for repeats */
	int32_t *stamp;          /* (items) the list the item was last in */
	uint64_t *at;            /* (items) its rank there */
	uint32_t *first_line;    /* (lists) the line where each list starts */
	size_t icap, lcap;
	int64_t cur;             /* the user of the current list, -1 = none */
	uint64_t prev;           /* the rank of the line before */
};

/* Check one line's fields and add it to ls; 0 or -1 (err). */
static int
list_line(struct lists *ls, struct list_state *st, char *const *f,
          const size_t *len, size_t k, const char *file, long line,
          struct rec_err *err)
{
	uint64_t user, rank, item;
	int32_t li, ii;
	double score;
	char q[64];
	size_t c;

	if (rec_parse_u64(f[0], len[0], INT64_MAX, &user) != 0)
		return rec_errf(err, file, line, "user '%s' is not a non-negative "
		                "integer", rec_quote(q, sizeof q, f[0], len[0]));
	if (rec_parse_u64(f[1], len[1], UINT32_MAX, &rank) != 0 || rank == 0)
		return rec_errf(err, file, line, "rank '%s' is not a positive "
		                "integer", rec_quote(q, sizeof q, f[1], len[1]));
	if (rec_parse_u64(f[2], len[2], INT64_MAX, &item) != 0)
		return rec_errf(err, file, line, "item '%s' is not a non-negative "
		                "integer", rec_quote(q, sizeof q, f[2], len[2]));
	if (rec_parse_real(f[3], &score) != 0)   /* f[3] ends the line: NUL */
		return rec_errf(err, file, line, "score '%s' is not a number",
		                rec_quote(q, sizeof q, f[3], len[3]));
	li = rec_idmap_find(&ls->users, (int64_t)user);
	if (li >= 0 && ((int64_t)user != st->cur || rank == 1))
		return rec_errf(err, file, line, "a second list for user %" PRIu64
		                " (the first starts on line %" PRIu32 ")", user,
		                st->first_line[li]);
	if (li < 0) {
		if (rank != 1)
			return rec_errf(err, file, line, "user %" PRIu64 "'s list "
			                "starts at rank %" PRIu64 ", not 1", user, rank);
		if (rec_idmap_add(&ls->users, (int64_t)user, &li) != 0)
			return rec_erroom(err, file);
		c = st->lcap;
		if (reserve((void **)&st->first_line, &c, ls->users.n,
		            sizeof *st->first_line) != 0 ||
		    reserve((void **)&ls->start, &st->lcap, ls->users.n + 1,
		            sizeof *ls->start) != 0)
			return rec_erroom(err, file);
		st->first_line[li] = line > (long)UINT32_MAX ? UINT32_MAX :
		                     (uint32_t)line;
		ls->start[li] = ls->n;
		st->cur = (int64_t)user;
	} else if (rank != st->prev + 1) {
		return rec_errf(err, file, line, "rank %" PRIu64 " after rank %"
		                PRIu64 " in user %" PRIu64 "'s list (ranks go 1, 2, "
		                "3, ...)", rank, st->prev, user);
	}
	st->prev = rank;
	if (rec_idmap_add(&st->items, (int64_t)item, &ii) != 0)
		return rec_erroom(err, file);
	c = st->icap;
	if (reserve((void **)&st->stamp, &c, st->items.n, sizeof *st->stamp) != 0 ||
	    reserve((void **)&st->at, &st->icap, st->items.n, sizeof *st->at) != 0)
		return rec_erroom(err, file);
	if ((size_t)ii == st->items.n - 1)
		st->stamp[ii] = -1;
	if (st->stamp[ii] == li)
		return rec_errf(err, file, line, "item %" PRIu64 " appears twice in "
		                "user %" PRIu64 "'s list (first at rank %" PRIu64 ")",
		                item, user, st->at[ii]);
	st->stamp[ii] = li;
	st->at[ii] = rank;
	if (rank <= k) {
		if (reserve((void **)&ls->item, &ls->cap, ls->n + 1,
		            sizeof *ls->item) != 0)
			return rec_erroom(err, file);
		ls->item[ls->n++] = (int64_t)item;
	}
	return 0;
}

static void
read_lists(struct lists *ls, const char *path, size_t k)
{
	struct rec_input in = rec_cli_input(path);
	struct list_state st = { .cur = -1 };
	struct rec_err err = { 0 };
	struct rec_lines l;
	char *s, *f[4] = { 0 };
	size_t n, len[4] = { 0 };
	int rc;

	rec_lines_init(&l, in.fp, in.name);
	while ((rc = rec_lines_next(&l, &s, &n, &err)) == 1) {
		int nf = split_tabs(s, n, f, len, 4);

		if (check_fields(nf, len, 4, "user rank item score", &l, n, &err) != 0 ||
		    list_line(ls, &st, f, len, k, l.name, l.lineno, &err) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && reserve((void **)&ls->start, &st.lcap, ls->users.n + 1,
	                       sizeof *ls->start) != 0)
		rc = rec_erroom(&err, l.name);
	if (rc == 0)
		ls->start[ls->users.n] = ls->n;
	rec_lines_free(&l);
	rec_idmap_clear(&st.items);
	rec_free(st.stamp);
	rec_free(st.at);
	rec_free(st.first_line);
	if (rc < 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
}

static int
by_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Per test user (dense index of the test table's users). */
struct test_user {
	size_t nrel;
	struct rec_ranking rk;   /* valid when nrel > 0 */
};

struct rank_result {
	size_t users, nolist;    /* users with relevant items; of them without a list */
	double precision, recall, ndcg, hit, mrr;
	struct test_user *user;
};

static void
eval_ranking(const struct rec_ratings *test, const struct lists *ls,
             const struct opts *o, struct rank_result *res)
{
	size_t nu = test->users.n, *start, most = 0;
	uint32_t *ix;
	struct rec_err err = { 0 };

	if (rec_ratings_by_user(test, &start, &ix, &err) != 0)
		rec_cli_fail(&err);
	for (size_t u = 0; u < nu; u++)
		if (start[u + 1] - start[u] > most)
			most = start[u + 1] - start[u];
	int64_t *rel = xmalloc_array(most, sizeof *rel);

	memset(res, 0, sizeof *res);
	res->user = xcalloc(nu, sizeof *res->user);
	for (size_t u = 0; u < nu; u++) {
		struct test_user *tu = &res->user[u];
		size_t m = 0, len = 0;
		const int64_t *list = NULL;
		int32_t li;

		for (size_t j = start[u]; j < start[u + 1]; j++)
			if (test->rating[ix[j]] >= o->threshold)
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
			res->nolist++;
		}
		rec_metrics_ranking(list, len, rel, tu->nrel, o->k, &tu->rk);
		res->users++;
		res->precision += tu->rk.precision;
		res->recall += tu->rk.recall;
		res->ndcg += tu->rk.ndcg;
		res->hit += tu->rk.hit;
		res->mrr += tu->rk.rr;
	}
	if (res->users) {
		double d = (double)res->users;
		res->precision /= d;
		res->recall /= d;
		res->ndcg /= d;
		res->hit /= d;
		res->mrr /= d;
	} else {
		res->precision = res->recall = res->ndcg = res->hit = res->mrr = NAN;
	}
	rec_free(rel);
	rec_free(start);
	rec_free(ix);
}

/* Beyond accuracy, over every list. */
struct list_result {
	double coverage, novelty, diversity, gini, longtail;
	double *novelty_u, *diversity_u;   /* (lists) NaN: none */
	size_t not_train, not_movies;      /* recommendations of unknown items */
};

/* Train popularity: the number of distinct users who rated each item. */
static uint32_t *
popularity(const struct rec_ratings *train)
{
	uint32_t *pop = xcalloc(train->items.n, sizeof *pop);
	int32_t *stamp = xmalloc_array(train->items.n, sizeof *stamp);
	size_t *start;
	uint32_t *ix;
	struct rec_err err = { 0 };

	if (rec_ratings_by_user(train, &start, &ix, &err) != 0)
		rec_cli_fail(&err);
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
}

static void
eval_lists(const struct lists *ls, const struct rec_ratings *train,
           const struct rec_movies *mv, struct list_result *res)
{
	size_t nl = ls->users.n, ne = ls->n, used = 0;
	struct rec_err err = { 0 };

	memset(res, 0, sizeof *res);
	res->novelty_u = xmalloc_array(nl, sizeof *res->novelty_u);
	res->diversity_u = xmalloc_array(nl, sizeof *res->diversity_u);
	for (size_t li = 0; li < nl; li++)
		res->novelty_u[li] = res->diversity_u[li] = NAN;
	if (train) {
		size_t ni = train->items.n;
		int32_t *cat = xmalloc_array(ne, sizeof *cat);
		uint64_t *count = xcalloc(ni, sizeof *count);
		uint8_t *head = xmalloc_array(ni, 1);
		uint32_t *pop = popularity(train);

		for (size_t j = 0; j < ne; j++) {
			cat[j] = rec_idmap_find(&train->items, ls->item[j]);
			if (cat[j] >= 0)
				count[cat[j]]++;
			else
				res->not_train++;
		}
		res->coverage = rec_metrics_coverage(count, ni);
		if (rec_metrics_gini(count, ni, &res->gini, &err) != 0 ||
		    rec_metrics_short_head(pop, train->items.ids, ni, 0.8, head,
		                           &err) != 0)
			rec_cli_fail(&err);
		res->novelty = rec_metrics_novelty(cat, ne, pop, train->users.n);
		res->longtail = rec_metrics_longtail(cat, ne, head);
		for (size_t li = 0; li < nl; li++)
			res->novelty_u[li] = rec_metrics_novelty(cat + ls->start[li],
			        ls->start[li + 1] - ls->start[li], pop, train->users.n);
		rec_free(cat);
		rec_free(count);
		rec_free(head);
		rec_free(pop);
	}
	if (mv) {
		uint64_t *g = xmalloc_array(ne, sizeof *g);

		for (size_t j = 0; j < ne; j++) {
			int32_t m = rec_movies_find(mv, ls->item[j]);
			g[j] = m >= 0 ? mv->genres[m] : 0;
			res->not_movies += m < 0;
		}
		res->diversity = 0;
		for (size_t li = 0; li < nl; li++) {
			if (rec_metrics_diversity(g + ls->start[li],
			                          ls->start[li + 1] - ls->start[li],
			                          &res->diversity_u[li]) == 0)
				continue;
			res->diversity += res->diversity_u[li];
			used++;
		}
		res->diversity = used ? res->diversity / (double)used : NAN;
		rec_free(g);
	}
}

/* ---- output ---- */

#define MAXCOL 32

struct table {
	int n;
	char name[MAXCOL][32];
	double v[MAXCOL];
};

static void
put(struct table *t, const char *name, size_t k, double v)
{
	if (k)
		snprintf(t->name[t->n], sizeof t->name[0], "%s@%zu", name, k);
	else
		snprintf(t->name[t->n], sizeof t->name[0], "%s", name);
	t->v[t->n++] = v;
}

static void
put_value(FILE *fp, double v)
{
	if (isnan(v))
		fputs("nan", fp);
	else
		fprintf(fp, "%.6f", v);
}

static void
print_summary(FILE *fp, const struct table *t, const struct opts *o)
{
	if (!o->wide) {
		fputs("metric\tvalue\n", fp);
		for (int c = 0; c < t->n; c++) {
			fprintf(fp, "%s\t", t->name[c]);
			put_value(fp, t->v[c]);
			fputc('\n', fp);
		}
		return;
	}
	if (o->header) {
		fputs("name", fp);
		for (int c = 0; c < t->n; c++)
			fprintf(fp, "\t%s", t->name[c]);
		fputc('\n', fp);
	}
	fputs(o->name, fp);
	for (int c = 0; c < t->n; c++) {
		fputc('\t', fp);
		put_value(fp, t->v[c]);
	}
	fputc('\n', fp);
}

/* A per-user cell: a value, or "-" when the user takes no part. */
static void
cell(FILE *fp, int have, double v)
{
	fputc('\t', fp);
	if (have && !isnan(v))
		fprintf(fp, "%.6f", v);
	else
		fputc('-', fp);
}

static void
print_per_user(FILE *fp, const struct opts *o, const struct preds *p,
               const struct pred_result *pr, const struct rec_ratings *test,
               const struct lists *ls, const struct rank_result *rr,
               const struct list_result *lr, int have_train, int have_movies)
{
	size_t k = o->k, n = 0, cap = 0;
	int64_t *ids = NULL;

	/* Every user of the predictions, the test set and the lists. */
	const struct rec_idmap *maps[3] = {
		p ? &p->r->users : NULL, ls ? &test->users : NULL,
		ls ? &ls->users : NULL
	};
	for (int m = 0; m < 3; m++)
		if (maps[m])
			cap += maps[m]->n;
	ids = xmalloc_array(cap, sizeof *ids);
	for (int m = 0; m < 3; m++)
		for (size_t i = 0; maps[m] && i < maps[m]->n; i++)
			ids[n++] = maps[m]->ids[i];
	qsort(ids, n, sizeof *ids, by_id);

	fputs("user", fp);
	if (p)
		fprintf(fp, "\tn_pred\trmse\tmae\trated_precision@%zu\t"
		        "rated_recall@%zu\trated_f1@%zu", k, k, k);
	if (ls) {
		fprintf(fp, "\tn_rel\tprecision@%zu\trecall@%zu\tndcg@%zu\thit@%zu"
		        "\tmrr@%zu", k, k, k, k, k);
		if (have_train)
			fprintf(fp, "\tnovelty@%zu", k);
		if (have_movies)
			fprintf(fp, "\tdiversity@%zu", k);
	}
	fputc('\n', fp);
	for (size_t j = 0; j < n; j++) {
		int64_t id = ids[j];
		if (j > 0 && id == ids[j - 1])
			continue;
		fprintf(fp, "%" PRId64, id);
		if (p) {
			int32_t u = rec_idmap_find(&p->r->users, id);
			const struct pred_user *pu = u >= 0 ? &pr->user[u] : NULL;
			fprintf(fp, "\t%zu", pu ? pu->n : 0);
			cell(fp, pu != NULL, pu ? pu->rmse : 0);
			cell(fp, pu != NULL, pu ? pu->mae : 0);
			cell(fp, pu != NULL, pu ? pu->rated.precision : 0);
			cell(fp, pu != NULL, pu ? pu->rated.recall : 0);
			cell(fp, pu != NULL, pu ? rec_metrics_f1(pu->rated.precision,
			                                         pu->rated.recall) : 0);
		}
		if (ls) {
			int32_t u = rec_idmap_find(&test->users, id);
			const struct test_user *tu = u >= 0 ? &rr->user[u] : NULL;
			int in = tu && tu->nrel > 0;
			int32_t li = rec_idmap_find(&ls->users, id);
			fprintf(fp, "\t%zu", tu ? tu->nrel : 0);
			cell(fp, in, in ? tu->rk.precision : 0);
			cell(fp, in, in ? tu->rk.recall : 0);
			cell(fp, in, in ? tu->rk.ndcg : 0);
			cell(fp, in, in ? tu->rk.hit : 0);
			cell(fp, in, in ? tu->rk.rr : 0);
			if (have_train)
				cell(fp, li >= 0, li >= 0 ? lr->novelty_u[li] : 0);
			if (have_movies)
				cell(fp, li >= 0, li >= 0 ? lr->diversity_u[li] : 0);
		}
		fputc('\n', fp);
	}
	rec_free(ids);
}

static int
is_stdin(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "predictions", required_argument, NULL, 'p' },
		{ "lists",       required_argument, NULL, 'r' },
		{ "test",        required_argument, NULL, 'T' },
		{ "train",       required_argument, NULL, 't' },
		{ "movies",      required_argument, NULL, 'm' },
		{ "threshold",   required_argument, NULL, 'x' },
		{ "wide",        no_argument,       NULL, 'w' },
		{ "name",        required_argument, NULL, 'n' },
		{ "header",      no_argument,       NULL, 'H' },
		{ "per-user",    no_argument,       NULL, 'u' },
		{ "output",      required_argument, NULL, 'o' },
		{ "help",        no_argument,       NULL, 'h' },
		{ "version",     no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .k = 10, .threshold = 3.5 };
	struct preds p = { 0 };
	struct pred_result pr = { 0 };
	struct lists ls = { 0 };
	struct rank_result rr = { 0 };
	struct list_result lr = { 0 };
	struct rec_ratings *test = NULL, *train = NULL;
	struct rec_movies *mv = NULL;
	struct table t = { 0 };
	int c, nstdin;

	rec_cli_init("rec-eval", usage_text);
	while ((c = getopt_long(argc, argv, "p:r:k:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.pred = optarg; break;
		case 'r': o.lists = optarg; break;
		case 'T': o.test = optarg; break;
		case 't': o.train = optarg; break;
		case 'm': o.movies = optarg; break;
		case 'k': o.k = (size_t)rec_cli_count(optarg, "-k", 1, KMAX); break;
		case 'x': o.threshold = rec_cli_real(optarg, "--threshold", 0, 5); break;
		case 'w': o.wide = 1; break;
		case 'n': o.name = optarg; break;
		case 'H': o.header = 1; break;
		case 'u': o.per_user = 1; break;
		case 'o': o.out = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (optind < argc)
		rec_cli_usage_error("unexpected argument '%s' (inputs are named by "
		                    "-p, -r, --test, --train, --movies)", argv[optind]);
	if (o.lists && !o.test)
		rec_cli_usage_error("-r needs --test FILE (the truth for the lists)");
	if (o.wide && !o.name)
		rec_cli_usage_error("--wide needs --name NAME");
	if (!o.wide && (o.name || o.header))
		rec_cli_usage_error("--name and --header go with --wide");
	if (o.wide && o.per_user)
		rec_cli_usage_error("--wide and --per-user do not go together");
	if (o.name && strpbrk(o.name, "\t\n\r"))
		rec_cli_usage_error("--name must not hold a TAB or a line break");
	if (!o.pred && !o.lists)
		o.pred = "-";
	nstdin = is_stdin(o.pred) + is_stdin(o.lists) +
	         (o.lists && is_stdin(o.test)) + (o.lists && is_stdin(o.train)) +
	         (o.lists && is_stdin(o.movies));
	if (nstdin > 1)
		rec_cli_usage_error("only one input can be standard input");

	if (o.pred) {
		read_preds(&p, o.pred);
		eval_preds(&p, &o, &pr);
	}
	if (o.lists) {
		struct rec_err err = { 0 };
		read_lists(&ls, o.lists, o.k);
		test = read_ratings(o.test);
		if (o.train)
			train = read_ratings(o.train);
		if (o.movies) {
			struct rec_input in = rec_cli_input(o.movies);
			if (!(mv = rec_movies_new()))
				rec_cli_die("out of memory");
			if (rec_movies_read(mv, in.fp, in.name, &err) != 0)
				rec_cli_fail(&err);
			rec_cli_close_input(&in);
		}
		eval_ranking(test, &ls, &o, &rr);
		eval_lists(&ls, train, mv, &lr);
		if (rr.nolist)
			rec_cli_note("%zu of %zu test users with relevant items have no "
			             "list (counted as zeros)", rr.nolist, rr.users);
		if (lr.not_train)
			rec_cli_note("recommended items not in %s: %zu of %zu",
			             o.train, lr.not_train, ls.n);
		if (lr.not_movies)
			rec_cli_note("recommended items not in %s: %zu of %zu",
			             o.movies, lr.not_movies, ls.n);
	}

	if (p.r) {
		put(&t, "rmse", 0, pr.rmse);
		put(&t, "mae", 0, pr.mae);
		put(&t, "rated_precision", o.k, pr.precision);
		put(&t, "rated_recall", o.k, pr.recall);
		put(&t, "rated_f1", o.k, rec_metrics_f1(pr.precision, pr.recall));
	}
	if (o.lists) {
		put(&t, "precision", o.k, rr.precision);
		put(&t, "recall", o.k, rr.recall);
		put(&t, "ndcg", o.k, rr.ndcg);
		put(&t, "hit", o.k, rr.hit);
		put(&t, "mrr", o.k, rr.mrr);
		if (train) {
			put(&t, "coverage", o.k, lr.coverage);
			put(&t, "novelty", o.k, lr.novelty);
		}
		if (mv)
			put(&t, "diversity", o.k, lr.diversity);
		if (train) {
			put(&t, "gini", o.k, lr.gini);
			put(&t, "longtail", o.k, lr.longtail);
		}
	}

	struct rec_output out = rec_cli_output(o.out, 0);
	if (o.per_user)
		print_per_user(out.fp, &o, p.r ? &p : NULL, &pr, test,
		               o.lists ? &ls : NULL, &rr, &lr, train != NULL,
		               mv != NULL);
	else
		print_summary(out.fp, &t, &o);
	rec_cli_commit(&out);

	rec_ratings_free(p.r);
	rec_free(p.pred);
	rec_free(pr.user);
	rec_idmap_clear(&ls.users);
	rec_free(ls.start);
	rec_free(ls.item);
	rec_free(rr.user);
	rec_free(lr.novelty_u);
	rec_free(lr.diversity_u);
	rec_ratings_free(test);
	rec_ratings_free(train);
	rec_movies_free(mv);
	return rec_cli_exit(0);
}
