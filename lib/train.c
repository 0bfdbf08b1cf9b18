/*
 * train.c - the training driver every model shares: epochs, early
 * stopping on validation RMSE with the best weights kept, and the refit
 * on train + valid (see model.h).
 */
#include <math.h>
#include <time.h>

#include "rec/model.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run up to epochs epochs of m on train.  With valid, keep the best
 * epoch's weights in best (made by make) and stop after patience epochs
 * without improvement. */
static int
run(struct rec_model *m, struct rec_model *best, const struct rec_ratings *train,
    const struct rec_ratings *valid, int epochs, int refit,
    const struct rec_train_opts *o, struct rec_train_result *res,
    struct rec_err *err)
{
	struct rec_rng rng;
	struct rec_epoch e = { 0 };

	/* The data order and dropout stream; the model's initial weights
	 * were drawn from the seed by make. */
	rec_rng_seed(&rng, rec_rng_mix(o->seed) ^ 0x5eed);
	res->best_rmse = NAN;
	for (e.epoch = 1; e.epoch <= epochs; e.epoch++) {
		double t0 = now();
		e.refit = refit;
		if (m->ops->epoch(m, train, &rng, &e.loss, err) != 0)
			return -1;
		e.valid = (struct rec_valid){ NAN, NAN, NAN, NAN };
		if (valid && rec_model_validate(m, valid, &e.valid, err) != 0)
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
		if (!(e.valid.rmse >= res->best_rmse)) {   /* also when best is NAN */
			res->best_rmse = e.valid.rmse;
			res->best_epoch = e.epoch;
			m->ops->copy_weights(best, m);
		} else if (e.epoch - res->best_epoch >= o->patience) {
			break;
		}
	}
	return 0;
}

/* All rows of a, then all rows of b, in a new table. */
static struct rec_ratings *
concat(const struct rec_ratings *a, const struct rec_ratings *b,
       struct rec_err *err)
{
	struct rec_ratings *r = rec_ratings_new();
	const struct rec_ratings *parts[2] = { a, b };

	if (!r) {
		rec_erroom(err, NULL);
		return NULL;
	}
	for (int p = 0; p < 2; p++) {
		const struct rec_ratings *s = parts[p];
		for (size_t i = 0; i < s->n; i++) {
			if (rec_ratings_push(r, s->users.ids[s->user[i]],
			                     s->items.ids[s->item[i]], s->rating[i],
			                     s->ts[i], (long)r->n + 1, err) != 0) {
				rec_ratings_free(r);
				return NULL;
			}
		}
	}
	return r;
}

int
rec_train(struct rec_model **out, rec_model_make_fn *make, const void *hp,
          const struct rec_ratings *train, const struct rec_ratings *valid,
          const struct rec_train_opts *o, struct rec_train_result *res,
          struct rec_err *err)
{
	struct rec_model *m = NULL, *best = NULL;
	struct rec_ratings *all = NULL;
	struct rec_train_result refit_res;
	int rc = -1;

	*out = NULL;
	if (!(m = make(hp, train, o->seed, err)))
		return -1;
	if (valid && !(best = make(hp, train, o->seed, err)))
		goto out;
	if (run(m, best, train, valid, o->epochs, 0, o, res, err) != 0)
		goto out;
	if (!valid) {
		*out = m;
		m = NULL;
	} else if (!o->refit) {
		*out = best;
		best = NULL;
	} else {
		if (!(all = concat(train, valid, err)))
			goto out;
		rec_model_free(m);
		if (!(m = make(hp, all, o->seed, err)))
			goto out;
		if (run(m, NULL, all, NULL, res->best_epoch, 1, o, &refit_res, err) != 0)
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
