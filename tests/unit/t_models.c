/* t_models.c - what every model promises through the one model face
 * (model.h), checked on every model from one table: it learns a toy set
 * (its RMSE falls), the same seed gives the same bytes, a saved file
 * loads and predicts the same numbers bit for bit (known, unknown users
 * and items, on the star scale), ranks as it predicts, is written again
 * byte for byte, copies its weights, refits with early stopping, and
 * every allocation of make, train, save and load can fail cleanly.  A new
 * model is one row of the table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/agr.h"
#include "rec/ease.h"
#include "rec/lstmrec.h"
#include "rec/mf.h"
#include "rec/ncf.h"

/* 12 users x 9 items with a pattern to learn, each user's ratings at
 * distinct times (for the LSTM's order). */
static struct rec_ratings *
toy(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 12; u++)
		for (int i = 0; i < 9; i++)
			if ((u + 2 * i) % 3 != 0)
				CHECK(rec_ratings_push(r, 100 + u, 200 + i,
				                       (float)(1 + ((u * i) % 9) / 2),
				                       1000 + ((u + 5 * i) % 9) * 10,
				                       (long)r->n + 1, NULL) == 0);
	return r;
}

static FILE *
text(const char *s)
{
	return fmemopen((void *)s, strlen(s), "r");
}

/* Side features of the toy's items for NCF (208 has no movie). */
static struct rec_movies *movies;
static struct rec_tags *tags;

static void
side_make(void)
{
	static const char mcsv[] = "movieId,title,genres\n"
		"200,A,Comedy\n201,B,Drama|Comedy\n202,\"C, The\",Action\n"
		"203,D,(no genres listed)\n204,E,Drama\n205,F,Action|Drama\n"
		"206,G,Comedy\n207,H,Horror\n";
	static const char tcsv[] = "userId,movieId,tag,timestamp\n"
		"100,200,funny,1\n101,201,Funny,1\n102,202,dark,1\n102,203,dark,1\n"
		"103,204,long,1\n103,205,funny,1\n";
	FILE *fm = text(mcsv), *ft = text(tcsv);

	movies = rec_movies_new();
	CHECK(rec_movies_read(movies, fm, "movies.csv", NULL) == 0);
	CHECK(rec_tags_read(&tags, ft, "tags.csv", NULL) == 0);
	fclose(fm);
	fclose(ft);
}

static void
side_free(void)
{
	rec_movies_free(movies);
	rec_tags_free(tags);
	movies = NULL;
	tags = NULL;
}

/* ---- the table of models ---- */

struct model_case {
	const char *name;
	const struct rec_hparams_desc *desc;
	rec_model_make_fn *make;
	void (*hparams)(void *hp);   /* fill the hyperparameters */
	int epochs;                  /* enough to learn the toy; 0: a model
	                              * fitted in closed form by make */
	double learns;               /* a rating model: trained RMSE below
	                              * this share of the untrained one; a
	                              * ranking model: NDCG at 10 on the toy
	                              * at least this high (and higher than
	                              * untrained) */
};

static void
mf_adam(void *hp)
{
	struct rec_mf_hparams *h = hp;

	*h = (struct rec_mf_hparams)REC_MF_DEFAULTS;
	h->k = 5;
	h->batch = 16;
	h->lr = 0.02f;
	h->dropout = 0.1f;
}

static void
mf_sgd(void *hp)
{
	struct rec_mf_hparams *h = hp;

	*h = (struct rec_mf_hparams)REC_MF_DEFAULTS;
	h->k = 5;
	h->opt = REC_OPT_SGD;
	h->batch = 1;
	h->dropout = 0;
	h->lr = 0.2f;
	h->lr_decay = 0.9f;
	h->threads = 2;
}

static void
mf_bias(void *hp)
{
	mf_adam(hp);
	((struct rec_mf_hparams *)hp)->k = 0;
}

static void
mf_bpr(void *hp)
{
	struct rec_mf_hparams *h = hp;

	mf_adam(hp);
	h->loss = REC_LOSS_BPR;
	h->dropout = 0.1f;
	h->negatives = 2;
}

