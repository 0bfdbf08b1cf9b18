/* rec-train-agr - train AttnGraphRec (graph propagation, attention over the layers, an MLP) on a ratings stream */
#include <string.h>

#include "cli.h"
#include "rec/agr.h"
#include "trainer.h"

static const char usage_text[] =
"usage: rec-train-agr [--graph FILE | --weight binary|rating] [--dim K]\n"
"                     [--layers N] [--conv lightgcn|gcn] [--attn-dim H]\n"
"                     [--mlp W,W,...] [--lr R] [--reg R] [--dropout P]\n"
"                     [--batch N] [--init-sd S] [--threads N]\n"
"                     [--epochs N] [--seed S] [--valid FILE [--patience N]\n"
"                     [--refit]] [--log FILE] [--quiet] [-o FILE] [FILE]\n";

static const char help_text[] =
"Train AttnGraphRec on a ratings stream; write the model file.  The user\n"
"and item embeddings are propagated over the normalised user-item graph\n"
"of the training ratings, an attention over the layers (per user-item\n"
"pair) weights each side's layers, and an MLP over [user, item, user *\n"
"item] with a sigmoid gives the rating.  The model file holds the graph:\n"
"rec-score needs nothing more.\n"
"\n"
"      --graph FILE     the graph of the training ratings, from rec-graph\n"
"                       (same users, items and ratings, else an error);\n"
"                       without it the graph is built from the input\n"
"      --weight W       edges of a graph built here: binary or rating (binary)\n"
"      --dim K          embedding dimension (64)\n"
"      --layers N       graph-convolution layers, 0 to 8 (3)\n"
"      --conv C         lightgcn (E' = A E) or gcn (E' = tanh(A E W))\n"
"                       (lightgcn)\n"
"      --attn-dim H     hidden size of the attention (32)\n"
"      --mlp W,...      widths of the head's hidden layers (128,64)\n"
"      --lr R           learning rate of Adam (0.003)\n"
"      --reg R          L2 weight on each rating's embeddings and biases (0.001)\n"
"      --dropout P      dropout on the MLP's input and hidden layers (0.5)\n"
"      --batch N        ratings a step (1024)\n"
"      --init-sd S      embeddings start as N(0, S^2) (0.1)\n"
"      --threads N      threads of the graph and matrix products and of the\n"
"                       two sides' attention (1); the model is the same,\n"
"                       byte for byte, for any N\n"
REC_TRAINER_HELP("30")
"The --log rows end with the mean attention weight of each layer over the\n"
"epoch's training pairs: user_attn_0 .. user_attn_N, item_attn_0 ..\n"
"item_attn_N.\n";

/* The graph of FILE, checked against the training ratings in path; exits
 * on any difference. */
