/* t_eval.c - the top-K lists and predictions readers and rec-eval's
 * evaluation (lists.h, eval.h) on the hand-computed case of
 * tests/cli/rec-eval.bats (tests/fixtures/eval, where every figure is
 * worked out), plus errors and out of memory. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/eval.h"
#include "rec/lists.h"

#define EPS 1e-6
#define EV FIXTURES "/eval/"

/* Lists from text (k: kept items a list); NULL on failure (err). */
static struct rec_lists *
lists_text(const char *text, size_t k, struct rec_err *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_lists *ls = rec_lists_new();

	if (!ls)
		rec_erroom(err, "t");
	else if (rec_lists_read(ls, fp, "t", k, err) != 0) {
		rec_lists_free(ls);
		ls = NULL;
	}
	fclose(fp);
	return ls;
}

/* The inputs of the hand-computed case. */
struct inputs {
	struct rec_preds *p;
	struct rec_lists *ls;
	struct rec_ratings *test, *train;
	struct rec_movies *mv;
};

static void
inputs_free(struct inputs *in)
{
	rec_preds_free(in->p);
	rec_lists_free(in->ls);
	rec_ratings_free(in->test);
	rec_ratings_free(in->train);
	rec_movies_free(in->mv);
	memset(in, 0, sizeof *in);
}

/* Read path with the reader for what ('p', 'r', 't', 'm') into *t. */
static int
load(int what, const char *path, size_t k, void **t, struct rec_err *err)
{
	FILE *fp = fopen(path, "r");
	int rc;

	if (!fp)
		return rec_errsys(err, path);
	*t = what == 'p' ? (void *)rec_preds_new() :
	     what == 'r' ? (void *)rec_lists_new() :
	     what == 'm' ? (void *)rec_movies_new() : (void *)rec_ratings_new();
	rc = !*t ? rec_erroom(err, path) :
	     what == 'p' ? rec_preds_read(*t, fp, path, err) :
	     what == 'r' ? rec_lists_read(*t, fp, path, k, err) :
	     what == 'm' ? rec_movies_read(*t, fp, path, err) :
	                   rec_ratings_read_tsv(*t, fp, path, err);
	fclose(fp);
	return rc;
}

static int
inputs_read(struct inputs *in, size_t k, struct rec_err *err)
{
	memset(in, 0, sizeof *in);
	return load('p', EV "preds.tsv", 0, (void **)&in->p, err) != 0 ||
	       load('r', EV "top.tsv", k, (void **)&in->ls, err) != 0 ||
	       load('t', EV "test.tsv", 0, (void **)&in->test, err) != 0 ||
	       load('t', EV "train.tsv", 0, (void **)&in->train, err) != 0 ||
	       load('m', EV "movies.csv", 0, (void **)&in->mv, err) != 0 ? -1 : 0;
}

TEST(lists_read_keeps_k)
{
	const char text[] = "7\t1\t50\t0.9\n7\t2\t40\t0.8\n7\t3\t30\t0.7\n"
	                    "3\t1\t20\t1\n";
	struct rec_err err = { 0 };
	struct rec_lists *ls = lists_text(text, 2, &err);

	CHECK(ls != NULL);
	if (!ls)
		return;
	/* Lists in file order: 7 then 3; only ranks 1 and 2 of 7's kept. */
	CHECK(ls->users.n == 2 && ls->users.ids[0] == 7 && ls->users.ids[1] == 3);
	CHECK(ls->n == 3 && ls->start[0] == 0 && ls->start[1] == 2 && ls->start[2] == 3);
	CHECK(ls->item[0] == 50 && ls->item[1] == 40 && ls->item[2] == 20);
	/* With each item its score and line. */
	CHECK(ls->score[0] == 0.9 && ls->score[1] == 0.8 && ls->score[2] == 1);
	CHECK(ls->line[0] == 1 && ls->line[1] == 2 && ls->line[2] == 4);
	rec_lists_free(ls);

	ls = lists_text(text, SIZE_MAX, &err);
	CHECK(ls && ls->n == 4 && ls->start[1] == 3 && ls->item[2] == 30);
	rec_lists_free(ls);

	/* No lines: no lists, and start still holds its one entry. */
	ls = lists_text("", 10, &err);
	CHECK(ls && ls->users.n == 0 && ls->n == 0 && ls->start[0] == 0);
	rec_lists_free(ls);
}