static void
ncf_side(void *hp)
{
	struct rec_ncf_hparams *h = hp;

	*h = (struct rec_ncf_hparams)REC_NCF_DEFAULTS;
	h->k = 3;
	h->nmlp = 2;
	h->mlp[0] = 6;
	h->mlp[1] = 4;
	h->side_dim = 3;
	h->movies = movies;
	h->tags = tags;
	h->tag_vocab = 5;
	h->batch = 16;
	h->lr = 0.01f;
	h->dropout = 0.1f;
}

static void
ncf_plain(void *hp)
{
	ncf_side(hp);
	((struct rec_ncf_hparams *)hp)->movies = NULL;
	((struct rec_ncf_hparams *)hp)->tags = NULL;
}

static void
ncf_bpr(void *hp)
{
	struct rec_ncf_hparams *h = hp;

	ncf_side(hp);
	h->loss = REC_LOSS_BPR;
	h->negatives = 2;
}

static void
lstm(void *hp)
{
	struct rec_lstmrec_hparams *h = hp;

	*h = (struct rec_lstmrec_hparams)REC_LSTMREC_DEFAULTS;
	h->k = 3;
	h->hidden = 4;
	h->seq_len = 3;
	h->chunk = 2;
	h->nmlp = 2;
	h->mlp[0] = 5;
	h->mlp[1] = 4;
	h->batch = 8;
	h->init_sd = 0.1f;
	h->lr = 0.05f;        /* falling by 0.7 an epoch */
}

static void
lstm_bpr(void *hp)
{
	struct rec_lstmrec_hparams *h = hp;

	lstm(hp);
	h->loss = REC_LOSS_BPR;
	h->negatives = 2;
	h->lr = 0.01f;
	h->lr_decay = 1;
}

static void
agr_gcn(void *hp)
{
	struct rec_agr_hparams *h = hp;

	*h = (struct rec_agr_hparams)REC_AGR_DEFAULTS;
	h->k = 3;
	h->layers = 2;
	h->attn_dim = 3;
	h->nmlp = 2;
	h->mlp[0] = 5;
	h->mlp[1] = 4;
	h->batch = 16;
	h->lr = 0.01f;
	h->dropout = 0.1f;
	h->reg = 0.01f;
	h->conv = REC_AGR_GCN;
}

static void
agr_lightgcn(void *hp)
{
	agr_gcn(hp);
	((struct rec_agr_hparams *)hp)->conv = REC_AGR_LIGHTGCN;
}

static void
agr_bpr(void *hp)
{
	struct rec_agr_hparams *h = hp;

	agr_lightgcn(hp);
	h->loss = REC_LOSS_BPR;
	h->negatives = 2;
	h->lr = 0.03f;
	h->dropout = 0;   /* on so small a network it learns only popularity */
}

static void
agr_dot(void *hp)
{
	agr_lightgcn(hp);
	((struct rec_agr_hparams *)hp)->head = REC_AGR_DOT;
}

/* as the study's: one layer, an attention of width 1 */
static void
agr_dot_bpr(void *hp)
{
	struct rec_agr_hparams *h = hp;

	agr_bpr(hp);
	h->head = REC_AGR_DOT;
	h->layers = 1;
	h->attn_dim = 1;
}

static void
ease(void *hp)
{
	struct rec_ease_hparams *h = hp;

	*h = (struct rec_ease_hparams)REC_EASE_DEFAULTS;
	h->lambda = 1;
}

static void
ease_weak_recent(void *hp)
{
	ease(hp);
	((struct rec_ease_hparams *)hp)->weak = 0.5f;
	((struct rec_ease_hparams *)hp)->recency = 0.8f;
}

