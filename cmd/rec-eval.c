/* rec-eval - accuracy and beyond-accuracy metrics of predictions and top-K lists */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "rec/eval.h"

static const char usage_text[] =
"usage: rec-eval [-p FILE] [-r FILE --test FILE] [--train FILE]\n"
"                [--movies FILE] [-k K] [--threshold T]\n"
"                [--wide --name NAME [--header] | --per-user] [-o FILE]\n";

static const char help_text[] =
"Compute every metric its inputs allow and print a 'metric value' table.\n"
"Predictions are ratings lines plus a predicted rating (user item rating\n"
"timestamp prediction); top-K lists are 'user rank item score' lines.\n"
"\n"
"  -p, --predictions FILE  predictions: error and rated-items metrics\n"
"                          (standard input when neither -p nor -r is given)\n"
"  -r, --lists FILE        top-K lists: full-ranking metrics (needs --test)\n"
"      --test FILE         the test ratings, the truth for -r\n"
"      --train FILE        the train ratings: with -r, coverage, novelty,\n"
"                          Gini index and long-tail share\n"
"      --movies FILE       MovieLens movies.csv, ml-1m movies.dat or ml-100k\n"
"                          u.item: with -r, diversity\n"
"  -k K                    cut-off of every @K metric (10)\n"
"      --threshold T       a rating >= T is relevant (3.5)\n"
"      --wide              one row: name, then one column a metric\n"
"      --name NAME         the row's name, with --wide\n"
"      --header            with --wide, print the header row first\n"
"      --per-user          one row a user instead of the averages\n"
"  -o, --output FILE       write FILE (atomically), not standard output\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"Every metric is defined in rec-eval(1).\n";

#define KMAX 10000

struct opts {
	const char *pred, *lists, *test, *train, *movies, *out, *name;
	size_t k;
	double threshold;
	int wide, header, per_user;
};

/* Open path and read it into a new table: 'p' predictions, 'r' top-K
 * lists (the first k items of each), 'm' movies, else ratings.
 * Exits on any failure. */
