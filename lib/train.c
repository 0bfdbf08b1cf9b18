/*
 * train.c - the training driver every model shares: epochs, early
 * stopping on validation RMSE (a ranking model: NDCG at 10) with the
 * best weights kept, and the refit on train + valid (see model.h).
 */
#include <math.h>
#include <time.h>

#include "rec/dist.h"
#include "rec/model.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whether v is better than best: a lower RMSE, or for a ranking model a
 * higher NDCG (also when best is still NaN). */
static int
better(const struct rec_model *m, const struct rec_valid *v,
       const struct rec_valid *best)
{
	return m->ranking ? !(v->ndcg <= best->ndcg) : !(v->rmse >= best->rmse);
}

/* Run up to epochs epochs of m on train.  With valid, keep the best
 * epoch's weights in best (made by make) and stop after patience epochs
 * without improvement.  With taking (train itself, given away), the
 * model may take train's rows first (ops->take). */
static int
run(struct rec_model *m, struct rec_model *best, const struct rec_ratings *train,
    struct rec_ratings *taking, const struct rec_ratings *valid, int epochs,
    int refit, const struct rec_train_opts *o, struct rec_train_result *res,
    struct rec_err *err)
{
	struct rec_rng rng;
	struct rec_epoch e = { 0 };

	/* The data order and dropout stream; the model's initial weights
	 * were drawn from the seed by make. */
	rec_rng_seed(&rng, rec_rng_mix(o->seed) ^ 0x5eed);
	res->best = (struct rec_valid)REC_VALID_NONE;
	if (taking && m->ops->take && m->ops->take(m, taking, &rng, err) != 0)
		return -1;
	for (e.epoch = 1; e.epoch <= epochs; e.epoch++) {
		double t0 = now();
		e.refit = refit;
		if (m->ops->epoch(m, train, &rng, &e.loss, err) != 0)
			return -1;
		e.valid = (struct rec_valid)REC_VALID_NONE;
		if (valid && rec_model_validate(m, valid, train, &e.valid, err) != 0)
			return -1;
		e.nextra = m->ops->epoch_extra ? m->ops->epoch_extra(m, e.extra) : 0;
		e.seconds = now() - t0;
		if (!isfinite(e.loss))
			return rec_errf(err, NULL, 0, "training diverged at epoch %d "
			                "(loss is %g); try a smaller --lr", e.epoch, e.loss);
		if (o->on_epoch)
			o->on_epoch(o->ctx, &e);
		res->epochs_run = e.epoch;
		if (!valid) {
			res->best_epoch = e.epoch;
			continue;
		}
		if (better(m, &e.valid, &res->best)) {
			res->best = e.valid;
			res->best_epoch = e.epoch;
			m->ops->copy_weights(best, m);
		} else if (e.epoch - res->best_epoch >= o->patience) {
			break;
		}
	}
	return 0;
}

/* rec_train, and with taking (train itself, no valid) rec_train_taking. */
static int
train_model(struct rec_model **out, rec_model_make_fn *make, const void *hp,
            const struct rec_ratings *train, struct rec_ratings *taking,
            const struct rec_ratings *valid, const struct rec_train_opts *o,
            struct rec_train_result *res, struct rec_err *err)
{
	struct rec_model *m = NULL, *best = NULL;
	struct rec_ratings *all = NULL;
	struct rec_train_result refit_res;
	int rc = -1;

	*out = NULL;
	if (!(m = make(hp, train, o->seed, err)))
		return -1;
	if (!m->ops->epoch) {
		rec_errf(err, NULL, 0, "a '%s' model has no epochs", m->ops->name);
		goto out;
	}
	if (valid && !(best = make(hp, train, o->seed, err)))
		goto out;
	if (run(m, best, train, taking, valid, o->epochs, 0, o, res, err) != 0)
		goto out;
	if (!valid) {
		*out = m;
		m = NULL;
	} else if (!o->refit) {
		*out = best;
		best = NULL;
	} else {
		all = rec_ratings_concat(train, valid, err);
		if (rec_dist_agree(all ? 0 : -1, err) != 0)   /* a job's, every rank's */
			goto out;
		rec_model_free(m);
		if (!(m = make(hp, all, o->seed, err)))
			goto out;
		if (run(m, NULL, all, NULL, NULL, res->best_epoch, 1, o, &refit_res, err) != 0)
			goto out;
		*out = m;
		m = NULL;
	}
	rc = 0;
out:
	rec_model_free(m);
	rec_model_free(best);
	rec_ratings_free(all);
	return rc;
}

int
rec_train(struct rec_model **out, rec_model_make_fn *make, const void *hp,
          const struct rec_ratings *train, const struct rec_ratings *valid,
          const struct rec_train_opts *o, struct rec_train_result *res,
          struct rec_err *err)
{
	return train_model(out, make, hp, train, NULL, valid, o, res, err);
}

int
rec_train_taking(struct rec_model **out, rec_model_make_fn *make,
                 const void *hp, struct rec_ratings *train,
                 const struct rec_train_opts *o,
                 struct rec_train_result *res, struct rec_err *err)
{
	return train_model(out, make, hp, train, train, NULL, o, res, err);
}
