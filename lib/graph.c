/*
 * graph.c - the bipartite user-item graph: building it from ratings,
 * checking, saving and loading it, its statistics and a Graphviz sample,
 * and the sparse products that propagate over it (see graph.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/dist.h"
#include "rec/graph.h"
#include "rec/parallel.h"
#include "rec/rng.h"
#include "vector.h"

/* ---- memory ---- */

/* A graph of nu users, ni items and nnz stored entries, arrays
 * allocated (not filled), id maps empty. */
static struct rec_graph *
graph_alloc(int64_t nu, int64_t ni, int64_t nnz, enum rec_graph_weight w,
            struct rec_err *err)
{
	struct rec_graph *g = rec_calloc(1, sizeof *g);

	if (!g) {
		rec_erroom(err, NULL);
		return NULL;
	}
	g->weight = w;
	g->nu = nu;
	g->ni = ni;
	g->nodes = nu + ni;
	g->nnz = nnz;
	if (!(g->indptr = rec_malloc_array((size_t)g->nodes + 1, sizeof *g->indptr)) ||
	    !(g->indices = rec_malloc_array((size_t)nnz + 1, sizeof *g->indices)) ||
	    !(g->values = rec_malloc_array((size_t)nnz + 1, sizeof *g->values)) ||
	    !(g->degree = rec_malloc_array((size_t)g->nodes + 1, sizeof *g->degree))) {
		rec_graph_free(g);
		rec_erroom(err, NULL);
		return NULL;
	}
	return g;
}

void
rec_graph_free(struct rec_graph *g)
{
	if (!g)
		return;
	rec_idmap_clear(&g->users);
	rec_idmap_clear(&g->items);
	rec_free(g->indptr);
	rec_free(g->indices);
	rec_free(g->values);
	rec_free(g->degree);
	rec_free(g);
}

const char *const rec_graph_weight_names[] = { "binary", "rating", NULL };

const char *
rec_graph_weight_name(enum rec_graph_weight w)
{
	return rec_graph_weight_names[w == REC_GRAPH_RATING];
}

int
rec_graph_weight_parse(enum rec_graph_weight *w, const char *s)
{
	for (int j = 0; rec_graph_weight_names[j]; j++)
		if (strcmp(s, rec_graph_weight_names[j]) == 0) {
			*w = (enum rec_graph_weight)j;
			return 0;
		}
	return -1;
}

/* Copy the ids of src into dst (an empty map). */
static int
copy_ids(struct rec_idmap *dst, const int64_t *ids, size_t n)
{
	int32_t ix;

	for (size_t k = 0; k < n; k++)
		if (rec_idmap_add(dst, ids[k], &ix) != 0)
			return -1;
	return 0;
}

/* ---- building ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Entries of one row sorted by column, values along: an insertion sort
 * (rows are short) on the pairs. */
static void
sort_row(int64_t *col, float *val, int64_t n)
{
	for (int64_t j = 1; j < n; j++) {
		int64_t c = col[j];
		float v = val[j];
		int64_t k = j;
		for (; k > 0 && col[k - 1] > c; k--) {
			col[k] = col[k - 1];
			val[k] = val[k - 1];
		}
		col[k] = c;
		val[k] = v;
	}
}

/* Fill values (holding the raw weights) and degree with the symmetric
 * normalisation; d (nodes) is scratch.  In a job (dist.h) an item's
 * degree is the sum of every rank's (exact where the weights are
 * multiples of 1/2: ones, or stars), a user's its own rank's: its
 * ratings are all there (shard.h).  A collective. */
static void
normalise(struct rec_graph *g, double *d)
{
	for (int64_t r = 0; r < g->nodes; r++) {
		d[r] = 0;
		for (int64_t e = g->indptr[r]; e < g->indptr[r + 1]; e++)
			d[r] += g->values[e];
	}
	rec_dist_sum_f64(d + g->nu, (size_t)g->ni);
	for (int64_t r = 0; r < g->nodes; r++)
		g->degree[r] = (float)d[r];
	for (int64_t r = 0; r < g->nodes; r++)
		for (int64_t e = g->indptr[r]; e < g->indptr[r + 1]; e++)
			g->values[e] = (float)(g->values[e] /
			               sqrt((double)g->degree[r] * g->degree[g->indices[e]]));
}

/* The n edges (user[j], nu + item[j]) of value value[j] (NULL: 1) into
 * g's rows, both ways, each row sorted by column; fill (nodes + 1) is
 * scratch. */
