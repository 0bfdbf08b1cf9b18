/*
 * model.h - the one face of every rating model (MF now; NCF, LSTM and
 * AttnGraphRec later), and the training driver they share.
 *
 * A model knows the users and items it was trained on (two id maps) and
 * predicts ratings on the star scale.  Unknown users or items get the
 * model's documented fallback, never an error.  Files are safetensors
 * with metadata format = "rec-model/1" and model = the model's name.
 */
#ifndef REC_MODEL_H
#define REC_MODEL_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/ratings.h"
#include "rec/rng.h"
#include "rec/st.h"
#include "rec/util.h"

#define REC_MODEL_FORMAT "rec-model/1"

struct rec_model;

/* Rank scores as factors (rank_factors): user u's score of item i is
 * item_term[i] + the dot product of user(m, u) and item[i dim ..], the
 * product summed as rec_sgemm sums it (gemm.h; MF's rank_scores, on
 * OpenBLAS, gives the same bits on x86-64 with FMA); an unknown user
 * (-1) has a vector of zeros.  The pointers live as long as the model. */
struct rec_rank_factors {
	int dim;                  /* may be 0: the item terms alone */
	const float *item;        /* (items.n, dim) */
	const float *item_term;   /* (items.n) */
	const float *(*user)(const struct rec_model *m, int32_t u);   /* dim */
};

struct rec_model_ops {
	const char *name;     /* "mf" */
	/* One pass over the rows of train (whose dense indices are the
	 * model's); *loss = the mean training objective. */
	int (*epoch)(struct rec_model *m, const struct rec_ratings *train,
	             struct rec_rng *rng, double *loss, struct rec_err *err);
	/* out[j] = predicted rating of (user[j], item[j]) on the star scale;
	 * indices are the model's dense ones, -1 for unknown. */
	void (*predict)(const struct rec_model *m, const int32_t *user,
	                const int32_t *item, size_t n, float *out);
	/* out (n, items.n) = scores that rank the items for each of the n
	 * users (-1: unknown) as predict would, possibly cheaper (MF: no
	 * sigmoid, one sgemm).  Used by top-K lists. */
	int (*rank_scores)(const struct rec_model *m, const int32_t *user,
	                   size_t n, float *out, struct rec_err *err);
	/* 1: rank_scores may run on several threads at once, each its own
	 * users and out (it reads the model, nothing else), so that top-K
	 * lists score a block's users on every thread; 0: on one. */
	int rank_scores_reentrant;
	/* May be NULL.  A model whose rank scores are an item's term plus
	 * the dot product of the user's vector and the item's (MF: b_i +
	 * p_u . q_i) describes them in *f, for top-K lists computed a tile
	 * at a time (recommend.h), which then never call rank_scores. */
	void (*rank_factors)(const struct rec_model *m,
	                     struct rec_rank_factors *f);
	/* Copy the weights of src (same shape) into dst. */
	void (*copy_weights)(struct rec_model *dst, const struct rec_model *src);
	/* Write the model as a safetensors file, with the model's own
	 * metadata and then the n extra pairs key[j] = val[j]. */
	int (*save)(const struct rec_model *m, FILE *fp, const char *file,
	            const char *const *key, const char *const *val, size_t n,
	            struct rec_err *err);
	/* 1: save is a collective (dist.h) that every rank calls, and that
	 * gathers to rank 0 what each rank holds alone; 0: rank 0 alone
	 * calls it. */
	int save_gathers;
	void (*free)(struct rec_model *m);
	/* May be NULL.  Numbers about the last epoch for the --log rows
	 * (AttnGraphRec: the mean attention weight of each layer) into out
	 * (REC_EPOCH_EXTRA); returns how many. */
	int (*epoch_extra)(const struct rec_model *m, double *out);
	/* Models that read a user's ratings at scoring time (NULL for the
	 * others, which score from what they learned of the user): replace
	 * every user's history by the rows of h (by data-set id; each
	 * user's in time order, ties in row order).  A sequence model (the
	 * LSTM) adds the users it does not know (a history, no embedding)
	 * and leaves out the items it does not know; EASE adds
	 * the users (a user is only a history to it); MF folds in the users
	 * it does not know (their vectors fitted with the items' fixed) and
	 * leaves the others as trained.  predict and
	 * rank_scores then use each user's latest entries. */
	int (*set_history)(struct rec_model *m, const struct rec_ratings *h,
	                   struct rec_err *err);
	/* Sequence models only: as predict, each pair as of time ts[j], with
	 * the user's history entries strictly before ts[j] (entries of
	 * unknown time, as a model file's own, count as before any time). */
	int (*predict_at)(const struct rec_model *m, const int32_t *user,
	                  const int32_t *item, const int64_t *ts, size_t n,
	                  float *out, struct rec_err *err);
	/* May be NULL.  Before the first epoch, when the caller gives train
	 * away (rec_train_taking): keep its rows in a form of the model's
	 * own, leaving train with no rows (its id maps kept), so that the
	 * ratings are not held twice; the epochs then get the emptied table
	 * and train on what was kept.  rng is the epochs' own, drawn from
	 * as the first epoch would.  A model may also keep nothing. */
	int (*take)(struct rec_model *m, struct rec_ratings *train,
	            struct rec_rng *rng, struct rec_err *err);
};

