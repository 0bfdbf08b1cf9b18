/* t_hparams.c - hyperparameters from and to text (hparams.h), on a table
 * with one of each type. */
#include <stddef.h>
#include <string.h>

#include "check.h"
#include "rec/hparams.h"

struct toy_hp {
	int k;
	float lr;
	int opt;
	int n, w[3];
	int threads;
	float decay;
};

static const char *const opts[] = { "adam", "sgd", "lbfgs", NULL };

static const struct rec_hparam toy_p[] = {
	{ "dim", "k", REC_HP_INT, offsetof(struct toy_hp, k), 0, 4096, NULL, 0, 0,
	  "K", "embedding dimension", 0 },
	{ "lr", "lr", REC_HP_REAL, offsetof(struct toy_hp, lr), 1e-9, 100, NULL, 0, 0,
	  "R", "learning rate", 0 },
	{ "optimizer", "optimizer", REC_HP_CHOICE, offsetof(struct toy_hp, opt), 0, 0,
	  opts, 0, 0, "O", "the optimizer", 0 },
	{ "mlp", "mlp", REC_HP_WIDTHS, offsetof(struct toy_hp, w), 1, 4096, NULL,
	  offsetof(struct toy_hp, n), 3, "W,...", "widths", 0 },
	{ "threads", NULL, REC_HP_INT, offsetof(struct toy_hp, threads), 1, 64, NULL,
	  0, 0, "N", "threads", 0 },
	REC_HP_NEW_NUMBER(struct toy_hp, decay, "decay", "decay", 0, 1, "D", "decay"),
};

/* sgd is a mode with defaults of its own for lr and decay */
static int
is_sgd(const void *hp)
{
	return ((const struct toy_hp *)hp)->opt == 1;
}

static const char *const sgd_defaults[] = { "lr", "0.5", "decay", "0.9", NULL };
static const struct toy_hp toy_defaults = { 64, 1e-3f, 0, 2, { 128, 64, 0 }, 1, 1 };
static const struct rec_hparams_desc toy = { "toy", toy_p, 6, &toy_defaults,
                                             "sgd", is_sgd, sgd_defaults, NULL };

/* The reason parse gives for s, or "ok". */
static const char *
why_of(int j, const char *s)
{
	static char why[REC_HP_TEXT];
	struct toy_hp h = toy_defaults;

	if (rec_hparam_parse(&toy_p[j], &h, s, why) == 0)
		return "ok";
	return why;
}

TEST(hparams_parse_and_format)
{
	struct toy_hp h = toy_defaults;
	char why[REC_HP_TEXT], buf[REC_HP_TEXT];

	CHECK(rec_hparam_parse(&toy_p[0], &h, "32", why) == 0 && h.k == 32);
	CHECK(rec_hparam_parse(&toy_p[1], &h, "0.05", why) == 0 && h.lr == 0.05f);
	CHECK(rec_hparam_parse(&toy_p[2], &h, "lbfgs", why) == 0 && h.opt == 2);
	CHECK(rec_hparam_parse(&toy_p[3], &h, "7,5,3", why) == 0 && h.n == 3 &&
	      h.w[0] == 7 && h.w[1] == 5 && h.w[2] == 3);
	rec_hparam_format(&toy_p[0], &h, buf);
	CHECK(strcmp(buf, "32") == 0);
	rec_hparam_format(&toy_p[1], &h, buf);
	CHECK(strcmp(buf, "0.05") == 0);
	rec_hparam_format(&toy_p[2], &h, buf);
	CHECK(strcmp(buf, "lbfgs") == 0);
	rec_hparam_format(&toy_p[3], &h, buf);
	CHECK(strcmp(buf, "7,5,3") == 0);
	/* the defaults' text reads back to the defaults */
	rec_hparam_format(&toy_p[1], &toy_defaults, buf);
	CHECK(strcmp(buf, "0.001") == 0);
	CHECK(rec_hparam_parse(&toy_p[1], &h, buf, why) == 0 && h.lr == 1e-3f);
	rec_hparam_format(&toy_p[3], &toy_defaults, buf);
	CHECK(strcmp(buf, "128,64") == 0);
}

