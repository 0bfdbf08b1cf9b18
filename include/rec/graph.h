/*
 * graph.h - the user-item bipartite graph of a ratings table (DESIGN.md
 * sections 3 and 5): what rec-graph writes and AttnGraphRec propagates
 * over.
 *
 * Nodes: the users 0..nu-1 (the table's dense user indices), then the
 * items nu..nu+ni-1.  Each rating is an undirected edge, stored twice
 * (user row -> item column, item row -> user column) in CSR: the row of
 * node r is indices[indptr[r] .. indptr[r+1]), columns strictly
 * increasing.  values holds the symmetric normalisation
 * D^-1/2 A D^-1/2: the edge (u, i) of weight w (1, or the rating with
 * REC_GRAPH_RATING) has value w / sqrt(d_u d_i), d the weighted degree
 * (sum of a node's edge weights), kept in degree.
 *
 * File (rec-graph/1): safetensors with metadata format = "rec-graph/1",
 * weight = "binary" | "rating", users, items, edges; tensors user_ids,
 * item_ids (I64), indptr (I64, nu + ni + 1), indices (I64, 2 edges),
 * values (F32, 2 edges), degree (F32, nu + ni).
 */
#ifndef REC_GRAPH_H
#define REC_GRAPH_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/ratings.h"
#include "rec/st.h"
#include "rec/util.h"

#define REC_GRAPH_FORMAT "rec-graph/1"

enum rec_graph_weight { REC_GRAPH_BINARY, REC_GRAPH_RATING };

struct rec_graph {
	enum rec_graph_weight weight;
	struct rec_idmap users, items;  /* dense index <-> data-set id */
	int64_t nu, ni, nodes;          /* nodes = nu + ni */
	int64_t nnz;                    /* 2 x edges */
	int64_t *indptr;                /* (nodes + 1) */
	int64_t *indices;               /* (nnz) */
	float *values;                  /* (nnz) */
	float *degree;                  /* (nodes) weighted degree, > 0 */
};

/* The graph of r (whose rows must be distinct (user, item) pairs, as
 * rec_ratings_dedupe leaves them).  Caller frees with rec_graph_free.
 * In a job of many ranks (dist.h) a collective, r this rank's part of a
 * table spread by user (shard.h): the graph of r's edges alone, whose
 * values are those of the whole table's graph (each item's degree
 * summed over the ranks, exactly where the weights are multiples of
 * 1/2), so that a user's row of A is whole on the user's rank; nodes
 * may then have no edge here. */
int rec_graph_build(struct rec_graph **out, const struct rec_ratings *r,
                    enum rec_graph_weight weight, struct rec_err *err);

/* In a job, rank 0's *whole (NULL on the others; caller frees) = the
 * graph whose parts the ranks built (rec_graph_build), the users' rows
 * as each rank has them: the whole table's graph.  A collective; one
 * process: a copy of part. */
int rec_graph_gather(struct rec_graph **whole, const struct rec_graph *part,
                     struct rec_err *err);
void rec_graph_free(struct rec_graph *g);   /* NULL-safe */

/* The weightings' names by value ("binary", "rating"), then NULL; the
 * name of w. */
extern const char *const rec_graph_weight_names[];
const char *rec_graph_weight_name(enum rec_graph_weight w);
/* The weighting called s: 0, or -1 when s names none. */
int rec_graph_weight_parse(enum rec_graph_weight *w, const char *s);

/*
 * Check a CSR bipartite graph of nu users and ni items given as arrays
 * (file: for messages): indptr starts at 0, never decreases and ends at
 * nnz; every user row's columns are items and every item row's are
 * users, strictly increasing within a row; each edge is stored both ways
 * with the same value; every value is positive and finite; no node is
 * without an edge.  Messages name the first fault ("indptr decreases at
 * node 5", "node 3: column 9 out of range [610, 1907)", "edge (3, 700)
 * has no reverse").  Returns 0 or -1.
 */
int rec_graph_check(int64_t nu, int64_t ni, const int64_t *indptr,
                    const int64_t *indices, const float *values, int64_t nnz,
                    const char *file, struct rec_err *err);

