/* rec-train-ease - fit EASE, a ranking model in closed form, on a ratings stream */
#include <cblas.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "rec/ease.h"
#include "trainer.h"

static const char about[] =
"Fit EASE (Steck 2019) on a ratings stream and write the model file: the\n"
"item-item weights B = I - P diag(1 / diag(P)), P = (X^T X + lambda I)^-1,\n"
"where x_ui = 1 when user u rated item i at least --positive stars.  A\n"
"user's scores are x_u B; the model ranks items (rec-score --top K) and\n"
"predicts no ratings.  With --seq-weight W, a user's scores add W s_u T,\n"
"T the ridge regression of each next item on the decayed items before it\n"
"(the transition model of SLIST).  With --valid, every lambda of --grid\n"
"is fitted and the one of the best validation NDCG@10 kept (--log: one\n"
"row each).\n";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Fit with lambda on train; exits on error. */
static struct rec_model *
fit(struct rec_ease_hparams *hp, float lambda, const struct rec_ratings *train)
{
	struct rec_err err = { 0 };
	struct rec_model *m;

	hp->lambda = lambda;
	m = rec_ease_make(hp, train, 0, &err);
	rec_cli_agree(m ? 0 : -1, &err);
	return m;
}

int
main(int argc, char *argv[])
{
	struct rec_ease_hparams hp = REC_EASE_DEFAULTS;
	struct rec_ratings *train, *valid = NULL, *all = NULL;
	struct rec_model *m = NULL;
	struct rec_output log = { 0 };
	struct rec_err err = { 0 };
	struct rec_trainer t;
	double best_ndcg = -1;
	float best_lambda = 0;

	rec_trainer_parse(&t, argc, argv, "rec-train-ease", about, NULL,
	                  &rec_ease_desc, &hp, NULL, 0, 0);
	if (!t.valid_path && rec_trainer_given(&t, "grid"))
		rec_cli_usage_error("--grid goes with --valid FILE");
	if (t.valid_path && rec_trainer_given(&t, "lambda"))
		rec_cli_usage_error("--lambda and --valid exclude each other: "
		                    "--valid picks one of --grid");
	/* a B that cannot fit in memory is refused, not swapped to death (in
	 * a job: each rank holds a B) */
	hp.mem_limit = 0.8 * (double)sysconf(_SC_PHYS_PAGES) *
	               (double)sysconf(_SC_PAGE_SIZE);
	openblas_set_num_threads(hp.threads);

	struct rec_output out = rec_cli_output(t.out_path, 1);
	train = rec_trainer_read(t.train_path, 0);
	if (!t.valid_path) {
		m = fit(&hp, hp.lambda, train);
	} else {
		valid = rec_trainer_read(t.valid_path, 0);
		if (t.log_path) {
			log = rec_cli_output_progress(t.log_path);
			fputs("lambda\tvalid_ndcg@10\tseconds\n", log.fp);
			rec_cli_flush(&log);
		}
		/* one model, B fitted again for each lambda (T, the sequential
		 * part, does not depend on it) */
		for (int g = 0; g < hp.ngrid; g++) {
			double t0 = now();
			struct rec_valid v;
			if (!m)
				m = fit(&hp, hp.grid[g], train);
			else
				rec_cli_agree(rec_ease_set_lambda(m, hp.grid[g], &err), &err);
			rec_cli_agree(rec_model_validate(m, valid, train, &v, &err), &err);
			if (t.log_path) {
				fprintf(log.fp, "%g\t%.6f\t%.3f\n", (double)hp.grid[g], v.ndcg,
				        now() - t0);
				rec_cli_flush(&log);
			}
			if (!t.quiet)
				fprintf(stderr, "rec-train-ease: lambda %g valid_ndcg@10 %.5f\n",
				        (double)hp.grid[g], v.ndcg);
			if (v.ndcg > best_ndcg) {   /* the first of equal ones */
				best_ndcg = v.ndcg;
				best_lambda = hp.grid[g];
			}
		}
		if (!t.quiet)
			fprintf(stderr, "rec-train-ease: best lambda %g, valid_ndcg@10 "
			        "%.5f\n", (double)best_lambda, best_ndcg);
		if (t.log_path)
			rec_cli_commit(&log);
		if (!t.to.refit && best_lambda != hp.grid[hp.ngrid - 1])
			rec_cli_agree(rec_ease_set_lambda(m, best_lambda, &err), &err);
		if (t.to.refit) {
			rec_model_free(m);
			all = rec_ratings_concat(train, valid, &err);
			rec_cli_agree(all ? 0 : -1, &err);
			m = fit(&hp, best_lambda, all);
		}
	}
	const char *key[] = { "refit" };
	const char *val[] = { t.to.refit ? "1" : "0" };
	rec_cli_agree(rec_model_save(m, out.fp, out.name, key, val, 1, &err), &err);
	rec_cli_commit(&out);
	rec_model_free(m);
	rec_ratings_free(train);
	rec_ratings_free(valid);
	rec_ratings_free(all);
	return rec_cli_exit(0);
}
