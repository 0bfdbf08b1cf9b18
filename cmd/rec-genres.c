/* rec-genres - genre make-up of top-K lists, the catalogue and histories */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rec/genres.h"

static const char usage_text[] =
"usage: rec-genres --movies FILE --catalog [-o FILE]\n"
"       rec-genres --movies FILE [--history FILE [--liked R]] [-k K]\n"
"                  [-o FILE] [LISTS]\n"
"       rec-genres --movies FILE --history FILE [--liked R] --overlap\n"
"                  [-k K] [-o FILE] [LISTS]\n"
"       rec-genres --movies FILE --history FILE [--liked R] --user U\n"
"                  [-n N] [-k K] [-o FILE] [LISTS]\n";

static const char help_text[] =
"Print a table (TAB-separated, one header line) of the genres of the\n"
"movies (--movies), of the items in top-K lists (user rank item score, as\n"
"rec-score --top writes them; standard input when LISTS is not named) and\n"
"of the users' histories (a ratings stream, normally the train ratings).\n"
"By default, per genre: its labels and share among the recommended items,\n"
"in the catalogue and, with --history, in the histories.  A share is a\n"
"genre's part of all genre labels counted, so the shares of a column add\n"
"up to 1; '(no genres listed)' (u.item's 'unknown') is no genre.\n"
"\n"
"      --movies FILE   MovieLens movies.csv, ml-1m movies.dat or ml-100k\n"
"                      u.item (required)\n"
"      --catalog       per genre: the movies that have it, its share of\n"
"                      the labels and of the movies (no lists read)\n"
"      --overlap       per user, then their mean and all users together:\n"
"                      the genres in the history, in the list, in both,\n"
"                      only in the history, only in the list\n"
"      --user U        user U's best-rated history titles beside the\n"
"                      titles of U's list, with genres, ratings and scores\n"
"      --history FILE  the ratings that make up each user's history\n"
"      --liked R       only the history ratings >= R count (all)\n"
"  -k K                only the first K items of each list count (all)\n"
"  -n N                with --user: history titles shown (as many as the\n"
"                      list has)\n"
"  -o, --output FILE   write FILE (atomically), not standard output\n"
"  -h, --help          show this help and exit\n"
"  -V, --version       show the version and exit\n"
"\n"
"Every table is described in rec-genres(1).\n";

#define KMAX 100000

enum mode { DISTRIBUTION, CATALOG, OVERLAP, USER };

struct opts {
	const char *movies, *history, *lists, *out;
	enum mode mode;
	double liked;
	size_t k, n;
	int64_t user;
};

/* The inputs and what was looked up in them. */
struct data {
	struct rec_movies *m;
	struct rec_lists *ls;
	struct rec_ratings *hist;
	const char *lname, *hname;
	int32_t *lmi, *hmi;         /* movie index of each list item, history row */
	size_t order[REC_GENRES_MAX];   /* the genres by name */
};

/* Open path and read it: 'r' top-K lists (the first k items of each),
 * 'm' movies, else a ratings stream.  Exits on any failure. */
