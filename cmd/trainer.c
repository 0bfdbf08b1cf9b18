/*
 * trainer.c - the common part of the rec-train-* programs (see trainer.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "trainer.h"

struct rec_progress {
	const char *prog;
	int quiet, tty, epochs;
	int has_log;
	struct rec_output log;
};

/* ---- progress and log ---- */

static void
rec_progress_open(struct rec_progress *p, const char *prog,
                  const char *log_path, const char *log_extra, int quiet,
                  int epochs)
{
	p->prog = prog;
	p->quiet = quiet;
	p->epochs = epochs;
	p->tty = isatty(STDERR_FILENO);
	p->has_log = log_path != NULL;
	if (p->has_log) {
		p->log = rec_cli_output_progress(log_path);
		fputs("phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\t"
		      "valid_recall@10\tvalid_f1@10\tseconds", p->log.fp);
		fprintf(p->log.fp, "%s\n", log_extra ? log_extra : "");
		rec_cli_flush(&p->log);
	}
}

/* A number for the log, or NA. */
static void
put_value(FILE *fp, double v)
{
	if (isnan(v))
		fputs("\tNA", fp);
	else
		fprintf(fp, "\t%.6f", v);
}

static void
rec_progress_epoch(void *ctx, const struct rec_epoch *e)
{
	struct rec_progress *p = ctx;
	const char *phase = e->refit ? "refit" : "fit";

	if (p->has_log) {
		fprintf(p->log.fp, "%s\t%d\t%.6f", phase, e->epoch, e->loss);
		put_value(p->log.fp, e->valid.rmse);
		put_value(p->log.fp, e->valid.precision);
		put_value(p->log.fp, e->valid.recall);
		put_value(p->log.fp, e->valid.f1);
		fprintf(p->log.fp, "\t%.3f", e->seconds);
		for (int j = 0; j < e->nextra; j++)
			put_value(p->log.fp, e->extra[j]);
		putc('\n', p->log.fp);
		rec_cli_flush(&p->log);   /* for tail -f, as the epoch ends */
	}
	if (p->quiet)
		return;
	fprintf(stderr, "%s%s: %s epoch %d/%d loss %.6f", p->tty ? "\r" : "",
	        p->prog, phase, e->epoch, p->epochs, e->loss);
	if (!isnan(e->valid.rmse))
		fprintf(stderr, " valid_rmse %.5f", e->valid.rmse);
	fprintf(stderr, " (%.2f s)%s", e->seconds, p->tty ? "\033[K" : "\n");
}

static void
rec_progress_close(struct rec_progress *p, const struct rec_train_result *r)
{
	if (!p->quiet) {
		if (p->tty)
			fputc('\n', stderr);
		if (!isnan(r->best_rmse))
			fprintf(stderr, "%s: best epoch %d, valid_rmse %.5f\n", p->prog,
			        r->best_epoch, r->best_rmse);
	}
	if (p->has_log)
		rec_cli_commit(&p->log);
}

/* ---- options and the run ---- */

void
rec_trainer_init(struct rec_trainer *t)
{
	*t = (struct rec_trainer){ .to = { .patience = 5, .seed = 1 } };
}

int
rec_trainer_option(struct rec_trainer *t, int c, const char *arg,
                   const char *help)
{
	switch (c) {
	case 'e': t->to.epochs = (int)rec_cli_count(arg, "--epochs", 1, 100000); break;
	case 's': t->to.seed = (uint64_t)rec_cli_count(arg, "--seed", 0, INT64_MAX); break;
	case 'v': t->valid_path = arg; break;
	case 'p':
		t->to.patience = (int)rec_cli_count(arg, "--patience", 1, 100000);
		t->patience_set = 1;
		break;
	case 'R': t->to.refit = 1; break;
	case 'L': t->log_path = arg; break;
	case 'q': t->quiet = 1; break;
	case 'o': t->out_path = arg; break;
	case 'h': rec_cli_help(help);
	case 'V': rec_cli_version();
	default:  return 0;
	}
	return 1;
}

void
rec_trainer_check(struct rec_trainer *t, int argc, char **argv, int optind_,
                  int epochs)
{
	const char *train = optind_ < argc ? argv[optind_] : "-";

	if (argc - optind_ > 1)
		rec_cli_usage_error("more than one input file");
	if (t->to.refit && !t->valid_path)
		rec_cli_usage_error("--refit needs --valid FILE");
	if (t->patience_set && !t->valid_path)
		rec_cli_usage_error("--patience needs --valid FILE");
	rec_cli_one_stdin((const char *const[]){ train, t->valid_path }, 2);
	rec_cli_distinct_outputs((const char *const[]){ t->out_path ? t->out_path :
	                         "-", t->log_path }, (const char *const[]){ "-o",
	                         "--log" }, 2);
	if (!t->to.epochs)
		t->to.epochs = t->valid_path ? 200 : epochs;
}

/* Read a ratings stream for training: strict TSV, no repeated rating. */
static struct rec_ratings *
read_ratings(const char *path)
{
	struct rec_input in = rec_cli_input(path);
	struct rec_ratings *r = rec_ratings_new();
	struct rec_err err = { 0 };
	size_t dups;

	if (!r)
		rec_cli_die("out of memory");
	if (rec_ratings_read_tsv(r, in.fp, in.name, &err) != 0 ||
	    rec_ratings_dedupe(r, REC_DEDUP_ERROR, in.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	return r;
}

void
rec_trainer_run(struct rec_trainer *t, const char *prog, const char *train_path,
                rec_model_make_fn *make, const void *hp)
{
	struct rec_ratings *train, *valid = NULL;
	struct rec_train_result res;
	struct rec_progress pr = { 0 };
	struct rec_model *m;
	struct rec_err err = { 0 };

	/* Refuse a terminal before the work, not after. */
	struct rec_output out = rec_cli_output(t->out_path, 1);
	train = read_ratings(train_path);
	if (t->valid_path)
		valid = read_ratings(t->valid_path);
	rec_progress_open(&pr, prog, t->log_path, t->log_extra, t->quiet, t->to.epochs);
	t->to.on_epoch = rec_progress_epoch;
	t->to.ctx = &pr;
	if (rec_train(&m, make, hp, train, valid, &t->to, &res, &err) != 0)
		rec_cli_fail(&err);
	rec_progress_close(&pr, &res);

	/* Provenance: the weights are those after "epochs" epochs. */
	char seed[24], epochs[16];
	snprintf(seed, sizeof seed, "%" PRIu64, t->to.seed);
	snprintf(epochs, sizeof epochs, "%d", res.best_epoch);
	const char *key[] = { "seed", "epochs", "refit" };
	const char *val[] = { seed, epochs, t->to.refit ? "1" : "0" };
	if (rec_model_save(m, out.fp, out.name, key, val, 3, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_commit(&out);
	rec_model_free(m);
	rec_ratings_free(train);
	rec_ratings_free(valid);
}
