/*
 * params.c - the parameter slab, Adam and SGD (see params.h).
 */
#include <math.h>
#include <string.h>

#include "rec/dist.h"
#include "rec/params.h"
#include "vector.h"

int
rec_params_add(struct rec_params *p, const char *name, int ndim, int rows,
               int cols, size_t *off, struct rec_err *err)
{
	struct rec_param *t;
	size_t n;

	if (p->nt == REC_MAX_PARAMS || strlen(name) >= sizeof t->name)
		return rec_errf(err, NULL, 0, "too many parameters");
	if (ndim == 0)
		rows = cols = 1;
	else if (ndim == 1)
		cols = 1;
	if (rows < 0 || cols < 0 || !rec_mul_ok((size_t)rows, (size_t)cols, &n) ||
	    p->n + n < p->n)
		return rec_errf(err, NULL, 0, "parameter '%s' is too large", name);
	t = &p->t[p->nt++];
	snprintf(t->name, sizeof t->name, "%s", name);
	t->ndim = ndim;
	t->rows = rows;
	t->cols = cols;
	t->off = p->n;
	t->n = n;
	p->n += n;
	*off = t->off;
	return 0;
}

void
rec_params_align(struct rec_params *p)
{
	p->n += (16 - p->n % 16) % 16;
}

int
rec_params_alloc(struct rec_params *p, struct rec_err *err)
{
	p->w = rec_calloc_lines(p->n, sizeof *p->w);
	p->g = rec_calloc(p->n, sizeof *p->g);
	p->m = rec_calloc(p->n, sizeof *p->m);
	p->v = rec_calloc(p->n, sizeof *p->v);
	if (!p->w || !p->g || !p->m || !p->v) {
		rec_params_free(p);
		return rec_erroom(err, NULL);
	}
	return 0;
}

void
rec_params_free(struct rec_params *p)
{
	rec_free(p->w);
	rec_free(p->g);
	rec_free(p->m);
	rec_free(p->v);
	p->w = p->g = p->m = p->v = NULL;
}

void
rec_params_copy_weights(struct rec_params *dst, const struct rec_params *src)
{
	memcpy(dst->w, src->w, src->n * sizeof *src->w);
}

void
rec_params_tensors(const struct rec_params *p, struct rec_tensor *t)
{
	for (int k = 0; k < p->nt; k++) {
		const struct rec_param *q = &p->t[k];
		memset(&t[k], 0, sizeof t[k]);
		snprintf(t[k].name, sizeof t[k].name, "%s", q->name);
		t[k].dtype = REC_F32;
		t[k].ndim = q->ndim;
		t[k].shape[0] = q->rows;
		t[k].shape[1] = q->cols;
		t[k].data = p->w + q->off;
		t[k].nbytes = q->n * sizeof(float);
	}
}

int
rec_params_load(struct rec_params *p, const struct rec_st *st,
                struct rec_err *err)
{
	for (int k = 0; k < p->nt; k++) {
		const struct rec_param *q = &p->t[k];
		const struct rec_tensor *t;
		int64_t shape[2] = { q->rows, q->cols };

		if (rec_st_tensor(&t, st, q->name, REC_F32, q->ndim, shape, err) != 0)
			return -1;
		memcpy(p->w + q->off, t->data, q->n * sizeof(float));
	}
	return 0;
}

void
rec_adam_begin(struct rec_adam *a)
{
	float c1, c2;

	a->t++;
	c1 = 1.0f - powf(a->beta1, (float)a->t);
	c2 = 1.0f - powf(a->beta2, (float)a->t);
	/* lr (m / c1) / (sqrt(v / c2) + eps) = step m / (sqrt(v) + eps_t) */
	a->step = a->lr * sqrtf(c2) / c1;
	a->eps_t = a->eps * sqrtf(c2);
}

/* Cloned per instruction set (vector.h): the square roots and divisions
 * of a whole model every step; each is correctly rounded on every path,
 * so every clone gives the same bits. */
VECTOR_CLONES void
rec_adam_apply(const struct rec_adam *a, float *restrict w, float *restrict m,
               float *restrict v, const float *restrict g, size_t n)
{
	const float b1 = a->beta1, b2 = a->beta2, step = a->step, eps = a->eps_t;

	for (size_t i = 0; i < n; i++) {
		m[i] = b1 * m[i] + (1.0f - b1) * g[i];
		v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
		w[i] -= step * m[i] / (sqrtf(v[i]) + eps);
	}
}