static const struct model_case cases[] = {
	{ "mf adam", &rec_mf_desc, rec_mf_make, mf_adam, 30, 0.8 },
	{ "mf per-rating sgd", &rec_mf_desc, rec_mf_make, mf_sgd, 30, 0.8 },
	{ "mf biases only", &rec_mf_desc, rec_mf_make, mf_bias, 30, 0.9 },
	{ "mf bpr", &rec_mf_desc, rec_mf_make, mf_bpr, 30, 0.6 },
	{ "ncf", &rec_ncf_desc, rec_ncf_make, ncf_plain, 40, 0.8 },
	{ "ncf side features", &rec_ncf_desc, rec_ncf_make, ncf_side, 40, 0.8 },
	{ "ncf bpr", &rec_ncf_desc, rec_ncf_make, ncf_bpr, 40, 0.6 },
	/* the LSTM starts at the bias-only model: a smaller fall */
	{ "lstm", &rec_lstmrec_desc, rec_lstmrec_make, lstm, 40, 0.95 },
	{ "lstm bpr", &rec_lstmrec_desc, rec_lstmrec_make, lstm_bpr, 40, 0.6 },
	{ "agr gcn", &rec_agr_desc, rec_agr_make, agr_gcn, 40, 0.8 },
	{ "agr lightgcn", &rec_agr_desc, rec_agr_make, agr_lightgcn, 40, 0.8 },
	{ "agr bpr", &rec_agr_desc, rec_agr_make, agr_bpr, 40, 0.75 },
	{ "agr dot head", &rec_agr_desc, rec_agr_make, agr_dot, 40, 0.8 },
	{ "agr dot head bpr", &rec_agr_desc, rec_agr_make, agr_dot_bpr, 40, 0.75 },
	{ "ease", &rec_ease_desc, rec_ease_make, ease, 0, 0.7 },
	{ "ease weak, recent", &rec_ease_desc, rec_ease_make, ease_weak_recent, 0, 0.7 },
};

/* Room for any model's hyperparameters. */
union hparams {
	struct rec_mf_hparams mf;
	struct rec_ncf_hparams ncf;
	struct rec_lstmrec_hparams lstm;
	struct rec_agr_hparams agr;
	struct rec_ease_hparams ease;
};

/* ---- helpers ---- */

static char *
save(const struct rec_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);
	struct rec_err err = { 0 };

	CHECK(rec_model_save(m, fp, "m.st", NULL, NULL, 0, &err) == 0);
	fclose(fp);
	return buf;
}

static struct rec_model *
load(const char *buf, size_t len)
{
	struct rec_model *m = NULL;
	struct rec_err err = { 0 };
	FILE *fp = fmemopen((void *)buf, len, "r");

	CHECK(rec_model_load(&m, fp, "m.st", &err) == 0);
	fclose(fp);
	return m;
}

/* The model's RMSE on r, or for a ranking model its NDCG at 10. */
static double
quality(const struct rec_model *m, const struct rec_ratings *r)
{
	struct rec_valid v;
	struct rec_err err = { 0 };

	CHECK(rec_model_validate(m, r, NULL, &v, &err) == 0);
	return m->ranking ? v.ndcg : v.rmse;
}

/* A model of mc trained on r with o, or made (a closed form); NULL with
 * err on failure. */
static struct rec_model *
trained(const struct model_case *mc, const void *hp, const struct rec_ratings *r,
        const struct rec_ratings *valid, const struct rec_train_opts *o,
        struct rec_train_result *res, struct rec_err *err)
{
	struct rec_model *m = NULL;

	if (mc->epochs == 0)
		return mc->make(hp, r, o->seed, err);
	return rec_train(&m, mc->make, hp, r, valid, o, res, err) == 0 ? m : NULL;
}

/* Both models give the same predictions, bit for bit, for known and
 * unknown users and items, all on the star scale. */
static int
same_predictions(const struct rec_model *a, const struct rec_model *b)
{
	int64_t users[] = { 100, 105, 111, 999, 100, 999 };
	int64_t items[] = { 200, 208, 203, 200, 999, 999 };
	float pa[6], pb[6];
	struct rec_unknown ua = { 0 }, ub = { 0 };

	rec_model_predict_ids(a, users, items, 6, pa, &ua);
	rec_model_predict_ids(b, users, items, 6, pb, &ub);
	for (int j = 0; j < 6; j++)
		if (a->ranking ? !isfinite(pa[j]) : !(pa[j] >= 0.5f && pa[j] <= 5.0f))
			return 0;
	/* 999 is no id; a model may know fewer items than the toy has */
	return ua.users == 2 && ua.items >= 2 && ub.users == ua.users &&
	       ub.items == ua.items && memcmp(pa, pb, sizeof pa) == 0;
}

