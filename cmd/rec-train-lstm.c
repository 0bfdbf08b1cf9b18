/* rec-train-lstm - train the LSTM sequential recommender on a ratings stream */
#include "cli.h"
#include "rec/lstmrec.h"
#include "trainer.h"

static const char about[] =
"Train an LSTM sequential recommender on a ratings stream; write the model\n"
"file.  An LSTM reads the user's previous ratings in time order (item\n"
"embedding and rating); its last state, the user's embedding and the\n"
"candidate item's embedding go through an MLP to a sigmoid.  The model\n"
"file keeps each user's last N ratings as the history rec-score uses.\n"
"With --loss bpr, train it to rank instead: the state after each\n"
"history scores the next positive the user rates above sampled\n"
"negatives, by a dot product of a query of the state and the user with\n"
"each item's embedding.  Training also runs as an MPI job of many\n"
"processes (make mpi; rec-mpi(7)).\n";

int
main(int argc, char *argv[])
{
	struct rec_lstmrec_hparams hp = REC_LSTMREC_DEFAULTS;
	struct rec_trainer t;

	rec_trainer_parse(&t, argc, argv, "rec-train-lstm", about, NULL,
	                  &rec_lstmrec_desc, &hp, NULL, 0, 10);
	rec_trainer_check_bpr(&t, hp.loss == REC_LOSS_BPR);
	rec_trainer_run(&t, rec_lstmrec_make);
	return rec_cli_exit(0);
}
