/* t_graph.c - the bipartite graph: its CSR and normalisation on a toy,
 * a job's gather (one process: a copy), the checks of the file reader (one fault each), save -> load, matching
 * to ratings, statistics, and the sparse products against a dense
 * reference and central differences (tiny odd sizes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "rec/graph.h"
#include "rec/rng.h"

/* 3 users x 4 items, 7 ratings; user 10 rates 3 items, item 22 is rated
 * by everyone. */
static struct rec_ratings *
toy(void)
{
	static const int64_t rows[][2] = { { 10, 20 }, { 10, 22 }, { 11, 22 },
		{ 12, 21 }, { 12, 22 }, { 10, 23 }, { 11, 23 } };
	static const float stars[] = { 4, 3, 5, 1, 2, 0.5f, 4.5f };
	struct rec_ratings *r = rec_ratings_new();

	for (size_t j = 0; j < sizeof rows / sizeof rows[0]; j++)
		rec_ratings_push(r, rows[j][0], rows[j][1], stars[j], 0, (long)j + 1, NULL);
	return r;
}

TEST(graph_build_csr_and_normalisation)
{
	struct rec_ratings *r = toy();
	struct rec_graph *g = NULL, *w = NULL;
	/* nodes: users 0-2 (10, 11, 12), items 3-6 (20, 22, 21, 23) */
	static const int64_t indptr[] = { 0, 3, 5, 7, 8, 11, 12, 14 };
	static const int64_t indices[] = { 3, 4, 6, 4, 6, 4, 5, 0, 0, 1, 2, 2, 0, 1 };
	static const float deg[] = { 3, 2, 2, 1, 3, 1, 2 };

	CHECK(rec_graph_build(&g, r, REC_GRAPH_BINARY, NULL) == 0);
	CHECK(g->nu == 3 && g->ni == 4 && g->nodes == 7 && g->nnz == 14);
	CHECK(memcmp(g->indptr, indptr, sizeof indptr) == 0);
	CHECK(memcmp(g->indices, indices, sizeof indices) == 0);
	CHECK(memcmp(g->degree, deg, sizeof deg) == 0);
	for (int64_t n = 0; n < g->nodes; n++)
		for (int64_t e = g->indptr[n]; e < g->indptr[n + 1]; e++)
			CHECK_NEAR(g->values[e], 1 / sqrt(deg[n] * deg[g->indices[e]]), 1e-7);
	CHECK(rec_graph_check(3, 4, g->indptr, g->indices, g->values, 14, "g", NULL) == 0);
	/* rating weights: (10, 22) weighs 3, user 10's degree 4 + 3 + 0.5 */
	CHECK(rec_graph_build(&w, r, REC_GRAPH_RATING, NULL) == 0);
	CHECK(w->degree[0] == 7.5f && w->degree[4] == 10.0f);
	CHECK_NEAR(w->values[1], 3 / sqrt(7.5 * 10), 1e-7);
	rec_graph_free(g);
	rec_graph_free(w);
	rec_ratings_free(r);
}

/* The graph a job's rank 0 gathers is the one of the parts; in one
 * process, the part itself: the same CSR, values, degrees and ids. */
TEST(graph_gather_of_one_process_is_a_copy)
{
	struct rec_ratings *r = toy();

	for (int w = 0; w < 2; w++) {
		struct rec_graph *g = NULL, *all = NULL;
		CHECK(rec_graph_build(&g, r, w ? REC_GRAPH_RATING : REC_GRAPH_BINARY, NULL) == 0);
		CHECK(rec_graph_gather(&all, g, NULL) == 0);
		CHECK(all && all->weight == g->weight && all->nu == g->nu &&
		      all->ni == g->ni && all->nnz == g->nnz);
		CHECK(memcmp(all->indptr, g->indptr, (size_t)(g->nodes + 1) * sizeof *g->indptr) == 0);
		CHECK(memcmp(all->indices, g->indices, (size_t)g->nnz * sizeof *g->indices) == 0);
		CHECK(memcmp(all->values, g->values, (size_t)g->nnz * sizeof *g->values) == 0);
		CHECK(memcmp(all->degree, g->degree, (size_t)g->nodes * sizeof *g->degree) == 0);
		CHECK(all->users.n == g->users.n && all->items.n == g->items.n);
		CHECK(memcmp(all->users.ids, g->users.ids, g->users.n * sizeof *g->users.ids) == 0);
		CHECK(memcmp(all->items.ids, g->items.ids, g->items.n * sizeof *g->items.ids) == 0);
		rec_graph_free(g);
		rec_graph_free(all);
	}
	rec_ratings_free(r);
}

