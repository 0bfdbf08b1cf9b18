/*
 * progress.c - trainer progress and logs (see progress.h).
 */
#include <math.h>
#include <unistd.h>

#include "progress.h"

void
rec_progress_open(struct rec_progress *p, const char *prog,
                  const char *log_path, int quiet, int epochs)
{
	p->prog = prog;
	p->quiet = quiet;
	p->epochs = epochs;
	p->tty = isatty(STDERR_FILENO);
	p->has_log = log_path != NULL;
	if (p->has_log) {
		p->log = rec_cli_output(log_path, 0);
		fputs("phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\t"
		      "valid_recall@10\tvalid_f1@10\tseconds\n", p->log.fp);
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

void
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
		fprintf(p->log.fp, "\t%.3f\n", e->seconds);
	}
	if (p->quiet)
		return;
	fprintf(stderr, "%s%s: %s epoch %d/%d loss %.6f", p->tty ? "\r" : "",
	        p->prog, phase, e->epoch, p->epochs, e->loss);
	if (!isnan(e->valid.rmse))
		fprintf(stderr, " valid_rmse %.5f", e->valid.rmse);
	fprintf(stderr, " (%.2f s)%s", e->seconds, p->tty ? "\033[K" : "\n");
}

void
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