TEST(hparams_bad_values)
{
	CHECK(strcmp(why_of(0, "4097"), "is not an integer in [0, 4096]") == 0);
	CHECK(strcmp(why_of(0, "-1"), "is not an integer in [0, 4096]") == 0);
	CHECK(strcmp(why_of(0, "1e3"), "is not an integer in [0, 4096]") == 0);
	CHECK(strcmp(why_of(0, ""), "is not an integer in [0, 4096]") == 0);
	CHECK(strcmp(why_of(1, "0"), "is not a number in [1e-09, 100]") == 0);
	CHECK(strcmp(why_of(1, "nan"), "is not a number in [1e-09, 100]") == 0);
	CHECK(strcmp(why_of(1, "1e999"), "is not a number in [1e-09, 100]") == 0);
	CHECK(strcmp(why_of(2, "Adam"), "is not adam, sgd or lbfgs") == 0);
	CHECK(strcmp(why_of(3, "1,2,3,4"), "is not 1 to 3 widths, each an integer "
	             "in [1, 4096]") == 0);
	CHECK(strcmp(why_of(3, "1,,3"), "is not 1 to 3 widths, each an integer "
	             "in [1, 4096]") == 0);
	CHECK(strcmp(why_of(3, "0"), "is not 1 to 3 widths, each an integer "
	             "in [1, 4096]") == 0);
	CHECK(strcmp(why_of(3, "8,"), "is not 1 to 3 widths, each an integer "
	             "in [1, 4096]") == 0);
	CHECK(strcmp(why_of(3, ""), "is not 1 to 3 widths, each an integer "
	             "in [1, 4096]") == 0);
	CHECK(strcmp(why_of(3, "9"), "ok") == 0);
}

TEST(hparams_metadata_round_trip)
{
	struct toy_hp h = toy_defaults, back = toy_defaults;
	const char *key[8], *val[8];
	char text[8][REC_HP_TEXT], why[REC_HP_TEXT];
	struct rec_st st = { .name = "m.st" };
	struct rec_err err;
	int n;

	rec_hparam_parse(&toy_p[0], &h, "8", why);
	rec_hparam_parse(&toy_p[2], &h, "sgd", why);
	rec_hparam_parse(&toy_p[3], &h, "5", why);
	rec_hparam_parse(&toy_p[4], &h, "7", why);
	n = rec_hparams_meta(&toy, &h, key, val, text);
	CHECK(n == 4);   /* threads is not saved, decay not at its default */
	CHECK(strcmp(key[0], "k") == 0 && strcmp(val[0], "8") == 0);
	CHECK(strcmp(key[3], "mlp") == 0 && strcmp(val[3], "5") == 0);
	st.nmeta = (size_t)n;
	st.meta_key = (char **)key;
	st.meta_val = (char **)val;
	CHECK(rec_hparams_load(&toy, &back, &st, &err) == 0);
	CHECK(back.k == 8 && back.lr == h.lr && back.opt == 1 && back.n == 1 &&
	      back.w[0] == 5 && back.threads == 1);
	val[1] = "x";
	CHECK(rec_hparams_load(&toy, &back, &st, &err) == -1);
	CHECK(strcmp(err.msg, "metadata 'lr' = 'x' is not a number in [1e-09, 100]") == 0);
	st.nmeta = 1;
	CHECK(rec_hparams_load(&toy, &back, &st, &err) == -1);
	CHECK(strcmp(err.msg, "missing metadata 'lr'") == 0 &&
	      strcmp(err.file, "m.st") == 0);
}

/* In the mode (and only there) what was not given takes the mode's
 * default; --help's text of it; a bad one is the table's fault. */
