/*
 * cli.c - shared program plumbing (see cli.h).
 *
 * Atomic outputs follow git's lockfile contract: readers see the old file
 * or the new one, never a part.  A temporary file ".NAME.XXXXXX" is made
 * beside the target (same file system, so rename is atomic), given the
 * mode a plain creat() would give, written, fsynced and renamed.  A
 * failure, SIGINT or SIGTERM unlinks it; SIGKILL may leave it behind, but
 * never at the target path.
 *
 * In a job of many ranks (dist.h) only rank 0 ever opens an output file;
 * the other ranks write their part to a memory stream (open_memstream)
 * that rec_cli_commit hands to rank 0 (rec_dist_collect), which appends
 * the parts in rank order before the rename.  A rank killed by mpirun
 * (SIGTERM after another rank died) removes its temporary file as on
 * SIGINT.
 */
#define _XOPEN_SOURCE 700   /* realpath */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rec/dist.h"

#ifndef REC_VERSION
#define REC_VERSION "0.0.0"
#endif

static const char *prog = "rec";
static const char *usage_text = "";
static int fd_was_closed[3];
#define MAX_OUTPUTS 4
static char *volatile tmp_paths[MAX_OUTPUTS];   /* temporary outputs, for cleanup */

static void remove_tmp(void);

const char *
rec_cli_prog(void)
{
	return prog;
}

static void
on_signal(int sig)
{
	for (int i = 0; i < MAX_OUTPUTS; i++) {
		char *p = tmp_paths[i];
		if (p)
			unlink(p);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Leave the job, then the process. */
static _Noreturn void
finish(int status)
{
	rec_dist_finish();
	exit(status);
}

static int
leader(void)
{
	return rec_dist_rank() == 0;
}

void
rec_cli_init_dist(char **argv, const char *name, const char *usage)
{
	sigset_t set;

	prog = name;
	argv[0] = (char *)name;
	usage_text = usage;
	/* Keep fds 0-2 taken, so that no file we open becomes one of them. */
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		fd_was_closed[fd] = 1;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			_exit(1);
	}
	rec_dist_init();   /* before our handlers, so that they stay ours */
	opterr = leader();   /* getopt's messages too are rank 0's */
	/* A closed pipe downstream is a quiet end (141), even when the
	 * parent ignored or blocked SIGPIPE. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

void
rec_cli_init(char **argv, const char *name, const char *usage)
{
	int size;

	rec_cli_init_dist(argv, name, usage);
	if ((size = rec_dist_size()) == 1)
		return;
	if (leader())
		fprintf(stderr, "%s: runs as one process, not as a job of %d: use "
		        "mpirun -np 1, or the plain build\n", prog, size);
	finish(2);
}

static void
need_stdout(void)
{
	if (fd_was_closed[1])
		rec_cli_die("standard output is closed");
}

_Noreturn void
rec_cli_help(const char *help)
{
	if (leader()) {
		need_stdout();
		/* a text longer than stdout's buffer fails here, where errno
		 * still says why, not in the last flush */
		errno = 0;
		if (fputs(usage_text, stdout) == EOF || fputs("\n", stdout) == EOF ||
		    fputs(help, stdout) == EOF)
			rec_cli_die("<stdout>: %s", strerror(errno ? errno : EIO));
	}
	exit(rec_cli_exit(0));
}

_Noreturn void
rec_cli_version(void)
{
	if (leader()) {
		need_stdout();
		printf("%s (recpipe) %s\n", prog, REC_VERSION);
	}
	exit(rec_cli_exit(0));
}

_Noreturn void
rec_cli_usage(void)
{
	remove_tmp();   /* the usage of an input may be checked after -o */
	if (leader()) {
		fputs(usage_text, stderr);
		fprintf(stderr, "Try '%s --help' for more information.\n", prog);
	}
	finish(2);
}

/* "prog: message" and a newline on standard error. */
static void __attribute__((format(printf, 1, 0)))
vnote(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

_Noreturn void
rec_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	if (leader()) {
		va_start(ap, fmt);
		vnote(fmt, ap);
		va_end(ap);
	}
	rec_cli_usage();
}

long
rec_cli_count(const char *s, const char *opt, long min, long max)
{
	uint64_t v;

	if (rec_parse_u64(s, strlen(s), (uint64_t)max, &v) != 0 || (long)v < min)
		rec_cli_usage_error("%s '%s' is not an integer in [%ld, %ld]",
		                    opt, s, min, max);
	return (long)v;
}

