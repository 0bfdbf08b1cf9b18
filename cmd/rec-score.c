/* rec-score - apply any model file: predict ratings, or write top-K lists */
#include <cblas.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "rec/model.h"
#include "rec/dist.h"
#include "rec/recommend.h"
#include "rec/shard.h"

static const char usage_text[] =
"usage: rec-score -m MODEL [--history FILE] [-o FILE] [FILE]\n"
"       rec-score -m MODEL --top K [--exclude FILE] [--users FILE]\n"
"                 [--history FILE] [--threads N] [-o FILE] [FILE]\n";

static const char help_text[] =
"Without --top: read lines whose first two TAB-separated fields are a user\n"
"and an item (a ratings stream, or bare pairs) and write each line\n"
"unchanged plus a last field, the predicted rating.\n"
"With --top K: write top-K lists (user rank item score) for the users\n"
"in the first field of FILE's lines (in order of first appearance), or\n"
"for every user of the model when no FILE is named, ranking every item\n"
"of the model except those the user has in --exclude.\n"
"Unknown users or items get the model's fallback; they are counted on\n"
"standard error.\n"
"\n"
"  -m, --model FILE     the model file (any rec-train-* output)\n"
"      --top K          write top-K lists instead of predictions\n"
"      --exclude FILE   with --top: a ratings stream of (user, item) pairs\n"
"                       never to recommend, normally the training set\n"
"      --users FILE     with --top: the users to list (as FILE above)\n"
"      --threads N      with --top: threads for the scores, the selection\n"
"                       and reading --exclude (1); the lists are the same\n"
"                       for any N\n"
"      --history FILE   EASE, MF, lstm: users' ratings (a ratings stream),\n"
"                       which give users who were not in training lists:\n"
"                       EASE and lstm read a user's ratings (in place of\n"
"                       the model file's), MF fits a vector to each user\n"
"                       it does not know, a ranking lstm (--loss bpr)\n"
"                       does both; with lstm each input line (user item\n"
"                       rating timestamp) is predicted from the user's\n"
"                       entries strictly before its timestamp, --top\n"
"                       lists from all of them\n"
"  -o, --output FILE    write FILE (atomically), not standard output\n"
"  -h, --help           show this help and exit\n"
"  -V, --version        show the version and exit\n";

enum { BATCH = 4096 };

/* Split off the first two fields of a line: user and item ids; with ts,
 * also the fourth, the timestamp (a ratings line).  -1 (err: file:line)
 * when they are not there. */
static int
parse_pair(const char *s, size_t n, const char *file, long line,
           int64_t *user, int64_t *item, int64_t *ts, struct rec_err *err)
{
	const char *t1 = memchr(s, '\t', n), *t2, *t3 = NULL, *t4;
	const char *end = s + n;
	uint64_t v;
	char q[64];

	if (!t1)
		return rec_errf(err, file, line, "expected at least 2 TAB-separated "
		                "fields, got 1");
	t2 = memchr(t1 + 1, '\t', (size_t)(end - t1 - 1));
	if (rec_parse_id(user, s, (size_t)(t1 - s), "user", file, line, err) != 0 ||
	    rec_parse_id(item, t1 + 1, (size_t)((t2 ? t2 : end) - t1 - 1), "item",
	                 file, line, err) != 0)
		return -1;
	if (!ts)
		return 0;
	if (t2)
		t3 = memchr(t2 + 1, '\t', (size_t)(end - t2 - 1));
	if (!t3)
		return rec_errf(err, file, line, "with --history a line needs a "
		                "timestamp (user item rating timestamp), got %d fields",
		                t2 ? 3 : 2);
	t4 = memchr(t3 + 1, '\t', (size_t)(end - t3 - 1));
	if (rec_parse_u64(t3 + 1, (size_t)((t4 ? t4 : end) - t3 - 1), INT64_MAX, &v) != 0)
		return rec_errf(err, file, line, "bad timestamp '%s'",
		                rec_quote(q, sizeof q, t3 + 1,
		                          (size_t)((t4 ? t4 : end) - t3 - 1)));
	*ts = (int64_t)v;
	return 0;
}

/* The job's unknown users and items, summed over the ranks, noted. */
static void
note_unknown(const struct rec_unknown *unk)
{
	int64_t n[2] = { (int64_t)unk->users, (int64_t)unk->items };

	rec_dist_sum_i64(n, 2);
	if (n[0] || n[1])
		rec_cli_note("%" PRId64 " unknown user%s, %" PRId64 " unknown item%s "
		             "(fallback used)", n[0], n[0] == 1 ? "" : "s", n[1],
		             n[1] == 1 ? "" : "s");
}

