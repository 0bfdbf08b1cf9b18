/* rec-train-agr - train AttnGraphRec (graph propagation, attention over the layers, an MLP) on a ratings stream */
#include <string.h>

#include "cli.h"
#include "rec/agr.h"
#include "rec/dist.h"
#include "trainer.h"

static const char about[] =
"Train AttnGraphRec on a ratings stream; write the model file.  The user\n"
"and item embeddings are propagated over the normalised user-item graph\n"
"of the training ratings, an attention over the layers (per user-item\n"
"pair) weights each side's layers, and an MLP over [user, item, user *\n"
"item] with a sigmoid gives the rating.  The model file holds the graph:\n"
"rec-score needs nothing more.  With --loss bpr, train it to rank\n"
"instead (LightGCN plus attention): the network's score of each positive\n"
"above that of sampled negatives.  Training also runs as an MPI job of\n"
"many processes (make mpi; rec-mpi(7)).\n";

static const char notes[] =
"The --log rows end with the mean attention weight of each layer over the\n"
"epoch's training pairs (with bpr, the positive and the negative ones):\n"
"user_attn_0 .. user_attn_N, item_attn_0 .. item_attn_N; in a job of many\n"
"processes, then the bytes they sent in the epoch, bytes_sent.\n";

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
	struct rec_trainer_input in[] = {
		{ "graph", "the graph of the training ratings, from rec-graph\n"
		           "(same users, items and ratings, else an error);\n"
		           "without it the graph is built from the input", NULL },
	};
	struct rec_agr_hparams hp = REC_AGR_DEFAULTS;
	struct rec_graph *graph = NULL;
	struct rec_trainer t;
	char extra[REC_EPOCH_EXTRA * 16];
	size_t len = 0;

	rec_trainer_parse(&t, argc, argv, "rec-train-agr", about, notes,
	                  &rec_agr_desc, &hp, in, 1, 30);
	if (in[0].path && rec_trainer_given(&t, "weight"))
		rec_cli_usage_error("--weight is the graph's own with --graph");
	if (in[0].path && rec_dist_size() > 1)
		rec_cli_usage_error("--graph does not run as a job of %d processes: "
		                    "each builds the graph of its part of the ratings",
		                    rec_dist_size());
	if (in[0].path && (!t.train_path || strcmp(t.train_path, "-") == 0))
		rec_cli_usage_error("--graph needs the training ratings as a FILE");
	rec_trainer_check_bpr(&t, hp.loss == REC_LOSS_BPR);
	if (hp.head != REC_AGR_MLP && (rec_trainer_given(&t, "mlp") ||
	                               rec_trainer_given(&t, "dropout")))
		rec_cli_usage_error("--mlp and --dropout go with --head mlp");
	for (int s = 0; s < 2; s++)
		for (int l = 0; l <= hp.layers; l++)
			len += (size_t)snprintf(extra + len, sizeof extra - len, "\t%s_attn_%d",
			                        s ? "item" : "user", l);
	t.log_extra = extra;
	if (in[0].path)
		hp.graph = graph = read_graph(in[0].path, t.train_path);
	rec_trainer_run(&t, rec_agr_make);
	rec_graph_free(graph);
	return rec_cli_exit(0);
}
