/* rec-train-mf - train the study's matrix factorisation on a ratings stream */
#include "cli.h"
#include "rec/dist.h"
#include "rec/mf.h"
#include "trainer.h"

static const char about[] =
"Train matrix factorisation, sigmoid(mu + b_u + b_i + p_u . q_i) on the\n"
"ratings scaled to [0, 1], on a ratings stream; write the model file.\n"
"With --loss bpr, train it to rank instead: b_i + p_u . q_i of each\n"
"positive above that of sampled negatives.  Training also runs as an MPI\n"
"job of many processes (make mpi; rec-mpi(7)).\n";

int
main(int argc, char *argv[])
{
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_trainer t;

	rec_trainer_parse(&t, argc, argv, "rec-train-mf", about, NULL, &rec_mf_desc,
	                  &hp, NULL, 0, 40);
	if (rec_mf_per_rating(&hp) && hp.dropout > 0)
		rec_cli_usage_error("per-rating SGD (--optimizer sgd --batch 1) has no "
		                    "dropout: leave out --dropout or give 0");
	if (!rec_mf_per_rating(&hp) && hp.threads > 1)
		rec_cli_usage_error("--threads needs per-rating SGD (--optimizer sgd --batch 1)");
	if (!rec_mf_per_rating(&hp) && hp.lr_decay != 1)
		rec_cli_usage_error("--lr-decay needs per-rating SGD (--optimizer sgd --batch 1)");
	if (rec_mf_per_rating(&hp) && hp.loss == REC_LOSS_BPR)
		rec_cli_usage_error("per-rating SGD trains on ratings: --loss bpr "
		                    "needs minibatches (--batch 2 or more)");
	rec_trainer_check_bpr(&t, hp.loss == REC_LOSS_BPR);
	if (rec_dist_size() > 1 && t.valid_path && rec_mf_per_rating(&hp))
		rec_cli_usage_error("--valid does not run as a job of %d processes of "
		                    "per-rating SGD yet: choose the epochs with one",
		                    rec_dist_size());
	t.untimed = 1;   /* MF never looks at when a rating was made */
	rec_trainer_run(&t, rec_mf_make);
	return rec_cli_exit(0);
}
