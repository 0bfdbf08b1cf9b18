/* rec-train-lstm - train the LSTM sequential recommender on a ratings stream */
#include <string.h>

#include "cli.h"
#include "rec/lstmrec.h"
#include "trainer.h"

static const char usage_text[] =
"usage: rec-train-lstm [--dim K] [--hidden H] [--seq-len N] [--chunk N]\n"
"                      [--horizon P] [--bptt full|chunk] [--layers W,W,...]\n"
"                      [--lr R] [--reg R] [--dropout P] [--batch N]\n"
"                      [--init-sd S] [--threads N]\n"
"                      [--epochs N] [--seed S] [--valid FILE [--patience N]\n"
"                      [--refit]] [--log FILE] [--quiet] [-o FILE] [FILE]\n";

static const char help_text[] =
"Train an LSTM sequential recommender on a ratings stream; write the model\n"
"file.  An LSTM reads the user's previous ratings in time order (item\n"
"embedding and rating); its last state, the user's embedding and the\n"
"candidate item's embedding go through an MLP to a sigmoid.  The model\n"
"file keeps each user's last N ratings as the history rec-score uses.\n"
"\n"
"      --dim K          dimension of the user and item embeddings (64)\n"
"      --hidden H       size of the LSTM state (128)\n"
"      --seq-len N      history steps the LSTM reads (50)\n"
"      --chunk N        targets of one training sequence (25)\n"
"      --horizon P      share of training targets predicted from an earlier\n"
"                       state of their sequence, not the one right before\n"
"                       them (0.5)\n"
"      --bptt full|chunk  backpropagate through every step of a training\n"
"                       sequence (full), or only through the steps of its\n"
"                       targets, the history before them a constant\n"
"                       (chunk: faster) (chunk)\n"
"      --layers W,...   widths of the MLP's hidden layers (128,64)\n"
"      --lr R           learning rate of Adam (0.003)\n"
"      --reg R          L2 weight on each rating's embeddings and biases (0.01)\n"
"      --dropout P      dropout on the MLP's input and hidden layers (0.2)\n"
"      --batch N        training sequences a step (64)\n"
"      --init-sd S      embeddings start as N(0, S^2) (0.1)\n"
"      --threads N      threads of the matrix products (1); the model is\n"
"                       the same, byte for byte, for any N\n"
REC_TRAINER_HELP("10");

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dim",       required_argument, NULL, 'k' },
		{ "hidden",    required_argument, NULL, 'H' },
		{ "seq-len",   required_argument, NULL, 'S' },
		{ "chunk",     required_argument, NULL, 'C' },
		{ "horizon",   required_argument, NULL, 'z' },
		{ "bptt",      required_argument, NULL, 'B' },
		{ "layers",    required_argument, NULL, 'y' },
		{ "lr",        required_argument, NULL, 'l' },
		{ "reg",       required_argument, NULL, 'r' },
		{ "dropout",   required_argument, NULL, 'd' },
		{ "batch",     required_argument, NULL, 'b' },
		{ "init-sd",   required_argument, NULL, 'i' },
		{ "threads",   required_argument, NULL, 'j' },
		REC_TRAINER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct rec_lstmrec_hparams hp = REC_LSTMREC_DEFAULTS;
	struct rec_trainer t;
	long threads = 1;
	int c;

	rec_cli_init(argv, "rec-train-lstm", usage_text);
	rec_trainer_init(&t);
	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		if (rec_trainer_option(&t, c, optarg, help_text))
			continue;
		switch (c) {
		case 'k': hp.k = (int)rec_cli_count(optarg, "--dim", 1, 4096); break;
		case 'H': hp.hidden = (int)rec_cli_count(optarg, "--hidden", 1, 4096); break;
		case 'S': hp.seq_len = (int)rec_cli_count(optarg, "--seq-len", 1, 4096); break;
		case 'C': hp.chunk = (int)rec_cli_count(optarg, "--chunk", 1, 4096); break;
		case 'z': hp.horizon = (float)rec_cli_real(optarg, "--horizon", 0, 1); break;
		case 'B':
			if (strcmp(optarg, "full") != 0 && strcmp(optarg, "chunk") != 0)
				rec_cli_usage_error("--bptt '%s' is not 'full' or 'chunk'", optarg);
			hp.truncate = strcmp(optarg, "chunk") == 0;
			break;
		case 'y':
			hp.nlayers = rec_cli_widths(optarg, "--layers", hp.layers,
			                            REC_LSTMREC_MAX_LAYERS);
			break;
		case 'l': hp.lr = (float)rec_cli_real(optarg, "--lr", 1e-9, 100); break;
		case 'r': hp.reg = (float)rec_cli_real(optarg, "--reg", 0, 100); break;
		case 'd': hp.dropout = (float)rec_cli_real(optarg, "--dropout", 0, 0.99); break;
		case 'b': hp.batch = (int)rec_cli_count(optarg, "--batch", 1, 4096); break;
		case 'i': hp.init_sd = (float)rec_cli_real(optarg, "--init-sd", 0, 10); break;
		case 'j': threads = rec_cli_count(optarg, "--threads", 1, 64); break;
		default:  rec_cli_usage();
		}
	}
	rec_trainer_check(&t, argc, argv, optind, 10);
	hp.threads = (int)threads;
	rec_trainer_run(&t, "rec-train-lstm", argv[optind], rec_lstmrec_make, &hp);
	return rec_cli_exit(0);
}