double
rec_cli_real(const char *s, const char *opt, double min, double max)
{
	double v;

	if (rec_parse_real(s, &v) != 0 || v < min || v > max)
		rec_cli_usage_error("%s '%s' is not a number in [%g, %g]",
		                    opt, s, min, max);
	return v;
}

static void
remove_tmp(void)
{
	for (int i = 0; i < MAX_OUTPUTS; i++) {
		char *p = tmp_paths[i];
		if (p) {
			tmp_paths[i] = NULL;
			unlink(p);
		}
	}
}

/* Remember (or, with p == NULL, forget) a temporary output file. */
static void
track_tmp(char *old, char *p)
{
	for (int i = 0; i < MAX_OUTPUTS; i++) {
		if (tmp_paths[i] == old) {
			tmp_paths[i] = p;
			return;
		}
	}
	rec_cli_die("too many output files");
}

/* "prog: FILE:LINE: msg", "prog: FILE: msg" or "prog: msg". */
static void
print_err(const struct rec_err *e)
{
	if (e->file[0] && e->line > 0)
		fprintf(stderr, "%s: %s:%ld: %s\n", prog, e->file, e->line, e->msg);
	else if (e->file[0])
		fprintf(stderr, "%s: %s: %s\n", prog, e->file, e->msg);
	else
		fprintf(stderr, "%s: %s\n", prog, e->msg);
}

/* A failure of this rank alone: the others cannot know, so the job
 * ends. */
static _Noreturn void
fail_alone(void)
{
	if (rec_dist_size() > 1)
		rec_dist_abort(1);
	finish(1);
}

_Noreturn void
rec_cli_fail(const struct rec_err *e)
{
	remove_tmp();
	print_err(e);
	fail_alone();
}

_Noreturn void
rec_cli_die(const char *fmt, ...)
{
	va_list ap;

	remove_tmp();
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	fail_alone();
}

void
rec_cli_agree(int rc, struct rec_err *e)
{
	if (rec_dist_agree(rc, e) == 0)
		return;
	remove_tmp();
	if (leader())
		print_err(e);
	finish(1);
}

void
rec_cli_note(const char *fmt, ...)
{
	va_list ap;

	if (!leader())
		return;
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

struct rec_input
rec_cli_input(const char *path)
{
	struct rec_input in = { 0 };
	struct rec_err err = { 0 };
	struct stat st;
	int rc = 0;

	if (!path || strcmp(path, "-") == 0) {
		if (fd_was_closed[0])
			rc = rec_errf(&err, NULL, 0, "standard input is closed");
		in.fp = stdin;
		in.name = "<stdin>";
	} else {
		in.name = path;
		in.fp = fopen(path, "r");
		if (!in.fp)
			rc = rec_errsys(&err, path);
		else if (fstat(fileno(in.fp), &st) == 0 && S_ISDIR(st.st_mode))
			rc = rec_errf(&err, path, 0, "%s", strerror(EISDIR));
	}
	rec_cli_agree(rc, &err);
	return in;
}

struct rec_input
rec_cli_input_split(const char *path)
{
	struct rec_input in = rec_cli_input(path);
	int size = rec_dist_size();
	struct stat st;

	if (size == 1)
		return in;
	if (in.fp == stdin)
		rec_cli_usage_error("a job of %d processes reads a file, not standard "
		                    "input", size);
	if (fstat(fileno(in.fp), &st) != 0 || !S_ISREG(st.st_mode))
		rec_cli_usage_error("%s: a job of %d processes reads a regular file, "
		                    "not a pipe or a device", in.name, size);
	return in;
}

void
rec_cli_close_input(struct rec_input *in)
{
	if (in->fp && in->fp != stdin)
		fclose(in->fp);
	in->fp = NULL;
}

void
rec_cli_one_stdin(const char *const *path, int n)
{
	int k = 0;

	for (int j = 0; j < n; j++)
		k += path[j] && strcmp(path[j], "-") == 0;
	if (k > 1)
		rec_cli_usage_error("only one input can be standard input");
}

/* The file an output path will be written to, as a name to compare:
 * "/dev/fd/1"'s for standard output; for a file that exists, its device
 * and inode (into st); otherwise its folder's real path and its name,
 * after following symbolic links that point nowhere yet.  NULL when the
 * folder does not resolve (the output's own open then fails). */
static char *
output_identity(const char *path, struct stat *st)
{
	char link[4096], dir[4096], *real, *name;
	const char *slash;
	ssize_t len;
	size_t dlen;

	if (strcmp(path, "-") == 0)
		return fstat(STDOUT_FILENO, st) == 0 ? strdup("") : NULL;
	if (stat(path, st) == 0)
		return strdup("");
	snprintf(link, sizeof link, "%s", path);
	for (int hops = 0; hops < 8; hops++) {
		if ((len = readlink(link, dir, sizeof dir - 1)) < 0)
			break;
		dir[len] = '\0';
		slash = strrchr(link, '/');
		if (dir[0] != '/' && slash) {   /* relative to the link's folder */
			char rel[sizeof link];
			if (snprintf(rel, sizeof rel, "%.*s/%s", (int)(slash - link),
			             link, dir) >= (int)sizeof rel)
				return NULL;
			memcpy(dir, rel, sizeof rel);
		}
		memcpy(link, dir, sizeof link);
	}
	slash = strrchr(link, '/');
	dlen = slash ? (size_t)(slash - link) : 0;
	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(dlen ? dlen : 1) : 1,
	         slash ? link : ".");
	if (!(real = realpath(dir, NULL)))
		return NULL;
	name = malloc(strlen(real) + strlen(link) + 2);
	if (name)
		sprintf(name, "%s/%s", real, slash ? slash + 1 : link);
	free(real);
	st->st_ino = 0;
	return name;
}

