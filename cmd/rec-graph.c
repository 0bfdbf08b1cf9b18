/* rec-graph - the user-item graph of a ratings stream, its statistics, a Graphviz sample */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"
#include "rec/graph.h"

static const char usage_text[] =
"usage: rec-graph [--weight binary|rating] [--stats] [--dot FILE]\n"
"                 [--sample-users N] [--sample-items N] [--seed S]\n"
"                 [-o FILE] [FILE]\n";

static const char help_text[] =
"Build the bipartite user-item graph of a ratings stream (the training\n"
"set): the users and items as nodes, each rating an edge, the adjacency\n"
"in CSR with the symmetric normalisation D^-1/2 A D^-1/2.  Write it as a\n"
"rec-graph/1 safetensors file (for rec-train-agr --graph), print its\n"
"statistics, or draw a sample of it.\n"
"\n"
"      --weight W       edge weights: binary (1) or rating (the rating) (binary)\n"
"      --stats          print a 'stat value' table: users, items, edges,\n"
"                       density, sparsity, degree min, median, mean, max\n"
"                       and Gini of each side, and the sample's sparsity\n"
"      --dot FILE       write a Graphviz drawing of the sample to FILE\n"
"                       (users and movies in two colours; dot -Tpng)\n"
"      --sample-users N users in the sample (100)\n"
"      --sample-items N items in the sample (500)\n"
"      --seed S         seed of the sample (1)\n"
"  -o, --output FILE    write the graph to FILE (atomically); without -o\n"
"                       the graph goes to standard output, unless --stats\n"
"                       or --dot is given\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n";

static void
print_degrees(FILE *fp, const char *side, const struct rec_degree_stats *d)
{
	fprintf(fp, "%s_degree_min\t%" PRId64 "\n", side, d->min);
	fprintf(fp, "%s_degree_median\t%g\n", side, d->median);
	fprintf(fp, "%s_degree_mean\t%.6f\n", side, d->mean);
	fprintf(fp, "%s_degree_max\t%" PRId64 "\n", side, d->max);
	fprintf(fp, "%s_degree_gini\t%.6f\n", side, d->gini);
}

static void
print_stats(FILE *fp, const struct rec_graph_stats *s)
{
	fprintf(fp, "stat\tvalue\n");
	fprintf(fp, "users\t%" PRId64 "\n", s->users);
	fprintf(fp, "items\t%" PRId64 "\n", s->items);
	fprintf(fp, "edges\t%" PRId64 "\n", s->edges);
	fprintf(fp, "density\t%.6f\n", s->density);
	fprintf(fp, "sparsity\t%.6f\n", s->sparsity);
	print_degrees(fp, "user", &s->user);
	print_degrees(fp, "item", &s->item);
	fprintf(fp, "sample_users\t%" PRId64 "\n", s->sample_users);
	fprintf(fp, "sample_items\t%" PRId64 "\n", s->sample_items);
	fprintf(fp, "sample_edges\t%" PRId64 "\n", s->sample_edges);
	fprintf(fp, "sample_sparsity\t%.6f\n", s->sample_sparsity);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "weight",       required_argument, NULL, 'w' },
		{ "stats",        no_argument,       NULL, 'S' },
		{ "dot",          required_argument, NULL, 'D' },
		{ "sample-users", required_argument, NULL, 'u' },
		{ "sample-items", required_argument, NULL, 'i' },
		{ "seed",         required_argument, NULL, 's' },
		{ "output",       required_argument, NULL, 'o' },
		{ "help",         no_argument,       NULL, 'h' },
		{ "version",      no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	enum rec_graph_weight weight = REC_GRAPH_BINARY;
	const char *out_path = NULL, *dot_path = NULL;
	long su = 100, si = 500;
	uint64_t seed = 1;
	int c, stats = 0;

	rec_cli_init(argv, "rec-graph", usage_text);
	while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (rec_graph_weight_parse(&weight, optarg) != 0)
				rec_cli_usage_error("--weight '%s' is not binary or rating", optarg);
			break;
		case 'S': stats = 1; break;
		case 'D': dot_path = optarg; break;
		case 'u': su = rec_cli_count(optarg, "--sample-users", 1, INT32_MAX); break;
		case 'i': si = rec_cli_count(optarg, "--sample-items", 1, INT32_MAX); break;
		case 's': seed = (uint64_t)rec_cli_count(optarg, "--seed", 0, INT64_MAX); break;
		case 'o': out_path = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");

	int write_graph = out_path || (!stats && !dot_path);
	struct rec_output out = { 0 }, dot = { 0 };
	struct rec_err err = { 0 };
	struct rec_ratings *r = rec_ratings_new();
	struct rec_graph *g = NULL;
	struct rec_input in;
	size_t dups;

	rec_cli_distinct_outputs((const char *const[]){ write_graph ?
	                         (out_path ? out_path : "-") : NULL, dot_path },
	                         (const char *const[]){ "-o", "--dot" }, 2);
	/* Refuse a terminal (and open every output) before the work. */
	if (write_graph)
		out = rec_cli_output(out_path, 1);
	if (dot_path)
		dot = rec_cli_output(dot_path, 0);
	if (!r)
		rec_cli_die("out of memory");
	in = rec_cli_input(argv[optind]);
	if (rec_ratings_read_tsv(r, in.fp, in.name, &err) != 0 ||
	    rec_ratings_dedupe(r, REC_DEDUP_ERROR, in.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	if (rec_graph_build(&g, r, weight, &err) != 0)
		rec_cli_fail(&err);
	if (stats) {
		struct rec_graph_stats s;
		if (rec_graph_stats(g, su, si, seed, &s, &err) != 0)
			rec_cli_fail(&err);
		print_stats(stdout, &s);   /* the graph is not there (-o) */
	}
	if (dot_path) {
		if (rec_graph_write_dot(g, su, si, seed, dot.fp, dot.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_commit(&dot);
	}
	if (write_graph) {
		if (rec_graph_save(g, out.fp, out.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_commit(&out);
	}
	rec_graph_free(g);
	rec_ratings_free(r);
	return rec_cli_exit(0);
}
