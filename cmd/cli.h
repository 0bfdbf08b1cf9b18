/*
 * cli.h - the plumbing every program shares: its name in messages, help,
 * usage, numeric options, opening inputs, atomic outputs, exit statuses.
 *
 * This is program code, not library code: these functions print and exit.
 * Exit statuses: 0 success, 1 bad data or I/O failure, 2 bad usage.
 *
 * In a job of many ranks (dist.h; make mpi) the same calls run on every
 * rank: usage, help and notes are printed by rank 0 alone (every rank
 * parses the same command line), inputs are opened by every rank, and
 * outputs written by rank 0 alone, its own part and then every other
 * rank's in rank order (rec_cli_commit).  A failure that every rank sees
 * or agrees on (rec_cli_agree) ends every rank with exit 1 and one
 * message; a failure of one rank alone (rec_cli_fail, rec_cli_die)
 * prints its message and aborts the job.
 */
#ifndef REC_CLI_H
#define REC_CLI_H

#include <stdio.h>

#include "rec/util.h"

/* Remember the program name and its usage lines, and make argv[0] the
 * name (so getopt's own messages say "prog: ..." however the program was
 * called); reset SIGPIPE to its default and unblock it; open /dev/null on
 * a closed fd 0, 1 or 2 (and remember, so that reading stdin or writing
 * stdout then fails); refuse to run as a job of more than one rank
 * ("prog: runs as one process, not as a job of N: ...", exit 2). */
void rec_cli_init(char **argv, const char *prog, const char *usage);

/* The start of a program that runs as a job of many ranks: as
 * rec_cli_init, without the refusal. */
void rec_cli_init_dist(char **argv, const char *prog, const char *usage);

const char *rec_cli_prog(void);

_Noreturn void rec_cli_help(const char *help);  /* usage + help on stdout, exit 0 */
_Noreturn void rec_cli_version(void);           /* "prog (recpipe) X.Y.Z", exit 0 */
_Noreturn void rec_cli_usage(void);             /* usage + "Try ..." on stderr, exit 2 */
/* "prog: message", then the usage lines, exit 2. */
_Noreturn void rec_cli_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Option values, checked in one call: a bad value is a usage error. */
long rec_cli_count(const char *s, const char *opt, long min, long max);
double rec_cli_real(const char *s, const char *opt, double min, double max);
/* "prog: FILE:LINE: msg" (or "prog: FILE: msg"), remove any temporary
 * output file, exit 1; in a job of many ranks, a failure of this rank
 * alone: the message, then the job aborted. */
_Noreturn void rec_cli_fail(const struct rec_err *e);
_Noreturn void rec_cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every rank passes its status rc (0, or -1 with e filled): when any is
 * not 0, every rank ends with exit 1, rank 0 printing the agreed message
 * once (rec_dist_agree: the first bad line of the input) and removing
 * any temporary output file.  One rank: rec_cli_fail when rc is not 0. */
void rec_cli_agree(int rc, struct rec_err *e);

/* "prog: message" on stderr (rank 0's alone: a note of the job, whose
 * numbers are summed over the ranks first); the program goes on. */
void rec_cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rec_input {
	FILE *fp;
	const char *name;   /* as given, or "<stdin>" */
};

/* Open path for reading; NULL or "-" is standard input.  Exits 1 when it
 * cannot (missing, a directory, standard input closed): in a job, every
 * rank opens it, and fails as one. */
struct rec_input rec_cli_input(const char *path);

/* As rec_cli_input, for an input that the ranks of a job read a part
 * each of (shard.h): with more than one rank it must be a regular file
 * (exit 2: "a job of N processes reads FILE, not standard input"). */
struct rec_input rec_cli_input_split(const char *path);
void rec_cli_close_input(struct rec_input *in);

/* Exit 2 ("only one input can be standard input") when more than one
 * of the n paths is "-" (callers pass "-" for an operand left out that
 * means standard input, NULL for an input not given). */
void rec_cli_one_stdin(const char *const *path, int n);

struct rec_output {
	FILE *fp;
	const char *name;   /* the target as given, or "<stdout>" */
	char *tmp;          /* the temporary file beside the target, or NULL */
	int gather;         /* a job's output: rank 0 appends the others' parts */
	struct rec_part *part;   /* ranks above 0: their part, in memory */
};

/* A rank's part of a job's output (open_memstream's buffer, which
 * moves as it grows: hence on the heap, not in the returned value). */
struct rec_part {
	char *buf;
	size_t len;
};

/* Open the output: standard output when path is NULL or "-"; path itself
 * when it is a device, a FIFO or a symbolic link; else a temporary file in path's folder
 * that rec_cli_commit renames over path (and that a failure or SIGINT/
 * SIGTERM removes).  binary != 0 refuses a
 * terminal (exit 2).  Exits 1 when it cannot.  In a job of many ranks
 * rank 0 opens it; the others write their part to memory. */
struct rec_output rec_cli_output(const char *path, int binary);

/* Exit 2 ("--train and --test name the same file") when two of the n
 * outputs path[j] (option names opt[j]; "-" is standard output, NULL an
 * output not asked for) are one file: the same path, another name of
 * it (a link, a symbolic link, ./a and a), or standard output twice.
 * /dev/null may take any number of outputs. */
void rec_cli_distinct_outputs(const char *const *path, const char *const *opt,
                              int n);

/* Open path for writing in place, truncated, not atomically ("-" or
 * NULL: standard output): for a record of progress, such as a --log, that
 * is read while the program runs.  rec_cli_flush makes what was written
 * visible; rec_cli_commit closes it.  After a failure it keeps what was
 * written.  Exits 1 when it cannot.  In a job, rank 0's: the other ranks
 * write to /dev/null. */
struct rec_output rec_cli_output_progress(const char *path);

/* Flush out to the file; exits 1 on an error (a full disk). */
void rec_cli_flush(struct rec_output *out);

/* Flush and check the output, fsync and rename a temporary file into
 * place.  Exits 1 on any error (a full disk, a closed stdout).  For a
 * job's output (rec_cli_output) a collective: rank 0 appends every other
 * rank's part, in rank order, before the rename. */
void rec_cli_commit(struct rec_output *out);

/* Fail on an I/O error of out: "prog: NAME: strerror", exit 1. */
_Noreturn void rec_cli_fail_output(const struct rec_output *out);

/* Finish: check that standard output took everything written to it,
 * leave the job.  Returns the status to return from main. */
int rec_cli_exit(int status);

#endif
