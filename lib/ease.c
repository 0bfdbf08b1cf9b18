/*
 * ease.c - EASE in closed form (see ease.h).
 *
 * The Gram matrix X^T X is summed from the pairs of each user's items
 * (sum of n_u^2 steps, where a dense product over the users would take
 * users x items^2: 14,000 times more at 25M ratings and 6,000 items), a
 * row a thread at a time, each entry over the users in order: X is 0/1,
 * so every entry is a whole count, exact in a float below 2^24 users.
 * The inverse is LAPACK's (Cholesky, spotrf, then spotri) in one n x n
 * array that then becomes B in place: the peak is that array and the
 * interactions listed by item.  Column-major LAPACK on a symmetric
 * matrix: its upper triangle is our lower one.
 *
 * In a job of many ranks (dist.h) each rank holds its users' rows
 * (shard.h): the item counts and the Gram matrix are summed over the
 * ranks (whole counts again, so the sum is exact and B the same bits as
 * one process's), rank 0 inverts, and B goes to every rank, which then
 * ranks for its own users.  To save, rank 0 gathers the histories.
 *
 * The sequential part's S^T S and S^T Y are summed from each user's
 * pairs of interactions, O(n^2) for n of them, in closed form (below,
 * seq_gram); a user's rows are all on one rank, so the ranks' sums add
 * up as G's do, though not as whole counts: in another order, the last
 * bits may differ.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/dist.h"
#include "rec/ease.h"
#include "rec/parallel.h"

/* LAPACK, as OpenBLAS exports it (gfortran's calling convention: the
 * length of each character argument last). */
void spotrf_(const char *uplo, const int *n, float *a, const int *lda,
             int *info, size_t uplo_len);
void spotri_(const char *uplo, const int *n, float *a, const int *lda,
             int *info, size_t uplo_len);
void spotrs_(const char *uplo, const int *n, const int *nrhs, const float *a,
             const int *lda, float *b, const int *ldb, int *info,
             size_t uplo_len);

struct ease {
	struct rec_model base;
	struct rec_ease_hparams h;
	int ni;                /* items of B: the model's items */
	float *B;              /* (ni, ni) */
	float *T;              /* (ni, ni) the sequential part, or NULL */
	float *pop;            /* (ni) interactions of each item: the fallback */
	size_t *hstart;        /* (users + 1) user u's items are */
	int32_t *hitem;        /* hitem[hstart[u] .. hstart[u + 1]), by time, */
	float *hval;           /* each with its x (1, or weak) */
};

static const struct rec_model_ops ease_ops;

/* ---- hyperparameters ---- */

static const struct rec_ease_hparams ease_defaults = REC_EASE_DEFAULTS;

#define T struct rec_ease_hparams
static const struct rec_hparam ease_params[] = {
	REC_HP_NUMBER(T, lambda, "lambda", "lambda", 0, 1e9, "L",
	              "the ridge weight on B (without --valid)"),
	REC_HP_NUMBERS_OF(T, grid, ngrid, REC_EASE_MAX_GRID, "grid", NULL, 0, 1e9,
	                  "L,...", "with --valid: the lambdas tried, the one of\n"
	                  "the best validation NDCG@10 kept"),
	REC_HP_NUMBER(T, positive, "positive", "positive", 0, 5, "T",
	              "ratings from T stars are interactions (0: all);\n"
	              "3.5, as relevance in rec-eval, ranks best on\n"
	              "validation"),
	REC_HP_NUMBER(T, weak, "weak", "weak", 0, 1, "W",
	              "the weight of a rating below --positive: 0, no\n"
	              "interaction; between 0 and 1, a weak one"),
	REC_HP_NUMBER(T, recency, "recency", "recency", 0, 1, "G",
	              "in scores, a user's k-th latest item weighs G^k"),
	REC_HP_NEW_NUMBER(T, seq_weight, "seq-weight", "seq_weight", 0, 1e6, "W",
	                  "the weight of the sequential part, the next\n"
	                  "item from the latest ones; 0 fits none"),
	REC_HP_NEW_NUMBER(T, seq_decay, "seq-decay", "seq_decay", 0, 1, "D",
	                  "in the sequential part, an item k items back\n"
	                  "weighs D^k"),
	REC_HP_NEW_NUMBER(T, seq_lambda, "seq-lambda", "seq_lambda", 1e-3, 1e9, "L",
	                  "the ridge weight of the sequential part"),
	REC_HP_INTEGER(T, max_items, "max-items", "max_items", 0, 200000, "N",
	               "keep the N items with most interactions (0: all);\n"
	               "B takes N^2 x 4 bytes, T as much again"),
	REC_HP_INTEGER(T, threads, "threads", NULL, 1, 64, "N",
	               "threads for the fit (the sums and the inverse)"),
};
#undef T

const struct rec_hparams_desc rec_ease_desc = {
	"ease", ease_params, sizeof ease_params / sizeof ease_params[0], &ease_defaults,
	NULL, NULL, NULL, NULL
};

/* ---- memory ---- */

