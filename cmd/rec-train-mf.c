/* rec-train-mf - train the study's matrix factorisation on a ratings stream */
#include <string.h>

#include "cli.h"
#include "rec/mf.h"
#include "trainer.h"

static const char usage_text[] =
"usage: rec-train-mf [--dim K] [--epochs N] [--lr R] [--reg R] [--dropout P]\n"
"                    [--optimizer adam|sgd] [--batch N] [--threads N] [--seed S]\n"
"                    [--valid FILE [--patience N] [--refit]] [--log FILE]\n"
"                    [--quiet] [-o FILE] [FILE]\n";

static const char help_text[] =
"Train matrix factorisation, sigmoid(mu + b_u + b_i + p_u . q_i) on the\n"
"ratings scaled to [0, 1], on a ratings stream; write the model file.\n"
"\n"
"      --dim K          embedding dimension, 0 for biases only (64)\n"
"      --lr R           learning rate (0.001)\n"
"      --reg R          L2 weight on each rating's embeddings and biases (0.003)\n"
"      --dropout P      dropout on the embedding vectors in training (0.5)\n"
"      --optimizer O    adam or sgd (adam)\n"
"      --batch N        ratings a step (256); with --optimizer sgd, 1 is\n"
"                       per-rating SGD over a blocked matrix (no dropout)\n"
"      --threads N      per-rating SGD on N threads, lock-free (1)\n"
"      --init-sd S      embeddings start as N(0, S^2) (0.05)\n"
REC_TRAINER_HELP("40");

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dim",       required_argument, NULL, 'k' },
		{ "lr",        required_argument, NULL, 'l' },
		{ "reg",       required_argument, NULL, 'r' },
		{ "dropout",   required_argument, NULL, 'd' },
		{ "optimizer", required_argument, NULL, 'O' },
		{ "batch",     required_argument, NULL, 'b' },
		{ "init-sd",   required_argument, NULL, 'i' },
		{ "threads",   required_argument, NULL, 'j' },
		REC_TRAINER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_trainer t;
	int c;

	rec_cli_init(argv, "rec-train-mf", usage_text);
	rec_trainer_init(&t);
	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		if (rec_trainer_option(&t, c, optarg, help_text))
			continue;
		switch (c) {
		case 'k': hp.k = (int)rec_cli_count(optarg, "--dim", 0, 4096); break;
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
		case 'j': hp.threads = (int)rec_cli_count(optarg, "--threads", 1, 64); break;
		default:  rec_cli_usage();
		}
	}
	if (rec_mf_per_rating(&hp) && hp.dropout > 0)
		rec_cli_usage_error("per-rating SGD (--optimizer sgd --batch 1) has no "
		                    "dropout: give --dropout 0");
	if (!rec_mf_per_rating(&hp) && hp.threads > 1)
		rec_cli_usage_error("--threads needs per-rating SGD (--optimizer sgd --batch 1)");
	rec_trainer_check(&t, argc, argv, optind, 40);
	rec_trainer_run(&t, "rec-train-mf", argv[optind], rec_mf_make, &hp);
	return rec_cli_exit(0);
}
