/*
 * model.c - loading any model file, predicting by data-set ids, and the
 * id-map helpers every model uses (see model.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec/agr.h"
#include "rec/dist.h"
#include "rec/ease.h"
#include "rec/hparams.h"
#include "rec/lstmrec.h"
#include "rec/metrics.h"
#include "rec/mf.h"
#include "rec/model.h"
#include "rec/ncf.h"
#include "rec/params.h"
#include "rec/recommend.h"

/* Every model type, by the name in its files' metadata. */
static const struct {
	const char *name;
	int (*load)(struct rec_model **out, const struct rec_st *st,
	            struct rec_err *err);
} loaders[] = {
	{ "mf", rec_mf_load },
	{ "ncf", rec_ncf_load },
	{ "agr", rec_agr_load },
	{ "lstm", rec_lstmrec_load },
	{ "ease", rec_ease_load },
};

int
rec_model_load(struct rec_model **out, FILE *fp, const char *file,
               struct rec_err *err)
{
	struct rec_st *st = NULL;
	const char *name;
	int rc = -1;

	*out = NULL;
	if (rec_st_load_fp(&st, fp, file, err) != 0)
		return -1;
	if (rec_st_expect(st, REC_MODEL_FORMAT, NULL, err) != 0)
		goto out;
	name = rec_st_meta(st, "model");
	if (!name) {
		rec_errf(err, file, 0, "metadata 'model' is missing");
		goto out;
	}
	for (size_t k = 0; k < sizeof loaders / sizeof loaders[0]; k++)
		if (strcmp(name, loaders[k].name) == 0) {
			rc = loaders[k].load(out, st, err);
			goto out;
		}
	rec_errf(err, file, 0, "unknown model '%s'", name);
out:
	rec_st_free(st);
	return rc;
}

void
rec_model_free(struct rec_model *m)
{
	if (m)
		m->ops->free(m);
}

int
rec_model_save(const struct rec_model *m, FILE *fp, const char *file,
               const char *const *key, const char *const *val, size_t n,
               struct rec_err *err)
{
	if (rec_dist_rank() > 0 && !m->ops->save_gathers)
		return 0;
	return m->ops->save(m, fp, file, key, val, n, err);
}

void
rec_model_predict_ids(const struct rec_model *m, const int64_t *user,
                      const int64_t *item, size_t n, float *out,
                      struct rec_unknown *unk)
{
	enum { BLOCK = 1024 };
	int32_t u[BLOCK], i[BLOCK];

	for (size_t beg = 0; beg < n; beg += BLOCK) {
		size_t len = n - beg < BLOCK ? n - beg : BLOCK;
		for (size_t j = 0; j < len; j++) {
			u[j] = rec_idmap_find(&m->users, user[beg + j]);
			i[j] = rec_idmap_find(&m->items, item[beg + j]);
			unk->users += u[j] < 0;
			unk->items += i[j] < 0;
		}
		m->ops->predict(m, u, i, len, out + beg);
	}
}

int
rec_model_set_history(struct rec_model *m, const struct rec_ratings *h,
                      struct rec_err *err)
{
	if (!rec_model_reads_history(m))
		return rec_errf(err, NULL, 0, "a '%s' model reads no history",
		                m->ops->name);
	return m->ops->set_history(m, h, err);
}

int
rec_model_predict_ids_at(const struct rec_model *m, const int64_t *user,
                         const int64_t *item, const int64_t *ts, size_t n,
                         float *out, struct rec_unknown *unk,
                         struct rec_err *err)
{
	enum { BLOCK = 1024 };
	int32_t u[BLOCK], i[BLOCK];

	if (!m->ops->predict_at) {
		rec_model_predict_ids(m, user, item, n, out, unk);
		return 0;
	}
	for (size_t beg = 0; beg < n; beg += BLOCK) {
		size_t len = n - beg < BLOCK ? n - beg : BLOCK;
		for (size_t j = 0; j < len; j++) {
			u[j] = rec_idmap_find(&m->users, user[beg + j]);
			i[j] = rec_idmap_find(&m->items, item[beg + j]);
			unk->users += u[j] < 0;
			unk->items += i[j] < 0;
		}
		if (m->ops->predict_at(m, u, i, ts + beg, len, out + beg, err) != 0)
			return -1;
	}
	return 0;
}