static void
ease_free(struct rec_model *base)
{
	struct ease *m = (struct ease *)base;

	rec_idmap_clear(&m->base.users);
	rec_idmap_clear(&m->base.items);
	rec_free(m->B);
	rec_free(m->T);
	rec_free(m->pop);
	rec_free(m->hstart);
	rec_free(m->hitem);
	rec_free(m->hval);
	rec_free(m);
}

/* A model of ni items (B, pop and T when seq_weight > 0 allocated, not
 * set). */
static struct ease *
ease_alloc(const struct rec_ease_hparams *h, size_t ni, struct rec_err *err)
{
	struct ease *m = rec_calloc(1, sizeof *m);
	size_t cells;

	if (!m || !rec_mul_ok(ni, ni, &cells) ||
	    !(m->B = rec_malloc_array(cells ? cells : 1, sizeof *m->B)) ||
	    !(m->pop = rec_malloc_array(ni ? ni : 1, sizeof *m->pop)) ||
	    (h->seq_weight > 0 &&
	     !(m->T = rec_malloc_array(cells ? cells : 1, sizeof *m->T)))) {
		if (m)
			ease_free(&m->base);
		rec_erroom(err, NULL);
		return NULL;
	}
	m->base.ops = &ease_ops;
	m->base.ranking = 1;
	m->h = *h;
	m->ni = (int)ni;
	return m;
}

/* ---- histories ---- */

/* One entry of a user's history while it is built. */
struct entry {
	int64_t ts;
	uint32_t row;          /* in the ratings: breaks ties in time */
	int32_t item;
	float x;
};

static int
by_item_latest(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts > y->ts ? -1 : 1;
	return (x->row < y->row) - (x->row > y->row);
}

static int
by_time(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* Every user of the model's map: its interactions in r (the rows whose
 * item the model knows and whose x is not 0; an item rated twice, the
 * latest), in time order.  A user r does not hold has none. */
static int
hist_build(struct ease *m, const struct rec_ratings *r, struct rec_err *err)
{
	size_t nu = m->base.users.n, *start;
	struct entry *e = rec_malloc_array(r->n ? r->n : 1, sizeof *e);
	int32_t *item = rec_malloc_array(r->n ? r->n : 1, sizeof *item);
	float *val = rec_malloc_array(r->n ? r->n : 1, sizeof *val);

	start = rec_calloc(nu + 2, sizeof *start);
	if (!start || !e || !item || !val) {
		rec_free(start);
		rec_free(e);
		rec_free(item);
		rec_free(val);
		return rec_erroom(err, NULL);
	}
	/* a counting sort of the rows by user */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t j = 0; j < r->n; j++) {
			int32_t u = rec_idmap_find(&m->base.users, r->users.ids[r->user[j]]);
			int32_t i = rec_idmap_find(&m->base.items, r->items.ids[r->item[j]]);
			float x = r->rating[j] >= m->h.positive ? 1.0f : m->h.weak;
			if (u < 0 || i < 0 || x == 0)
				continue;
			if (pass == 0)
				start[u + 2]++;
			else
				e[start[u + 1]++] = (struct entry){ r->ts[j], (uint32_t)j, i, x };
		}
		if (pass == 0)
			for (size_t u = 2; u < nu + 2; u++)
				start[u] += start[u - 1];
	}
	/* each user's latest rating of an item, then by time, packed down:
	 * w writes, b reads */
	for (size_t u = 0, b = 0, w = 0; u < nu; u++) {
		size_t end = start[u + 1], first = w;
		qsort(e + b, end - b, sizeof *e, by_item_latest);
		for (size_t j = b; j < end; j++)
			if (w == first || e[w - 1].item != e[j].item)
				e[w++] = e[j];
		qsort(e + first, w - first, sizeof *e, by_time);
		start[u] = first;
		start[u + 1] = w;
		b = end;
	}
	for (size_t j = 0; j < start[nu]; j++) {
		item[j] = e[j].item;
		val[j] = e[j].x;
	}
	rec_free(e);
	rec_free(m->hstart);
	rec_free(m->hitem);
	rec_free(m->hval);
	m->hstart = start;
	m->hitem = item;
	m->hval = val;
	return 0;
}

/* ---- the fit ---- */

struct by_count {
	int64_t id;
	int64_t count;
};

