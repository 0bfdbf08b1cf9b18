/* rec-train-mf - train the study's matrix factorisation on a ratings stream */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"
#include "rec/mf.h"

static const char usage_text[] =
"usage: rec-train-mf [--dim K] [--epochs N] [--lr R] [--reg R] [--dropout P]\n"
"                    [--optimizer adam|sgd] [--batch N] [--seed S]\n"
"                    [--valid FILE [--patience N] [--refit]] [--log FILE]\n"
"                    [--quiet] [-o FILE] [FILE]\n";

static const char help_text[] =
"Train matrix factorisation, sigmoid(mu + b_u + b_i + p_u . q_i) on the\n"
"ratings scaled to [0, 1], on a ratings stream; write the model file.\n"
"\n"
"      --dim K          embedding dimension, 0 for biases only (64)\n"
"      --epochs N       epochs at most (40; with --valid 200, as early\n"
"                       stopping decides)\n"
"      --lr R           learning rate (0.001)\n"
"      --reg R          L2 weight on each rating's embeddings and biases (0.003)\n"
"      --dropout P      dropout on the embedding vectors in training (0.5)\n"
"      --optimizer O    adam or sgd (adam)\n"
"      --batch N        ratings a step (256)\n"
"      --init-sd S      embeddings start as N(0, S^2) (0.05)\n"
"      --seed S         seed of the initial weights, order and dropout (1)\n"
"      --valid FILE     validation ratings: keep the epoch of lowest RMSE\n"
"      --patience N     with --valid: stop after N epochs without a better\n"
"                       validation RMSE (5)\n"
"      --refit          with --valid: then train afresh on train + valid for\n"
"                       the best number of epochs\n"
"      --log FILE       one TSV row an epoch: phase epoch loss valid_rmse\n"
"                       valid_precision@10 valid_recall@10 valid_f1@10 seconds\n"
"  -q, --quiet          no progress on standard error\n"
"  -o, --output FILE    write the model to FILE (atomically)\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n";

/* Read a ratings stream for training: strict TSV, no repeated rating. */
static struct rec_ratings *
read_ratings(const char *path)
{
	struct rec_input in = rec_cli_input(path);
	struct rec_ratings *r = rec_ratings_new();
	struct rec_err err = { 0 };
	size_t dups;

	if (!r)
		rec_cli_die("out of memory");
	if (rec_ratings_read_tsv(r, in.fp, in.name, &err) != 0 ||
	    rec_ratings_dedupe(r, REC_DEDUP_ERROR, in.name, &dups, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_close_input(&in);
	return r;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dim",       required_argument, NULL, 'k' },
		{ "epochs",    required_argument, NULL, 'e' },
		{ "lr",        required_argument, NULL, 'l' },
		{ "reg",       required_argument, NULL, 'r' },
		{ "dropout",   required_argument, NULL, 'd' },
		{ "optimizer", required_argument, NULL, 'O' },
		{ "batch",     required_argument, NULL, 'b' },
		{ "init-sd",   required_argument, NULL, 'i' },
		{ "seed",      required_argument, NULL, 's' },
		{ "valid",     required_argument, NULL, 'v' },
		{ "patience",  required_argument, NULL, 'p' },
		{ "refit",     no_argument,       NULL, 'R' },
		{ "log",       required_argument, NULL, 'L' },
		{ "quiet",     no_argument,       NULL, 'q' },
		{ "output",    required_argument, NULL, 'o' },
		{ "help",      no_argument,       NULL, 'h' },
		{ "version",   no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_train_opts to = { .epochs = 0, .patience = 5, .seed = 1 };
	struct rec_train_result res;
	struct rec_progress pr = { 0 };
	struct rec_ratings *train, *valid = NULL;
	struct rec_model *m;
	struct rec_err err = { 0 };
	const char *out_path = NULL, *valid_path = NULL, *log_path = NULL;
	int c, quiet = 0;

	rec_cli_init("rec-train-mf", usage_text);
	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': hp.k = (int)rec_cli_count(optarg, "--dim", 0, 4096); break;
		case 'e': to.epochs = (int)rec_cli_count(optarg, "--epochs", 1, 100000); break;
		case 'l': hp.lr = (float)rec_cli_real(optarg, "--lr", 1e-9, 100); break;
		case 'r': hp.reg = (float)rec_cli_real(optarg, "--reg", 0, 100); break;
		case 'd': hp.dropout = (float)rec_cli_real(optarg, "--dropout", 0, 0.99); break;
		case 'O':
			if (strcmp(optarg, "adam") == 0)
				hp.opt = REC_OPT_ADAM;
			else if (strcmp(optarg, "sgd") == 0)
				hp.opt = REC_OPT_SGD;
			else
				rec_cli_usage_error("--optimizer '%s' is not adam or sgd", optarg);
			break;
		case 'b': hp.batch = (int)rec_cli_count(optarg, "--batch", 1, 1 << 20); break;
		case 'i': hp.init_sd = (float)rec_cli_real(optarg, "--init-sd", 0, 10); break;
		case 's': to.seed = (uint64_t)rec_cli_count(optarg, "--seed", 0, INT64_MAX); break;
		case 'v': valid_path = optarg; break;
		case 'p': to.patience = (int)rec_cli_count(optarg, "--patience", 1, 100000); break;
		case 'R': to.refit = 1; break;
		case 'L': log_path = optarg; break;
		case 'q': quiet = 1; break;
		case 'o': out_path = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");
	if (to.refit && !valid_path)
		rec_cli_usage_error("--refit needs --valid FILE");
	if (!to.epochs)
		to.epochs = valid_path ? 200 : 40;

	/* Refuse a terminal before the work, not after. */
	struct rec_output out = rec_cli_output(out_path, 1);
	train = read_ratings(argv[optind]);
	if (valid_path)
		valid = read_ratings(valid_path);
	rec_progress_open(&pr, "rec-train-mf", log_path, quiet, to.epochs);
	to.on_epoch = rec_progress_epoch;
	to.ctx = &pr;
	if (rec_train(&m, rec_mf_make, &hp, train, valid, &to, &res, &err) != 0)
		rec_cli_fail(&err);
	rec_progress_close(&pr, &res);

	/* Provenance: the weights are those after "epochs" epochs. */
	char seed[24], epochs[16];
	snprintf(seed, sizeof seed, "%" PRIu64, to.seed);
	snprintf(epochs, sizeof epochs, "%d", res.best_epoch);
	const char *key[] = { "seed", "epochs", "refit" };
	const char *val[] = { seed, epochs, to.refit ? "1" : "0" };
	if (rec_model_save(m, out.fp, out.name, key, val, 3, &err) != 0)
		rec_cli_fail(&err);
	rec_cli_commit(&out);
	rec_model_free(m);
	rec_ratings_free(train);
	rec_ratings_free(valid);
	return rec_cli_exit(0);
}
