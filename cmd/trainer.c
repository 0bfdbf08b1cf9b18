/*
 * trainer.c - the common part of the rec-train-* programs (see trainer.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec/dist.h"
#include "rec/shard.h"
#include "trainer.h"

struct rec_progress {
	const char *prog;
	int quiet, tty, epochs;
	int has_log, log_counts;
	struct rec_output log;
};

/* ---- progress and log ---- */

static void
rec_progress_open(struct rec_progress *p, const struct rec_trainer *t)
{
	p->prog = t->prog;
	p->quiet = t->quiet;
	p->epochs = t->to.epochs;
	p->tty = isatty(STDERR_FILENO);
	p->has_log = t->log_path != NULL;
	p->log_counts = rec_dist_size() > 1;   /* bytes_sent */
	if (p->has_log) {
		p->log = rec_cli_output_progress(t->log_path);
		fputs("phase\tepoch\tloss\tvalid_rmse\tvalid_precision@10\t"
		      "valid_recall@10\tvalid_f1@10\tvalid_ndcg@10\tseconds", p->log.fp);
		fprintf(p->log.fp, "%s%s\n", t->log_extra ? t->log_extra : "",
		        p->log_counts ? "\tbytes_sent" : "");
		rec_cli_flush(&p->log);
	}
}

/* A number for the log, or NA. */
static void
put_value(FILE *fp, double v)
{
	if (isnan(v))
		fputs("\tNA", fp);
	else
		fprintf(fp, "\t%.6f", v);
}

static void
rec_progress_epoch(void *ctx, const struct rec_epoch *e)
{
	struct rec_progress *p = ctx;
	const char *phase = e->refit ? "refit" : "fit";

	if (p->has_log) {
		fprintf(p->log.fp, "%s\t%d\t%.6f", phase, e->epoch, e->loss);
		put_value(p->log.fp, e->valid.rmse);
		put_value(p->log.fp, e->valid.precision);
		put_value(p->log.fp, e->valid.recall);
		put_value(p->log.fp, e->valid.f1);
		put_value(p->log.fp, e->valid.ndcg);
		fprintf(p->log.fp, "\t%.3f", e->seconds);
		for (int j = 0; j < e->nextra; j++)
			if (j >= e->nextra - p->log_counts)
				fprintf(p->log.fp, "\t%.0f", e->extra[j]);
			else
				put_value(p->log.fp, e->extra[j]);
		putc('\n', p->log.fp);
		rec_cli_flush(&p->log);   /* for tail -f, as the epoch ends */
	}
	if (p->quiet)
		return;
	fprintf(stderr, "%s%s: %s epoch %d/%d loss %.6f", p->tty ? "\r" : "",
	        p->prog, phase, e->epoch, p->epochs, e->loss);
	if (!isnan(e->valid.rmse))
		fprintf(stderr, " valid_rmse %.5f", e->valid.rmse);
	if (!isnan(e->valid.ndcg))
		fprintf(stderr, " valid_ndcg@10 %.5f", e->valid.ndcg);
	fprintf(stderr, " (%.2f s)%s", e->seconds, p->tty ? "\033[K" : "\n");
}

static void
rec_progress_close(struct rec_progress *p, const struct rec_train_result *r)
{
	if (!p->quiet) {
		if (p->tty)
			fputc('\n', stderr);
		if (!isnan(r->best.rmse))
			fprintf(stderr, "%s: best epoch %d, valid_rmse %.5f\n", p->prog,
			        r->best_epoch, r->best.rmse);
		if (!isnan(r->best.ndcg))
			fprintf(stderr, "%s: best epoch %d, valid_ndcg@10 %.5f\n", p->prog,
			        r->best_epoch, r->best.ndcg);
	}
	if (p->has_log)
		rec_cli_commit(&p->log);
}

/* ---- options, usage and help ---- */

enum { WIDTH = 79, HELP_COL = 23, CODE_HP = 1000, CODE_IN = 2000 };

/* The common options: getopt's codes, then their usage and help. */
static const struct option common_longopts[] = {
	{ "epochs",   required_argument, NULL, 'e' },
	{ "seed",     required_argument, NULL, 's' },
	{ "valid",    required_argument, NULL, 'v' },
	{ "patience", required_argument, NULL, 'p' },
	{ "refit",    no_argument,       NULL, 'R' },
	{ "log",      required_argument, NULL, 'L' },
	{ "quiet",    no_argument,       NULL, 'q' },
	{ "output",   required_argument, NULL, 'o' },
	{ "help",     no_argument,       NULL, 'h' },
	{ "version",  no_argument,       NULL, 'V' },
};
enum { NCOMMON = sizeof common_longopts / sizeof common_longopts[0] };