struct batch {
	int64_t user[BATCH], item[BATCH], ts[BATCH];
	float pred[BATCH];
	size_t off[BATCH + 1];   /* line j is text[off[j] .. off[j + 1]) */
	size_t n;
	char *text;
	size_t cap;
};

/* Predict the lines of b and write them, each with its prediction (as
 * of the line's time with a history). */
static int
flush(struct batch *b, const struct rec_model *m, int history,
      struct rec_output *out, struct rec_unknown *unk, struct rec_err *err)
{
	if (!history)
		rec_model_predict_ids(m, b->user, b->item, b->n, b->pred, unk);
	else if (rec_model_predict_ids_at(m, b->user, b->item, b->ts, b->n,
	                                  b->pred, unk, err) != 0)
		return -1;
	for (size_t j = 0; j < b->n; j++)
		fprintf(out->fp, "%.*s\t%.6g\n", (int)(b->off[j + 1] - b->off[j]),
		        b->text + b->off[j], (double)b->pred[j]);
	if (ferror(out->fp))
		rec_cli_fail_output(out);
	b->n = 0;
	return 0;
}

/* Predict every line of in (in a job, this rank's lines, whose
 * predictions rank 0 then writes in order), BATCH lines at a time. */
static void
score_lines(const struct rec_model *m, int history, struct rec_input *in,
            struct rec_output *out)
{
	static struct batch b;
	struct rec_unknown unk = { 0 };
	struct rec_lines l;
	struct rec_err err = { 0 };
	char *s;
	size_t len;
	int rc;

	rec_cli_agree(rec_shard_lines(&l, in->fp, in->name, &err), &err);
	while ((rc = rec_lines_next(&l, &s, &len, &err)) == 1) {
		size_t used = b.off[b.n];
		if (parse_pair(s, len, in->name, l.lineno, &b.user[b.n], &b.item[b.n],
		               history ? &b.ts[b.n] : NULL, &err) != 0) {
			rc = -1;
			break;
		}
		if (used + len > b.cap) {
			b.cap = (used + len) * 2;
			if (!(b.text = rec_realloc(b.text, b.cap)))
				rec_cli_die("out of memory");
		}
		memcpy(b.text + used, s, len);
		b.off[++b.n] = used + len;
		if (b.n == BATCH && (rc = flush(&b, m, history, out, &unk, &err)) != 0)
			break;
	}
	if (rc == 0)
		rc = flush(&b, m, history, out, &unk, &err);
	rec_cli_agree(rec_shard_lines_end(&l, rc, NULL, &err), &err);
	rec_free(b.text);
	note_unknown(&unk);
}

/* The users to list: the first field of each line of path, in order of
 * first appearance (ids.ids; in a job, each rank reads its part of the
 * file and the maps merge in file order), or every user of the model. */
static void
read_users(struct rec_idmap *ids, const char *path, const struct rec_model *m)
{
	struct rec_idmap mine = { 0 };
	struct rec_input in;
	struct rec_lines l;
	struct rec_err err = { 0 };
	char *s, *tab;
	size_t len;
	int64_t id;
	int32_t ix;
	int rc;

	if (!path) {
		for (size_t u = 0; u < m->users.n; u++)
			if (rec_idmap_add(ids, m->users.ids[u], &ix) != 0)
				rec_cli_die("out of memory");
		return;
	}
	in = rec_cli_input_split(path);
	rec_cli_agree(rec_shard_lines(&l, in.fp, in.name, &err), &err);
	while ((rc = rec_lines_next(&l, &s, &len, &err)) == 1) {
		tab = memchr(s, '\t', len);
		if (rec_parse_id(&id, s, tab ? (size_t)(tab - s) : len, "user", in.name,
		                 l.lineno, &err) != 0)
			break;
		if (rec_idmap_add(&mine, id, &ix) != 0) {
			rc = rec_erroom(&err, NULL);
			break;
		}
	}
	if (rc == 1)
		rc = -1;
	rec_cli_agree(rec_shard_lines_end(&l, rc, NULL, &err), &err);
	rec_cli_agree(rec_shard_merge_ids(&mine, ids, NULL, &err), &err);
	rec_idmap_clear(&mine);
	rec_cli_close_input(&in);
}

/* What writing a block of lists needs: the listed users, their model
 * indices, room for one prediction an item. */