static void *
load(int what, const char *path, size_t k)
{
	struct rec_input in = rec_cli_input(path);
	struct rec_err err = { 0 };
	void *t = what == 'p' ? (void *)rec_preds_new() :
	          what == 'r' ? (void *)rec_lists_new() :
	          what == 'm' ? (void *)rec_movies_new() : (void *)rec_ratings_new();
	size_t dups;
	int rc;

	if (!t)
		rec_cli_die("out of memory");
	switch (what) {
	case 'p': rc = rec_preds_read(t, in.fp, in.name, &err); break;
	case 'r': rc = rec_lists_read(t, in.fp, in.name, k, &err); break;
	case 'm': rc = rec_movies_read(t, in.fp, in.name, &err); break;
	default:  /* ratings, as strictly as every program reads them */
		rc = rec_ratings_read_tsv(t, in.fp, in.name, &err);
		if (rc == 0)
			rc = rec_ratings_dedupe(t, REC_DEDUP_ERROR, in.name, &dups, &err);
		break;
	}
	if (rc != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	return t;
}

/* v as "%.6f", or undef when it is NaN. */
static void
put_value(FILE *fp, double v, const char *undef)
{
	if (isnan(v))
		fputs(undef, fp);
	else
		fprintf(fp, "%.6f", v);
}

/* The summary as a 'metric value' table, or with --wide as one row (after
 * a header row with --header); the per-user table as a header row and a
 * row a user, "-" where the user takes no part. */
static void
print_table(FILE *fp, const struct rec_eval_table *t, const struct opts *o)
{
	if (!t->user && !o->wide) {
		fputs("metric\tvalue\n", fp);
		for (size_t c = 0; c < t->ncol; c++) {
			fprintf(fp, "%s\t", t->name[c]);
			put_value(fp, t->v[c], "nan");
			fputc('\n', fp);
		}
		return;
	}
	if (t->user || o->header) {
		fputs(t->user ? "user" : "name", fp);
		for (size_t c = 0; c < t->ncol; c++)
			fprintf(fp, "\t%s", t->name[c]);
		fputc('\n', fp);
	}
	for (size_t r = 0; r < t->nrow; r++) {
		if (t->user)
			fprintf(fp, "%" PRId64, t->user[r]);
		else
			fputs(o->name, fp);
		for (size_t c = 0; c < t->ncol; c++) {
			double v = t->v[r * t->ncol + c];
			fputc('\t', fp);
			if (t->count[c])
				fprintf(fp, "%zu", (size_t)v);
			else
				put_value(fp, v, t->user ? "-" : "nan");
		}
		fputc('\n', fp);
	}
}

static int
is_stdin(const char *path)
{
	return path && strcmp(path, "-") == 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "predictions", required_argument, NULL, 'p' },
		{ "lists",       required_argument, NULL, 'r' },
		{ "test",        required_argument, NULL, 'T' },
		{ "train",       required_argument, NULL, 't' },
		{ "movies",      required_argument, NULL, 'm' },
		{ "threshold",   required_argument, NULL, 'x' },
		{ "wide",        no_argument,       NULL, 'w' },
		{ "name",        required_argument, NULL, 'n' },
		{ "header",      no_argument,       NULL, 'H' },
		{ "per-user",    no_argument,       NULL, 'u' },
		{ "output",      required_argument, NULL, 'o' },
		{ "help",        no_argument,       NULL, 'h' },
		{ "version",     no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .k = 10, .threshold = 3.5 };
	struct rec_preds *p = NULL;
	struct rec_lists *ls = NULL;
	struct rec_ratings *test = NULL, *train = NULL;
	struct rec_movies *mv = NULL;
	struct rec_eval ev;
	struct rec_eval_table t = { 0 };
	struct rec_err err = { 0 };
	int c, nstdin;

	rec_cli_init(argv, "rec-eval", usage_text);
	while ((c = getopt_long(argc, argv, "p:r:k:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.pred = optarg; break;
		case 'r': o.lists = optarg; break;
		case 'T': o.test = optarg; break;
		case 't': o.train = optarg; break;
		case 'm': o.movies = optarg; break;
		case 'k': o.k = (size_t)rec_cli_count(optarg, "-k", 1, KMAX); break;
		case 'x': o.threshold = rec_cli_real(optarg, "--threshold", 0, 5); break;
		case 'w': o.wide = 1; break;
		case 'n': o.name = optarg; break;
		case 'H': o.header = 1; break;
		case 'u': o.per_user = 1; break;
		case 'o': o.out = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (optind < argc)
		rec_cli_usage_error("unexpected argument '%s' (inputs are named by "
		                    "-p, -r, --test, --train, --movies)", argv[optind]);
	if (o.lists && !o.test)
		rec_cli_usage_error("-r needs --test FILE (the truth for the lists)");
	if (o.wide && !o.name)
		rec_cli_usage_error("--wide needs --name NAME");
	if (!o.wide && (o.name || o.header))
		rec_cli_usage_error("--name and --header go with --wide");
	if (o.wide && o.per_user)
		rec_cli_usage_error("--wide and --per-user do not go together");
	if (o.name && strpbrk(o.name, "\t\n\r"))
		rec_cli_usage_error("--name must not hold a TAB or a line break");
	if (!o.pred && !o.lists)
		o.pred = "-";
	nstdin = is_stdin(o.pred) + is_stdin(o.lists) +
	         (o.lists && is_stdin(o.test)) + (o.lists && is_stdin(o.train)) +
	         (o.lists && is_stdin(o.movies));
	if (nstdin > 1)
		rec_cli_usage_error("only one input can be standard input");

	rec_eval_init(&ev, o.k, o.threshold);
	if (o.pred) {
		p = load('p', o.pred, 0);
		if (rec_eval_preds(&ev, p, &err) != 0)
			rec_cli_fail(&err);
	}
	if (o.lists) {
		ls = load('r', o.lists, o.k);
		test = load('t', o.test, 0);
		if (o.train)
			train = load('t', o.train, 0);
		if (o.movies)
			mv = load('m', o.movies, 0);
		if (rec_eval_lists(&ev, ls, test, train, mv, &err) != 0)
			rec_cli_fail(&err);
		if (ev.nolist)
			rec_cli_note("%zu of %zu test users with relevant items have no "
			             "list (counted as zeros)", ev.nolist, ev.rel_users);
		if (ev.not_train)
			rec_cli_note("recommended items not in %s: %zu of %zu",
			             o.train, ev.not_train, ls->n);
		if (ev.not_movies)
			rec_cli_note("recommended items not in %s: %zu of %zu",
			             o.movies, ev.not_movies, ls->n);
	}
	if ((o.per_user ? rec_eval_per_user(&ev, &t, &err) :
	                  rec_eval_summary(&ev, &t, &err)) != 0)
		rec_cli_fail(&err);

	struct rec_output out = rec_cli_output(o.out, 0);
	print_table(out.fp, &t, &o);
	rec_cli_commit(&out);

	rec_eval_table_free(&t);
	rec_eval_free(&ev);
	rec_preds_free(p);
	rec_lists_free(ls);
	rec_ratings_free(test);
	rec_ratings_free(train);
	rec_movies_free(mv);
	return rec_cli_exit(0);
}
