/*
 * trainer.h - what every rec-train-* program shares: the common options
 * (DESIGN.md section 4), reading the training and validation streams,
 * progress (a live line on a terminal, one line an epoch on standard
 * error otherwise, nothing with --quiet), the --log file (one TSV row an
 * epoch under a header), and saving the model with its provenance.
 */
#ifndef REC_TRAINER_H
#define REC_TRAINER_H

#include <getopt.h>

#include "cli.h"
#include "rec/model.h"

/* The long options every trainer takes, for its getopt_long table; their
 * short codes are those rec_trainer_option handles ("qo:hV" for the
 * short options). */
#define REC_TRAINER_LONGOPTS \
	{ "epochs",   required_argument, NULL, 'e' }, \
	{ "seed",     required_argument, NULL, 's' }, \
	{ "valid",    required_argument, NULL, 'v' }, \
	{ "patience", required_argument, NULL, 'p' }, \
	{ "refit",    no_argument,       NULL, 'R' }, \
	{ "log",      required_argument, NULL, 'L' }, \
	{ "quiet",    no_argument,       NULL, 'q' }, \
	{ "output",   required_argument, NULL, 'o' }, \
	{ "help",     no_argument,       NULL, 'h' }, \
	{ "version",  no_argument,       NULL, 'V' }

/* Their help lines; EPOCHS is the default, a string literal. */
#define REC_TRAINER_HELP(EPOCHS) \
"      --epochs N       epochs at most (" EPOCHS "; with --valid 200, as early\n" \
"                       stopping decides)\n" \
"      --seed S         seed of the initial weights, order and dropout (1)\n" \
"      --valid FILE     validation ratings: keep the epoch of lowest RMSE\n" \
"      --patience N     with --valid: stop after N epochs without a better\n" \
"                       validation RMSE (5)\n" \
"      --refit          with --valid: then train afresh on train + valid for\n" \
"                       the best number of epochs\n" \
"      --log FILE       one TSV row an epoch, written as it ends: phase epoch\n" \
"                       loss valid_rmse valid_precision@10 valid_recall@10\n" \
"                       valid_f1@10 seconds\n" \
"  -q, --quiet          no progress on standard error\n" \
"  -o, --output FILE    write the model to FILE (atomically)\n" \
"  -h, --help           show this help and exit\n" \
"  -V, --version        show the version and exit\n"

struct rec_trainer {
	struct rec_train_opts to;
	const char *valid_path, *log_path, *out_path;
	int quiet;
	int patience_set;   /* --patience was given */
	/* More --log columns after seconds, e.g. "\tattn_0\tattn_1": the
	 * header of the model's epoch_extra numbers (NULL: none). */
	const char *log_extra;
};

/* Defaults: seed 1, patience 5, epochs set by rec_trainer_check. */
void rec_trainer_init(struct rec_trainer *t);

/* Take option c (with its argument) if it is a common one: returns 1,
 * or 0 when the program must handle it. */
int rec_trainer_option(struct rec_trainer *t, int c, const char *arg,
                       const char *help);

/* After the options: check them (the training input is argv[optind_],
 * or standard input when there is none); epochs defaults to epochs, or
 * 200 with --valid. */
void rec_trainer_check(struct rec_trainer *t, int argc, char **argv,
                       int optind_, int epochs);

/* The whole run: refuse a terminal, read train (NULL: standard input)
 * and --valid, train the model make(hp) with progress and log, save it
 * with its provenance (seed, epochs, refit), commit.  Exits on error. */
void rec_trainer_run(struct rec_trainer *t, const char *prog,
                     const char *train_path, rec_model_make_fn *make,
                     const void *hp);

#endif