struct writer {
	const struct rec_model *m;
	const int64_t *ids;        /* the users' data-set ids */
	const int32_t *uidx;       /* and model indices */
	int32_t *pu, *pi;          /* (cap) the pairs to predict */
	float *pred;
	size_t cap;
	struct rec_output *out;
};

/* Write a block of lists (rec_lists_fn), each item with its score: the
 * predicted rating, or a ranking model's rank score. */
static int
write_lists(void *ctx, size_t beg, size_t nb, size_t k, const uint32_t *best,
            const float *score, const size_t *len, struct rec_err *err)
{
	struct writer *w = ctx;
	size_t np = 0;

	(void)err;
	if (w->m->ranking) {
		for (size_t j = 0; j < nb; j++)
			for (size_t t = 0; t < len[j]; t++)
				fprintf(w->out->fp, "%" PRId64 "\t%zu\t%" PRId64 "\t%.6g\n",
				        w->ids[beg + j], t + 1,
				        w->m->items.ids[best[j * k + t]],
				        (double)score[j * k + t]);
		if (ferror(w->out->fp))
			rec_cli_fail_output(w->out);
		return 0;
	}
	if (nb * k > w->cap) {
		w->cap = nb * k;
		w->pu = rec_realloc_array(w->pu, w->cap, sizeof *w->pu);
		w->pi = rec_realloc_array(w->pi, w->cap, sizeof *w->pi);
		w->pred = rec_realloc_array(w->pred, w->cap, sizeof *w->pred);
		if (!w->pu || !w->pi || !w->pred)
			rec_cli_die("out of memory");
	}
	for (size_t j = 0; j < nb; j++)
		for (size_t t = 0; t < len[j]; t++, np++) {
			w->pu[np] = w->uidx[beg + j];
			w->pi[np] = (int32_t)best[j * k + t];
		}
	w->m->ops->predict(w->m, w->pu, w->pi, np, w->pred);
	np = 0;
	for (size_t j = 0; j < nb; j++)
		for (size_t t = 0; t < len[j]; t++, np++)
			fprintf(w->out->fp, "%" PRId64 "\t%zu\t%" PRId64 "\t%.6g\n",
			        w->ids[beg + j], t + 1,
			        w->m->items.ids[best[j * k + t]], (double)w->pred[np]);
	if (ferror(w->out->fp))
		rec_cli_fail_output(w->out);
	return 0;
}

/* The rank of a user's exclusions (rec_shard_owner_fn): the one that
 * lists it, or none. */
static int
lister(void *ctx, int64_t user)
{
	const struct rec_idmap *users = ctx;
	int32_t j = rec_idmap_find(users, user);

	return j < 0 ? -1 : rec_shard_part_of(users->n, rec_dist_size(), (uint64_t)j);
}

/* Top-k lists for the listed users (rec_recommend), never an item of
 * theirs in exclude_path (a ratings stream).  In a job rank r lists the
 * r-th part of the users, whose exclusions it alone reads. */