/* Write g as a rec-graph/1 file (rec_st_write; the caller flushes). */
int rec_graph_save(const struct rec_graph *g, FILE *fp, const char *file,
                   struct rec_err *err);

/* Read a rec-graph/1 file from st, checking everything: the format, the
 * metadata against the tensors, the id maps (distinct, non-negative),
 * rec_graph_check, and that degree and values agree with each other
 * (value = w / sqrt(d_u d_i) for w = 1 or a rating in [0.5, 5], to float
 * precision). */
int rec_graph_from_st(struct rec_graph **out, const struct rec_st *st,
                      struct rec_err *err);
/* The same from a stream (rec_st_load_fp first). */
int rec_graph_load(struct rec_graph **out, FILE *fp, const char *file,
                   struct rec_err *err);

/*
 * The graph g as the graph of r: g must have exactly r's user ids and
 * item ids and r's ratings as its edges (as many, each rating an edge);
 * then *out is a copy of g renumbered into r's dense indices (values
 * unchanged).  Otherwise -1 with a message naming what differs ("graph
 * has 610 users, the ratings 600", "user 42 of the ratings is not in the
 * graph", "graph has 4000 edges, the ratings 3999", "rating of user 5
 * for item 7 is not an edge of the graph").  file names g.
 */
int rec_graph_match(struct rec_graph **out, const struct rec_graph *g,
                    const struct rec_ratings *r, const char *file,
                    struct rec_err *err);

/* ---- statistics ---- */

struct rec_degree_stats {
	int64_t min, max;
	double median, mean, gini;
};

struct rec_graph_stats {
	int64_t users, items, edges;
	double density, sparsity;       /* edges / (users x items), 1 - that */
	struct rec_degree_stats user, item;   /* edge counts per node */
	/* the sample: sample_users random users, sample_items random items
	 * (all of a side when it has fewer), the edges among them */
	int64_t sample_users, sample_items, sample_edges;
	double sample_sparsity;
};

/*
 * A sample of su users and si items (fewer when the graph has fewer),
 * drawn without replacement from seed: user[0..*nu) and item[0..*ni)
 * (dense item indices 0..ni-1), each in increasing order.  Caller frees
 * both with rec_free.
 */
int rec_graph_sample(const struct rec_graph *g, int64_t su, int64_t si,
                     uint64_t seed, int64_t **user, int64_t *nu,
                     int64_t **item, int64_t *ni, struct rec_err *err);

/* Degree statistics (Gini: sum_j (2j - n - 1) x_j / (n sum x) over the
 * degrees sorted ascending, j = 1..n; median: the mean of the middle two
 * for even n), density, and the sampled sparsity of rec_graph_sample. */
int rec_graph_stats(const struct rec_graph *g, int64_t su, int64_t si,
                    uint64_t seed, struct rec_graph_stats *s,
                    struct rec_err *err);

/* A Graphviz drawing (graph "ratings") of the sample: one node a
 * sampled user ("u<id>", one colour) and item ("m<id>", another), one
 * edge a rating among them.  Write errors: -1 with strerror (file). */
int rec_graph_write_dot(const struct rec_graph *g, int64_t su, int64_t si,
                        uint64_t seed, FILE *fp, const char *file,
                        struct rec_err *err);

/* ---- propagation ---- */

/* y (rows, k) = A x, or with add y += A x: y[r] (+)= sum_e values[e]
 * x[indices[e]] over the entries e of row r (summed as (y or 0) + the
 * even entries in order + the odd entries in order).  x (cols,
 * k), every index < cols; y must not overlap x.  The rows are cut into
 * threads parts of about equal numbers of entries, each on a thread of
 * its own; the result is the same for any threads.  For a symmetric A
 * (the normalised adjacency of a graph, A^T = A) this is also the
 * backward product: dL/dx += A dL/dy. */
void rec_spmm(float *y, int add, const int64_t *indptr, const int64_t *indices,
              const float *values, const float *x, int64_t rows, int k,
              int threads);

#endif