static char *
save(const struct rec_graph *g, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(rec_graph_save(g, fp, "g.st", NULL) == 0);
	fclose(fp);
	return buf;
}

TEST(graph_save_load_round_trip)
{
	struct rec_ratings *r = toy();
	struct rec_graph *g = NULL, *back = NULL;
	struct rec_err err = { 0 };
	size_t len, len2;
	char *a, *b;

	for (int w = 0; w < 2; w++) {
		CHECK(rec_graph_build(&g, r, w ? REC_GRAPH_RATING : REC_GRAPH_BINARY, NULL) == 0);
		a = save(g, &len);
		FILE *fp = fmemopen(a, len, "r");
		CHECK(rec_graph_load(&back, fp, "g.st", &err) == 0);
		fclose(fp);
		CHECK(back && back->weight == g->weight && back->nnz == g->nnz);
		b = save(back, &len2);
		CHECK(len == len2 && memcmp(a, b, len) == 0);
		free(a);
		free(b);
		rec_graph_free(g);
		rec_graph_free(back);
	}
	rec_ratings_free(r);
}

/* A copy of the toy graph's arrays, for breaking one thing at a time. */
struct arrays {
	int64_t indptr[8], indices[14];
	float values[14];
};

static const char *
check_msg(const struct arrays *a)
{
	static struct rec_err err;

	memset(&err, 0, sizeof err);
	if (rec_graph_check(3, 4, a->indptr, a->indices, a->values, 14, "g.st", &err) == 0)
		return "";
	return err.msg;
}

TEST(graph_check_rejects_each_fault)
{
	struct rec_ratings *r = toy();
	struct rec_graph *g = NULL;
	struct arrays good, a;

	CHECK(rec_graph_build(&g, r, REC_GRAPH_BINARY, NULL) == 0);
	memcpy(good.indptr, g->indptr, sizeof good.indptr);
	memcpy(good.indices, g->indices, sizeof good.indices);
	memcpy(good.values, g->values, sizeof good.values);
	CHECK(strcmp(check_msg(&good), "") == 0);
	a = good;
	a.indptr[0] = 1;
	CHECK(strcmp(check_msg(&a), "indptr starts at 1, not 0") == 0);
	a = good;
	a.indptr[2] = 2;
	CHECK(strcmp(check_msg(&a), "indptr decreases at node 2") == 0);
	a = good;
	a.indptr[2] = 3;
	CHECK(strcmp(check_msg(&a), "node 1 has no edge") == 0);
	a = good;
	a.indptr[7] = 20;
	CHECK(strcmp(check_msg(&a), "indptr of node 7 is 20, past the 14 entries") == 0);
	a = good;
	a.indptr[7] = 13;
	CHECK(strcmp(check_msg(&a), "indptr ends at 13, not at the 14 entries") == 0);
	a = good;
	a.indices[0] = 1;   /* a user row pointing at a user */
	CHECK(strcmp(check_msg(&a), "node 0: column 1 out of range [3, 7)") == 0);
	a = good;
	a.indices[7] = 99;
	CHECK(strcmp(check_msg(&a), "node 3: column 99 out of range [0, 3)") == 0);
	a = good;
	a.indices[1] = 3;   /* a repeated column */
	CHECK(strcmp(check_msg(&a), "node 0: columns not strictly increasing at entry 1") == 0);
	a = good;
	a.values[5] = -1;
	CHECK(strncmp(check_msg(&a), "entry 5: value -1 is not positive", 33) == 0);
	a = good;
	a.indices[2] = 5;   /* (0, 5) instead of (0, 6): item 5 has no such edge */
	CHECK(strcmp(check_msg(&a), "edge (0, 5) has no reverse") == 0);
	a = good;
	a.values[0] = 0.25f;
	CHECK(strncmp(check_msg(&a), "edge (0, 3) has values 0.25 and", 31) == 0);
	rec_graph_free(g);
	rec_ratings_free(r);
}