void
rec_adam_update(struct rec_params *p, const struct rec_adam *a, size_t off,
                size_t n)
{
	rec_adam_apply(a, p->w + off, p->m + off, p->v + off, p->g + off, n);
}

void
rec_adam_step(struct rec_params *p, struct rec_adam *a)
{
	rec_adam_begin(a);
	rec_adam_update(p, a, 0, p->n);
}

void
rec_sgd_update(struct rec_params *p, float lr, size_t off, size_t n)
{
	float *restrict w = p->w + off;
	const float *restrict g = p->g + off;

	for (size_t i = 0; i < n; i++)
		w[i] -= lr * g[i];
}

/* ---- a job's rows ---- */

/* The floats of a row of t. */
static size_t
row_floats(const struct rec_params_rows *t)
{
	size_t n = 0;

	for (int s = 0; s < t->nseg; s++)
		n += t->width[s];
	return n;
}

/* Rank 0's placing of a rank's rows of one table (rec_dist_take_fn). */
struct placing {
	const struct rec_params_rows *t;
	float *w;
};

static int
place_rows(void *ctx, int rank, const void *p, size_t n, struct rec_err *err)
{
	const struct placing *pl = ctx;
	const struct rec_params_rows *t = pl->t;
	const size_t row = sizeof(int32_t) + row_floats(t) * sizeof(float);
	const char *at = p;
	int32_t x;

	(void)rank;
	for (size_t j = 0; j + row <= n; j += row) {
		const char *f = at + j + sizeof x;
		memcpy(&x, at + j, sizeof x);
		if (x < 0 || x >= t->rows)
			return rec_errf(err, NULL, 0, "a rank sent row %d of %d", x, t->rows);
		for (int s = 0; s < t->nseg; s++) {
			memcpy(pl->w + t->off[s] + (size_t)x * t->width[s], f,
			       t->width[s] * sizeof(float));
			f += t->width[s] * sizeof(float);
		}
	}
	return 0;
}

int
rec_params_gather(const struct rec_params *p, const struct rec_params_rows *t,
                  int nt, const int32_t *const *own, const size_t *n,
                  float **whole, struct rec_err *err)
{
	size_t most = 0, row = 0;
	char *pack = NULL;
	int rc = 0;

	*whole = NULL;
	for (int j = 0; j < nt; j++) {
		size_t r = sizeof(int32_t) + row_floats(&t[j]) * sizeof(float);
		most = n[j] > most ? n[j] : most;
		row = r > row ? r : row;
	}
	if (rec_dist_rank() == 0 && !(*whole = rec_malloc_array(p->n, sizeof **whole)))
		rc = rec_erroom(err, NULL);
	else if (!(pack = rec_malloc_array(most + 1, row)))
		rc = rec_erroom(err, NULL);
	if (rc == 0 && *whole)
		memcpy(*whole, p->w, p->n * sizeof **whole);
	rc = rec_dist_agree(rc, err);
	for (int j = 0; j < nt && rc == 0; j++) {
		const size_t r = sizeof(int32_t) + row_floats(&t[j]) * sizeof(float);
		struct placing pl = { &t[j], *whole };
		for (size_t q = 0; q < n[j]; q++) {
			const int32_t x = own[j][q];
			char *at = pack + q * r, *f = at + sizeof x;
			memcpy(at, &x, sizeof x);
			for (int s = 0; s < t[j].nseg; s++) {
				memcpy(f, p->w + t[j].off[s] + (size_t)x * t[j].width[s],
				       t[j].width[s] * sizeof(float));
				f += t[j].width[s] * sizeof(float);
			}
		}
		rc = rec_dist_collect(pack, n[j] * r, place_rows, &pl, err);
	}
	rec_free(pack);
	if (rc != 0) {
		rec_free(*whole);
		*whole = NULL;
	}
	return rc;
}

int
rec_params_gather_held(const struct rec_params *p, const struct rec_params_rows *t,
                       int (*held)(const void *ctx, int32_t x), const void *ctx,
                       float **whole, struct rec_err *err)
{
	int32_t *list = rec_malloc_array((size_t)t->rows + 1, sizeof *list);
	const int32_t *own[1] = { list };
	size_t n = 0;
	int rc;

	for (int32_t x = 0; list && x < t->rows; x++)
		if (held(ctx, x))
			list[n++] = x;
	*whole = NULL;
	if (rec_dist_agree(list ? 0 : rec_erroom(err, NULL), err) != 0) {
		rec_free(list);
		return -1;
	}
	rc = rec_params_gather(p, t, 1, own, &n, whole, err);
	rec_free(list);
	return rc;
}
