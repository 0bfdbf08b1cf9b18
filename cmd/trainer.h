/*
 * trainer.h - what every rec-train-* program shares: its options, made
 * from the model's description of its hyperparameters (hparams.h), the
 * program's input files and the options every trainer takes (DESIGN.md
 * section 4); the usage and --help made from the same; reading the
 * training and validation streams; progress (a live line on a terminal,
 * one line an epoch on standard error otherwise, nothing with --quiet);
 * the --log file (one TSV row an epoch under a header, written as each
 * epoch ends); and saving the model with its provenance.
 */
#ifndef REC_TRAINER_H
#define REC_TRAINER_H

#include "cli.h"
#include "rec/hparams.h"
#include "rec/model.h"

/* An option of a trainer that names an input file (--movies FILE). */
struct rec_trainer_input {
	const char *name;       /* the option, without "--" */
	const char *help;       /* lines joined by '\n' */
	const char *path;       /* the file, once the option is given */
};

struct rec_trainer {
	const char *prog;
	const struct rec_hparams_desc *desc;
	void *hp;                      /* the model's hyperparameters */
	unsigned char given[64];       /* desc's j-th was given as an option */
	struct rec_trainer_input *in;  /* the program's inputs (nin) */
	int nin;
	const char *train_path;        /* the operand, or NULL: standard input */
	const char *valid_path, *log_path, *out_path;
	int quiet;
	struct rec_train_opts to;
	/* More --log columns after seconds, e.g. "\tattn_0\tattn_1": the
	 * header of the model's epoch_extra numbers (NULL: none).  In a job
	 * of many ranks one more follows, bytes_sent: the bytes the ranks
	 * sent in the epoch, the model's last number, printed whole. */
	const char *log_extra;
	/* 1: the model never looks at the ratings' times, so they are read
	 * into untimed tables (ratings.h), 8 bytes a rating less. */
	int untimed;
};

/* Parse the command line of program prog (of any rank of a job;
 * quiet on all but rank 0): the options of desc's
 * hyperparameters (into hp, which holds the defaults), of the nin inputs
 * in, and the common ones (--epochs, whose default is epochs, or 200 with
 * --valid; --seed, --valid, --patience, --refit, --log, --quiet, -o,
 * --help, --version; epochs 0: a model fitted in closed form, without
 * --epochs, --seed and --patience).  about is the text of --help before the options;
 * notes (may be NULL) the text after them.  Exits on --help, --version
 * or bad usage (2, with one line naming the option). */
void rec_trainer_parse(struct rec_trainer *t, int argc, char **argv,
                       const char *prog, const char *about, const char *notes,
                       const struct rec_hparams_desc *desc, void *hp,
                       struct rec_trainer_input *in, int nin, int epochs);

/* A ratings stream for training (NULL or "-": standard input): strict
 * TSV, no repeated rating; into an untimed table if untimed.  Exits on
 * error.  In a job of many ranks, this rank's part: the rows of the
 * users it owns (shard.h). */
struct rec_ratings *rec_trainer_read(const char *path, int untimed);

/* Whether the hyperparameter called name (the option without "--") was
 * given on the command line. */
int rec_trainer_given(const struct rec_trainer *t, const char *name);

/* Exits on bad usage if --positive or --negatives was given to a model
 * that is not ranking (bpr 0). */
void rec_trainer_check_bpr(const struct rec_trainer *t, int bpr);

/* The whole run: refuse a terminal, read the training ratings and
 * --valid, train the model make(hp) with progress and log, save it with
 * its provenance (seed, epochs, refit), commit.  Exits on error.  In a
 * job of many ranks (dist.h) each reads its part of the ratings. */
void rec_trainer_run(struct rec_trainer *t, rec_model_make_fn *make);

#endif
