/* rec-filter - validate, deduplicate and filter ratings into a ratings stream */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "rec/ratings.h"

static const char usage_text[] =
"usage: rec-filter [--min-item-ratings N] [--min-user-ratings N] [--k-core]\n"
"                  [--dedup last|first|error] [--rating-range LO,HI]\n"
"                  [--format auto|csv|tsv|dat] [--skip-bad] [--verbose]\n"
"                  [-o FILE] [FILE]\n";

static const char help_text[] =
"Read ratings (MovieLens ratings.csv, a ratings TSV or ml-100k u.data, or\n"
"ml-1m ratings.dat), check every row, drop repeated ratings and sparse\n"
"items and users, and write the ratings stream (user item rating timestamp).\n"
"\n"
"  -o, --output FILE          write FILE (atomically), not standard output\n"
"      --min-item-ratings N   drop items with fewer than N ratings (1)\n"
"      --min-user-ratings N   drop users with fewer than N ratings (1)\n"
"      --k-core               repeat both filters until nothing changes\n"
"      --dedup HOW            a repeated (user, item): keep the 'last' (most\n"
"                             recent) rating, the 'first', or fail: 'error'\n"
"      --rating-range LO,HI   ratings outside [LO, HI] are errors (0.5,5)\n"
"      --format FMT           auto (from the first line), csv, tsv, dat\n"
"      --skip-bad             drop bad rows (counted on stderr), not fail\n"
"  -v, --verbose              counts kept and dropped on standard error\n"
"  -h, --help                 show this help and exit\n"
"  -V, --version              show the version and exit\n";

static enum rec_format
parse_format(const char *s)
{
	static const char *const names[] = { "auto", "tsv", "csv", "dat" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return (enum rec_format)i;
	rec_cli_usage_error("--format '%s' is not auto, csv, tsv or dat", s);
}

static enum rec_dedup
parse_dedup(const char *s)
{
	if (strcmp(s, "last") == 0)
		return REC_DEDUP_LAST;
	if (strcmp(s, "first") == 0)
		return REC_DEDUP_FIRST;
	if (strcmp(s, "error") == 0)
		return REC_DEDUP_ERROR;
	rec_cli_usage_error("--dedup '%s' is not last, first or error", s);
}

static void
parse_range(const char *s, struct rec_read_opts *o)
{
	char lo[64];
	const char *comma = strchr(s, ',');

	if (!comma || (size_t)(comma - s) >= sizeof lo)
		rec_cli_usage_error("--rating-range '%s' is not LO,HI", s);
	memcpy(lo, s, (size_t)(comma - s));
	lo[comma - s] = '\0';
	o->lo = rec_cli_real(lo, "--rating-range LO", 0, 1e6);
	o->hi = rec_cli_real(comma + 1, "--rating-range HI", 0, 1e6);
	if (o->lo > o->hi)
		rec_cli_usage_error("--rating-range '%s': LO is above HI", s);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "output",           required_argument, NULL, 'o' },
		{ "min-item-ratings", required_argument, NULL, 'I' },
		{ "min-user-ratings", required_argument, NULL, 'U' },
		{ "k-core",           no_argument,       NULL, 'k' },
		{ "dedup",            required_argument, NULL, 'd' },
		{ "rating-range",     required_argument, NULL, 'r' },
		{ "format",           required_argument, NULL, 'f' },
		{ "skip-bad",         no_argument,       NULL, 's' },
		{ "verbose",          no_argument,       NULL, 'v' },
		{ "help",             no_argument,       NULL, 'h' },
		{ "version",          no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rec_read_opts ro = REC_READ_DEFAULTS;
	struct rec_filter_opts fo = { 1, 1, 0 };
	enum rec_dedup dedup = REC_DEDUP_LAST;
	struct rec_read_stats rs;
	struct rec_filter_stats fs;
	struct rec_ratings *r;
	struct rec_err err = { 0 };
	const char *out_path = NULL;
	int c, verbose = 0;
	size_t dups;

	rec_cli_init(argv, "rec-filter", usage_text);
	while ((c = getopt_long(argc, argv, "o:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'I': fo.min_item = rec_cli_count(optarg, "--min-item-ratings", 1, 1000000000); break;
		case 'U': fo.min_user = rec_cli_count(optarg, "--min-user-ratings", 1, 1000000000); break;
		case 'k': fo.k_core = 1; break;
		case 'd': dedup = parse_dedup(optarg); break;
		case 'r': parse_range(optarg, &ro); break;
		case 'f': ro.format = parse_format(optarg); break;
		case 's': ro.skip_bad = 1; break;
		case 'v': verbose = 1; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");

	struct rec_input in = rec_cli_input(argv[optind]);
	if (!(r = rec_ratings_new()))
		rec_cli_die("out of memory");
	if (rec_ratings_read(r, in.fp, in.name, &ro, &rs, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	if (rs.bad)
		rec_cli_note("%s: %zu bad row%s dropped (first: line %ld: %s)", in.name,
		             rs.bad, rs.bad == 1 ? "" : "s", rs.first_bad.line,
		             rs.first_bad.msg);
	if (rec_ratings_dedupe(r, dedup, in.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	if (dups)
		rec_cli_note("%s: %zu duplicate rating%s dropped", in.name, dups,
		             dups == 1 ? "" : "s");
	if (rec_ratings_filter(r, &fo, &fs, &err) != 0)
		rec_cli_fail(&err);
	if (verbose)
		rec_cli_note("%s: read %zu ratings; kept %zu ratings of %zu users and "
		             "%zu items (%d round%s)", in.name, fs.rows_in + dups,
		             fs.rows, fs.users, fs.items, fs.rounds,
		             fs.rounds == 1 ? "" : "s");

	struct rec_output out = rec_cli_output(out_path, 0);
	if (rec_ratings_write_tsv(r, out.fp, out.name, NULL, 0, NULL, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_commit(&out);
	rec_ratings_free(r);
	return rec_cli_exit(0);
}