/* pred[j] = m's prediction of row j of r. */
static void
predict_rows(const struct rec_model *m, const struct rec_ratings *r, float *pred)
{
	enum { BLOCK = 1024 };
	int32_t u[BLOCK], i[BLOCK];

	for (size_t beg = 0; beg < r->n; beg += BLOCK) {
		size_t len = r->n - beg < BLOCK ? r->n - beg : BLOCK;
		for (size_t j = 0; j < len; j++) {
			u[j] = rec_idmap_find(&m->users, r->users.ids[r->user[beg + j]]);
			i[j] = rec_idmap_find(&m->items, r->items.ids[r->item[beg + j]]);
		}
		m->ops->predict(m, u, i, len, pred + beg);
	}
}

/* The squared error of pred against r's ratings, summed, predictions
 * clipped to the stars. */
static double
squared_error(const struct rec_ratings *r, const float *pred)
{
	double sum = 0;

	for (size_t j = 0; j < r->n; j++) {
		double p = pred[j] < REC_STAR_MIN ? REC_STAR_MIN :
		           pred[j] > REC_STAR_MAX ? REC_STAR_MAX : pred[j];
		double d = p - r->rating[j];
		sum += d * d;
	}
	return sum;
}

/* The rating model's numbers of struct rec_valid, over every rank's
 * part of the ratings (r may be this rank's: shard.h). */
static int
validate_ratings(const struct rec_model *m, const struct rec_ratings *r,
                 struct rec_valid *v, struct rec_err *err)
{
	struct rec_scored *buf = NULL;
	size_t *start = NULL;
	uint32_t *ix = NULL;
	float *pred = NULL;
	double sum[5] = { 0, (double)r->n, 0, 0, 0 };   /* error, rows, P, R, users */
	int rc = -1;

	if (!(pred = rec_malloc_array(r->n ? r->n : 1, sizeof *pred)) ||
	    !(buf = rec_malloc_array(r->n ? r->n : 1, sizeof *buf))) {
		rec_erroom(err, NULL);
		goto out;
	}
	if (rec_ratings_by_user(r, &start, &ix, err) != 0)
		goto out;
	predict_rows(m, r, pred);
	sum[0] = squared_error(r, pred);
	for (size_t u = 0; u < r->users.n; u++) {
		size_t n = start[u + 1] - start[u];
		struct rec_rated one;
		if (n == 0)
			continue;
		for (size_t j = 0; j < n; j++) {
			uint32_t row = ix[start[u] + j];
			buf[j].item = r->items.ids[r->item[row]];
			buf[j].score = pred[row];
			buf[j].truth = r->rating[row];
		}
		rec_metrics_rated(buf, n, REC_VALID_K, REC_RELEVANT, &one);
		sum[2] += one.precision;
		sum[3] += one.recall;
		sum[4]++;
	}
	rc = 0;
out:
	if ((rc = rec_dist_agree(rc, err)) == 0) {
		rec_dist_sum_f64(sum, 5);
		v->rmse = sqrt(sum[0] / sum[1]);
		v->precision = sum[2] / sum[4];
		v->recall = sum[3] / sum[4];
		v->f1 = rec_metrics_f1(v->precision, v->recall);
	}
	rec_free(pred);
	rec_free(buf);
	rec_free(start);
	rec_free(ix);
	return rc;
}

/* What scoring validation lists needs: each listed user's relevant item
 * ids, sorted, rel[rstart[j] .. rstart[j + 1]). */
struct ranked {
	const struct rec_model *m;
	const size_t *rstart;
	const int64_t *rel;
	double ndcg;
};