static const char common_usage[] =
	"[--epochs N] [--seed S] [--valid FILE [--patience N] [--refit]] "
	"[--log FILE] [--quiet] [-o FILE] [FILE]";
static const char closed_usage[] =   /* a model fitted in closed form */
	"[--valid FILE [--refit]] [--log FILE] [--quiet] [-o FILE] [FILE]";

static const char common_help[] =
"      --seed S         seed of the initial weights, order and dropout (1)\n"
"      --valid FILE     validation ratings: keep the epoch of lowest RMSE,\n"
"                       or for a model trained to rank of highest NDCG@10\n"
"      --patience N     with --valid: stop after N epochs without a better\n"
"                       validation score (5)\n"
"      --refit          with --valid: then train afresh on train + valid for\n"
"                       the best number of epochs\n"
"      --log FILE       one TSV row an epoch, written as it ends: phase epoch\n"
"                       loss valid_rmse valid_precision@10 valid_recall@10\n"
"                       valid_f1@10 valid_ndcg@10 seconds\n";
static const char closed_help[] =
"      --valid FILE     validation ratings: keep the fit of highest NDCG@10\n"
"      --refit          with --valid: then fit afresh on train + valid\n"
"      --log FILE       one TSV row a fit, written as it ends\n";
static const char last_help[] =
"  -q, --quiet          no progress on standard error\n"
"  -o, --output FILE    write the model to FILE, atomically\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n";

/* A growing text (usage, help), on the heap for the program's life. */
struct text {
	char *s;
	size_t len, cap;
	size_t col;         /* the column the text's last line is at */
};

static void
put(struct text *x, const char *s, size_t n)
{
	if (x->len + n + 1 > x->cap) {
		x->cap = (x->len + n + 1) * 2;
		if (!(x->s = realloc(x->s, x->cap)))
			rec_cli_die("out of memory");
	}
	memcpy(x->s + x->len, s, n);
	x->len += n;
	x->s[x->len] = '\0';
	for (size_t j = 0; j < n; j++)
		x->col = s[j] == '\n' ? 0 : x->col + 1;
}

static void
puts_(struct text *x, const char *s)
{
	put(x, s, strlen(s));
}

/* A usage item ("[--dim K]"), on a new line indented by indent when it
 * would pass the width. */
static void
usage_item(struct text *x, const char *item, size_t indent)
{
	if (x->col + 1 + strlen(item) > WIDTH) {
		puts_(x, "\n");
		for (size_t j = 0; j < indent; j++)
			puts_(x, " ");
	} else {
		puts_(x, " ");
	}
	puts_(x, item);
}

/* "K", or the choices as "adam|sgd". */
static void
arg_of(const struct rec_hparam *d, char *buf, size_t cap)
{
	size_t len = 0;

	if (d->arg) {
		snprintf(buf, cap, "%s", d->arg);
		return;
	}
	buf[0] = '\0';
	for (int j = 0; d->choices[j]; j++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
		                        j ? "|" : "", d->choices[j]);
}

/* One option of --help: "      --name ARG" then its help lines from
 * column HELP_COL, and the default (NULL: none) in parentheses at the
 * end. */
static void
help_item(struct text *x, const char *name, const char *arg, const char *help,
          const char *dflt)
{
	const char *line = help;

	puts_(x, "      --");
	puts_(x, name);
	if (arg) {
		puts_(x, " ");
		puts_(x, arg);
	}
	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (x->col + 2 > HELP_COL) {   /* no room: two spaces */
			puts_(x, "  ");
		} else {
			while (x->col < HELP_COL)
				puts_(x, " ");
		}
		put(x, line, n);
		if (!nl)
			break;
		puts_(x, "\n");
		line = nl + 1;
	}
	if (dflt) {
		if (x->col + 2 + strlen(dflt) + 1 > WIDTH) {
			puts_(x, "\n");
			while (x->col < HELP_COL)
				puts_(x, " ");
			puts_(x, "(");
		} else {
			puts_(x, " (");
		}
		puts_(x, dflt);
		puts_(x, ")");
	}
	puts_(x, "\n");
}