TEST(hparams_mode_defaults)
{
	unsigned char given[6] = { 0 };
	struct toy_hp h = toy_defaults;
	char why[REC_HP_TEXT];
	static const char *const bad[] = { "decay", "2", NULL };
	struct rec_hparams_desc broken = toy;

	CHECK(rec_hparams_apply_mode(&toy, &h, given, why) == 0);
	CHECK(h.lr == 1e-3f && h.decay == 1);   /* not in the mode */
	h.opt = 1;
	given[2] = 1;
	CHECK(rec_hparams_apply_mode(&toy, &h, given, why) == 0);
	CHECK(h.lr == 0.5f && h.decay == 0.9f && h.k == 64 && h.opt == 1);
	h = toy_defaults;
	h.opt = 1;
	h.lr = 0.2f;
	given[1] = 1;   /* --lr 0.2 given: kept */
	CHECK(rec_hparams_apply_mode(&toy, &h, given, why) == 0);
	CHECK(h.lr == 0.2f && h.decay == 0.9f);
	CHECK(strcmp(rec_hparam_mode_default(&toy, &toy_p[1]), "0.5") == 0);
	CHECK(rec_hparam_mode_default(&toy, &toy_p[0]) == NULL);
	broken.mode_defaults = bad;
	CHECK(rec_hparams_apply_mode(&broken, &h, given, why) == -1);
	CHECK(strcmp(why, "is not a number in [0, 1]") == 0);
}

/* A new key is saved when not at its default; a file without it (one
 * written before the key existed) reads as the default. */
TEST(hparams_new_key)
{
	struct toy_hp h = toy_defaults, back = toy_defaults;
	const char *key[8], *val[8];
	char text[8][REC_HP_TEXT];
	struct rec_st st = { .name = "m.st" };
	struct rec_err err;
	int n;

	h.decay = 0.9f;
	n = rec_hparams_meta(&toy, &h, key, val, text);
	CHECK(n == 5 && strcmp(key[4], "decay") == 0 && strcmp(val[4], "0.9") == 0);
	st.nmeta = (size_t)n;
	st.meta_key = (char **)key;
	st.meta_val = (char **)val;
	CHECK(rec_hparams_load(&toy, &back, &st, &err) == 0 && back.decay == 0.9f);
	back = toy_defaults;
	st.nmeta = 4;   /* without it */
	CHECK(rec_hparams_load(&toy, &back, &st, &err) == 0 && back.decay == 1);
}

/* A file of before: a renamed key read under its old name, a missing
 * one as it was then, a value of then read as it is now. */
TEST(hparams_files_of_before)
{
	static const struct rec_hp_before before[] = {
		{ "mlp", "layers", NULL, NULL },
		{ "optimizer", NULL, NULL, "sgd" },
		{ "k", NULL, "0", "16" },
		{ NULL, NULL, NULL, NULL }
	};
	struct rec_hparams_desc old = toy;
	struct toy_hp back = toy_defaults;
	const char *key[] = { "k", "lr", "layers" }, *val[] = { "0", "0.1", "7,3" };
	struct rec_st st = { .name = "m.st", .nmeta = 3, .meta_key = (char **)key,
	                     .meta_val = (char **)val };
	struct rec_err err;

	CHECK(rec_hparams_load(&toy, &back, &st, &err) == -1);
	CHECK(strcmp(err.msg, "missing metadata 'optimizer'") == 0);
	old.before = before;
	back = toy_defaults;
	CHECK(rec_hparams_load(&old, &back, &st, &err) == 0);
	CHECK(back.k == 16 && back.lr == 0.1f && back.opt == 1 && back.n == 2 &&
	      back.w[0] == 7 && back.w[1] == 3);
	val[0] = "8";   /* a value other than then's is read as it is */
	CHECK(rec_hparams_load(&old, &back, &st, &err) == 0 && back.k == 8);
	key[2] = "mlp";   /* the key of now wins over the old one */
	val[2] = "5";
	CHECK(rec_hparams_load(&old, &back, &st, &err) == 0 && back.n == 1 &&
	      back.w[0] == 5);
}