void
rec_cli_distinct_outputs(const char *const *path, const char *const *opt, int n)
{
	struct stat st[8], devnull;
	char *id[8] = { 0 };
	int have_null = stat("/dev/null", &devnull) == 0;

	if (n > 8)
		n = 8;
	for (int j = 0; j < n; j++) {
		if (!path[j] || !(id[j] = output_identity(path[j], &st[j])))
			continue;
		for (int i = 0; i < j; i++) {
			int same;
			if (!id[i])
				continue;
			if (id[i][0] || id[j][0])   /* a file to be made */
				same = strcmp(id[i], id[j]) == 0;
			else
				same = st[i].st_dev == st[j].st_dev &&
				       st[i].st_ino == st[j].st_ino &&
				       !(have_null && S_ISCHR(st[j].st_mode) &&
				         st[j].st_rdev == devnull.st_rdev);
			if (same)
				rec_cli_usage_error("%s and %s name the same file (%s)",
				                    opt[i], opt[j], path[j]);
		}
	}
	for (int j = 0; j < n; j++)
		free(id[j]);
}

static mode_t
creat_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0666 & ~mask;
}

/* "NAME: strerror" of an output's failed call.  Returns -1. */
static int
output_err(const struct rec_output *out, struct rec_err *err)
{
	return rec_errf(err, out->name, 0, "%s", strerror(errno ? errno : EIO));
}

/* rec_cli_output's work, on rank 0: -1 (err) when it cannot, *tty = 1
 * for binary data bound for a terminal. */
static int
open_output(struct rec_output *out, const char *path, int binary, int *tty,
            struct rec_err *err)
{
	struct stat st;
	const char *slash, *base;
	size_t dirlen, size;
	char *tmp;
	int fd;

	if (!path || strcmp(path, "-") == 0) {
		out->fp = stdout;
		out->name = "<stdout>";
		if (fd_was_closed[1])
			return rec_errf(err, NULL, 0, "standard output is closed");
		*tty = binary && isatty(STDOUT_FILENO);
		return 0;
	}
	out->name = path;
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device, a FIFO or a symbolic link (-o /dev/null, -o
		 * /dev/stdout): write to it in place; renaming over it would
		 * replace it. */
		if (!(out->fp = fopen(path, "w")))
			return rec_errsys(err, path);
		return 0;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dirlen = (size_t)(base - path);
	size = strlen(path) + 16;
	if (!(tmp = malloc(size)))
		return rec_erroom(err, NULL);
	snprintf(tmp, size, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		return rec_errsys(err, path);
	}
	track_tmp(NULL, tmp);
	out->tmp = tmp;
	if (fchmod(fd, creat_mode()) != 0 || !(out->fp = fdopen(fd, "w")))
		return rec_errsys(err, path);
	return 0;
}