struct rec_model {
	const struct rec_model_ops *ops;
	struct rec_idmap users, items;   /* owned copies */
	int ranking;          /* 1: a ranking model (trained on implicit
	                       * feedback): its scores rank items and are on
	                       * no star scale; predict gives them too */
};

/* Builds a fresh model for the rows of r (hp: the model's own
 * hyperparameters; the model's dense indices are r's). */
typedef struct rec_model *rec_model_make_fn(const void *hp,
                                             const struct rec_ratings *r,
                                             uint64_t seed, struct rec_err *err);

/* ---- using a model ---- */

/* Load any model file (dispatching on its metadata).  Caller frees. */
int rec_model_load(struct rec_model **out, FILE *fp, const char *file,
                   struct rec_err *err);
void rec_model_free(struct rec_model *m);   /* NULL-safe */
/* Save with extra metadata (provenance: seed, epochs, ...).  A
 * collective (dist.h): rank 0 writes the file, with what it gathers of
 * the other ranks' parts (EASE: their users' histories); the other
 * ranks write nothing to fp. */
int rec_model_save(const struct rec_model *m, FILE *fp, const char *file,
                   const char *const *key, const char *const *val, size_t n,
                   struct rec_err *err);

struct rec_unknown {
	size_t users, items;   /* pairs with an unknown user, an unknown item */
};

/* Predict n pairs given by data-set ids; counts unknowns into unk. */
void rec_model_predict_ids(const struct rec_model *m, const int64_t *user,
                           const int64_t *item, size_t n, float *out,
                           struct rec_unknown *unk);

/* Whether m reads users' histories (set_history; a sequence model also
 * predict_at). */
static inline int
rec_model_reads_history(const struct rec_model *m)
{
	return m->ops->set_history != NULL;
}

/* Replace the users' histories of a sequence model (set_history); -1
 * with "a 'mf' model reads no history" for any other. */
int rec_model_set_history(struct rec_model *m, const struct rec_ratings *h,
                          struct rec_err *err);

/* As rec_model_predict_ids, each pair as of time ts[j] (predict_at); a
 * model that reads no history just predicts. */
int rec_model_predict_ids_at(const struct rec_model *m, const int64_t *user,
                             const int64_t *item, const int64_t *ts, size_t n,
                             float *out, struct rec_unknown *unk,
                             struct rec_err *err);

/* ---- training ---- */

/* A model's quality on a validation set.  A rating model: RMSE on the
 * star scale, and the rated-items precision, recall and F1 at 10
 * (threshold 3.5) of rec-eval(1), so that learning curves show what the
 * study plots.  A ranking model: the full-ranking NDCG at 10 of
 * rec-eval(1) (relevant: rated at least 3.5; every item of the model
 * ranked but the user's training items).  What does not apply is NaN. */
struct rec_valid {
	double rmse, precision, recall, f1, ndcg;
};

#define REC_VALID_NONE { NAN, NAN, NAN, NAN, NAN }
#define REC_RELEVANT 3.5   /* a validation rating this high is relevant */
#define REC_VALID_K 10     /* the lists' length */

#define REC_EPOCH_EXTRA 32

struct rec_epoch {
	int epoch;            /* 1-based, within the phase */
	int refit;            /* 0 while fitting, 1 while refitting */
	double loss;          /* mean training objective */
	struct rec_valid valid;   /* all NAN without a validation set */
	double seconds;       /* wall time of the epoch */
	int nextra;           /* the model's epoch_extra numbers */
	double extra[REC_EPOCH_EXTRA];
};

struct rec_train_opts {
	int epochs;           /* at most this many */
	int patience;         /* with valid: stop after this many epochs
	                       * without a better validation RMSE */
	int refit;            /* with valid: train afresh on train + valid for
	                       * the best number of epochs */
	uint64_t seed;
	/* Called after each epoch (progress, logs); may be NULL. */
	void (*on_epoch)(void *ctx, const struct rec_epoch *e);
	void *ctx;
};

