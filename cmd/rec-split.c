/* rec-split - split a ratings stream into train, test and validation parts */
#include <getopt.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "rec/split.h"

static const char usage_text[] =
"usage: rec-split --train FILE --test FILE [--valid FILE --valid-ratio R]\n"
"                 [--by time|random] [--seed S] [--ratio R | --leave-last N |\n"
"                 --global-time T | --global-ratio R] [--verbose] [FILE]\n"
"       rec-split --tag [options] [-o FILE] [FILE]\n";

static const char help_text[] =
"Split a ratings stream (user item rating timestamp) per user: each user's\n"
"ratings in time order, the first round-half-up(R x n) to train, the rest\n"
"to test (at least one of each when a user has two or more).\n"
"\n"
"      --train FILE       write the train part to FILE\n"
"      --test FILE        write the test part to FILE\n"
"      --valid FILE       write the validation part to FILE\n"
"      --valid-ratio R    move the last R of each user's train part to valid\n"
"      --by time|random   order each user's ratings by time (default), or\n"
"                         at random (seeded)\n"
"      --seed S           seed of --by random (1)\n"
"      --ratio R          train share of each user's ratings (0.8)\n"
"      --leave-last N     each user's last N ratings to test instead\n"
"      --global-time T    one cut for everyone: timestamps >= T to test\n"
"      --global-ratio R   one cut for everyone, at the time that puts R of\n"
"                         all ratings before it\n"
"      --tag              write one stream with a first column train, test\n"
"                         or valid, instead of files\n"
"  -o, --output FILE      with --tag: write FILE instead of standard output\n"
"  -v, --verbose          counts and the share of test ratings older than\n"
"                         the newest train rating, on standard error\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n";

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "train",        required_argument, NULL, 't' },
		{ "test",         required_argument, NULL, 'T' },
		{ "valid",        required_argument, NULL, 'a' },
		{ "valid-ratio",  required_argument, NULL, 'A' },
		{ "by",           required_argument, NULL, 'b' },
		{ "seed",         required_argument, NULL, 's' },
		{ "ratio",        required_argument, NULL, 'r' },
		{ "leave-last",   required_argument, NULL, 'l' },
		{ "global-time",  required_argument, NULL, 'g' },
		{ "global-ratio", required_argument, NULL, 'G' },
		{ "tag",          no_argument,       NULL, 'x' },
		{ "output",       required_argument, NULL, 'o' },
		{ "verbose",      no_argument,       NULL, 'v' },
		{ "help",         no_argument,       NULL, 'h' },
		{ "version",      no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const tags[] = { "train", "test", "valid" };
	struct rec_split_opts so = REC_SPLIT_DEFAULTS;
	struct rec_split_stats st;
	struct rec_ratings *r;
	struct rec_err err = { 0 };
	const char *path[3] = { NULL, NULL, NULL }, *out_path = NULL;
	int c, tag = 0, verbose = 0, cuts = 0, seeded = 0;
	uint8_t *part;
	size_t dups;

	rec_cli_init(argv, "rec-split", usage_text);
	while ((c = getopt_long(argc, argv, "o:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 't': path[REC_PART_TRAIN] = optarg; break;
		case 'T': path[REC_PART_TEST] = optarg; break;
		case 'a': path[REC_PART_VALID] = optarg; break;
		case 'A': so.valid_ratio = rec_cli_real(optarg, "--valid-ratio", 0, 1); break;
		case 'b':
			if (strcmp(optarg, "time") == 0)
				so.by = REC_SPLIT_TIME;
			else if (strcmp(optarg, "random") == 0)
				so.by = REC_SPLIT_RANDOM;
			else
				rec_cli_usage_error("--by '%s' is not time or random", optarg);
			break;
		case 's': so.seed = (uint64_t)rec_cli_count(optarg, "--seed", 0, INT64_MAX); seeded = 1; break;
		case 'r': so.ratio = rec_cli_real(optarg, "--ratio", 0, 1); cuts++; break;
		case 'l': so.leave_last = rec_cli_count(optarg, "--leave-last", 1, INT32_MAX); cuts++; break;
		case 'g': so.global = 1; so.global_time = rec_cli_count(optarg, "--global-time", 0, INT64_MAX); cuts++; break;
		case 'G': so.global = 2; so.global_ratio = rec_cli_real(optarg, "--global-ratio", 0, 1); cuts++; break;
		case 'x': tag = 1; break;
		case 'o': out_path = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");
	if (cuts > 1)
		rec_cli_usage_error("--ratio, --leave-last, --global-time and "
		                    "--global-ratio exclude each other");
	if (seeded && so.by != REC_SPLIT_RANDOM)
		rec_cli_usage_error("--seed goes with --by random");
	if (so.global && so.by == REC_SPLIT_RANDOM)
		rec_cli_usage_error("a global cut in time is not random");
	if (tag && (path[0] || path[1] || path[2]))
		rec_cli_usage_error("--tag writes one stream, not --train, --test or --valid");
	if (!tag && (!path[REC_PART_TRAIN] || !path[REC_PART_TEST]))
		rec_cli_usage_error("--train FILE and --test FILE are needed (or --tag)");
	if (!tag && out_path)
		rec_cli_usage_error("-o goes with --tag");
	if (!tag && !path[REC_PART_VALID] != !(so.valid_ratio > 0))
		rec_cli_usage_error("--valid FILE and --valid-ratio R go together");
	if (!tag)
		rec_cli_distinct_outputs(path, (const char *const[]){ "--train",
		                         "--test", "--valid" }, 3);

	struct rec_input in = rec_cli_input(argv[optind]);
	if (!(r = rec_ratings_new()))
		rec_cli_die("out of memory");
	/* Any rating goes: a split does not care about the scale. */
	struct rec_read_opts ro = { REC_FMT_TSV, 0, 1e6, 0 };
	if (rec_ratings_read(r, in.fp, in.name, &ro, NULL, &err) != 0 ||
	    rec_ratings_dedupe(r, REC_DEDUP_ERROR, in.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	if (!(part = rec_malloc(r->n)))
		rec_cli_die("out of memory");
	if (rec_split(r, &so, part, &st, &err) != 0)
		rec_cli_fail(&err);
	if (verbose) {
		rec_cli_note("%s: %zu train, %zu test, %zu valid ratings", in.name,
		             st.n[REC_PART_TRAIN], st.n[REC_PART_TEST], st.n[REC_PART_VALID]);
		if (so.global)
			rec_cli_note("%s: cut at timestamp %" PRId64, in.name, st.cut);
		rec_cli_note("%s: %.2f%% of test ratings are older than the newest "
		             "train rating", in.name, st.n[REC_PART_TEST] ?
		             100.0 * (double)st.leaked / (double)st.n[REC_PART_TEST] : 0.0);
	}

	if (tag) {
		struct rec_output out = rec_cli_output(out_path, 0);
		if (rec_ratings_write_tsv(r, out.fp, out.name, part, 0, tags, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_commit(&out);
	} else {
		struct rec_output out[3];
		int np = path[REC_PART_VALID] ? 3 : 2;
		for (int p = 0; p < np; p++) {
			out[p] = rec_cli_output(path[p], 0);
			if (rec_ratings_write_tsv(r, out[p].fp, out[p].name, part, p,
			                          NULL, &err) != 0)
				rec_cli_fail(&err);
			errno = 0;
			if (fflush(out[p].fp) != 0 || ferror(out[p].fp))
				rec_cli_fail_output(&out[p]);
		}
		for (int p = 0; p < np; p++)
			rec_cli_commit(&out[p]);
	}
	rec_free(part);
	rec_ratings_free(r);
	return rec_cli_exit(0);
}