static int
score_lists(void *ctx, size_t beg, size_t n, size_t k, const uint32_t *item,
            const float *score, const size_t *len, struct rec_err *err)
{
	struct ranked *q = ctx;
	int64_t list[REC_VALID_K];
	struct rec_ranking one;

	(void)score;
	(void)err;
	for (size_t j = 0; j < n; j++) {
		size_t u = beg + j;
		for (size_t t = 0; t < len[j]; t++)
			list[t] = q->m->items.ids[item[j * k + t]];
		rec_metrics_ranking(list, len[j], q->rel + q->rstart[u],
		                    q->rstart[u + 1] - q->rstart[u], REC_VALID_K, &one);
		q->ndcg += one.ndcg;
	}
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The ranking model's NDCG at 10 on r: the users of r with a relevant
 * rating, each given a full-ranking list that leaves out their items of
 * train (may be NULL). */
static int
validate_ranking(const struct rec_model *m, const struct rec_ratings *r,
                 const struct rec_ratings *train, struct rec_valid *v,
                 struct rec_err *err)
{
	struct rec_idmap listed = { 0 };
	struct rec_exclusions ex = { 0 };
	struct ranked q = { .m = m };
	double sum[2];
	size_t *rstart = NULL;
	int64_t *rel = NULL;
	int32_t *uidx = NULL, j;
	int rc = -1;

	/* the listed users, then their relevant items by a counting sort */
	for (size_t i = 0; i < r->n; i++)
		if (r->rating[i] >= REC_RELEVANT &&
		    rec_idmap_add(&listed, r->users.ids[r->user[i]], &j) != 0)
			goto oom;
	if (!(rstart = rec_calloc(listed.n + 2, sizeof *rstart)) ||
	    !(rel = rec_malloc_array(r->n ? r->n : 1, sizeof *rel)) ||
	    !(uidx = rec_malloc_array(listed.n ? listed.n : 1, sizeof *uidx)))
		goto oom;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n; i++) {
			if (r->rating[i] < REC_RELEVANT)
				continue;
			j = rec_idmap_find(&listed, r->users.ids[r->user[i]]);
			if (pass == 0)
				rstart[j + 2]++;
			else
				rel[rstart[j + 1]++] = r->items.ids[r->item[i]];
		}
		if (pass == 0)
			for (size_t u = 2; u < listed.n + 2; u++)
				rstart[u] += rstart[u - 1];
	}
	for (size_t u = 0; u < listed.n; u++) {
		qsort(rel + rstart[u], rstart[u + 1] - rstart[u], sizeof *rel, cmp_id);
		uidx[u] = rec_idmap_find(&m->users, listed.ids[u]);
	}
	if (train && rec_exclusions_build(&ex, train, &listed, &m->items, err) != 0)
		goto out;
	q.rstart = rstart;
	q.rel = rel;
	if (rec_recommend(m, uidx, listed.n, REC_VALID_K, train ? &ex : NULL, 1,
	                  score_lists, &q, err) != 0)
		goto out;
	rc = 0;
	goto out;
oom:
	rec_erroom(err, NULL);
out:
	/* the mean over every rank's users (each lists its own: shard.h) */
	if ((rc = rec_dist_agree(rc, err)) == 0) {
		sum[0] = q.ndcg;
		sum[1] = (double)listed.n;
		rec_dist_sum_f64(sum, 2);
		v->ndcg = sum[1] > 0 ? sum[0] / sum[1] : NAN;
	}
	rec_idmap_clear(&listed);
	rec_exclusions_free(&ex);
	rec_free(rstart);
	rec_free(rel);
	rec_free(uidx);
	return rc;
}

int
rec_model_validate(const struct rec_model *m, const struct rec_ratings *r,
                   const struct rec_ratings *train, struct rec_valid *v,
                   struct rec_err *err)
{
	int64_t rows = (int64_t)r->n;

	*v = (struct rec_valid)REC_VALID_NONE;
	rec_dist_sum_i64(&rows, 1);   /* r may be this rank's part */
	if (rows == 0)
		return rec_errf(err, NULL, 0, "no ratings to evaluate");
	if (m->ranking)
		return validate_ranking(m, r, train, v, err);
	return validate_ratings(m, r, v, err);
}

/* Copy the entries of src into dst (an empty map). */
static int
copy_map(struct rec_idmap *dst, const struct rec_idmap *src)
{
	int32_t ix;

	for (size_t k = 0; k < src->n; k++)
		if (rec_idmap_add(dst, src->ids[k], &ix) != 0)
			return -1;
	return 0;
}

int
rec_model_init_maps(struct rec_model *m, const struct rec_ratings *r,
                    struct rec_err *err)
{
	if (copy_map(&m->users, &r->users) != 0 || copy_map(&m->items, &r->items) != 0)
		return rec_erroom(err, NULL);
	return 0;
}

int
rec_model_init_users(struct rec_model *m, const struct rec_ratings *r,
                     struct rec_err *err)
{
	if (copy_map(&m->users, &r->users) != 0)
		return rec_erroom(err, NULL);
	return 0;
}

int
rec_model_has_ratings(const struct rec_ratings *r, struct rec_err *err)
{
	int64_t rows = (int64_t)r->n;

	rec_dist_sum_i64(&rows, 1);
	return rows > 0 ? 0 : rec_errf(err, NULL, 0, "no ratings to train on");
}

float
rec_model_mean_logit(const struct rec_ratings *r)
{
	double sum[2] = { 0, (double)r->n }, mean;

	for (size_t j = 0; j < r->n; j++)
		sum[0] += rec_to_unit(r->rating[j]);
	rec_dist_sum_f64(sum, 2);
	mean = sum[0] / sum[1];
	mean = mean < 0.01 ? 0.01 : mean > 0.99 ? 0.99 : mean;
	return (float)log(mean / (1 - mean));
}

