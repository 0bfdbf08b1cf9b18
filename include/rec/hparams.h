/*
 * hparams.h - the one description of a model's hyperparameters: for
 * each, its name, type, place in the model's hyperparameter struct,
 * range and help line; the defaults are a struct of the model's
 * (REC_MF_DEFAULTS ...).  From the description come the trainer's
 * options and --help (cmd/trainer.c), the model file's metadata (written
 * and read back by the model) and the test that the manual page states
 * each option with its default (tests/cli/man.bats).
 *
 * Values as text (options, metadata): an int in decimal, a real as %g
 * (the shortest that reads back as the same float), a choice by its
 * name, widths and lists of numbers as "128,64,32".
 */
#ifndef REC_HPARAMS_H
#define REC_HPARAMS_H

#include <stddef.h>

#include "rec/st.h"
#include "rec/util.h"

enum rec_hp_type {
	REC_HP_INT,      /* int, in [min, max] */
	REC_HP_REAL,     /* float, in [min, max], finite */
	REC_HP_CHOICE,   /* int: the index of its name in choices */
	REC_HP_WIDTHS,   /* int[max_count] and an int count at count_off:
	                  * 1 to max_count widths, each in [min, max] */
	REC_HP_REALS     /* float[max_count] and an int count at count_off:
	                  * 1 to max_count numbers, each in [min, max] */
};

struct rec_hparam {
	const char *name;             /* the option, without "--" ("init-sd") */
	const char *key;              /* its metadata key ("init_sd"); NULL:
	                               * not saved (no result depends on it) */
	enum rec_hp_type type;
	size_t off;                   /* offsetof the value in the struct */
	double min, max;
	const char *const *choices;   /* CHOICE: the names, NULL-terminated */
	size_t count_off;             /* WIDTHS, REALS: offsetof the count */
	int max_count;                /* WIDTHS, REALS: at most this many */
	const char *arg;              /* the value's name in the help ("R");
	                               * NULL for a choice (its names) */
	const char *help;             /* what it is, lines joined by '\n';
	                               * the default is added from the struct */
	int new_key;                  /* 1: a key added after model files were
	                               * written: saved only when the value is
	                               * not the default, and a file without it
	                               * has the default */
};

/* How a model file written before a change of the table reads: key's
 * value is the one under old_key when the file has no key (a renamed
 * key); then, when that value is `then` (or, then NULL, when there is
 * none), it reads as `now`. */
struct rec_hp_before {
	const char *key, *old_key, *then, *now;
};

struct rec_hparams_desc {
	const char *model;            /* "mf", as the model file's metadata */
	const struct rec_hparam *p;   /* n of them, in the order of --help */
	int n;
	const void *defaults;         /* a struct of the defaults */
	/* A mode of training with defaults of its own (all three NULL:
	 * none): when in_mode(hp) holds once the options are parsed, the
	 * hyperparameters named in mode_defaults that were not given take
	 * the values there (rec_hparams_apply_mode); --help shows both. */
	const char *mode;             /* its name in --help ("per-rating SGD") */
	int (*in_mode)(const void *hp);
	const char *const *mode_defaults;   /* name, value as text, name, ...,
	                                     * NULL */
	const struct rec_hp_before *before; /* ending in { NULL }; NULL: none */
};

/* Table rows, for a struct T: an int, a float, a choice (an enum, stored
 * as an int; choices its names by value), and widths (an int array f
 * with its count in the int n). */
#define REC_HP_INTEGER(T, f, name, key, lo, hi, arg, help) \
	{ name, key, REC_HP_INT, offsetof(T, f), lo, hi, NULL, 0, 0, arg, help, 0 }
#define REC_HP_NUMBER(T, f, name, key, lo, hi, arg, help) \
	{ name, key, REC_HP_REAL, offsetof(T, f), lo, hi, NULL, 0, 0, arg, help, 0 }
#define REC_HP_ONE_OF(T, f, name, key, choices, help) \
	{ name, key, REC_HP_CHOICE, offsetof(T, f), 0, 0, choices, 0, 0, NULL, help, 0 }
#define REC_HP_WIDTHS_OF(T, f, n, max_n, name, key, lo, hi, help) \
	{ name, key, REC_HP_WIDTHS, offsetof(T, f), lo, hi, NULL, offsetof(T, n), \
	  max_n, "W,...", help, 0 }

/* A number, an int and a choice whose keys are new_key (see struct
 * rec_hparam). */
#define REC_HP_NEW_NUMBER(T, f, name, key, lo, hi, arg, help) \
	{ name, key, REC_HP_REAL, offsetof(T, f), lo, hi, NULL, 0, 0, arg, help, 1 }
#define REC_HP_NEW_INTEGER(T, f, name, key, lo, hi, arg, help) \
	{ name, key, REC_HP_INT, offsetof(T, f), lo, hi, NULL, 0, 0, arg, help, 1 }
#define REC_HP_NEW_ONE_OF(T, f, name, key, choices, help) \
	{ name, key, REC_HP_CHOICE, offsetof(T, f), 0, 0, choices, 0, 0, NULL, help, 1 }

#define REC_HP_NUMBERS_OF(T, f, n, max_n, name, key, lo, hi, arg, help) \
	{ name, key, REC_HP_REALS, offsetof(T, f), lo, hi, NULL, offsetof(T, n), \
	  max_n, arg, help, 0 }

#define REC_HP_TEXT 256   /* room for any value as text */

/* Set d's value in the struct hp from the text s.  On a bad value -1,
 * with why (of size REC_HP_TEXT) saying how s is wrong, for the caller
 * to name what held it: "is not a number in [0, 100]", "is not adam or
 * sgd", "is not 1 to 3 widths, each an integer in [1, 4096]". */
int rec_hparam_parse(const struct rec_hparam *d, void *hp, const char *s,
                     char *why);

/* d's value in hp as text, into buf (REC_HP_TEXT bytes). */
void rec_hparam_format(const struct rec_hparam *d, const void *hp, char *buf);

/* d's default in t's mode as text, or NULL when the mode has none. */
const char *rec_hparam_mode_default(const struct rec_hparams_desc *t,
                                    const struct rec_hparam *d);

/* When t has a mode and hp is in it: each hyperparameter j with a
 * default of the mode that was not given (given[j] == 0) takes it.
 * -1 (why filled, REC_HP_TEXT bytes) if t's mode_defaults has a bad
 * value, a fault of the table. */
int rec_hparams_apply_mode(const struct rec_hparams_desc *t, void *hp,
                           const unsigned char *given, char *why);

/* The metadata of hp: key[j] and val[j] for each saved hyperparameter
 * (a new_key one only when not at its default; val[j] points into
 * text, REC_HP_TEXT bytes each); returns how many (at most t->n). */
int rec_hparams_meta(const struct rec_hparams_desc *t, const void *hp,
                     const char **key, const char **val,
                     char (*text)[REC_HP_TEXT]);

/* Read each saved hyperparameter of the model file st into hp (which
 * holds the defaults first; a new_key one may be missing, and keeps
 * its default; a file of before reads as t->before says): "missing metadata 'lr'", "metadata 'lr' = 'x' is not a
 * number in [1e-09, 100]".  0, or -1 with err. */
int rec_hparams_load(const struct rec_hparams_desc *t, void *hp,
                     const struct rec_st *st, struct rec_err *err);

#endif