static void
assemble(struct rec_graph *g, const int32_t *user, const int32_t *item,
         const float *value, size_t n, int64_t *fill)
{
	memset(fill, 0, ((size_t)g->nodes + 1) * sizeof *fill);
	for (size_t j = 0; j < n; j++) {   /* counting sort */
		fill[user[j] + 1]++;
		fill[g->nu + item[j] + 1]++;
	}
	for (int64_t x = 0; x < g->nodes; x++)
		fill[x + 1] += fill[x];
	memcpy(g->indptr, fill, ((size_t)g->nodes + 1) * sizeof *fill);
	for (size_t j = 0; j < n; j++) {
		int64_t u = user[j], i = g->nu + item[j];
		float w = value ? value[j] : 1.0f;
		g->indices[fill[u]] = i;
		g->values[fill[u]++] = w;
		g->indices[fill[i]] = u;
		g->values[fill[i]++] = w;
	}
	for (int64_t x = 0; x < g->nodes; x++)
		sort_row(g->indices + g->indptr[x], g->values + g->indptr[x],
		         g->indptr[x + 1] - g->indptr[x]);
}

int
rec_graph_build(struct rec_graph **out, const struct rec_ratings *r,
                enum rec_graph_weight weight, struct rec_err *err)
{
	const int64_t nu = (int64_t)r->users.n, ni = (int64_t)r->items.n;
	int64_t rows = (int64_t)r->n, *fill = NULL;
	struct rec_graph *g;
	double *d = NULL;
	int rc = 0;

	*out = NULL;
	rec_dist_sum_i64(&rows, 1);   /* in a job, r is this rank's part */
	if (rows == 0)
		return rec_errf(err, NULL, 0, "no ratings to build a graph of");
	if (!(g = graph_alloc(nu, ni, 2 * (int64_t)r->n, weight, err)) ||
	    !(fill = rec_malloc_array((size_t)g->nodes + 1, sizeof *fill)) ||
	    !(d = rec_malloc_array((size_t)g->nodes + 1, sizeof *d)) ||
	    copy_ids(&g->users, r->users.ids, r->users.n) != 0 ||
	    copy_ids(&g->items, r->items.ids, r->items.n) != 0)
		rc = rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) == 0) {
		assemble(g, r->user, r->item,
		         weight == REC_GRAPH_RATING ? r->rating : NULL, r->n, fill);
		normalise(g, d);
		*out = g;
		g = NULL;
	}
	rec_free(fill);
	rec_free(d);
	rec_graph_free(g);
	return *out ? 0 : -1;
}

/* An edge of a job's graph on its way to rank 0: its user's row entry,
 * with the user's degree. */
struct edge {
	int32_t user, item;
	float value, degree;
};

/* Rank 0's gathering of the edges. */
struct gathering {
	struct edge *all;
	size_t n, cap;
};

static int
take_edges(void *ctx, int rank, const void *p, size_t n, struct rec_err *err)
{
	struct gathering *q = ctx;
	const size_t count = n / sizeof(struct edge);

	(void)rank;
	if (count > q->cap - q->n)
		return rec_errf(err, NULL, 0, "a rank sent more edges than the job has");
	memcpy(q->all + q->n, p, count * sizeof(struct edge));
	q->n += count;
	return 0;
}

int
rec_graph_gather(struct rec_graph **whole, const struct rec_graph *part,
                 struct rec_err *err)
{
	struct gathering q = { 0 };
	struct edge *mine = NULL;
	struct rec_graph *g = NULL;
	int32_t *user = NULL, *item = NULL;
	float *value = NULL;
	int64_t *fill = NULL, edges = 0;
	size_t n = 0;
	int rc = 0;

	*whole = NULL;
	for (int64_t u = 0; u < part->nu; u++)
		n += (size_t)(part->indptr[u + 1] - part->indptr[u]);
	edges = (int64_t)n;
	rec_dist_sum_i64(&edges, 1);
	if (!(mine = rec_malloc_array(n + 1, sizeof *mine)))
		rc = rec_erroom(err, NULL);
	else if (rec_dist_rank() == 0 &&
	         (!(g = graph_alloc(part->nu, part->ni, 2 * edges, part->weight, err)) ||
	          !(q.all = rec_malloc_array((size_t)edges + 1, sizeof *q.all)) ||
	          !(user = rec_malloc_array((size_t)edges + 1, sizeof *user)) ||
	          !(item = rec_malloc_array((size_t)edges + 1, sizeof *item)) ||
	          !(value = rec_malloc_array((size_t)edges + 1, sizeof *value)) ||
	          !(fill = rec_malloc_array((size_t)g->nodes + 1, sizeof *fill)) ||
	          copy_ids(&g->users, part->users.ids, part->users.n) != 0 ||
	          copy_ids(&g->items, part->items.ids, part->items.n) != 0))
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	n = 0;
	for (int64_t u = 0; u < part->nu; u++)
		for (int64_t e = part->indptr[u]; e < part->indptr[u + 1]; e++)
			mine[n++] = (struct edge){ (int32_t)u, (int32_t)(part->indices[e] - part->nu),
			                           part->values[e], part->degree[u] };
	q.cap = (size_t)edges;
	if ((rc = rec_dist_collect(mine, n * sizeof *mine, take_edges, &q, err)) != 0 ||
	    rec_dist_rank() > 0)
		goto out;
	for (size_t j = 0; j < q.n; j++) {
		user[j] = q.all[j].user;
		item[j] = q.all[j].item;
		value[j] = q.all[j].value;
	}
	assemble(g, user, item, value, q.n, fill);
	/* an item's degree is the job's on every rank; a user's its rank's */
	memcpy(g->degree + g->nu, part->degree + part->nu, (size_t)g->ni * sizeof *g->degree);
	for (size_t j = 0; j < q.n; j++)
		g->degree[q.all[j].user] = q.all[j].degree;
	*whole = g;
	g = NULL;
out:
	rec_free(mine);
	rec_free(q.all);
	rec_free(user);
	rec_free(item);
	rec_free(value);
	rec_free(fill);
	rec_graph_free(g);
	return rc;
}