TEST(graph_load_checks_degrees)
{
	struct rec_ratings *r = toy();
	struct rec_graph *g = NULL, *back = NULL;
	struct rec_err err = { 0 };
	size_t len;
	char *a;
	FILE *fp;

	CHECK(rec_graph_build(&g, r, REC_GRAPH_BINARY, NULL) == 0);
	g->degree[1] = 3;   /* node 1 has two edges of weight 1 */
	a = save(g, &len);
	fp = fmemopen(a, len, "r");
	CHECK(rec_graph_load(&back, fp, "g.st", &err) == -1 && !back);
	fclose(fp);
	CHECK(strncmp(err.msg, "entry 3: value", 14) == 0);
	free(a);
	g->degree[1] = 2;
	g->weight = REC_GRAPH_RATING;   /* binary values are valid ratings of 1... */
	a = save(g, &len);
	fp = fmemopen(a, len, "r");
	CHECK(rec_graph_load(&back, fp, "g.st", &err) == 0);
	fclose(fp);
	rec_graph_free(back);
	free(a);
	rec_graph_free(g);
	rec_ratings_free(r);
}

TEST(graph_match_renumbers_and_names_the_difference)
{
	struct rec_ratings *r = toy(), *s = rec_ratings_new(), *t;
	struct rec_graph *g = NULL, *h = NULL;
	struct rec_err err = { 0 };

	CHECK(rec_graph_build(&g, r, REC_GRAPH_RATING, NULL) == 0);
	/* the same ratings in reverse order: other dense indices */
	for (size_t j = r->n; j-- > 0;)
		rec_ratings_push(s, r->users.ids[r->user[j]], r->items.ids[r->item[j]],
		                 r->rating[j], 0, (long)(r->n - j), NULL);
	CHECK(rec_graph_match(&h, g, s, "g.st", &err) == 0);
	if (h) {
		struct rec_graph *direct = NULL;
		CHECK(rec_graph_build(&direct, s, REC_GRAPH_RATING, NULL) == 0);
		CHECK(memcmp(h->indptr, direct->indptr, 8 * sizeof(int64_t)) == 0);
		CHECK(memcmp(h->indices, direct->indices, 14 * sizeof(int64_t)) == 0);
		CHECK(memcmp(h->values, direct->values, 14 * sizeof(float)) == 0);
		CHECK(memcmp(h->degree, direct->degree, 7 * sizeof(float)) == 0);
		CHECK(h->users.ids[0] == 11 && h->items.ids[0] == 23);
		rec_graph_free(direct);
		rec_graph_free(h);
	}
	/* one user more */
	t = toy();
	rec_ratings_push(t, 13, 20, 3, 0, 8, NULL);
	CHECK(rec_graph_match(&h, g, t, "g.st", &err) == -1 && !h);
	CHECK(strcmp(err.msg, "graph has 3 users, the ratings 4") == 0);
	rec_ratings_free(t);
	/* another user id */
	t = rec_ratings_new();
	for (size_t j = 0; j < r->n; j++)
		rec_ratings_push(t, r->users.ids[r->user[j]] == 12 ? 99 : r->users.ids[r->user[j]],
		                 r->items.ids[r->item[j]], 3, 0, (long)j + 1, NULL);
	CHECK(rec_graph_match(&h, g, t, "g.st", &err) == -1);
	CHECK(strcmp(err.msg, "user 99 of the ratings is not in the graph") == 0);
	rec_ratings_free(t);
	/* one rating fewer */
	t = rec_ratings_new();
	for (size_t j = 0; j + 1 < r->n; j++)
		rec_ratings_push(t, r->users.ids[r->user[j]], r->items.ids[r->item[j]], 3, 0,
		                 (long)j + 1, NULL);
	rec_ratings_push(t, 11, 20, 3, 0, 7, NULL);   /* instead of (11, 23) */
	CHECK(rec_graph_match(&h, g, t, "g.st", &err) == -1);
	CHECK(strcmp(err.msg, "rating of user 11 for item 20 is not an edge of the graph") == 0);
	rec_ratings_push(t, 11, 23, 3, 0, 8, NULL);
	CHECK(rec_graph_match(&h, g, t, "g.st", &err) == -1);
	CHECK(strcmp(err.msg, "graph has 7 edges, the ratings 8") == 0);
	rec_ratings_free(t);
	rec_graph_free(g);
	rec_ratings_free(r);
	rec_ratings_free(s);
}