static void
make_texts(const struct rec_trainer *t, const char *about, const char *notes,
           int epochs, struct text *usage, struct text *help)
{
	char item[REC_HP_TEXT + 64], arg[REC_HP_TEXT], dflt[2 * REC_HP_TEXT + 64];
	const char *mode_dflt;
	size_t indent = strlen("usage: ") + strlen(t->prog) + 1;

	puts_(usage, "usage: ");
	puts_(usage, t->prog);
	for (int j = 0; j < t->nin; j++) {
		snprintf(item, sizeof item, "[--%s FILE]", t->in[j].name);
		usage_item(usage, item, indent);
	}
	for (int j = 0; j < t->desc->n; j++) {
		arg_of(&t->desc->p[j], arg, sizeof arg);
		snprintf(item, sizeof item, "[--%s %s]", t->desc->p[j].name, arg);
		usage_item(usage, item, indent);
	}
	for (const char *p = epochs ? common_usage : closed_usage; *p;) {   /* its items, kept whole */
		const char *end = p;
		int depth = 0;
		do {
			depth += *end == '[';
			depth -= *end == ']';
			end++;
		} while (*end && (depth > 0 || *end != ' '));
		snprintf(item, sizeof item, "%.*s", (int)(end - p), p);
		usage_item(usage, item, indent);
		p = *end ? end + 1 : end;
	}
	puts_(usage, "\n");

	puts_(help, about);
	puts_(help, "\n");
	for (int j = 0; j < t->nin; j++)
		help_item(help, t->in[j].name, "FILE", t->in[j].help, NULL);
	for (int j = 0; j < t->desc->n; j++) {
		const struct rec_hparam *d = &t->desc->p[j];
		arg_of(d, arg, sizeof arg);
		rec_hparam_format(d, t->desc->defaults, dflt);
		if ((mode_dflt = rec_hparam_mode_default(t->desc, d))) {
			size_t len = strlen(dflt);
			snprintf(dflt + len, sizeof dflt - len, "; %s: %s", t->desc->mode,
			         mode_dflt);
		}
		help_item(help, d->name, arg, d->help, dflt);
	}
	if (epochs) {
		snprintf(dflt, sizeof dflt, "%d", epochs);
		help_item(help, "epochs", "N", "epochs at most; with --valid 200, as "
		          "early\nstopping decides", dflt);
		puts_(help, common_help);
	} else {
		puts_(help, closed_help);
	}
	puts_(help, last_help);
	if (notes)
		puts_(help, notes);
}

void
rec_trainer_parse(struct rec_trainer *t, int argc, char **argv,
                  const char *prog, const char *about, const char *notes,
                  const struct rec_hparams_desc *desc, void *hp,
                  struct rec_trainer_input *in, int nin, int epochs)
{
	static struct text usage, help;
	struct option longopts[NCOMMON + 64 + 8 + 1];
	char why[REC_HP_TEXT];
	int c, n = 0, patience_set = 0;