struct rec_train_result {
	int epochs_run;       /* in the first phase */
	int best_epoch;       /* the epoch kept (or refitted to) */
	struct rec_valid best;   /* its validation numbers; NaN without valid */
};

/* Train a model made by make(hp, ...) on train.  With valid (may be
 * NULL): early stopping on validation RMSE (a ranking model: NDCG at 10),
 * the best epoch's weights kept, or (refit) a fresh model trained on
 * train + valid for the best number of epochs.  Same seed, same result.
 * A model without epochs (ops->epoch NULL: a closed form) is refused. */
int rec_train(struct rec_model **out, rec_model_make_fn *make, const void *hp,
              const struct rec_ratings *train, const struct rec_ratings *valid,
              const struct rec_train_opts *o, struct rec_train_result *res,
              struct rec_err *err);

/* rec_train without validation, for a caller that gives train away: a
 * model that can (ops->take: MF by per-rating SGD) takes its rows before
 * the first epoch, which leaves train with no rows but its id maps.  The
 * model is the one rec_train makes. */
int rec_train_taking(struct rec_model **out, rec_model_make_fn *make,
                     const void *hp, struct rec_ratings *train,
                     const struct rec_train_opts *o,
                     struct rec_train_result *res, struct rec_err *err);

/* m's quality on r (struct rec_valid); for a ranking model, train (may
 * be NULL) holds the items each user is not to be recommended.  A
 * collective (dist.h): r and train may be this rank's parts, each
 * user's rows on one rank (shard.h), as a ranking model's NDCG is
 * averaged over every rank's users; a rating model's numbers are those
 * of one rank's part (the rating trainers run as one process). */
int rec_model_validate(const struct rec_model *m, const struct rec_ratings *r,
                       const struct rec_ratings *train, struct rec_valid *v,
                       struct rec_err *err);

/* ---- for model implementations ---- */

/* A rank_scores for models without a shortcut: out[j][i] = predict's
 * rating of (user[j], i) for every item i. */
int rec_model_rank_by_predict(const struct rec_model *m, const int32_t *user,
                              size_t n, float *out, struct rec_err *err);

/* Copy r's id maps into m; or only its users'. */
int rec_model_init_maps(struct rec_model *m, const struct rec_ratings *r,
                        struct rec_err *err);
int rec_model_init_users(struct rec_model *m, const struct rec_ratings *r,
                         struct rec_err *err);

/* Build an id map from an I64 tensor (the ids must be distinct and
 * non-negative). */
int rec_model_load_map(struct rec_idmap *map, const struct rec_st *st,
                       const char *name, int64_t n, struct rec_err *err);

/* Fail on a tensor of st that is neither an id map, nor one of p's (p
 * may be NULL), nor named in also (NULL-terminated; may be NULL):
 * "unexpected tensor 'X'". */
struct rec_params;
int rec_model_no_extra(const struct rec_st *st, const struct rec_params *p,
                       const char *const *also, struct rec_err *err);

/* Write a model file: the nt tensors t, and the metadata format, model
 * (desc's), every saved hyperparameter of hp (desc), the model's own n
 * pairs key[j] = val[j] (sizes that are not hyperparameters), then the
 * caller's nx pairs xkey[j] = xval[j] (provenance).  rec_st_write's
 * errors. */
struct rec_hparams_desc;
int rec_model_write(FILE *fp, const char *file, const struct rec_hparams_desc *desc,
                    const void *hp, const struct rec_tensor *t, size_t nt,
                    const char *const *key, const char *const *val, size_t n,
                    const char *const *xkey, const char *const *xval, size_t nx,
                    struct rec_err *err);

/* Describe the id maps of m as the tensors user_ids and item_ids. */
void rec_model_map_tensors(const struct rec_model *m, struct rec_tensor t[2]);

/* Where a model's make starts: 0 when r has ratings to train on, else
 * -1 with "no ratings to train on".  A collective (dist.h): r may be
 * this rank's part, the count is the job's. */
int rec_model_has_ratings(const struct rec_ratings *r, struct rec_err *err);

/* The logit of the mean training rating on [0, 1] (clamped to [0.01,
 * 0.99]): where a model's global bias starts.  A collective (dist.h): r
 * may be this rank's part, the mean is the job's.  The rows of every
 * rank together must not be none. */
float rec_model_mean_logit(const struct rec_ratings *r);

/* The star scale and the [0, 1] training scale. */
static inline float rec_to_unit(float r) { return (r - 0.5f) / 4.5f; }
static inline float rec_to_stars(float y) { return 0.5f + 4.5f * y; }

#endif