TEST(graph_stats_and_sample)
{
	struct rec_ratings *r = toy();
	struct rec_graph *g = NULL;
	struct rec_graph_stats s;
	int64_t *u = NULL, *i = NULL, nu, ni;
	char *dot = NULL;
	size_t len;
	FILE *fp;

	CHECK(rec_graph_build(&g, r, REC_GRAPH_BINARY, NULL) == 0);
	CHECK(rec_graph_stats(g, 100, 500, 1, &s, NULL) == 0);
	CHECK(s.users == 3 && s.items == 4 && s.edges == 7);
	CHECK_NEAR(s.density, 7.0 / 12, 1e-12);
	CHECK_NEAR(s.sparsity, 5.0 / 12, 1e-12);
	/* user degrees 3 2 2; item degrees 1 3 1 2 */
	CHECK(s.user.min == 2 && s.user.max == 3 && s.user.median == 2);
	CHECK_NEAR(s.user.mean, 7.0 / 3, 1e-12);
	CHECK_NEAR(s.user.gini, (-2 * 2 + 0 * 2 + 2 * 3) / (3.0 * 7), 1e-12);
	CHECK(s.item.min == 1 && s.item.max == 3 && s.item.median == 1.5);
	CHECK_NEAR(s.item.gini, (-3 * 1 - 1 * 1 + 1 * 2 + 3 * 3) / (4.0 * 7), 1e-12);
	/* the sample takes everything when the sides are small */
	CHECK(s.sample_users == 3 && s.sample_items == 4 && s.sample_edges == 7);
	CHECK_NEAR(s.sample_sparsity, s.sparsity, 1e-12);
	/* 2 of 3 users and 2 of 4 items: distinct, sorted, and the same
	 * for the same seed */
	CHECK(rec_graph_sample(g, 2, 2, 5, &u, &nu, &i, &ni, NULL) == 0);
	CHECK(nu == 2 && ni == 2 && u[0] < u[1] && i[0] < i[1] && u[1] < 3 && i[1] < 4);
	{
		int64_t *u2 = NULL, *i2 = NULL, nu2, ni2;
		CHECK(rec_graph_sample(g, 2, 2, 5, &u2, &nu2, &i2, &ni2, NULL) == 0);
		CHECK(u2[0] == u[0] && u2[1] == u[1] && i2[0] == i[0] && i2[1] == i[1]);
		rec_free(u2);
		rec_free(i2);
	}
	rec_free(u);
	rec_free(i);
	fp = open_memstream(&dot, &len);
	CHECK(rec_graph_write_dot(g, 100, 500, 1, fp, "g.dot", NULL) == 0);
	fclose(fp);
	CHECK(strncmp(dot, "graph ratings {\n", 16) == 0);
	CHECK(strstr(dot, "\tu10 -- m23;\n") != NULL);
	CHECK(strstr(dot, "\tm21 [fillcolor=") != NULL);
	free(dot);
	rec_graph_free(g);
	rec_ratings_free(r);
}