static int
cmp_count(const void *a, const void *b)
{
	const struct by_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_id(const void *a, const void *b)
{
	const struct by_count *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The model's items: those of r with an interaction (strong or weak) on
 * any rank, the max_items most interacted with (0: all), in the map by
 * ascending id, so that neither the input's order nor its numbering
 * changes B. */
static int
choose_items(struct rec_idmap *items, const struct rec_ratings *r,
             const struct rec_ease_hparams *h, struct rec_err *err)
{
	size_t ni = r->items.n, n = 0;
	int64_t *count = rec_calloc(ni ? ni : 1, sizeof *count);
	struct by_count *c = rec_malloc_array(ni ? ni : 1, sizeof *c);
	int32_t ix;
	int rc = 0;

	if (!count || !c)
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	for (size_t j = 0; j < r->n; j++)
		count[r->item[j]] += r->rating[j] >= h->positive || h->weak > 0;
	rec_dist_sum_i64(count, ni);
	for (size_t i = 0; i < ni; i++)
		if (count[i])
			c[n++] = (struct by_count){ r->items.ids[i], count[i] };
	if (n == 0) {
		rc = rec_errf(err, NULL, 0, "no interactions (ratings of at least %g "
		              "stars)", (double)h->positive);
		goto out;
	}
	if (h->max_items > 0 && n > (size_t)h->max_items) {
		qsort(c, n, sizeof *c, cmp_count);
		n = (size_t)h->max_items;
	}
	qsort(c, n, sizeof *c, cmp_id);
	for (size_t j = 0; j < n && rc == 0; j++)
		if (rec_idmap_add(items, c[j].id, &ix) != 0)
			rc = rec_erroom(err, NULL);
	rc = rec_dist_agree(rc, err);
out:
	rec_free(count);
	rec_free(c);
	return rc;
}

/* The users of each item, for the Gram's rows: item i's are
 * user[start[i] .. start[i + 1]), in ascending order, each with its x. */
struct item_users {
	size_t *start;         /* (ni + 1) */
	int32_t *user;
	float *x;
};

/* One thread's rows of G: i = part, part + parts, ... (popular and rare
 * items dealt alike), each row zeroed, then summed user by user. */
struct gram_rows {
	const struct ease *m;
	const struct item_users *by_item;
	float *G;
	int parts;
};

static void
gram_part(void *arg, size_t beg, size_t end, int t)
{
	const struct gram_rows *g = arg;
	const struct ease *m = g->m;
	const size_t ni = (size_t)m->ni;

	(void)t;
	for (size_t part = beg; part < end; part++)
		for (size_t i = part; i < ni; i += (size_t)g->parts) {
			float *row = g->G + i * ni;
			memset(row, 0, ni * sizeof *row);
			for (size_t a = g->by_item->start[i]; a < g->by_item->start[i + 1]; a++) {
				const int32_t u = g->by_item->user[a];
				const float xi = g->by_item->x[a];
				for (size_t e = m->hstart[u]; e < m->hstart[u + 1]; e++)
					if ((size_t)m->hitem[e] <= i)
						row[m->hitem[e]] += xi * m->hval[e];
			}
		}
}

/* G (ni, ni) = X^T X over this rank's histories, the lower triangle
 * (row-major; the upper one zero), from the pairs of each user's items:
 * sum over users of n_u^2 steps, not users x ni^2 as a dense product
 * would take.  Entry (i, j) is summed over the users in ascending order
 * by one thread, so G is the same for any number of threads. */
static int
gram(struct ease *m, float *G, struct rec_err *err)
{
	const size_t ni = (size_t)m->ni, nu = m->base.users.n, n = m->hstart[nu];
	struct item_users by_item = {
		rec_calloc(ni + 1, sizeof *by_item.start),
		rec_malloc_array(n ? n : 1, sizeof *by_item.user),
		rec_malloc_array(n ? n : 1, sizeof *by_item.x),
	};
	struct gram_rows g = { m, &by_item, G, m->h.threads };
	int rc = 0;

	if (!by_item.start || !by_item.user || !by_item.x) {
		rc = rec_erroom(err, NULL);
		goto out;
	}
	for (size_t e = 0; e < n; e++)   /* a counting sort by item */
		by_item.start[m->hitem[e] + 1]++;
	for (size_t i = 0; i < ni; i++)
		by_item.start[i + 1] += by_item.start[i];
	for (size_t u = 0; u < nu; u++)
		for (size_t e = m->hstart[u]; e < m->hstart[u + 1]; e++) {
			size_t a = by_item.start[m->hitem[e]]++;
			by_item.user[a] = (int32_t)u;
			by_item.x[a] = m->hval[e];
		}
	for (size_t i = ni; i > 0; i--)
		by_item.start[i] = by_item.start[i - 1];
	by_item.start[0] = 0;
	rec_parallel_for((size_t)g.parts, g.parts, gram_part, &g);
out:
	rec_free(by_item.start);
	rec_free(by_item.user);
	rec_free(by_item.x);
	return rc;
}

/* B from G, in place: P = G^-1 by Cholesky, then B_ij = -P_ij / P_jj. */
static int
solve(struct ease *m, float *G, struct rec_err *err)
{
	enum { TILE = 64 };
	const int n = m->ni;
	const size_t ni = (size_t)n;
	float *d = rec_malloc_array(ni ? ni : 1, sizeof *d);
	int info = 0;

	if (!d)
		return rec_erroom(err, NULL);
	/* row-major lower is column-major upper */
	spotrf_("U", &n, G, &n, &info, 1);
	if (info == 0)
		spotri_("U", &n, G, &n, &info, 1);
	if (info != 0) {
		rec_free(d);
		return rec_errf(err, NULL, 0, "X^T X + lambda I is not positive "
		                "definite (LAPACK info %d): give a larger --lambda", info);
	}
	/* the upper triangle from the lower, a tile at a time (a column of
	 * G read whole would miss the cache at every entry) */
	for (size_t i0 = 0; i0 < ni; i0 += TILE)
		for (size_t j0 = i0; j0 < ni; j0 += TILE)
			for (size_t i = i0; i < i0 + TILE && i < ni; i++)
				for (size_t j = j0 > i ? j0 : i + 1; j < j0 + TILE && j < ni; j++)
					G[i * ni + j] = G[j * ni + i];
	for (size_t j = 0; j < ni; j++)
		d[j] = G[j * ni + j];
	for (size_t i = 0; i < ni; i++)
		for (size_t j = 0; j < ni; j++)
			G[i * ni + j] = i == j ? 0.0f : -G[i * ni + j] / d[j];
	rec_free(d);
	return 0;
}

/* The sequential part's sums over this rank's histories: A (ni, ni) =
 * S^T S (the lower triangle, row-major) and C (ni, ni) = S^T Y stored
 * column-major (C[l ni + k] = (S^T Y)_kl), as LAPACK takes them.  For a
 * user's n interactions (item i_p, value x_p, p in time order) and
 * d = seq_decay, the rows s_t (t = 1 .. n-1) give
 *
 *   (S^T S)_(i_p, i_q) += x_p x_q d^(q-p) c_q    (p <= q)
 *   (S^T Y)_(i_p, i_q) += x_p x_q d^(q-1-p)      (p < q)
 *
 * where c_q = sum over t = q+1 .. n-1 of d^(2 (t-1-q)): c_(n-1) = 0 and
 * c_q = 1 + d^2 c_(q+1).  A user's items are distinct, so each pair p < q
 * is one entry of the lower triangle. */
static int
seq_gram(const struct ease *m, float *A, float *C, struct rec_err *err)
{
	const size_t ni = (size_t)m->ni, nu = m->base.users.n;
	const double d = m->h.seq_decay;
	size_t most = 1;
	double *pw, *c;

	for (size_t u = 0; u < nu; u++)
		if (m->hstart[u + 1] - m->hstart[u] > most)
			most = m->hstart[u + 1] - m->hstart[u];
	pw = rec_malloc_array(most, sizeof *pw);
	c = rec_malloc_array(most, sizeof *c);
	if (!pw || !c) {
		rec_free(pw);
		rec_free(c);
		return rec_erroom(err, NULL);
	}
	pw[0] = 1;
	for (size_t k = 1; k < most; k++)
		pw[k] = pw[k - 1] * d;
	memset(A, 0, ni * ni * sizeof *A);
	memset(C, 0, ni * ni * sizeof *C);
	for (size_t u = 0; u < nu; u++) {
		const size_t s = m->hstart[u], n = m->hstart[u + 1] - s;
		const int32_t *it = m->hitem + s;
		const float *x = m->hval + s;
		if (n < 2)
			continue;
		c[n - 1] = 0;
		for (size_t q = n - 1; q-- > 0;)
			c[q] = 1 + d * d * c[q + 1];
		for (size_t q = 0; q < n; q++) {
			const size_t iq = (size_t)it[q];
			for (size_t p = 0; p <= q; p++) {
				const size_t ip = (size_t)it[p];
				const double xx = (double)x[p] * x[q];
				A[iq > ip ? iq * ni + ip : ip * ni + iq] +=
					(float)(xx * pw[q - p] * c[q]);
				if (p < q)
					C[iq * ni + ip] += (float)(xx * pw[q - 1 - p]);
			}
		}
	}
	rec_free(pw);
	rec_free(c);
	return 0;
}

/* T (ni, ni, row-major) = (A + seq_lambda I)^-1 C from seq_gram's sums:
 * the Cholesky factor of A, then a solve for C's columns, in place. */
static int
seq_solve(struct ease *m, float *A, float *C, struct rec_err *err)
{
	const int n = m->ni;
	const size_t ni = (size_t)n;
	int info = 0;

	for (size_t i = 0; i < ni; i++)
		A[i * ni + i] += m->h.seq_lambda;
	spotrf_("U", &n, A, &n, &info, 1);
	if (info == 0)
		spotrs_("U", &n, &n, A, &n, C, &n, &info, 1);
	if (info != 0)
		return rec_errf(err, NULL, 0, "S^T S + seq_lambda I is not positive "
		                "definite (LAPACK info %d): give a larger --seq-lambda",
		                info);
	for (size_t i = 0; i < ni; i++)   /* column-major to row-major */
		for (size_t j = i + 1; j < ni; j++) {
			float t = C[i * ni + j];
			C[i * ni + j] = C[j * ni + i];
			C[j * ni + i] = t;
		}
	return 0;
}

/* T from the histories of every rank, as B below: the sums to rank 0,
 * solved there, T to every rank. */
static int
seq_fit(struct ease *m, struct rec_err *err)
{
	const size_t ni = (size_t)m->ni;
	float *A = rec_malloc_array(ni ? ni * ni : 1, sizeof *A);
	int rc = A ? seq_gram(m, A, m->T, err) : rec_erroom(err, NULL);

	if (rec_dist_agree(rc, err) != 0) {
		rec_free(A);
		return -1;
	}
	rec_dist_reduce_f32(A, ni * ni);
	rec_dist_reduce_f32(m->T, ni * ni);
	rc = rec_dist_rank() == 0 ? seq_solve(m, A, m->T, err) : 0;
	rec_free(A);
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	rec_dist_bcast(m->T, ni * ni * sizeof *m->T);
	return 0;
}

/* B and pop from the histories of every rank: G = X^T X summed on rank
 * 0, pop = its diagonal (the interactions, weak ones weighed by x^2),
 * B from G + lambda I there, then both to every rank. */
static int
fit_b(struct ease *m, struct rec_err *err)
{
	const size_t ni = (size_t)m->ni;
	int rc;

	if (rec_dist_agree(gram(m, m->B, err), err) != 0)
		return -1;
	rec_dist_reduce_f32(m->B, ni * ni);
	if (rec_dist_rank() == 0) {
		for (size_t i = 0; i < ni; i++) {
			m->pop[i] = m->B[i * ni + i];
			m->B[i * ni + i] += m->h.lambda;
		}
		rc = solve(m, m->B, err);
	} else {
		rc = 0;
	}
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	rec_dist_bcast(m->B, ni * ni * sizeof *m->B);
	rec_dist_bcast(m->pop, ni * sizeof *m->pop);
	return 0;
}

struct rec_model *
rec_ease_make(const void *hp, const struct rec_ratings *r, uint64_t seed,
              struct rec_err *err)
{
	const struct rec_ease_hparams *h = hp;
	struct rec_idmap items = { 0 };
	struct ease *m = NULL;
	double bytes;
	int rc = 0;

	(void)seed;
	if (err)
		err->msg[0] = '\0';
	if (choose_items(&items, r, h, err) != 0) {
		rec_idmap_clear(&items);
		return NULL;
	}
	bytes = (double)items.n * (double)items.n * sizeof(float) *
	        (h->seq_weight > 0 ? 3 : 1);   /* B, T and seq_fit's A */
	if (h->mem_limit > 0 && bytes > h->mem_limit)
		rc = rec_errf(err, NULL, 0, "an EASE model of %zu items needs %.0f MB, "
		              "over the limit of %.0f MB: keep fewer items with "
		              "--max-items", items.n, bytes / 1048576,
		              h->mem_limit / 1048576);
	else if (!(m = ease_alloc(h, items.n, err)))
		rc = -1;
	if (m) {
		m->base.items = items;
		items = (struct rec_idmap){ 0 };
		if (rec_model_init_users(&m->base, r, err) != 0 ||
		    hist_build(m, r, err) != 0)
			rc = -1;
	}
	if (rec_dist_agree(rc, err) != 0 || fit_b(m, err) != 0 ||
	    (m->T && seq_fit(m, err) != 0)) {
		rec_idmap_clear(&items);
		if (m)
			ease_free(&m->base);
		return NULL;
	}
	return &m->base;
}

int
rec_ease_set_lambda(struct rec_model *base, float lambda, struct rec_err *err)
{
	struct ease *m = (struct ease *)base;

	m->h.lambda = lambda;
	return fit_b(m, err);
}

/* ---- scores ---- */

/* recency^k, the weight of the k-th latest item (powf of a float is the
 * same on every machine with the same libm; a product of k factors would
 * cost k steps). */
static float
weight_back(const struct ease *m, size_t k)
{
	return m->h.recency == 1.0f ? 1.0f : powf(m->h.recency, (float)k);
}

/* seq_weight seq_decay^k, the sequential part's weight of the k-th
 * latest item. */
static float
seq_back(const struct ease *m, size_t k)
{
	return m->h.seq_weight * powf(m->h.seq_decay, (float)k);
}

/* out (ni) = user u's scores: the rows of B of u's items, the k-th
 * latest weighted by x recency^k, added from the oldest, then those of
 * T weighted by x seq_weight seq_decay^k; popularity for an unknown user
 * or one without items. */
static void
user_scores(const struct ease *m, int32_t u, float *out)
{
	const size_t ni = (size_t)m->ni;

	if (u < 0 || m->hstart[u] == m->hstart[u + 1]) {
		memcpy(out, m->pop, ni * sizeof *out);
		return;
	}
	memset(out, 0, ni * sizeof *out);
	for (size_t e = m->hstart[u]; e < m->hstart[u + 1]; e++) {
		const float *row = m->B + (size_t)m->hitem[e] * ni;
		const float w = m->hval[e] * weight_back(m, m->hstart[u + 1] - 1 - e);
		for (size_t i = 0; i < ni; i++)
			out[i] += w * row[i];
	}
	for (size_t e = m->hstart[u]; m->T && e < m->hstart[u + 1]; e++) {
		const float *row = m->T + (size_t)m->hitem[e] * ni;
		const float w = m->hval[e] * seq_back(m, m->hstart[u + 1] - 1 - e);
		for (size_t i = 0; i < ni; i++)
			out[i] += w * row[i];
	}
}

static int
ease_rank_scores(const struct rec_model *base, const int32_t *user, size_t n,
                 float *out, struct rec_err *err)
{
	const struct ease *m = (const struct ease *)base;

	(void)err;
	for (size_t j = 0; j < n; j++)
		user_scores(m, user[j], out + j * (size_t)m->ni);
	return 0;
}

/* The score of each pair: rank_scores' entry (unknown item: 0). */
static void
ease_predict(const struct rec_model *base, const int32_t *user,
             const int32_t *item, size_t n, float *out)
{
	const struct ease *m = (const struct ease *)base;
	const size_t ni = (size_t)m->ni;

	for (size_t j = 0; j < n; j++) {
		int32_t u = user[j], i = item[j];
		float s = 0;
		if (i >= 0 && (u < 0 || m->hstart[u] == m->hstart[u + 1]))
			s = m->pop[i];
		else if (i >= 0) {
			for (size_t e = m->hstart[u]; e < m->hstart[u + 1]; e++)
				s += m->hval[e] * weight_back(m, m->hstart[u + 1] - 1 - e) *
				     m->B[(size_t)m->hitem[e] * ni + (size_t)i];
			for (size_t e = m->hstart[u]; m->T && e < m->hstart[u + 1]; e++)
				s += m->hval[e] * seq_back(m, m->hstart[u + 1] - 1 - e) *
				     m->T[(size_t)m->hitem[e] * ni + (size_t)i];
		}
		out[j] = s;
	}
}

/* New histories: h's users are added to the map when new, and every
 * user's items become those of h (none for a user h does not hold). */
static int
ease_set_history(struct rec_model *base, const struct rec_ratings *h,
                 struct rec_err *err)
{
	struct ease *m = (struct ease *)base;
	int32_t ix;

	for (size_t u = 0; u < h->users.n; u++)
		if (rec_idmap_add(&m->base.users, h->users.ids[u], &ix) != 0)
			return rec_erroom(err, NULL);
	return hist_build(m, h, err);
}

static void
ease_copy_weights(struct rec_model *dst, const struct rec_model *src)
{
	struct ease *d = (struct ease *)dst;
	const struct ease *s = (const struct ease *)src;

	memcpy(d->B, s->B, (size_t)d->ni * (size_t)d->ni * sizeof *d->B);
	if (d->T && s->T)
		memcpy(d->T, s->T, (size_t)d->ni * (size_t)d->ni * sizeof *d->T);
}

/* ---- files ---- */

static void
tensor(struct rec_tensor *t, const char *name, enum rec_dtype dt, void *data,
       int64_t n0, int64_t n1)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->dtype = dt;
	t->ndim = n1 ? 2 : 1;
	t->shape[0] = n0;
	t->shape[1] = n1 ? n1 : 1;
	t->data = data;
	t->nbytes = (size_t)n0 * (size_t)(n1 ? n1 : 1) * rec_st_dtype_size(dt);
}

/* Where rank 0 puts the histories the ranks send (gather_histories). */
struct gathered {
	size_t nu;
	const int64_t *start;   /* (nu + 1) */
	int64_t *next;          /* (nu) the next free entry of each user */
	int64_t *item;          /* (start[nu]) */
	float *val;
};

/* Place a rank's histories (rec_dist_take_fn): records of user, n, then
 * n items and n values, 4 bytes each. */
static int
place_histories(void *ctx, int rank, const void *p, size_t n,
                struct rec_err *err)
{
	struct gathered *g = ctx;
	const char *s = p, *end = s + n;
	int32_t u, len, it;

	(void)rank;
	while (s < end) {
		if (end - s < 8)
			break;
		memcpy(&u, s, 4);
		memcpy(&len, s + 4, 4);
		s += 8;
		if (u < 0 || (size_t)u >= g->nu || len < 0 || (end - s) / 8 < len ||
		    g->next[u] + len > g->start[u + 1])
			break;
		for (int32_t e = 0; e < len; e++, g->next[u]++) {
			memcpy(&it, s + 4 * (size_t)e, 4);
			g->item[g->next[u]] = it;
			memcpy(&g->val[g->next[u]], s + 4 * ((size_t)len + (size_t)e), 4);
		}
		s += 8 * (size_t)len;
	}
	return s == end ? 0 : rec_errf(err, NULL, 0, "the ranks' histories do not "
	                               "add up");
}

/* Every user's history on rank 0, from the ranks that hold them (a
 * user's parts in rank order): *start (nu + 1), *item and *val (caller
 * frees each; ranks above 0 get NULLs).  A collective. */
static int
gather_histories(const struct ease *m, int64_t **start, int64_t **item,
                 float **val, struct rec_err *err)
{
	const size_t nu = m->base.users.n;
	struct gathered g = { .nu = nu };
	int64_t *count = rec_malloc_array(nu ? nu : 1, sizeof *count);
	char *pack = NULL, *p;
	size_t bytes = 0;
	int rc = 0;

	*start = *item = NULL;
	*val = NULL;
	if (!count)
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		return -1;
	for (size_t u = 0; u < nu; u++) {
		count[u] = (int64_t)(m->hstart[u + 1] - m->hstart[u]);
		bytes += count[u] ? 8 + 8 * (size_t)count[u] : 0;
	}
	if (!(p = pack = rec_malloc(bytes ? bytes : 1)))
		rc = rec_erroom(err, NULL);
	for (size_t u = 0; u < nu && rc == 0; u++) {
		int32_t uu = (int32_t)u, len = (int32_t)count[u];
		if (!len)
			continue;
		memcpy(p, &uu, 4);
		memcpy(p + 4, &len, 4);
		memcpy(p + 8, m->hitem + m->hstart[u], 4 * (size_t)len);
		memcpy(p + 8 + 4 * (size_t)len, m->hval + m->hstart[u], 4 * (size_t)len);
		p += 8 + 8 * (size_t)len;
	}
	rec_dist_sum_i64(count, nu);   /* every rank's, for rank 0's places */
	if (rc == 0 && rec_dist_rank() == 0) {
		int64_t *s = rec_malloc_array(nu + 1, sizeof *s);
		if (s) {
			s[0] = 0;
			for (size_t u = 0; u < nu; u++) {
				s[u + 1] = s[u] + count[u];
				count[u] = s[u];   /* now each user's next entry */
			}
		}
		*start = s;
		*item = s ? rec_malloc_array(s[nu] ? (size_t)s[nu] : 1, sizeof **item) : NULL;
		*val = s ? rec_malloc_array(s[nu] ? (size_t)s[nu] : 1, sizeof **val) : NULL;
		if (!*start || !*item || !*val)
			rc = rec_erroom(err, NULL);
		g = (struct gathered){ nu, *start, count, *item, *val };
	}
	if ((rc = rec_dist_agree(rc, err)) == 0)
		rc = rec_dist_collect(pack, bytes, place_histories, &g, err);
	rec_free(count);
	rec_free(pack);
	if (rc != 0) {
		rec_free(*start);
		rec_free(*item);
		rec_free(*val);
		*start = *item = NULL;
		*val = NULL;
	}
	return rc;
}

static int
ease_save(const struct rec_model *base, FILE *fp, const char *file,
          const char *const *xkey, const char *const *xval, size_t nx,
          struct rec_err *err)
{
	const struct ease *m = (const struct ease *)base;
	const size_t nu = m->base.users.n;
	int64_t *start = NULL, *item = NULL;
	float *val = NULL;
	struct rec_tensor t[8];
	size_t nh;
	int rc;

	if (rec_dist_size() > 1) {   /* one rank holds every history */
		if (gather_histories(m, &start, &item, &val, err) != 0) {
			if (err && !err->file[0])
				snprintf(err->file, sizeof err->file, "%s", file);
			return -1;
		}
		if (rec_dist_rank() > 0)
			return 0;
		nh = (size_t)start[nu];
	} else {
		nh = m->hstart[nu];
		start = rec_malloc_array(nu + 1, sizeof *start);
		item = rec_malloc_array(nh ? nh : 1, sizeof *item);
		if (!start || !item) {
			rc = rec_erroom(err, file);
			goto out;
		}
		for (size_t u = 0; u <= nu; u++)
			start[u] = (int64_t)m->hstart[u];
		for (size_t e = 0; e < nh; e++)
			item[e] = m->hitem[e];
	}
	rec_model_map_tensors(base, t);
	tensor(&t[2], "B", REC_F32, m->B, m->ni, m->ni);
	tensor(&t[3], "item_pop", REC_F32, m->pop, m->ni, 0);
	tensor(&t[4], "hist_start", REC_I64, start, (int64_t)nu + 1, 0);
	tensor(&t[5], "hist_item", REC_I64, item, (int64_t)nh, 0);
	tensor(&t[6], "hist_value", REC_F32, val ? val : m->hval, (int64_t)nh, 0);
	if (m->T)
		tensor(&t[7], "T", REC_F32, m->T, m->ni, m->ni);
	rc = rec_model_write(fp, file, &rec_ease_desc, &m->h, t, m->T ? 8 : 7, NULL,
	                     NULL, 0, xkey, xval, nx, err);
out:
	rec_free(start);
	rec_free(item);
	rec_free(val);
	return rc;
}

int
rec_ease_load(struct rec_model **out, const struct rec_st *st, struct rec_err *err)
{
	static const char *const also[] = { "B", "item_pop", "hist_start",
	                                    "hist_item", "hist_value", "T", NULL };
	struct rec_ease_hparams h = REC_EASE_DEFAULTS;
	const struct rec_tensor *uids, *iids, *B, *pop, *hs, *hi, *hv, *T = NULL;
	const int64_t *start, *item;
	const float *val;
	int64_t shape[2];
	uint32_t *stamp;
	struct ease *m;
	size_t nu, ni;

	*out = NULL;
	if (rec_hparams_load(&rec_ease_desc, &h, st, err) != 0 ||
	    rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, NULL, err) != 0 ||
	    rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, NULL, err) != 0)
		return -1;
	nu = (size_t)uids->shape[0];
	ni = (size_t)iids->shape[0];
	if (nu > INT32_MAX || ni > INT32_MAX || ni > 1u << 20)
		return rec_errf(err, st->name, 0, "too many users or items");
	shape[0] = shape[1] = (int64_t)ni;
	if (rec_st_tensor(&B, st, "B", REC_F32, 2, shape, err) != 0 ||
	    rec_st_tensor(&pop, st, "item_pop", REC_F32, 1, shape, err) != 0 ||
	    (h.seq_weight > 0 &&
	     rec_st_tensor(&T, st, "T", REC_F32, 2, shape, err) != 0))
		return -1;
	if (h.seq_weight == 0 && rec_st_find(st, "T"))
		return rec_errf(err, st->name, 0, "unexpected tensor 'T'");
	shape[0] = (int64_t)nu + 1;
	if (rec_st_tensor(&hs, st, "hist_start", REC_I64, 1, shape, err) != 0 ||
	    rec_st_tensor(&hi, st, "hist_item", REC_I64, 1, NULL, err) != 0)
		return -1;
	shape[0] = hi->shape[0];
	if (rec_st_tensor(&hv, st, "hist_value", REC_F32, 1, shape, err) != 0)
		return -1;
	start = hs->data;
	item = hi->data;
	val = hv->data;
	if (start[0] != 0 || start[nu] != hi->shape[0])
		return rec_errf(err, st->name, 0, "tensor 'hist_start' does not run "
		                "from 0 to %lld", (long long)hi->shape[0]);
	if (!(stamp = rec_calloc(ni ? ni : 1, sizeof *stamp)))
		return rec_erroom(err, st->name);
	for (size_t u = 0; u < nu; u++) {
		int bad = start[u + 1] < start[u] || start[u + 1] > start[nu];
		for (int64_t e = start[u]; !bad && e < start[u + 1]; e++) {
			bad = item[e] < 0 || (size_t)item[e] >= ni ||
			      stamp[item[e]] == u + 1 || !(val[e] > 0 && val[e] <= 1);
			if (!bad)
				stamp[item[e]] = (uint32_t)u + 1;
		}
		if (bad) {
			rec_free(stamp);
			return rec_errf(err, st->name, 0, "user row %zu's history is not "
			                "distinct model items, each of a value in (0, 1]", u);
		}
	}
	rec_free(stamp);
	for (size_t j = 0; j < ni * ni; j++)
		if (!isfinite(((const float *)B->data)[j]) ||
		    (T && !isfinite(((const float *)T->data)[j])))
			return rec_errf(err, st->name, 0, "tensor '%s' has non-finite "
			                "values", isfinite(((const float *)B->data)[j]) ?
			                "T" : "B");
	if (err)
		err->msg[0] = '\0';
	if (!(m = ease_alloc(&h, ni, err))) {
		if (err)
			snprintf(err->file, sizeof err->file, "%s", st->name);
		return -1;
	}
	m->hstart = rec_malloc_array(nu + 1, sizeof *m->hstart);
	m->hitem = rec_malloc_array(hi->shape[0] ? (size_t)hi->shape[0] : 1,
	                            sizeof *m->hitem);
	m->hval = rec_malloc_array(hi->shape[0] ? (size_t)hi->shape[0] : 1,
	                           sizeof *m->hval);
	if (!m->hstart || !m->hitem || !m->hval) {
		ease_free(&m->base);
		return rec_erroom(err, st->name);
	}
	for (size_t u = 0; u <= nu; u++)
		m->hstart[u] = (size_t)start[u];
	for (int64_t e = 0; e < hi->shape[0]; e++) {
		m->hitem[e] = (int32_t)item[e];
		m->hval[e] = val[e];
	}
	memcpy(m->B, B->data, B->nbytes);
	if (T)
		memcpy(m->T, T->data, T->nbytes);
	memcpy(m->pop, pop->data, pop->nbytes);
	if (rec_model_load_map(&m->base.users, st, "user_ids", (int64_t)nu, err) != 0 ||
	    rec_model_load_map(&m->base.items, st, "item_ids", (int64_t)ni, err) != 0 ||
	    rec_model_no_extra(st, NULL, also, err) != 0) {
		ease_free(&m->base);
		return -1;
	}
	*out = &m->base;
	return 0;
}

static const struct rec_model_ops ease_ops = {
	.name = "ease",
	.predict = ease_predict,
	.rank_scores = ease_rank_scores,
	.rank_scores_reentrant = 1,
	.copy_weights = ease_copy_weights,
	.save = ease_save,
	.save_gathers = 1,
	.free = ease_free,
	.set_history = ease_set_history,
};