struct rec_output
rec_cli_output(const char *path, int binary)
{
	struct rec_output out = { 0 };
	struct rec_err err = { 0 };
	int rc = 0, tty = 0;

	out.gather = rec_dist_size() > 1;
	if (leader()) {
		rc = open_output(&out, path, binary, &tty, &err);
	} else {
		out.name = path && strcmp(path, "-") != 0 ? path : "<stdout>";
		if (!(out.part = calloc(1, sizeof *out.part)) ||
		    !(out.fp = open_memstream(&out.part->buf, &out.part->len)))
			rc = rec_erroom(&err, NULL);
	}
	rec_dist_bcast(&tty, sizeof tty);
	if (tty) {
		remove_tmp();
		if (leader())
			fprintf(stderr, "%s: refusing to write binary data to a "
			        "terminal; use -o FILE\n", prog);
		finish(2);
	}
	rec_cli_agree(rc, &err);
	return out;
}

struct rec_output
rec_cli_output_progress(const char *path)
{
	struct rec_output out = { 0 };

	if (!leader())
		path = "/dev/null";   /* one record, rank 0's */
	else if (!path || strcmp(path, "-") == 0)
		return rec_cli_output(path, 0);
	if (!(out.fp = fopen(path, "w")))
		rec_cli_die("%s: %s", path, strerror(errno));
	out.name = path;
	return out;
}

void
rec_cli_flush(struct rec_output *out)
{
	errno = 0;
	if (fflush(out->fp) != 0 || ferror(out->fp))
		rec_cli_fail_output(out);
}

_Noreturn void
rec_cli_fail_output(const struct rec_output *out)
{
	int sys = errno ? errno : EIO;

	rec_cli_die("%s: %s", out->name, strerror(sys));
}

/* Flush, check and close out; fsync and rename a temporary file into
 * place.  -1 (err) on any error. */
static int
close_output(struct rec_output *out, struct rec_err *err)
{
	errno = 0;
	if (fflush(out->fp) != 0 || ferror(out->fp))
		return output_err(out, err);
	if (!out->tmp) {
		if (out->fp != stdout && fclose(out->fp) != 0) {
			out->fp = NULL;
			return output_err(out, err);
		}
		out->fp = NULL;
		return 0;
	}
	if (fsync(fileno(out->fp)) != 0)
		return output_err(out, err);
	if (fclose(out->fp) != 0) {
		out->fp = NULL;
		return output_err(out, err);
	}
	out->fp = NULL;
	if (rename(out->tmp, out->name) != 0)
		return output_err(out, err);
	track_tmp(out->tmp, NULL);
	free(out->tmp);
	out->tmp = NULL;
	return 0;
}

/* Append a rank's part of a job's output (rec_dist_take_fn). */
static int
append_part(void *ctx, int rank, const void *p, size_t n, struct rec_err *err)
{
	struct rec_output *out = ctx;

	(void)rank;
	errno = 0;
	if (n && fwrite(p, 1, n, out->fp) != n)
		return output_err(out, err);
	return 0;
}

/* rec_cli_commit of a job's output: every rank's part written, then
 * rank 0 appends them in order and renames; each step agreed. */
static void
commit_job(struct rec_output *out)
{
	struct rec_err err = { 0 };
	int rc = 0;

	errno = 0;
	if (!leader()) {
		if (fclose(out->fp) != 0)   /* a memory stream: no memory */
			rc = rec_erroom(&err, NULL);
		out->fp = NULL;
	} else if (fflush(out->fp) != 0 || ferror(out->fp)) {
		rc = output_err(out, &err);
	}
	rec_cli_agree(rc, &err);
	rc = rec_dist_collect(out->part ? out->part->buf : NULL,
	                      out->part ? out->part->len : 0, append_part, out, &err);
	if (out->part)
		free(out->part->buf);   /* open_memstream's */
	free(out->part);
	out->part = NULL;
	rec_cli_agree(rc, &err);
	rec_cli_agree(leader() ? close_output(out, &err) : 0, &err);
}

void
rec_cli_commit(struct rec_output *out)
{
	struct rec_err err = { 0 };

	if (out->gather)
		commit_job(out);
	else if (close_output(out, &err) != 0)
		rec_cli_fail(&err);
}

int
rec_cli_exit(int status)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: <stdout>: %s\n", prog,
		        strerror(errno ? errno : EIO));
		status = 1;
	}
	rec_dist_finish();
	return status;
}