/* ---- checking ---- */

/* The entry of column c in row r, or -1. */
static int64_t
find_entry(const int64_t *indptr, const int64_t *indices, int64_t r, int64_t c)
{
	int64_t lo = indptr[r], hi = indptr[r + 1];

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (indices[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < indptr[r + 1] && indices[lo] == c ? lo : -1;
}

int
rec_graph_check(int64_t nu, int64_t ni, const int64_t *indptr,
                const int64_t *indices, const float *values, int64_t nnz,
                const char *file, struct rec_err *err)
{
	const int64_t nodes = nu + ni;

	if (indptr[0] != 0)
		return rec_errf(err, file, 0, "indptr starts at %" PRId64 ", not 0", indptr[0]);
	for (int64_t r = 0; r < nodes; r++) {
		if (indptr[r + 1] < indptr[r])
			return rec_errf(err, file, 0, "indptr decreases at node %" PRId64, r + 1);
		if (indptr[r + 1] > nnz)
			return rec_errf(err, file, 0, "indptr of node %" PRId64 " is %" PRId64
			                ", past the %" PRId64 " entries", r + 1, indptr[r + 1], nnz);
		if (indptr[r + 1] == indptr[r])
			return rec_errf(err, file, 0, "node %" PRId64 " has no edge", r);
	}
	if (indptr[nodes] != nnz)
		return rec_errf(err, file, 0, "indptr ends at %" PRId64 ", not at the %"
		                PRId64 " entries", indptr[nodes], nnz);
	for (int64_t r = 0; r < nodes; r++) {
		int64_t lo = r < nu ? nu : 0, hi = r < nu ? nodes : nu;
		for (int64_t e = indptr[r]; e < indptr[r + 1]; e++) {
			if (indices[e] < lo || indices[e] >= hi)
				return rec_errf(err, file, 0, "node %" PRId64 ": column %" PRId64
				                " out of range [%" PRId64 ", %" PRId64 ")",
				                r, indices[e], lo, hi);
			if (e > indptr[r] && indices[e] <= indices[e - 1])
				return rec_errf(err, file, 0, "node %" PRId64 ": columns not "
				                "strictly increasing at entry %" PRId64, r, e);
			if (!(values[e] > 0) || !isfinite(values[e]))
				return rec_errf(err, file, 0, "entry %" PRId64 ": value %g is not "
				                "positive and finite", e, (double)values[e]);
		}
	}
	for (int64_t r = 0; r < nu; r++)
		for (int64_t e = indptr[r]; e < indptr[r + 1]; e++) {
			int64_t back = find_entry(indptr, indices, indices[e], r);
			if (back < 0)
				return rec_errf(err, file, 0, "edge (%" PRId64 ", %" PRId64
				                ") has no reverse", r, indices[e]);
			if (values[back] != values[e])
				return rec_errf(err, file, 0, "edge (%" PRId64 ", %" PRId64
				                ") has values %g and %g", r, indices[e],
				                (double)values[e], (double)values[back]);
		}
	if (indptr[nu] * 2 != nnz)
		return rec_errf(err, file, 0, "users hold %" PRId64 " of the %" PRId64
		                " entries, not half", indptr[nu], nnz);
	return 0;
}

/* ---- the file ---- */

static void
tensor(struct rec_tensor *t, const char *name, enum rec_dtype dt, int64_t n,
       const void *data)
{
	memset(t, 0, sizeof *t);
	snprintf(t->name, sizeof t->name, "%s", name);
	t->dtype = dt;
	t->ndim = 1;
	t->shape[0] = n;
	t->data = (void *)data;
	t->nbytes = (size_t)n * rec_st_dtype_size(dt);
}

int
rec_graph_save(const struct rec_graph *g, FILE *fp, const char *file,
               struct rec_err *err)
{
	struct rec_tensor t[6];
	char num[3][24];
	const char *key[] = { "format", "weight", "users", "items", "edges" };
	const char *val[5];

	snprintf(num[0], sizeof num[0], "%" PRId64, g->nu);
	snprintf(num[1], sizeof num[1], "%" PRId64, g->ni);
	snprintf(num[2], sizeof num[2], "%" PRId64, g->nnz / 2);
	val[0] = REC_GRAPH_FORMAT;
	val[1] = rec_graph_weight_name(g->weight);
	val[2] = num[0];
	val[3] = num[1];
	val[4] = num[2];
	tensor(&t[0], "user_ids", REC_I64, g->nu, g->users.ids);
	tensor(&t[1], "item_ids", REC_I64, g->ni, g->items.ids);
	tensor(&t[2], "indptr", REC_I64, g->nodes + 1, g->indptr);
	tensor(&t[3], "indices", REC_I64, g->nnz, g->indices);
	tensor(&t[4], "values", REC_F32, g->nnz, g->values);
	tensor(&t[5], "degree", REC_F32, g->nodes, g->degree);
	return rec_st_write(fp, file, t, 6, key, val, 5, err);
}

/* Load the ids of an I64 tensor into map: distinct, non-negative. */
static int
load_ids(struct rec_idmap *map, const struct rec_tensor *t, const char *file,
         struct rec_err *err)
{
	const int64_t *ids = t->data;
	int32_t ix;

	for (int64_t k = 0; k < t->shape[0]; k++) {
		if (ids[k] < 0)
			return rec_errf(err, file, 0, "tensor '%s': negative id %" PRId64,
			                t->name, ids[k]);
		if (rec_idmap_add(map, ids[k], &ix) != 0)
			return rec_erroom(err, file);
		if (ix != (int32_t)k)
			return rec_errf(err, file, 0, "tensor '%s': duplicate id %" PRId64,
			                t->name, ids[k]);
	}
	return 0;
}

/* Degree and values agree: each entry's weight w = value sqrt(d_r d_c)
 * is 1 (binary) or in [0.5, 5] (rating), and each row's weights add up
 * to its degree. */
static int
check_degrees(const struct rec_graph *g, const char *file, struct rec_err *err)
{
	for (int64_t r = 0; r < g->nodes; r++) {
		double sum = 0;
		if (!(g->degree[r] > 0))
			return rec_errf(err, file, 0, "node %" PRId64 ": degree %g is not "
			                "positive", r, (double)g->degree[r]);
		for (int64_t e = g->indptr[r]; e < g->indptr[r + 1]; e++) {
			double w = g->values[e] * sqrt((double)g->degree[r] *
			                               g->degree[g->indices[e]]);
			int ok = g->weight == REC_GRAPH_BINARY ? fabs(w - 1) <= 1e-4 :
			         w >= 0.5 - 1e-4 && w <= 5 + 1e-3;
			if (!ok)
				return rec_errf(err, file, 0, "entry %" PRId64 ": value %g does not "
				                "follow from the degrees (weight %g)", e,
				                (double)g->values[e], w);
			sum += w;
		}
		if (fabs(sum - g->degree[r]) > 1e-4 * g->degree[r])
			return rec_errf(err, file, 0, "node %" PRId64 ": degree %g, its edges "
			                "weigh %g", r, (double)g->degree[r], sum);
	}
	return 0;
}

int
rec_graph_from_st(struct rec_graph **out, const struct rec_st *st,
                  struct rec_err *err)
{
	const struct rec_tensor *uids, *iids, *ip, *ix, *vals, *deg;
	const char *file = st->name, *wname;
	enum rec_graph_weight weight;
	long users, items, edges;
	struct rec_graph *g;
	int64_t nu, ni, shape[1];

	*out = NULL;
	if (rec_st_expect(st, REC_GRAPH_FORMAT, NULL, err) != 0)
		return -1;
	if (!(wname = rec_st_meta(st, "weight")))
		return rec_errf(err, file, 0, "missing metadata 'weight'");
	if (rec_graph_weight_parse(&weight, wname) != 0)
		return rec_errf(err, file, 0, "metadata 'weight' = '%.40s' is not "
		                "'binary' or 'rating'", wname);
	if (rec_st_meta_count(&users, st, "users", 1, INT32_MAX, err) != 0 ||
	    rec_st_meta_count(&items, st, "items", 1, INT32_MAX, err) != 0 ||
	    rec_st_meta_count(&edges, st, "edges", 1, INT64_MAX / 4, err) != 0)
		return -1;
	nu = users;
	ni = items;
	shape[0] = nu;
	if (rec_st_tensor(&uids, st, "user_ids", REC_I64, 1, shape, err) != 0)
		return -1;
	shape[0] = ni;
	if (rec_st_tensor(&iids, st, "item_ids", REC_I64, 1, shape, err) != 0)
		return -1;
	shape[0] = nu + ni + 1;
	if (rec_st_tensor(&ip, st, "indptr", REC_I64, 1, shape, err) != 0)
		return -1;
	shape[0] = 2 * (int64_t)edges;
	if (rec_st_tensor(&ix, st, "indices", REC_I64, 1, shape, err) != 0 ||
	    rec_st_tensor(&vals, st, "values", REC_F32, 1, shape, err) != 0)
		return -1;
	shape[0] = nu + ni;
	if (rec_st_tensor(&deg, st, "degree", REC_F32, 1, shape, err) != 0)
		return -1;
	if (st->nt != 6)
		return rec_errf(err, file, 0, "%zu tensors, expected 6", st->nt);
	if (rec_graph_check(nu, ni, ip->data, ix->data, vals->data, 2 * (int64_t)edges,
	                    file, err) != 0)
		return -1;
	if (!(g = graph_alloc(nu, ni, 2 * (int64_t)edges, weight, err))) {
		rec_erroom(err, file);
		return -1;
	}
	memcpy(g->indptr, ip->data, ip->nbytes);
	memcpy(g->indices, ix->data, ix->nbytes);
	memcpy(g->values, vals->data, vals->nbytes);
	memcpy(g->degree, deg->data, deg->nbytes);
	if (load_ids(&g->users, uids, file, err) != 0 ||
	    load_ids(&g->items, iids, file, err) != 0 ||
	    check_degrees(g, file, err) != 0) {
		rec_graph_free(g);
		return -1;
	}
	*out = g;
	return 0;
}

int
rec_graph_load(struct rec_graph **out, FILE *fp, const char *file,
               struct rec_err *err)
{
	struct rec_st *st = NULL;
	int rc;

	*out = NULL;
	if (rec_st_load_fp(&st, fp, file, err) != 0)
		return -1;
	rc = rec_graph_from_st(out, st, err);
	rec_st_free(st);
	return rc;
}

/* ---- matching a graph to ratings ---- */

/* to[k] = the index in dst of the k-th id of src, after checking both
 * maps hold the same ids (what: "user", "item"). */
static int
map_ids(int64_t *to, const struct rec_idmap *src, const struct rec_idmap *dst,
        const char *what, const char *file, struct rec_err *err)
{
	if (src->n != dst->n)
		return rec_errf(err, file, 0, "graph has %zu %ss, the ratings %zu",
		                src->n, what, dst->n);
	for (size_t k = 0; k < dst->n; k++)
		if (rec_idmap_find(src, dst->ids[k]) < 0)
			return rec_errf(err, file, 0, "%s %" PRId64 " of the ratings is not "
			                "in the graph", what, dst->ids[k]);
	for (size_t k = 0; k < src->n; k++)
		to[k] = rec_idmap_find(dst, src->ids[k]);
	return 0;
}

int
rec_graph_match(struct rec_graph **out, const struct rec_graph *g,
                const struct rec_ratings *r, const char *file,
                struct rec_err *err)
{
	struct rec_graph *h = NULL;
	int64_t *to = NULL, *from = NULL;
	int rc = -1;

	*out = NULL;
	if (!(to = rec_malloc_array((size_t)g->nodes, sizeof *to)) ||
	    !(from = rec_malloc_array((size_t)g->nodes, sizeof *from))) {
		rec_erroom(err, NULL);
		goto out;
	}
	/* to: old node -> new node; from: its inverse */
	if (map_ids(to, &g->users, &r->users, "user", file, err) != 0 ||
	    map_ids(to + g->nu, &g->items, &r->items, "item", file, err) != 0)
		goto out;
	for (int64_t n = g->nu; n < g->nodes; n++)
		to[n] += g->nu;
	if (g->nnz != 2 * (int64_t)r->n) {
		rec_errf(err, file, 0, "graph has %" PRId64 " edges, the ratings %zu",
		         g->nnz / 2, r->n);
		goto out;
	}
	for (int64_t n = 0; n < g->nodes; n++)
		from[to[n]] = n;
	if (!(h = graph_alloc(g->nu, g->ni, g->nnz, g->weight, err)) ||
	    copy_ids(&h->users, r->users.ids, r->users.n) != 0 ||
	    copy_ids(&h->items, r->items.ids, r->items.n) != 0) {
		rec_erroom(err, NULL);
		goto out;
	}
	h->indptr[0] = 0;
	for (int64_t n = 0; n < h->nodes; n++) {
		int64_t o = from[n], len = g->indptr[o + 1] - g->indptr[o];
		int64_t beg = h->indptr[n];
		for (int64_t e = 0; e < len; e++) {
			h->indices[beg + e] = to[g->indices[g->indptr[o] + e]];
			h->values[beg + e] = g->values[g->indptr[o] + e];
		}
		sort_row(h->indices + beg, h->values + beg, len);
		h->indptr[n + 1] = beg + len;
		h->degree[n] = g->degree[o];
	}
	for (size_t j = 0; j < r->n; j++)
		if (find_entry(h->indptr, h->indices, r->user[j], h->nu + r->item[j]) < 0) {
			rec_errf(err, file, 0, "rating of user %" PRId64 " for item %" PRId64
			         " is not an edge of the graph", r->users.ids[r->user[j]],
			         r->items.ids[r->item[j]]);
			goto out;
		}
	*out = h;
	h = NULL;
	rc = 0;
out:
	rec_graph_free(h);
	rec_free(to);
	rec_free(from);
	return rc;
}

/* ---- statistics and the sample ---- */

/* The first m of a random permutation of 0..n-1 (partial Fisher-Yates),
 * sorted. */
static int64_t *
draw(struct rec_rng *rng, int64_t n, int64_t m)
{
	int64_t *a = rec_malloc_array((size_t)n + 1, sizeof *a);

	if (!a)
		return NULL;
	for (int64_t j = 0; j < n; j++)
		a[j] = j;
	for (int64_t j = 0; j < m; j++) {
		int64_t s = j + (int64_t)rec_rng_below(rng, (uint64_t)(n - j));
		int64_t t = a[j];
		a[j] = a[s];
		a[s] = t;
	}
	qsort(a, (size_t)m, sizeof *a, cmp_i64);
	return a;
}

int
rec_graph_sample(const struct rec_graph *g, int64_t su, int64_t si,
                 uint64_t seed, int64_t **user, int64_t *nu, int64_t **item,
                 int64_t *ni, struct rec_err *err)
{
	struct rec_rng rng;

	rec_rng_seed(&rng, seed);
	*nu = su < g->nu ? su : g->nu;
	*ni = si < g->ni ? si : g->ni;
	*item = NULL;
	if (!(*user = draw(&rng, g->nu, *nu)) || !(*item = draw(&rng, g->ni, *ni))) {
		rec_free(*user);
		*user = NULL;
		return rec_erroom(err, NULL);
	}
	return 0;
}

/* Degree statistics of the n rows from first (deg: scratch of n). */
static void
degree_stats(const struct rec_graph *g, int64_t first, int64_t n, int64_t *deg,
             struct rec_degree_stats *s)
{
	double sum = 0, acc = 0;

	for (int64_t j = 0; j < n; j++) {
		deg[j] = g->indptr[first + j + 1] - g->indptr[first + j];
		sum += (double)deg[j];
	}
	qsort(deg, (size_t)n, sizeof *deg, cmp_i64);
	s->min = deg[0];
	s->max = deg[n - 1];
	s->mean = sum / (double)n;
	s->median = n % 2 ? (double)deg[n / 2] : (deg[n / 2 - 1] + deg[n / 2]) / 2.0;
	for (int64_t j = 0; j < n; j++)
		acc += (double)(2 * (j + 1) - n - 1) * (double)deg[j];
	s->gini = acc / ((double)n * sum);
}

/* The edges among the sampled users and items; in[] marks the sampled
 * items (scratch of g->ni). */
static int64_t
sample_edges(const struct rec_graph *g, const int64_t *user, int64_t nu,
             const int64_t *item, int64_t ni, uint8_t *in)
{
	int64_t count = 0;

	memset(in, 0, (size_t)g->ni);
	for (int64_t j = 0; j < ni; j++)
		in[item[j]] = 1;
	for (int64_t j = 0; j < nu; j++)
		for (int64_t e = g->indptr[user[j]]; e < g->indptr[user[j] + 1]; e++)
			count += in[g->indices[e] - g->nu];
	return count;
}

int
rec_graph_stats(const struct rec_graph *g, int64_t su, int64_t si,
                uint64_t seed, struct rec_graph_stats *s, struct rec_err *err)
{
	int64_t *deg, *user = NULL, *item = NULL;
	uint8_t *in;

	if (!(deg = rec_malloc_array((size_t)g->nodes, sizeof *deg)))
		return rec_erroom(err, NULL);
	if (!(in = rec_malloc((size_t)g->ni)) ||
	    rec_graph_sample(g, su, si, seed, &user, &s->sample_users, &item,
	                     &s->sample_items, err) != 0) {
		rec_free(deg);
		rec_free(in);
		return rec_erroom(err, NULL);
	}
	s->users = g->nu;
	s->items = g->ni;
	s->edges = g->nnz / 2;
	s->density = (double)s->edges / ((double)g->nu * (double)g->ni);
	s->sparsity = 1 - s->density;
	degree_stats(g, 0, g->nu, deg, &s->user);
	degree_stats(g, g->nu, g->ni, deg, &s->item);
	s->sample_edges = sample_edges(g, user, s->sample_users, item,
	                               s->sample_items, in);
	s->sample_sparsity = 1 - (double)s->sample_edges /
	                     ((double)s->sample_users * (double)s->sample_items);
	rec_free(deg);
	rec_free(in);
	rec_free(user);
	rec_free(item);
	return 0;
}

int
rec_graph_write_dot(const struct rec_graph *g, int64_t su, int64_t si,
                    uint64_t seed, FILE *fp, const char *file,
                    struct rec_err *err)
{
	int64_t *user = NULL, *item = NULL, nu, ni;
	uint8_t *in;

	if (!(in = rec_malloc((size_t)g->ni)))
		return rec_erroom(err, NULL);
	if (rec_graph_sample(g, su, si, seed, &user, &nu, &item, &ni, err) != 0) {
		rec_free(in);
		return -1;
	}
	memset(in, 0, (size_t)g->ni);
	for (int64_t j = 0; j < ni; j++)
		in[item[j]] = 1;
	fprintf(fp, "graph ratings {\n"
	        "\tgraph [rankdir=LR, ranksep=3, nodesep=0.05];\n"
	        "\tnode [shape=circle, style=filled, label=\"\", width=0.12];\n"
	        "\tedge [color=\"#00000040\"];\n");
	for (int64_t j = 0; j < nu; j++)
		fprintf(fp, "\tu%" PRId64 " [fillcolor=\"#1f77b4\", tooltip=\"user %"
		        PRId64 "\"];\n", g->users.ids[user[j]], g->users.ids[user[j]]);
	for (int64_t j = 0; j < ni; j++)
		fprintf(fp, "\tm%" PRId64 " [fillcolor=\"#ff7f0e\", tooltip=\"movie %"
		        PRId64 "\"];\n", g->items.ids[item[j]], g->items.ids[item[j]]);
	/* users in the first column, movies in the last, with or without
	 * edges */
	fputs("\t{ rank=min;", fp);
	for (int64_t j = 0; j < nu; j++)
		fprintf(fp, " u%" PRId64 ";", g->users.ids[user[j]]);
	fputs(" }\n\t{ rank=max;", fp);
	for (int64_t j = 0; j < ni; j++)
		fprintf(fp, " m%" PRId64 ";", g->items.ids[item[j]]);
	fputs(" }\n", fp);
	for (int64_t j = 0; j < nu; j++)
		for (int64_t e = g->indptr[user[j]]; e < g->indptr[user[j] + 1]; e++)
			if (in[g->indices[e] - g->nu])
				fprintf(fp, "\tu%" PRId64 " -- m%" PRId64 ";\n",
				        g->users.ids[user[j]],
				        g->items.ids[g->indices[e] - g->nu]);
	fputs("}\n", fp);
	rec_free(in);
	rec_free(user);
	rec_free(item);
	if (ferror(fp))
		return rec_errsys(err, file);
	return 0;
}

/* ---- propagation ---- */

/* The product works on blocks of 64, then 16 columns, as vectors of 16
 * floats (vector.h), whose accumulators stay in registers across a row's
 * entries: two sets, for the even and the odd entries, so that two
 * chains of additions run at once; then the remaining columns one at a
 * time, the same way.  Without 16-float registers (vec_wide) the blocks
 * are of 32, then 8 columns, in vectors of 8: sixteen 16-float
 * accumulators would not fit AVX2's sixteen 8-float registers.  Each
 * output element is (y or 0) + its even entries' products in order, plus
 * its odd entries' products in order, with no fused multiply-add (ISO C:
 * contraction off), on every path and every thread, so neither the
 * blocking, the instruction set nor the threads change a result. */
static inline __attribute__((always_inline)) void
spmm_block8(float *restrict out, int add, int64_t beg, int64_t end,
            const int64_t *indices, const float *values,
            const float *restrict x, int k, int c, const int nv)
{
	v8 even[4] = { { 0 } }, odd[4] = { { 0 } };
	int64_t e = beg;

	if (add)
		for (int t = 0; t < nv; t++)
			memcpy(&even[t], out + c + 8 * t, sizeof even[t]);
	for (; e + 1 < end; e += 2) {
		const float *in0 = x + (size_t)indices[e] * k + c;
		const float *in1 = x + (size_t)indices[e + 1] * k + c;
		const float v0 = values[e], v1 = values[e + 1];
		for (int t = 0; t < nv; t++) {
			v8 a0, a1;
			memcpy(&a0, in0 + 8 * t, sizeof a0);
			memcpy(&a1, in1 + 8 * t, sizeof a1);
			even[t] += v0 * a0;
			odd[t] += v1 * a1;
		}
	}
	if (e < end)
		for (int t = 0; t < nv; t++) {
			v8 a;
			memcpy(&a, x + (size_t)indices[e] * k + c + 8 * t, sizeof a);
			even[t] += values[e] * a;
		}
	for (int t = 0; t < nv; t++) {
		even[t] += odd[t];
		memcpy(out + c + 8 * t, &even[t], sizeof even[t]);
	}
}

/* spmm_block8's in 16-float vectors. */
static inline __attribute__((always_inline)) void
spmm_block(float *restrict out, int add, int64_t beg, int64_t end,
           const int64_t *indices, const float *values,
           const float *restrict x, int k, int c, const int nv)
{
	v16 even[4] = { { 0 } }, odd[4] = { { 0 } };
	int64_t e = beg;

	if (add)
		for (int t = 0; t < nv; t++)
			memcpy(&even[t], out + c + 16 * t, sizeof even[t]);
	for (; e + 1 < end; e += 2) {
		const float *in0 = x + (size_t)indices[e] * k + c;
		const float *in1 = x + (size_t)indices[e + 1] * k + c;
		const float v0 = values[e], v1 = values[e + 1];
		for (int t = 0; t < nv; t++) {
			v16 a0, a1;
			memcpy(&a0, in0 + 16 * t, sizeof a0);
			memcpy(&a1, in1 + 16 * t, sizeof a1);
			even[t] += v0 * a0;
			odd[t] += v1 * a1;
		}
	}
	if (e < end)
		for (int t = 0; t < nv; t++) {
			v16 a;
			memcpy(&a, x + (size_t)indices[e] * k + c + 16 * t, sizeof a);
			even[t] += values[e] * a;
		}
	for (int t = 0; t < nv; t++) {
		even[t] += odd[t];
		memcpy(out + c + 16 * t, &even[t], sizeof even[t]);
	}
}

VECTOR_CLONES static void
spmm_rows(float *restrict y, int add, const int64_t *indptr,
          const int64_t *indices, const float *values, const float *restrict x,
          int64_t rows, int k)
{
	const int wide = vec_wide();

	for (int64_t r = 0; r < rows; r++) {
		float *restrict out = y + (size_t)r * k;
		const int64_t beg = indptr[r], end = indptr[r + 1];
		int c = 0;
		if (wide) {
			for (; c + 64 <= k; c += 64)
				spmm_block(out, add, beg, end, indices, values, x, k, c, 4);
			for (; c + 16 <= k; c += 16)
				spmm_block(out, add, beg, end, indices, values, x, k, c, 1);
		} else {
			for (; c + 32 <= k; c += 32)
				spmm_block8(out, add, beg, end, indices, values, x, k, c, 4);
			for (; c + 8 <= k; c += 8)
				spmm_block8(out, add, beg, end, indices, values, x, k, c, 1);
		}
		for (; c < k; c++) {
			float even = add ? out[c] : 0, odd = 0;
			int64_t e = beg;
			for (; e + 1 < end; e += 2) {
				even += values[e] * x[(size_t)indices[e] * k + c];
				odd += values[e + 1] * x[(size_t)indices[e + 1] * k + c];
			}
			if (e < end)
				even += values[e] * x[(size_t)indices[e] * k + c];
			out[c] = even + odd;
		}
	}
}

struct spmm_job {
	float *y;
	int add, k;
	const int64_t *indptr, *indices;
	const float *values, *x;
	int64_t rows;
	int parts;
};

/* The first row whose entries start at or after entry e. */
static int64_t
row_at(const int64_t *indptr, int64_t rows, int64_t e)
{
	int64_t lo = 0, hi = rows;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;
		if (indptr[mid] < e)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Part t: the rows whose entries start in [beg, end) (the last part also
 * takes any empty rows at the end), so parts get equal numbers of
 * entries, not of rows. */
static void
spmm_part(void *arg, size_t beg, size_t end, int t)
{
	const struct spmm_job *j = arg;
	int64_t r0 = row_at(j->indptr, j->rows, (int64_t)beg);
	int64_t r1 = t == j->parts - 1 ? j->rows : row_at(j->indptr, j->rows, (int64_t)end);

	if (r1 <= r0)
		return;
	spmm_rows(j->y + (size_t)r0 * j->k, j->add, j->indptr + r0, j->indices,
	          j->values, j->x, r1 - r0, j->k);
}

void
rec_spmm(float *y, int add, const int64_t *indptr, const int64_t *indices,
         const float *values, const float *x, int64_t rows, int k, int threads)
{
	struct spmm_job j = { y, add, k, indptr, indices, values, x, rows,
	                      threads < 1 ? 1 : threads };

	if (j.parts == 1)
		spmm_part(&j, 0, (size_t)indptr[rows], 0);
	else
		rec_parallel_for((size_t)indptr[rows], j.parts, spmm_part, &j);
}