/* rank_scores puts user u's items in predict's order (a score may be a
 * monotone function of the prediction, not the prediction itself). */
static int
ranks_as_it_predicts(const struct rec_model *m, int32_t u)
{
	int32_t us[9], is[9];
	float rank[9], pred[9];
	struct rec_err err = { 0 };
	const int ni = (int)m->items.n;

	if (ni > 9 || m->ops->rank_scores(m, &u, 1, rank, &err) != 0)
		return 0;
	for (int i = 0; i < ni; i++)
		us[i] = u, is[i] = i;
	m->ops->predict(m, us, is, (size_t)ni, pred);
	for (int i = 0; i < ni; i++)
		for (int j = 0; j < ni; j++)
			if (rank[i] > rank[j] + 1e-5f && pred[i] < pred[j])
				return 0;
	return 1;
}

/* The file's metadata holds each saved hyperparameter of the model's
 * description, with hp's value, and its model name. */
static int
metadata_is_the_description(const char *buf, size_t len,
                            const struct rec_hparams_desc *desc, const void *hp)
{
	struct rec_st *st = NULL;
	char text[REC_HP_TEXT];
	int ok = rec_st_load_mem(&st, buf, len, "m.st", NULL) == 0;

	ok = ok && strcmp(rec_st_meta(st, "model"), desc->model) == 0;
	for (int j = 0; ok && j < desc->n; j++) {
		const char *v = desc->p[j].key ? rec_st_meta(st, desc->p[j].key) : NULL;
		char dflt[REC_HP_TEXT];
		rec_hparam_format(&desc->p[j], hp, text);
		rec_hparam_format(&desc->p[j], desc->defaults, dflt);
		if (desc->p[j].new_key && strcmp(text, dflt) == 0)
			ok = !v;   /* a new key is left out at its default */
		else if (desc->p[j].key)
			ok = v && strcmp(v, text) == 0;
	}
	rec_st_free(st);
	return ok;
}

/* ---- the tests ---- */

TEST(models_learn_save_load_and_predict_the_same)
{
	struct rec_ratings *r = toy();

	side_make();
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct model_case *mc = &cases[c];
		union hparams hp;
		struct rec_train_opts o = { .epochs = mc->epochs, .patience = 5, .seed = 7 };
		struct rec_train_result res;
		struct rec_model *m0, *m = NULL, *m2 = NULL, *back = NULL, *copy;
		struct rec_err err = { 0 };
		size_t len = 0, len2 = 0, len3 = 0;
		char *a = NULL, *b = NULL, *again = NULL;
		int fails = check_failed;

		check_failed = 0;
		mc->hparams(&hp);
		m0 = mc->make(&hp, r, 7, &err);
		CHECK(m0 != NULL);
		CHECK((m = trained(mc, &hp, r, NULL, &o, &res, &err)) != NULL);
		CHECK((m2 = trained(mc, &hp, r, NULL, &o, &res, &err)) != NULL);
		if (!m0 || !m || !m2)
			goto next;
		CHECK(mc->epochs == 0 ||
		      (res.epochs_run == mc->epochs && res.best_epoch == mc->epochs));
		/* it learns */
		if (!m->ranking)
			CHECK(quality(m, r) < mc->learns * quality(m0, r));
		else
			CHECK(quality(m, r) >= mc->learns &&
			      (mc->epochs == 0 || quality(m, r) > quality(m0, r)));
		/* the same seed, the same bytes */
		a = save(m, &len);
		b = save(m2, &len2);
		CHECK(len == len2 && memcmp(a, b, len) == 0);
		CHECK(metadata_is_the_description(a, len, mc->desc, &hp));
		/* a file loads, predicts the same, ranks as it predicts, and is
		 * written again byte for byte */
		if ((back = load(a, len))) {
			CHECK(strcmp(back->ops->name, m->ops->name) == 0);
			CHECK(same_predictions(m, back));
			CHECK(ranks_as_it_predicts(back, 4) && ranks_as_it_predicts(back, 0));
			again = save(back, &len3);
			CHECK(len3 == len && memcmp(a, again, len) == 0);
		}
		/* copy_weights makes a fresh model predict as the trained one */
		copy = mc->make(&hp, r, 99, &err);
		if (copy) {
			copy->ops->copy_weights(copy, m);
			CHECK(same_predictions(m, copy));
			rec_model_free(copy);
		}
	next:
		if (check_failed)
			fprintf(stderr, "  (model %s)\n", mc->name);
		check_failed |= fails;
		free(a);
		free(b);
		free(again);
		rec_model_free(m0);
		rec_model_free(m);
		rec_model_free(m2);
		rec_model_free(back);
	}
	side_free();
	rec_ratings_free(r);
}

