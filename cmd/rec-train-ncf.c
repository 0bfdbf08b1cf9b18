/* rec-train-ncf - train NeuMF, with genre and tag side features, on a ratings stream */
#include <string.h>

#include "cli.h"
#include "rec/ncf.h"
#include "trainer.h"

static const char usage_text[] =
"usage: rec-train-ncf [--movies FILE] [--tags FILE] [--tag-vocab N]\n"
"                     [--dim K] [--layers W,W,...] [--side-dim D] [--lr R]\n"
"                     [--reg R] [--dropout P] [--batch N] [--init-sd S]\n"
"                     [--threads N]\n"
"                     [--epochs N] [--seed S] [--valid FILE [--patience N]\n"
"                     [--refit]] [--log FILE] [--quiet] [-o FILE] [FILE]\n";

static const char help_text[] =
"Train NeuMF (a GMF branch and an MLP branch joined into one output, with\n"
"a sigmoid) on a ratings stream; write the model file.  Side features of\n"
"the movies go into the MLP branch through a learned projection, and into\n"
"the model file, so that rec-score needs nothing more.\n"
"\n"
"      --movies FILE    MovieLens movies.csv: the genres of each movie\n"
"      --tags FILE      MovieLens tags.csv: a bag of the movie's tags\n"
"      --tag-vocab N    tags in the vocabulary: those on the most movies,\n"
"                       each on at least 2 (200)\n"
"      --dim K          dimension of each of the four embeddings (64)\n"
"      --layers W,...   widths of the MLP's hidden layers (128,64,32)\n"
"      --side-dim D     dimension of the projected side vector (64)\n"
"      --lr R           learning rate of Adam (0.001)\n"
"      --reg R          L2 weight on each rating's embeddings and biases (0.001)\n"
"      --dropout P      dropout on the embeddings and the hidden layers (0.5)\n"
"      --batch N        ratings a step (256)\n"
"      --init-sd S      embeddings start as N(0, S^2) (0.05)\n"
"      --threads N      threads of the matrix products (1); the model is\n"
"                       the same, byte for byte, for any N\n"
REC_TRAINER_HELP("30");

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "movies",    required_argument, NULL, 'M' },
		{ "tags",      required_argument, NULL, 'T' },
		{ "tag-vocab", required_argument, NULL, 'g' },
		{ "dim",       required_argument, NULL, 'k' },
		{ "layers",    required_argument, NULL, 'y' },
		{ "side-dim",  required_argument, NULL, 'D' },
		{ "lr",        required_argument, NULL, 'l' },
		{ "reg",       required_argument, NULL, 'r' },
		{ "dropout",   required_argument, NULL, 'd' },
		{ "batch",     required_argument, NULL, 'b' },
		{ "init-sd",   required_argument, NULL, 'i' },
		{ "threads",   required_argument, NULL, 'j' },
		REC_TRAINER_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct rec_ncf_hparams hp = REC_NCF_DEFAULTS;
	const char *movies_path = NULL, *tags_path = NULL;
	struct rec_movies *movies = NULL;
	struct rec_tags *tags = NULL;
	struct rec_err err = { 0 };
	struct rec_trainer t;
	long threads = 1;
	int c;

	rec_cli_init(argv, "rec-train-ncf", usage_text);
	rec_trainer_init(&t);
	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		if (rec_trainer_option(&t, c, optarg, help_text))
			continue;
		switch (c) {
		case 'M': movies_path = optarg; break;
		case 'T': tags_path = optarg; break;
		case 'g': hp.tag_vocab = (int)rec_cli_count(optarg, "--tag-vocab", 0, 100000); break;
		case 'k': hp.k = (int)rec_cli_count(optarg, "--dim", 1, 4096); break;
		case 'y':
			hp.nlayers = rec_cli_widths(optarg, "--layers", hp.layers,
			                            REC_NCF_MAX_LAYERS);
			break;
		case 'D': hp.side_dim = (int)rec_cli_count(optarg, "--side-dim", 1, 4096); break;
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
	rec_cli_one_stdin((const char *const[]){ optind < argc ? argv[optind] : "-",
	                  t.valid_path, movies_path, tags_path }, 4);
	hp.threads = (int)threads;
	if (movies_path) {
		struct rec_input in = rec_cli_input(movies_path);
		if (!(movies = rec_movies_new()))
			rec_cli_die("out of memory");
		if (rec_movies_read(movies, in.fp, in.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_close_input(&in);
	}
	if (tags_path) {
		struct rec_input in = rec_cli_input(tags_path);
		if (rec_tags_read(&tags, in.fp, in.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_close_input(&in);
	}
	hp.movies = movies;
	hp.tags = tags;
	rec_trainer_run(&t, "rec-train-ncf", argv[optind], rec_ncf_make, &hp);
	rec_movies_free(movies);
	rec_tags_free(tags);
	return rec_cli_exit(0);
}