	*t = (struct rec_trainer){ .prog = prog, .desc = desc, .hp = hp, .in = in,
	                           .nin = nin, .to = { .patience = 5, .seed = 1 } };
	if (desc->n > 64 || nin > 8)
		rec_cli_die("too many options");
	make_texts(t, about, notes, epochs, &usage, &help);
	rec_cli_init_dist(argv, prog, usage.s);
	for (int j = 0; j < NCOMMON; j++)
		if (epochs || !strchr("esp", common_longopts[j].val))
			longopts[n++] = common_longopts[j];
	for (int j = 0; j < desc->n; j++)
		longopts[n++] = (struct option){ desc->p[j].name, required_argument,
		                                 NULL, CODE_HP + j };
	for (int j = 0; j < nin; j++)
		longopts[n++] = (struct option){ in[j].name, required_argument, NULL,
		                                 CODE_IN + j };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };

	while ((c = getopt_long(argc, argv, "qo:hV", longopts, NULL)) != -1) {
		if (c >= CODE_IN) {
			in[c - CODE_IN].path = optarg;
			continue;
		}
		if (c >= CODE_HP) {
			const struct rec_hparam *d = &desc->p[c - CODE_HP];
			if (rec_hparam_parse(d, hp, optarg, why) != 0)
				rec_cli_usage_error("--%s '%s' %s", d->name, optarg, why);
			t->given[c - CODE_HP] = 1;
			continue;
		}
		switch (c) {
		case 'e': t->to.epochs = (int)rec_cli_count(optarg, "--epochs", 1, 100000); break;
		case 's': t->to.seed = (uint64_t)rec_cli_count(optarg, "--seed", 0, INT64_MAX); break;
		case 'v': t->valid_path = optarg; break;
		case 'p':
			t->to.patience = (int)rec_cli_count(optarg, "--patience", 1, 100000);
			patience_set = 1;
			break;
		case 'R': t->to.refit = 1; break;
		case 'L': t->log_path = optarg; break;
		case 'q': t->quiet = 1; break;
		case 'o': t->out_path = optarg; break;
		case 'h': rec_cli_help(help.s);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (rec_hparams_apply_mode(desc, hp, t->given, why) != 0)
		rec_cli_die("a default of %s %s", desc->mode, why);
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");
	t->train_path = optind < argc ? argv[optind] : NULL;
	if (t->to.refit && !t->valid_path)
		rec_cli_usage_error("--refit needs --valid FILE");
	if (patience_set && !t->valid_path)
		rec_cli_usage_error("--patience needs --valid FILE");
	{
		const char *stdin_users[2 + 8] = { t->train_path ? t->train_path : "-",
		                                   t->valid_path };
		for (int j = 0; j < nin; j++)
			stdin_users[2 + j] = in[j].path;
		rec_cli_one_stdin(stdin_users, 2 + nin);
	}
	rec_cli_distinct_outputs((const char *const[]){ t->out_path ? t->out_path :
	                         "-", t->log_path }, (const char *const[]){ "-o",
	                         "--log" }, 2);
	if (!t->to.epochs)
		t->to.epochs = t->valid_path ? 200 : epochs;
	t->quiet |= rec_dist_rank() > 0;   /* the job's progress is rank 0's */
}

int
rec_trainer_given(const struct rec_trainer *t, const char *name)
{
	for (int j = 0; j < t->desc->n; j++)
		if (strcmp(t->desc->p[j].name, name) == 0)
			return t->given[j];
	return 0;
}

void
rec_trainer_check_bpr(const struct rec_trainer *t, int bpr)
{
	if (!bpr && (rec_trainer_given(t, "positive") ||
	             rec_trainer_given(t, "negatives")))
		rec_cli_usage_error("--positive and --negatives go with --loss bpr");
}

struct rec_ratings *
rec_trainer_read(const char *path, int untimed)
{
	struct rec_input in = rec_cli_input_split(path);
	struct rec_ratings *r = untimed ? rec_ratings_new_untimed() : rec_ratings_new();
	struct rec_err err = { 0 };
	size_t dups;
	int rc;

	if (!r)
		rec_cli_die("out of memory");
	rc = rec_shard_read_ratings(r, in.fp, in.name, rec_shard_by_user, NULL, &err);
	rec_cli_agree(rc, &err);
	/* a user's rows are on one rank: so are its repeats */
	rc = rec_ratings_dedupe(r, REC_DEDUP_ERROR, in.name, &dups, &err);
	rec_cli_agree(rc, &err);
	rec_cli_close_input(&in);
	return r;
}

void
rec_trainer_run(struct rec_trainer *t, rec_model_make_fn *make)
{
	struct rec_ratings *train, *valid = NULL;
	struct rec_train_result res;
	struct rec_progress pr = { 0 };
	struct rec_model *m;
	struct rec_err err = { 0 };

	/* Refuse a terminal before the work, not after. */
	struct rec_output out = rec_cli_output(t->out_path, 1);
	train = rec_trainer_read(t->train_path, t->untimed);
	if (t->valid_path)
		valid = rec_trainer_read(t->valid_path, t->untimed);
	rec_progress_open(&pr, t);
	t->to.on_epoch = rec_progress_epoch;
	t->to.ctx = &pr;
	/* Without validation the table is the model's to take (model.h).  In
	 * a job its failures are every rank's (dist.h): printed once. */
	rec_cli_agree(valid ? rec_train(&m, make, t->hp, train, valid, &t->to, &res, &err) :
	                      rec_train_taking(&m, make, t->hp, train, &t->to, &res, &err),
	              &err);
	rec_progress_close(&pr, &res);

	/* Provenance: the weights are those after "epochs" epochs, of a
	 * job of "ranks" processes (only when more than one: one is the
	 * plain program). */
	char seed[24], epochs[16], ranks[16];
	snprintf(seed, sizeof seed, "%" PRIu64, t->to.seed);
	snprintf(epochs, sizeof epochs, "%d", res.best_epoch);
	snprintf(ranks, sizeof ranks, "%d", rec_dist_size());
	const char *key[] = { "seed", "epochs", "refit", "ranks" };
	const char *val[] = { seed, epochs, t->to.refit ? "1" : "0", ranks };
	if (rec_model_save(m, out.fp, out.name, key, val, rec_dist_size() > 1 ? 4 : 3,
	                   &err) != 0)
		rec_cli_fail(&err);
	rec_cli_commit(&out);
	rec_model_free(m);
	rec_ratings_free(train);
	rec_ratings_free(valid);
}