static struct rec_graph *
read_graph(const char *graph_path, const char *train_path)
{
	struct rec_input in = rec_cli_input(graph_path), tr;
	struct rec_ratings *r = rec_ratings_new();
	struct rec_graph *g = NULL, *matched = NULL;
	struct rec_err err = { 0 };
	size_t dups;
	int rc;

	if (!r)
		rec_cli_die("out of memory");
	if (rec_graph_load(&g, in.fp, in.name, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	tr = rec_cli_input(train_path);
	if (rec_ratings_read_tsv(r, tr.fp, tr.name, &err) != 0 ||
	    rec_ratings_dedupe(r, REC_DEDUP_ERROR, tr.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&tr);
	rc = rec_graph_match(&matched, g, r, graph_path, &err);
	rec_graph_free(g);
	rec_ratings_free(r);
	if (rc != 0) {
		if (strcmp(err.msg, "out of memory") != 0) {
			char what[256];
			snprintf(what, sizeof what, "%s", err.msg);
			rec_errf(&err, graph_path, 0, "not the graph of %s: %s", tr.name, what);
		}
		rec_cli_fail(&err);
	}
	return matched;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "graph",    required_argument, NULL, 'G' },
		{ "weight",   required_argument, NULL, 'W' },
		{ "dim",      required_argument, NULL, 'k' },
		{ "layers",   required_argument, NULL, 'y' },
		{ "conv",     required_argument, NULL, 'C' },
		{ "attn-dim", required_argument, NULL, 'a' },
		{ "mlp",      required_argument, NULL, 'm' },
		{ "lr",       required_argument, NULL, 'l' },
		{ "reg",      required_argument, NULL, 'r' },
		{ "dropout",  required_argument, NULL, 'd' },
		{ "batch",    required_argument, NULL, 'b' },
		{ "init-sd",  required_argument, NULL, 'i' },
		{ "threads",  required_argument, NULL, 'j' },
		REC_TRAINER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct rec_agr_hparams hp = REC_AGR_DEFAULTS;
	const char *graph_path = NULL;
	struct rec_graph *graph = NULL;
	struct rec_trainer t;
	char extra[REC_EPOCH_EXTRA * 16];
	size_t len = 0;
	long threads = 1;
	int c, weight_set = 0;

	rec_cli_init(argv, "rec-train-agr", usage_text);
	rec_trainer_init(&t);
	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		if (rec_trainer_option(&t, c, optarg, help_text))
			continue;
		switch (c) {
		case 'G': graph_path = optarg; break;
		case 'W':
			if (rec_graph_weight_parse(&hp.weight, optarg) != 0)
				rec_cli_usage_error("--weight '%s' is not binary or rating", optarg);
			weight_set = 1;
			break;
		case 'k': hp.k = (int)rec_cli_count(optarg, "--dim", 1, 4096); break;
		case 'y': hp.layers = (int)rec_cli_count(optarg, "--layers", 0, REC_AGR_MAX_LAYERS); break;
		case 'C':
			if (rec_agr_conv_parse(&hp.conv, optarg) != 0)
				rec_cli_usage_error("--conv '%s' is not lightgcn or gcn", optarg);
			break;
		case 'a': hp.attn_dim = (int)rec_cli_count(optarg, "--attn-dim", 1, 4096); break;
		case 'm':
			hp.nmlp = rec_cli_widths(optarg, "--mlp", hp.mlp, REC_AGR_MAX_MLP);
			break;
		case 'l': hp.lr = (float)rec_cli_real(optarg, "--lr", 1e-9, 100); break;
		case 'r': hp.reg = (float)rec_cli_real(optarg, "--reg", 0, 100); break;
		case 'd': hp.dropout = (float)rec_cli_real(optarg, "--dropout", 0, 0.99); break;
		case 'b': hp.batch = (int)rec_cli_count(optarg, "--batch", 1, 1 << 16); break;
		case 'i': hp.init_sd = (float)rec_cli_real(optarg, "--init-sd", 0, 10); break;
		case 'j': threads = rec_cli_count(optarg, "--threads", 1, 64); break;
		default:  rec_cli_usage();
		}
	}
	rec_trainer_check(&t, argc, argv, optind, 30);
	rec_cli_one_stdin((const char *const[]){ graph_path, t.valid_path }, 2);
	if (graph_path && weight_set)
		rec_cli_usage_error("--weight is the graph's own with --graph");
	if (graph_path && (optind == argc || strcmp(argv[optind], "-") == 0))
		rec_cli_usage_error("--graph needs the training ratings as a FILE");
	hp.threads = (int)threads;
	for (int s = 0; s < 2; s++)
		for (int l = 0; l <= hp.layers; l++)
			len += (size_t)snprintf(extra + len, sizeof extra - len, "\t%s_attn_%d",
			                        s ? "item" : "user", l);
	t.log_extra = extra;
	if (graph_path)
		hp.graph = graph = read_graph(graph_path, argv[optind]);
	rec_trainer_run(&t, "rec-train-agr", argv[optind], rec_agr_make, &hp);
	rec_graph_free(graph);
	return rec_cli_exit(0);
}