static void
top_lists(const struct rec_model *m, size_t k, const char *users_path,
          const char *exclude_path, int threads, struct rec_output *out)
{
	struct rec_idmap users = { 0 };
	struct rec_unknown unk = { 0 };
	struct rec_exclusions ex = { 0 }, part;
	struct rec_err err = { 0 };
	struct writer w = { .m = m, .out = out };
	uint64_t beg, end;
	int32_t *uidx;
	size_t n;
	int rc;

	read_users(&users, users_path, m);
	rec_shard_part(users.n, rec_dist_size(), rec_dist_rank(), &beg, &end);
	n = (size_t)(end - beg);
	if (exclude_path && rec_dist_size() == 1) {
		/* read in parts, one a thread (rec_exclusions_read) */
		struct rec_input in[64];
		FILE *fp[64];
		int parts = strcmp(exclude_path, "-") == 0 ? 1 : threads;
		for (int t = 0; t < parts; t++) {
			in[t] = rec_cli_input(exclude_path);
			fp[t] = in[t].fp;
		}
		rc = rec_exclusions_read(&ex, fp, parts, in[0].name, &users, &m->items,
		                         &err);
		rec_cli_agree(rc, &err);
		for (int t = 0; t < parts; t++)
			rec_cli_close_input(&in[t]);
	} else if (exclude_path) {
		struct rec_input in = rec_cli_input_split(exclude_path);
		struct rec_ratings *r = rec_ratings_new_untimed();
		rc = r ? rec_shard_read_ratings(r, in.fp, in.name, lister, &users, &err) :
		         rec_erroom(&err, NULL);
		rec_cli_agree(rc, &err);
		rec_cli_close_input(&in);
		rc = rec_exclusions_build(&ex, r, &users, &m->items, &err);
		rec_cli_agree(rc, &err);
		rec_ratings_free(r);
	}
	part = (struct rec_exclusions){ n, ex.start ? ex.start + beg : NULL, ex.item };
	if (!(uidx = rec_malloc_array(n ? n : 1, sizeof *uidx)))
		rec_cli_die("out of memory");
	for (size_t j = 0; j < n; j++) {
		uidx[j] = rec_idmap_find(&m->users, users.ids[beg + j]);
		unk.users += uidx[j] < 0;
	}
	w.ids = users.ids + beg;
	w.uidx = uidx;
	rc = rec_recommend(m, uidx, n, k, exclude_path ? &part : NULL, threads,
	                   write_lists, &w, &err);
	rec_cli_agree(rc, &err);
	note_unknown(&unk);
	rec_idmap_clear(&users);
	rec_exclusions_free(&ex);
	rec_free(uidx);
	rec_free(w.pu);
	rec_free(w.pi);
	rec_free(w.pred);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "model",   required_argument, NULL, 'm' },
		{ "top",     required_argument, NULL, 't' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "users",   required_argument, NULL, 'u' },
		{ "threads", required_argument, NULL, 'j' },
		{ "history", required_argument, NULL, 'H' },
		{ "output",  required_argument, NULL, 'o' },
		{ "help",    no_argument,       NULL, 'h' },
		{ "version", no_argument,       NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *model_path = NULL, *out_path = NULL, *exclude_path = NULL;
	const char *users_path = NULL, *history_path = NULL;
	struct rec_model *m;
	struct rec_err err = { 0 };
	long top = 0, threads = 1;
	int c;

	rec_cli_init_dist(argv, "rec-score", usage_text);
	while ((c = getopt_long(argc, argv, "m:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model_path = optarg; break;
		case 't': top = rec_cli_count(optarg, "--top", 1, 1000000); break;
		case 'x': exclude_path = optarg; break;
		case 'u': users_path = optarg; break;
		case 'j': threads = rec_cli_count(optarg, "--threads", 1, 64); break;
		case 'H': history_path = optarg; break;
		case 'o': out_path = optarg; break;
		case 'h': rec_cli_help(help_text);
		case 'V': rec_cli_version();
		default:  rec_cli_usage();
		}
	}
	if (argc - optind > 1)
		rec_cli_usage_error("more than one input file");
	if (!model_path)
		rec_cli_usage_error("a model is needed: -m FILE");
	if ((exclude_path || users_path || threads > 1) && !top)
		rec_cli_usage_error("--exclude, --users and --threads go with --top");
	if (users_path && argc > optind)
		rec_cli_usage_error("--users FILE and a FILE operand exclude each other");
	if (!users_path)
		users_path = argv[optind];
	rec_cli_one_stdin((const char *const[]){ model_path, top ? users_path :
	                  argv[optind] ? argv[optind] : "-", exclude_path,
	                  history_path }, 4);

	/* in a job, every rank reads the model and the histories whole */
	struct rec_input min = rec_cli_input(model_path);
	rec_cli_agree(rec_model_load(&m, min.fp, min.name, &err), &err);
	rec_cli_close_input(&min);
	if (history_path) {
		struct rec_input hin;
		struct rec_ratings *h;
		if (!rec_model_reads_history(m))
			rec_cli_usage_error("--history: a '%s' model reads no history",
			                    m->ops->name);
		hin = rec_cli_input(history_path);
		if (!(h = rec_ratings_new()))
			rec_cli_die("out of memory");
		rec_cli_agree(rec_ratings_read_tsv(h, hin.fp, hin.name, &err), &err);
		rec_cli_close_input(&hin);
		rec_cli_agree(rec_model_set_history(m, h, &err), &err);
		rec_ratings_free(h);
	}

	if (m->ranking && !top)
		rec_cli_usage_error("a '%s' model trained to rank gives no rating "
		                    "predictions: use --top K for its lists",
		                    m->ops->name);
	struct rec_output out = rec_cli_output(out_path, 0);
	if (top) {
		openblas_set_num_threads((int)threads);
		top_lists(m, (size_t)top, users_path, exclude_path, (int)threads, &out);
	} else {
		struct rec_input in = rec_cli_input_split(argv[optind]);
		score_lines(m, history_path != NULL, &in, &out);
		rec_cli_close_input(&in);
	}
	rec_cli_commit(&out);
	rec_model_free(m);
	return rec_cli_exit(0);
}