TEST(graph_oom_loop)
{
	struct rec_ratings *r = toy(), *s = toy();

	for (long n = 0; n < 10000; n++) {
		struct rec_err err = { 0 };
		struct rec_graph *g = NULL, *back = NULL, *h = NULL, *all = NULL;
		struct rec_graph_stats st;
		char *buf = NULL;
		size_t len = 0;
		int rc;

		rec_alloc_fail_after(n, 1);
		rc = rec_graph_build(&g, r, REC_GRAPH_BINARY, &err);
		if (rc == 0) {
			FILE *fp = open_memstream(&buf, &len);
			rec_alloc_fail_after(-1, 0);   /* the stream's own buffer */
			rec_alloc_fail_after(n, 1);
			rc = rec_graph_save(g, fp, "g.st", &err);
			fclose(fp);
		}
		if (rc == 0) {
			FILE *fp = fmemopen(buf, len, "r");
			rc = rec_graph_load(&back, fp, "g.st", &err);
			fclose(fp);
		}
		if (rc == 0)
			rc = rec_graph_match(&h, back, s, "g.st", &err);
		if (rc == 0)
			rc = rec_graph_stats(h, 2, 2, 1, &st, &err);
		if (rc == 0)
			rc = rec_graph_gather(&all, g, &err);
		rec_alloc_fail_after(-1, 0);
		rec_graph_free(all);
		rec_graph_free(g);
		rec_graph_free(back);
		rec_graph_free(h);
		free(buf);
		if (rc == 0)
			break;
		CHECK(strcmp(err.msg, "out of memory") == 0);
	}
	rec_ratings_free(r);
	rec_ratings_free(s);
}

/* ---- the sparse products ---- */

/* A random 5 x 6 sparse matrix (about half full, every row non-empty),
 * and the same as a dense array. */
struct sp {
	int64_t indptr[7], indices[36];
	float values[36], dense[6][6];
};

static void
random_sparse(struct sp *a, struct rec_rng *rng)
{
	int64_t nnz = 0;

	memset(a, 0, sizeof *a);
	for (int r = 0; r < 5; r++) {
		a->indptr[r] = nnz;
		for (int c = 0; c < 6; c++)
			if (c == r || rec_rng_uniform(rng) < 0.5f) {
				a->indices[nnz] = c;
				a->values[nnz] = rec_rng_uniform(rng) * 2 - 1;
				a->dense[r][c] = a->values[nnz++];
			}
	}
	a->indptr[5] = nnz;
}

/* A symmetric 6 x 6 matrix: the upper triangle and the diagonal at
 * random, mirrored. */
static void
random_symmetric(struct sp *a, struct rec_rng *rng)
{
	float v[6][6] = { { 0 } };
	int64_t nnz = 0;

	for (int r = 0; r < 6; r++)
		for (int c = r; c < 6; c++)
			if (c == r || rec_rng_uniform(rng) < 0.5f)
				v[r][c] = v[c][r] = rec_rng_uniform(rng) * 2 - 1;
	memset(a, 0, sizeof *a);
	for (int r = 0; r < 6; r++) {
		a->indptr[r] = nnz;
		for (int c = 0; c < 6; c++)
			if (v[r][c] != 0) {
				a->indices[nnz] = c;
				a->values[nnz] = v[r][c];
				a->dense[r][c] = a->values[nnz++];
			}
	}
	a->indptr[6] = nnz;
}