int
rec_model_load_map(struct rec_idmap *map, const struct rec_st *st,
                   const char *name, int64_t n, struct rec_err *err)
{
	const struct rec_tensor *t;
	const int64_t *ids;
	int64_t shape[1] = { n };
	int32_t ix;

	if (rec_st_tensor(&t, st, name, REC_I64, 1, shape, err) != 0)
		return -1;
	ids = t->data;
	for (int64_t k = 0; k < n; k++) {
		if (ids[k] < 0)
			return rec_errf(err, st->name, 0, "tensor '%s': negative id %" PRId64,
			                name, ids[k]);
		if (rec_idmap_add(map, ids[k], &ix) != 0)
			return rec_erroom(err, st->name);
		if (ix != (int32_t)k)
			return rec_errf(err, st->name, 0, "tensor '%s': duplicate id %" PRId64,
			                name, ids[k]);
	}
	return 0;
}

int
rec_model_no_extra(const struct rec_st *st, const struct rec_params *p,
                   const char *const *also, struct rec_err *err)
{
	for (size_t j = 0; j < st->nt; j++) {
		const char *name = st->t[j].name;
		int known = strcmp(name, "user_ids") == 0 || strcmp(name, "item_ids") == 0;
		for (int k = 0; !known && p && k < p->nt; k++)
			known = strcmp(name, p->t[k].name) == 0;
		for (int k = 0; !known && also && also[k]; k++)
			known = strcmp(name, also[k]) == 0;
		if (!known)
			return rec_errf(err, st->name, 0, "unexpected tensor '%s'", name);
	}
	return 0;
}

int
rec_model_write(FILE *fp, const char *file, const struct rec_hparams_desc *desc,
                const void *hp, const struct rec_tensor *t, size_t nt,
                const char *const *key, const char *const *val, size_t n,
                const char *const *xkey, const char *const *xval, size_t nx,
                struct rec_err *err)
{
	enum { MAX = 64 };
	const char *k[2 + MAX], *v[2 + MAX];
	char (*text)[REC_HP_TEXT];
	size_t len = 2;
	int rc;

	if ((size_t)desc->n + n + nx > MAX)
		return rec_errf(err, file, 0, "too much metadata");
	if (!(text = rec_malloc_array((size_t)desc->n, sizeof *text)))
		return rec_erroom(err, file);
	k[0] = "format";
	v[0] = REC_MODEL_FORMAT;
	k[1] = "model";
	v[1] = desc->model;
	len += (size_t)rec_hparams_meta(desc, hp, k + len, v + len, text);
	for (size_t j = 0; j < n; j++, len++)
		k[len] = key[j], v[len] = val[j];
	for (size_t j = 0; j < nx; j++, len++)
		k[len] = xkey[j], v[len] = xval[j];
	rc = rec_st_write(fp, file, t, nt, k, v, len, err);
	rec_free(text);
	return rc;
}

void
rec_model_map_tensors(const struct rec_model *m, struct rec_tensor t[2])
{
	const struct rec_idmap *maps[2] = { &m->users, &m->items };
	static const char *const names[2] = { "user_ids", "item_ids" };

	for (int k = 0; k < 2; k++) {
		memset(&t[k], 0, sizeof t[k]);
		snprintf(t[k].name, sizeof t[k].name, "%s", names[k]);
		t[k].dtype = REC_I64;
		t[k].ndim = 1;
		t[k].shape[0] = (int64_t)maps[k]->n;
		t[k].data = maps[k]->ids;
		t[k].nbytes = maps[k]->n * sizeof(int64_t);
	}
}

int
rec_model_rank_by_predict(const struct rec_model *m, const int32_t *user,
                          size_t n, float *out, struct rec_err *err)
{
	const size_t ni = m->items.n;
	int32_t *us = rec_malloc_array(ni + 1, sizeof *us);
	int32_t *is = rec_malloc_array(ni + 1, sizeof *is);

	if (!us || !is) {
		rec_free(us);
		rec_free(is);
		return rec_erroom(err, NULL);
	}
	for (size_t i = 0; i < ni; i++)
		is[i] = (int32_t)i;
	for (size_t j = 0; j < n; j++) {
		for (size_t i = 0; i < ni; i++)
			us[i] = user[j];
		m->ops->predict(m, us, is, ni, out + j * ni);
	}
	rec_free(us);
	rec_free(is);
	return 0;
}