TEST(lists_read_errors)
{
	static const struct { const char *text, *msg; long line; } bad[] = {
		{ "1\t1\t50\t0.9\n1\t3\t40\t0.8\n",
		  "rank 3 after rank 1 in user 1's list (ranks go 1, 2, 3, ...)", 2 },
		{ "1\t2\t50\t0.9\n", "user 1's list starts at rank 2, not 1", 1 },
		{ "1\t1\t50\t0.9\n2\t1\t50\t0.9\n1\t1\t40\t0.8\n",
		  "a second list for user 1 (the first starts on line 1)", 3 },
		/* Checked beyond k too (k is 1 here). */
		{ "1\t1\t50\t0.9\n1\t2\t40\t0.8\n1\t3\t50\t0.7\n",
		  "item 50 appears twice in user 1's list (first at rank 1)", 3 },
		{ "1\t1\t50\n", "expected 4 TAB-separated fields (user rank item "
		  "score), got 3", 1 },
		{ "1\t1\t50\t0.9\n\n", "empty line", 2 },
		{ "1\t1\t50\tnan\n", "score 'nan' is not a number", 1 },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct rec_err err = { 0 };
		struct rec_lists *ls = lists_text(bad[i].text, 1, &err);

		CHECK(ls == NULL);
		CHECK(strcmp(err.msg, bad[i].msg) == 0);
		CHECK(strcmp(err.file, "t") == 0 && err.line == bad[i].line);
	}
}

/* More lists than the first allocation holds (1024): every list's first
 * line is remembered (this overflowed a buffer once). */
TEST(lists_read_many)
{
	size_t nu = 3000, cap = nu * 32 + 64, len = 0;
	char *text = malloc(cap);
	struct rec_err err = { 0 };
	struct rec_lists *ls;

	for (size_t u = 0; u < nu; u++)
		len += (size_t)snprintf(text + len, cap - len, "%zu\t1\t%zu\t1\n"
		                        "%zu\t2\t%zu\t0\n", u, u, u, u + 1);
	ls = lists_text(text, 10, &err);
	CHECK(ls && ls->users.n == nu && ls->n == 2 * nu &&
	      ls->start[nu] == 2 * nu && ls->item[2 * 2999 + 1] == 3000);
	rec_lists_free(ls);
	snprintf(text + len, cap - len, "2500\t1\t1\t1\n");
	CHECK(lists_text(text, 10, &err) == NULL);
	CHECK(strcmp(err.msg, "a second list for user 2500 (the first starts "
	              "on line 5001)") == 0 && err.line == 6001);
	free(text);
}

TEST(preds_read_errors)
{
	static const struct { const char *text, *msg; long line; } bad[] = {
		{ "", "empty input", 0 },
		{ "\n", "empty line", 1 },
		{ "1\t10\t4\t1\tx\n", "prediction 'x' is not a number", 1 },
		{ "1\t10\t4\t1\t3\n1\t10\t4\t1\n", "expected 5 TAB-separated "
		  "fields (user item rating timestamp prediction), got 4", 2 },
		{ "1\t10\t9\t1\t3\n", "rating 9 out of range [0.5, 5]", 1 },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* fmemopen refuses an empty buffer */
		FILE *fp = *bad[i].text ? fmemopen((void *)bad[i].text,
		                                   strlen(bad[i].text), "r")
		                        : fopen("/dev/null", "r");
		struct rec_preds *p = rec_preds_new();
		struct rec_err err = { 0 };

		CHECK(p && rec_preds_read(p, fp, "p", &err) == -1);
		CHECK(strcmp(err.msg, bad[i].msg) == 0 && err.line == bad[i].line);
		fclose(fp);
		rec_preds_free(p);
	}
}

TEST(eval_preds_second_prediction)
{
	const char text[] = "1\t10\t4\t1\t3\n2\t10\t4\t1\t3\n1\t10\t5\t2\t3\n";
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_preds *p = rec_preds_new();
	struct rec_err err = { 0 };
	struct rec_eval ev;

	rec_eval_init(&ev, 10, 3.5);
	CHECK(p && rec_preds_read(p, fp, "p.tsv", &err) == 0);
	CHECK(rec_eval_preds(&ev, p, &err) == -1);
	CHECK(strcmp(err.file, "p.tsv") == 0 && err.line == 3);
	CHECK(strcmp(err.msg, "a second prediction for user 1, item 10 (first "
	             "on line 1)") == 0);
	rec_eval_free(&ev);
	rec_preds_free(p);
	fclose(fp);
}

