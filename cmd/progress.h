/*
 * progress.h - what trainers show while they train: a live line on a
 * terminal, one line an epoch on standard error otherwise, nothing with
 * --quiet; and the --log file, one TSV row an epoch under a header.
 */
#ifndef REC_PROGRESS_H
#define REC_PROGRESS_H

#include "cli.h"
#include "rec/model.h"

struct rec_progress {
	const char *prog;
	int quiet, tty, epochs;
	int has_log;
	struct rec_output log;
};

/* Start: log_path may be NULL; epochs is the most the first phase runs. */
void rec_progress_open(struct rec_progress *p, const char *prog,
                       const char *log_path, int quiet, int epochs);

/* A struct rec_train_opts on_epoch callback (ctx is the progress). */
void rec_progress_epoch(void *ctx, const struct rec_epoch *e);

/* Finish the live line, say which epoch was kept, commit the log. */
void rec_progress_close(struct rec_progress *p, const struct rec_train_result *r);

#endif
