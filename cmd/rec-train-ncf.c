/* rec-train-ncf - train NeuMF, with genre and tag side features, on a ratings stream */
#include "cli.h"
#include "rec/ncf.h"
#include "trainer.h"

static const char about[] =
"Train NeuMF (a GMF branch and an MLP branch joined into one output, with\n"
"a sigmoid) on a ratings stream; write the model file.  Side features of\n"
"the movies go into the MLP branch through a learned projection, and into\n"
"the model file, so that rec-score needs nothing more.  Only the tags of\n"
"the training period count: each no later than its user's last training\n"
"rating.  With --loss bpr, train it to rank instead: the logit of each\n"
"positive above that of sampled negatives.  Training also runs as an MPI\n"
"job of many processes (make mpi; rec-mpi(7)).\n";

int
main(int argc, char *argv[])
{
	struct rec_trainer_input in[] = {
		{ "movies", "the genres of each movie: MovieLens movies.csv,\n"
		            "ml-1m movies.dat or ml-100k u.item", NULL },
		{ "tags", "MovieLens tags.csv: a bag of the movie's tags", NULL },
	};
	struct rec_ncf_hparams hp = REC_NCF_DEFAULTS;
	struct rec_movies *movies = NULL;
	struct rec_tags *tags = NULL;
	struct rec_err err = { 0 };
	struct rec_trainer t;

	rec_trainer_parse(&t, argc, argv, "rec-train-ncf", about, NULL,
	                  &rec_ncf_desc, &hp, in, 2, 30);
	rec_trainer_check_bpr(&t, hp.loss == REC_LOSS_BPR);
	if (in[0].path) {
		struct rec_input mi = rec_cli_input(in[0].path);
		if (!(movies = rec_movies_new()))
			rec_cli_die("out of memory");
		if (rec_movies_read(movies, mi.fp, mi.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_close_input(&mi);
	}
	if (in[1].path) {
		struct rec_input ti = rec_cli_input(in[1].path);
		if (rec_tags_read(&tags, ti.fp, ti.name, &err) != 0)
			rec_cli_fail(&err);
		rec_cli_close_input(&ti);
	}
	hp.movies = movies;
	hp.tags = tags;
	rec_trainer_run(&t, rec_ncf_make);
	rec_movies_free(movies);
	rec_tags_free(tags);
	return rec_cli_exit(0);
}
