/*
 * cli.h - the plumbing every program shares: its name in messages, help,
 * usage, numeric options, opening inputs, atomic outputs, exit statuses.
 *
 * This is program code, not library code: these functions print and exit.
 * Exit statuses: 0 success, 1 bad data or I/O failure, 2 bad usage.
 */
#ifndef REC_CLI_H
#define REC_CLI_H

#include <stdio.h>

#include "rec/util.h"

/* Remember the program name and its usage lines, and make argv[0] the
 * name (so getopt's own messages say "prog: ..." however the program was
 * called); reset SIGPIPE to its default and unblock it; open /dev/null on
 * a closed fd 0, 1 or 2 (and remember, so that reading stdin or writing
 * stdout then fails). */
void rec_cli_init(char **argv, const char *prog, const char *usage);

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
 * output file, exit 1. */
_Noreturn void rec_cli_fail(const struct rec_err *e);
_Noreturn void rec_cli_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "prog: message" on stderr; the program goes on. */
void rec_cli_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct rec_input {
	FILE *fp;
	const char *name;   /* as given, or "<stdin>" */
};

/* Open path for reading; NULL or "-" is standard input.  Exits 1 when it
 * cannot (missing, a directory, standard input closed). */
struct rec_input rec_cli_input(const char *path);
void rec_cli_close_input(struct rec_input *in);

/* Exit 2 ("only one input can be standard input") when more than one
 * of the n paths is "-" (callers pass "-" for an operand left out that
 * means standard input, NULL for an input not given). */
void rec_cli_one_stdin(const char *const *path, int n);

struct rec_output {
	FILE *fp;
	const char *name;   /* the target as given, or "<stdout>" */
	char *tmp;          /* the temporary file beside the target, or NULL */
};

/* Open the output: standard output when path is NULL or "-"; path itself
 * when it is a device, a FIFO or a symbolic link; else a temporary file in path's folder
 * that rec_cli_commit renames over path (and that a failure or SIGINT/
 * SIGTERM removes).  binary != 0 refuses a
 * terminal (exit 2).  Exits 1 when it cannot. */
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
 * written.  Exits 1 when it cannot. */
struct rec_output rec_cli_output_progress(const char *path);

/* Flush out to the file; exits 1 on an error (a full disk). */
void rec_cli_flush(struct rec_output *out);

/* Flush and check the output, fsync and rename a temporary file into
 * place.  Exits 1 on any error (a full disk, a closed stdout). */
void rec_cli_commit(struct rec_output *out);

/* Fail on an I/O error of out: "prog: NAME: strerror", exit 1. */
_Noreturn void rec_cli_fail_output(const struct rec_output *out);

/* Finish: check that standard output took everything written to it.
 * Returns the status to return from main. */
int rec_cli_exit(int status);

#endif