static int epochs_seen;

static void
count_epoch(void *ctx, const struct rec_epoch *e)
{
	(void)ctx;
	CHECK(e->epoch >= 1 && !isnan(e->loss));
	epochs_seen++;
}

/* With a validation set the model cannot learn, every model stops after
 * patience epochs without a better one, and the refit runs the best
 * number of epochs on train + valid. */
TEST(models_stop_early_and_refit)
{
	struct rec_ratings *r = toy(), *valid = rec_ratings_new();

	for (int u = 0; u < 12; u++)
		CHECK(rec_ratings_push(valid, 100 + u, 200 + u % 9, u % 2 ? 5.0f : 0.5f,
		                       2000, u + 1, NULL) == 0);
	side_make();
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct model_case *mc = &cases[c];
		union hparams hp;
		struct rec_train_opts o = { .epochs = 300, .patience = 2, .seed = 3,
		                            .refit = 1, .on_epoch = count_epoch };
		struct rec_train_result res;
		struct rec_model *m = NULL;
		struct rec_err err = { 0 };

		if (mc->epochs == 0)   /* no epochs: rec_train refuses it */
			continue;
		mc->hparams(&hp);
		epochs_seen = 0;
		CHECK(rec_train(&m, mc->make, &hp, r, valid, &o, &res, &err) == 0);
		CHECK(res.epochs_run < 300 && res.epochs_run - res.best_epoch == 2);
		CHECK(epochs_seen == res.epochs_run + res.best_epoch);
		CHECK(m && m->users.n == 12);
		if (check_failed)
			fprintf(stderr, "  (model %s)\n", mc->name);
		rec_model_free(m);
	}
	side_free();
	rec_ratings_free(r);
	rec_ratings_free(valid);
}

/* Every allocation of make, two epochs of training with validation,
 * save and load fails in turn (and every one after it): each run ends
 * with "out of memory" and frees everything (LeakSanitizer), until the
 * whole works. */
TEST(models_out_of_memory)
{
	struct rec_ratings *r = toy();

	side_make();
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct model_case *mc = &cases[c];
		union hparams hp;
		struct rec_train_opts o = { .epochs = 2, .patience = 5, .seed = 1 };
		long n;

		mc->hparams(&hp);
		for (n = 0; n < 100000; n++) {
			struct rec_err err = { 0 };
			struct rec_train_result res;
			struct rec_model *m = NULL, *back = NULL;
			char *buf = NULL;
			size_t len = 0;
			int rc;

			rec_alloc_fail_after(n, 1);
			rc = (m = trained(mc, &hp, r, r, &o, &res, &err)) ? 0 : -1;
			if (rc == 0) {
				FILE *fp = open_memstream(&buf, &len);
				rc = rec_model_save(m, fp, "m.st", NULL, NULL, 0, &err);
				fclose(fp);
			}
			if (rc == 0) {
				FILE *fp = fmemopen(buf, len, "r");
				rc = rec_model_load(&back, fp, "m.st", &err);
				fclose(fp);
			}
			rec_alloc_fail_after(-1, 0);
			rec_model_free(m);
			rec_model_free(back);
			free(buf);
			if (rc == 0)
				break;
			if (strcmp(err.msg, "out of memory") != 0) {
				fprintf(stderr, "  (model %s, allocation %ld: %s)\n", mc->name,
				        n, err.msg);
				CHECK(strcmp(err.msg, "out of memory") == 0);
				break;
			}
		}
		CHECK(n > 5 && n < 100000);
	}
	side_free();
	rec_ratings_free(r);
}