static void *
load(int what, const char *path, size_t k, const char **name)
{
	struct rec_input in = rec_cli_input(path);
	struct rec_err err = { 0 };
	void *t = what == 'r' ? (void *)rec_lists_new() :
	          what == 'm' ? (void *)rec_movies_new() : (void *)rec_ratings_new();
	size_t dups;
	int rc;

	if (!t)
		rec_cli_die("out of memory");
	switch (what) {
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
	*name = in.name;
	rec_cli_close_input(&in);
	return t;
}

/* n / total as "%.6f" ("0.000000" when total is 0). */
static void
put_share(FILE *fp, uint64_t n, uint64_t total)
{
	fprintf(fp, "\t%.6f", total ? (double)n / (double)total : 0.0);
}

static void
print_catalog(FILE *fp, const struct data *d)
{
	uint64_t cnt[REC_GENRES_MAX] = { 0 }, labels = 0;
	size_t ix[REC_GENRES_MAX];

	for (size_t i = 0; i < d->m->n; i++) {
		int32_t mi = (int32_t)i;
		labels += rec_genres_count(d->m, &mi, 1, cnt);
	}
	rec_genres_order(d->m, cnt, NULL, ix);
	fputs("genre\tmovies\tshare\tmovie_share\n", fp);
	for (size_t j = 0; j < d->m->ngenres; j++) {
		fprintf(fp, "%s\t%" PRIu64, d->m->genre[ix[j]], cnt[ix[j]]);
		put_share(fp, cnt[ix[j]], labels);
		put_share(fp, cnt[ix[j]], d->m->n);
		fputc('\n', fp);
	}
}

static void
print_distribution(FILE *fp, const struct data *d)
{
	uint64_t rec[REC_GENRES_MAX] = { 0 }, cat[REC_GENRES_MAX] = { 0 },
	         his[REC_GENRES_MAX] = { 0 }, nrec, ncat = 0, nhis = 0;
	size_t ix[REC_GENRES_MAX];

	nrec = rec_genres_count(d->m, d->lmi, d->ls->n, rec);
	for (size_t i = 0; i < d->m->n; i++) {
		int32_t mi = (int32_t)i;
		ncat += rec_genres_count(d->m, &mi, 1, cat);
	}
	if (d->hist)
		nhis = rec_genres_count(d->m, d->hmi, d->hist->n, his);
	rec_genres_order(d->m, rec, cat, ix);
	fprintf(fp, "genre\trec\trec_share\tcatalog\tcatalog_share%s\n",
	        d->hist ? "\thistory\thistory_share" : "");
	for (size_t j = 0; j < d->m->ngenres; j++) {
		size_t g = ix[j];
		fprintf(fp, "%s\t%" PRIu64, d->m->genre[g], rec[g]);
		put_share(fp, rec[g], nrec);
		fprintf(fp, "\t%" PRIu64, cat[g]);
		put_share(fp, cat[g], ncat);
		if (d->hist) {
			fprintf(fp, "\t%" PRIu64, his[g]);
			put_share(fp, his[g], nhis);
		}
		fputc('\n', fp);
	}
}

/* The genres of mask by name, joined by '|'; "-" for none. */
static void
put_names(FILE *fp, const struct data *d, uint64_t mask)
{
	int first = 1;

	if (!mask) {
		fputs("-", fp);
		return;
	}
	for (size_t j = 0; j < d->m->ngenres; j++)
		if (mask >> d->order[j] & 1) {
			fprintf(fp, "%s%s", first ? "" : "|", d->m->genre[d->order[j]]);
			first = 0;
		}
}

/* One row of the overlap table for the history and list genres h and r. */
static void
put_overlap(FILE *fp, const struct data *d, uint64_t h, uint64_t r)
{
	int count[REC_OVERLAP_NCOLS];

	rec_genres_overlap_counts(h, r, count);
	for (int c = 0; c < REC_OVERLAP_NCOLS; c++)
		fprintf(fp, "\t%d", count[c]);
	fputc('\t', fp);
	put_names(fp, d, h & r);
	fputc('\t', fp);
	put_names(fp, d, h & ~r);
	fputc('\t', fp);
	put_names(fp, d, r & ~h);
	fputc('\n', fp);
}

static void
print_overlap(FILE *fp, const struct data *d)
{
	struct rec_overlap o;
	struct rec_err err = { 0 };

	if (rec_genres_overlap(&o, d->m, d->ls, d->lmi, d->hist, d->hmi, &err) != 0)
		rec_cli_fail(&err);
	fputs("user\thistory\trec\tboth\thistory_only\trec_only\tboth_genres\t"
	      "history_only_genres\trec_only_genres\n", fp);
	for (size_t j = 0; j < o.n; j++) {
		fprintf(fp, "%" PRId64, o.row[j].user);
		put_overlap(fp, d, o.row[j].hist, o.row[j].rec);
	}
	fputs("mean", fp);
	for (int c = 0; c < REC_OVERLAP_NCOLS; c++)
		fprintf(fp, "\t%.6f", o.mean[c]);
	fputs("\t-\t-\t-\n", fp);
	fputs("all", fp);
	put_overlap(fp, d, o.hist_all, o.rec_all);
	if (o.no_history)
		rec_cli_note("%zu of %zu users with a list have no genre in their "
		             "history", o.no_history, o.n);
	rec_genres_overlap_free(&o);
}

/* The id, title and genres of movie mi, then a TAB. */
static void
put_movie(FILE *fp, const struct data *d, int32_t mi)
{
	fprintf(fp, "\t%" PRId64 "\t%s\t", d->m->ids.ids[mi],
	        rec_movies_title(d->m, (size_t)mi));
	put_names(fp, d, d->m->genres[mi]);
	fputc('\t', fp);
}

static void
print_user(FILE *fp, const struct data *d, const struct opts *o)
{
	int32_t li = rec_idmap_find(&d->ls->users, o->user);
	size_t beg, nr, nh;
	uint32_t *rows;
	struct rec_err err = { 0 };

	if (li < 0)
		rec_cli_die("%s: user %" PRId64 " has no list", d->lname, o->user);
	beg = d->ls->start[li];
	nr = d->ls->start[li + 1] - beg;
	if (rec_genres_user_rows(d->hist, d->hmi, o->user, &rows, &nh, &err) != 0)
		rec_cli_fail(&err);
	if (nh > (o->n ? o->n : nr))
		nh = o->n ? o->n : nr;
	fputs("rank\thistory_item\thistory_title\thistory_genres\trating\t"
	      "rec_item\trec_title\trec_genres\tscore\n", fp);
	for (size_t j = 0; j < nh || j < nr; j++) {
		fprintf(fp, "%zu", j + 1);
		if (j < nh) {
			put_movie(fp, d, d->hmi[rows[j]]);
			fprintf(fp, "%g", (double)d->hist->rating[rows[j]]);
		} else {
			fputs("\t-\t-\t-\t-", fp);
		}
		if (j < nr) {
			put_movie(fp, d, d->lmi[beg + j]);
			fprintf(fp, "%.6g", d->ls->score[beg + j]);
		} else
			fputs("\t-\t-\t-\t-", fp);
		fputc('\n', fp);
	}
	if (nh == 0)
		rec_cli_note("user %" PRId64 " has no history in %s", o->user,
		             d->hname);
	rec_free(rows);
}

static int
is_stdin(const char *path)
{
	return !path || strcmp(path, "-") == 0;
}

static void
set_mode(struct opts *o, enum mode m)
{
	if (o->mode != DISTRIBUTION && o->mode != m)
		rec_cli_usage_error("--catalog, --overlap and --user do not go "
		                    "together");
	o->mode = m;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "movies",  required_argument, NULL, 'm' },
		{ "catalog", no_argument,       NULL, 'c' },
		{ "overlap", no_argument,       NULL, 'O' },
		{ "user",    required_argument, NULL, 'u' },
		{ "history", required_argument, NULL, 'H' },
		{ "liked",   required_argument, NULL, 'l' },
		{ "output",  required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .k = SIZE_MAX, .liked = -1 };
	struct data d = { 0 };
	struct rec_err err = { 0 };
	struct rec_output out;
	int c;

	rec_cli_init(argv, "rec-genres", usage_text);
	while ((c = getopt_long(argc, argv, "k:n:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': o.movies = optarg; break;
		case 'c': set_mode(&o, CATALOG); break;
		case 'O': set_mode(&o, OVERLAP); break;
		case 'u':
			set_mode(&o, USER);
			o.user = rec_cli_count(optarg, "--user", 0, INT64_MAX);
			break;
		case 'H': o.history = optarg; break;
		case 'l': o.liked = rec_cli_real(optarg, "--liked", 0, 5); break;
		case 'k': o.k = (size_t)rec_cli_count(optarg, "-k", 1, KMAX); break;
		case 'n': o.n = (size_t)rec_cli_count(optarg, "-n", 1, KMAX); break;
		case 'o': o.out = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (optind < argc - 1)
		rec_cli_usage_error("unexpected argument '%s' (one LISTS file at "
		                    "most)", argv[optind + 1]);
	if (optind < argc)
		o.lists = argv[optind];
	if (!o.movies)
		rec_cli_usage_error("--movies FILE is required");
	if (o.mode == CATALOG && (o.history || o.lists || o.k != SIZE_MAX))
		rec_cli_usage_error("--catalog reads only --movies");
	if ((o.mode == OVERLAP || o.mode == USER) && !o.history)
		rec_cli_usage_error("--%s needs --history FILE",
		                    o.mode == USER ? "user" : "overlap");
	if (o.liked >= 0 && !o.history)
		rec_cli_usage_error("--liked goes with --history");
	if (o.n && o.mode != USER)
		rec_cli_usage_error("-n goes with --user");
	if (is_stdin(o.movies) + (o.mode != CATALOG && is_stdin(o.lists)) +
	    (o.history && is_stdin(o.history)) > 1)
		rec_cli_usage_error("only one input can be standard input");

	d.m = load('m', o.movies, 0, &o.movies);
	rec_genres_order(d.m, (const uint64_t[REC_GENRES_MAX]){ 0 }, NULL, d.order);
	if (o.mode != CATALOG) {
		d.ls = load('r', o.lists, o.k, &d.lname);
		if (d.ls->users.n == 0)
			rec_cli_die("%s: no lists", d.lname);
		if (rec_genres_lists(d.m, o.movies, d.ls, d.lname, &d.lmi, &err) != 0)
			rec_cli_fail(&err);
	}
	if (o.history) {
		d.hist = load('t', o.history, 0, &d.hname);
		if (rec_genres_history(d.m, o.movies, d.hist, d.hname, o.liked, &d.hmi,
		                       &err) != 0)
			rec_cli_fail(&err);
	}

	out = rec_cli_output(o.out, 0);
	switch (o.mode) {
	case CATALOG:      print_catalog(out.fp, &d); break;
	case DISTRIBUTION: print_distribution(out.fp, &d); break;
	case OVERLAP:      print_overlap(out.fp, &d); break;
	case USER:         print_user(out.fp, &d, &o); break;
	}
	rec_cli_commit(&out);

	rec_free(d.lmi);
	rec_free(d.hmi);
	rec_lists_free(d.ls);
	rec_ratings_free(d.hist);
	rec_movies_free(d.m);
	return rec_cli_exit(0);
}