/* y = A x and y += A x against the dense product, for k = 5 (the
 * column-at-a-time path), 37, 45 and 64 (blocks of 64 and 16 columns, or
 * of 32 and 8 without AVX-512, and the columns left over), on 1 to 7
 * threads: the same bits on any. */
TEST(spmm_matches_dense_on_any_threads)
{
	static float x[6 * 64], y[5 * 64], y1[5 * 64], base[5 * 64];
	struct rec_rng rng;
	struct sp a;
	const int ks[] = { 5, 37, 45, 64 };

	rec_rng_seed(&rng, 3);
	random_sparse(&a, &rng);
	for (int t = 0; t < 4; t++) {
		int k = ks[t];
		for (int j = 0; j < 6 * k; j++)
			x[j] = rec_rng_uniform(&rng) * 2 - 1;
		for (int j = 0; j < 5 * k; j++)
			base[j] = rec_rng_uniform(&rng) * 2 - 1;
		for (int add = 0; add <= 1; add++)
			for (int threads = 1; threads <= 7; threads++) {
				memcpy(y, base, sizeof y);
				rec_spmm(y, add, a.indptr, a.indices, a.values, x, 5, k, threads);
				for (int r = 0; r < 5; r++)
					for (int c = 0; c < k; c++) {
						double want = add ? base[r * k + c] : 0;
						for (int j = 0; j < 6; j++)
							want += (double)a.dense[r][j] * x[j * k + c];
						CHECK_NEAR(y[r * k + c], want, 1e-5);
					}
				if (threads == 1)
					memcpy(y1, y, sizeof y1);
				CHECK(memcmp(y, y1, (size_t)5 * k * sizeof *y) == 0);
			}
	}
}

/* L = sum y . g with y = A x for a symmetric A: the backward product
 * d_x += A g against central differences, for k = 5 and 37; a second
 * call doubles d_x. */
TEST(spmm_symmetric_backward_grad)
{
	static float x[6 * 37], y[6 * 37], g[6 * 37], d_x[6 * 37], twice[6 * 37];
	static double num[6 * 37];
	struct rec_rng rng;
	struct sp a;
	const int ks[] = { 5, 37 };

	rec_rng_seed(&rng, 4);
	random_symmetric(&a, &rng);
	for (int t = 0; t < 2; t++) {
		int k = ks[t], nx = 6 * k;
		for (int j = 0; j < nx; j++)
			x[j] = rec_rng_uniform(&rng) * 2 - 1;
		for (int j = 0; j < 6 * k; j++)
			g[j] = rec_rng_uniform(&rng) * 2 - 1;
		memset(d_x, 0, sizeof d_x);
		rec_spmm(d_x, 1, a.indptr, a.indices, a.values, g, 6, k, 2);
		for (int j = 0; j < nx; j++) {
			float keep = x[j];
			double lp = 0, lm = 0;
			x[j] = keep + 1e-2f;
			rec_spmm(y, 0, a.indptr, a.indices, a.values, x, 6, k, 1);
			for (int i = 0; i < 6 * k; i++)
				lp += (double)y[i] * g[i];
			x[j] = keep - 1e-2f;
			rec_spmm(y, 0, a.indptr, a.indices, a.values, x, 6, k, 1);
			for (int i = 0; i < 6 * k; i++)
				lm += (double)y[i] * g[i];
			x[j] = keep;
			num[j] = (lp - lm) / 2e-2;
		}
		CHECK(grad_compare(d_x, num, (size_t)nx).bad == 0);
		/* the check fails on a planted 5% error */
		memcpy(twice, d_x, sizeof twice);
		twice[3] *= 1.05f;
		CHECK(grad_compare(twice, num, (size_t)nx).bad == 1);
		memcpy(twice, d_x, sizeof twice);
		rec_spmm(d_x, 1, a.indptr, a.indices, a.values, g, 6, k, 3);
		for (int j = 0; j < nx; j++)
			CHECK_NEAR(d_x[j], 2 * twice[j], 1e-6);
	}
}