TEST(eval_hand_computed)
{
	static const char *const names[] = {
		"rmse", "mae", "rated_precision@3", "rated_recall@3", "rated_f1@3",
		"precision@3", "recall@3", "ndcg@3", "hit@3", "mrr@3",
		"coverage@3", "novelty@3", "diversity@3", "gini@3", "longtail@3",
	};
	/* The figures of tests/cli/rec-eval.bats, -k 3. */
	const double want[] = {
		1.361984, 1.15, 0.625, 0.625, 0.625,
		1.0 / 3, 0.5, 0.510956, 2.0 / 3, 2.0 / 3,
		5.0 / 6, 1.583333, 0.708333, 22.0 / 72, 0.25,
	};
	struct inputs in;
	struct rec_err err = { 0 };
	struct rec_eval ev;
	struct rec_eval_table t = { 0 };

	CHECK(inputs_read(&in, 3, &err) == 0);
	if (!in.mv) {
		inputs_free(&in);
		return;
	}
	rec_eval_init(&ev, 3, 3.5);
	CHECK(rec_eval_preds(&ev, in.p, &err) == 0);
	CHECK(rec_eval_lists(&ev, in.ls, in.test, in.train, in.mv, &err) == 0);
	/* Users 1, 2, 5 have relevant items; 5 has no list.  Nothing is
	 * outside train or movies. */
	CHECK(ev.rel_users == 3 && ev.nolist == 1);
	CHECK(ev.not_train == 0 && ev.not_movies == 0);

	CHECK(rec_eval_summary(&ev, &t, &err) == 0);
	CHECK(t.ncol == 15 && t.nrow == 1 && t.user == NULL);
	for (size_t c = 0; c < t.ncol && c < 15; c++) {
		CHECK(strcmp(t.name[c], names[c]) == 0 && !t.count[c]);
		CHECK_NEAR(t.v[c], want[c], EPS);
	}
	rec_eval_table_free(&t);

	/* Per user: 1..5 (4 has only a list, 5 no list); n_pred and n_rel
	 * are counts; "takes no part" is NaN. */
	CHECK(rec_eval_per_user(&ev, &t, &err) == 0);
	CHECK(t.ncol == 14 && t.nrow == 5);
	CHECK(strcmp(t.name[0], "n_pred") == 0 && t.count[0]);
	CHECK(strcmp(t.name[6], "n_rel") == 0 && t.count[6]);
	CHECK(strcmp(t.name[12], "novelty@3") == 0);
	for (size_t r = 0; r < t.nrow; r++)
		CHECK(t.user[r] == (int64_t)r + 1);
	const double *u1 = t.v, *u3 = t.v + 2 * t.ncol, *u4 = t.v + 3 * t.ncol;
	CHECK(u1[0] == 3 && u1[6] == 2);
	CHECK_NEAR(u1[1], 1.201388, EPS);
	CHECK_NEAR(u1[9], 0.919721, EPS);
	CHECK(u3[6] == 0 && isnan(u3[7]) && !isnan(u3[12]));
	CHECK(u4[0] == 0 && isnan(u4[1]) && isnan(u4[5]));
	CHECK_NEAR(u4[13], 0.833333, EPS);
	rec_eval_table_free(&t);
	rec_eval_free(&ev);

	/* Lists alone, without train or movies: five columns; no lists at
	 * all: the means of nothing are NaN. */
	rec_eval_init(&ev, 3, 3.5);
	CHECK(rec_eval_lists(&ev, in.ls, in.test, NULL, NULL, &err) == 0);
	CHECK(rec_eval_summary(&ev, &t, &err) == 0 && t.ncol == 5);
	rec_eval_table_free(&t);
	rec_eval_free(&ev);
	inputs_free(&in);
}

/* The N-th allocation fails, for N = 0, 1, 2, ... until none does:
 * with persistent, every one after it too; without, only that one. */
TEST(eval_oom_loop)
{
	for (int persistent = 1; persistent >= 0; persistent--)
		for (long n = 0;; n++) {
			struct rec_err err = { 0 };
			struct inputs in;
			struct rec_eval ev;
			struct rec_eval_table t1 = { 0 }, t2 = { 0 };
			int rc;

			rec_eval_init(&ev, 3, 3.5);
			rec_alloc_fail_after(n, persistent);
			rc = inputs_read(&in, 3, &err);
			if (rc == 0)
				rc = rec_eval_preds(&ev, in.p, &err);
			if (rc == 0)
				rc = rec_eval_lists(&ev, in.ls, in.test, in.train, in.mv,
				                    &err);
			if (rc == 0)
				rc = rec_eval_summary(&ev, &t1, &err);
			if (rc == 0)
				rc = rec_eval_per_user(&ev, &t2, &err);
			rec_alloc_fail_after(-1, 0);
			rec_eval_table_free(&t1);
			rec_eval_table_free(&t2);
			rec_eval_free(&ev);
			inputs_free(&in);
			if (rc == 0)
				break;
			CHECK(strcmp(err.msg, "out of memory") == 0);
			if (strcmp(err.msg, "out of memory") != 0 || n > 10000)
				break;
		}
}
