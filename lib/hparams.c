/*
 * hparams.c - hyperparameters from and to text (see hparams.h).
 */
#include <stdio.h>
#include <string.h>

#include "rec/hparams.h"

static int *
int_at(void *hp, size_t off)
{
	return (int *)((char *)hp + off);
}

static float *
real_at(void *hp, size_t off)
{
	return (float *)((char *)hp + off);
}

/* "adam or sgd", "a, b or c" */
static void
choice_list(const struct rec_hparam *d, char *buf, size_t cap)
{
	size_t n = 0, len = 0;

	while (d->choices[n])
		n++;
	buf[0] = '\0';
	for (size_t j = 0; j < n; j++)
		len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s",
		                        j == 0 ? "" : j + 1 == n ? " or " : ", ",
		                        d->choices[j]);
}

/* An integer in [min, max] from s, or -1. */
static int
parse_int(const char *s, size_t len, double min, double max, int *out)
{
	uint64_t v;

	if (rec_parse_u64(s, len, (uint64_t)max, &v) != 0 || (double)v < min)
		return -1;
	*out = (int)v;
	return 0;
}

int
rec_hparam_parse(const struct rec_hparam *d, void *hp, const char *s, char *why)
{
	double v;
	int w[64], n = 0;
	float r[64];

	switch (d->type) {
	case REC_HP_INT:
		if (parse_int(s, strlen(s), d->min, d->max, &w[0]) != 0)
			break;
		*int_at(hp, d->off) = w[0];
		return 0;
	case REC_HP_REAL:
		if (rec_parse_real(s, &v) != 0 || v < d->min || v > d->max)
			break;
		*real_at(hp, d->off) = (float)v;
		return 0;
	case REC_HP_CHOICE:
		for (int j = 0; d->choices[j]; j++)
			if (strcmp(s, d->choices[j]) == 0) {
				*int_at(hp, d->off) = j;
				return 0;
			}
		char list[REC_HP_TEXT - 8];
		choice_list(d, list, sizeof list);
		snprintf(why, REC_HP_TEXT, "is not %s", list);
		return -1;
	case REC_HP_WIDTHS:
	case REC_HP_REALS:
		for (const char *p = s;; n++) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);
			char one[64];
			int bad = n == d->max_count || n == 64;
			if (!bad && d->type == REC_HP_WIDTHS)
				bad = parse_int(p, len, d->min, d->max, &w[n]) != 0;
			else if (!bad) {
				snprintf(one, sizeof one, "%.*s", (int)len, p);
				bad = len >= sizeof one || rec_parse_real(one, &v) != 0 ||
				      v < d->min || v > d->max;
				r[n] = (float)v;
			}
			if (bad) {
				n = -1;
				break;
			}
			if (!comma) {
				n++;
				break;
			}
			p = comma + 1;
		}
		if (n < 1) {
			snprintf(why, REC_HP_TEXT, "is not 1 to %d %s, each %s in "
			         "[%g, %g]", d->max_count, d->type == REC_HP_WIDTHS ?
			         "widths" : "numbers", d->type == REC_HP_WIDTHS ?
			         "an integer" : "a number", d->min, d->max);
			return -1;
		}
		if (d->type == REC_HP_WIDTHS)
			memcpy(int_at(hp, d->off), w, (size_t)n * sizeof *w);
		else
			memcpy(real_at(hp, d->off), r, (size_t)n * sizeof *r);
		*int_at(hp, d->count_off) = n;
		return 0;
	}
	snprintf(why, REC_HP_TEXT, d->type == REC_HP_INT ?
	         "is not an integer in [%g, %g]" : "is not a number in [%g, %g]",
	         d->min, d->max);
	return -1;
}

void
rec_hparam_format(const struct rec_hparam *d, const void *hp, char *buf)
{
	void *h = (void *)hp;   /* only read */
	size_t len = 0;

	switch (d->type) {
	case REC_HP_INT:
		snprintf(buf, REC_HP_TEXT, "%d", *int_at(h, d->off));
		return;
	case REC_HP_REAL:
		snprintf(buf, REC_HP_TEXT, "%g", (double)*real_at(h, d->off));
		return;
	case REC_HP_CHOICE:
		snprintf(buf, REC_HP_TEXT, "%s", d->choices[*int_at(h, d->off)]);
		return;
	case REC_HP_WIDTHS:
	case REC_HP_REALS:
		buf[0] = '\0';
		for (int j = 0; j < *int_at(h, d->count_off) && len < REC_HP_TEXT; j++)
			if (d->type == REC_HP_WIDTHS)
				len += (size_t)snprintf(buf + len, REC_HP_TEXT - len, "%s%d",
				                        j ? "," : "", int_at(h, d->off)[j]);
			else
				len += (size_t)snprintf(buf + len, REC_HP_TEXT - len, "%s%g",
				                        j ? "," : "", (double)real_at(h, d->off)[j]);
		return;
	}
}

/* Whether d's value differs between the structs a and b. */
static int
differs(const struct rec_hparam *d, const void *a, const void *b)
{
	void *x = (void *)a, *y = (void *)b;   /* only read */
	int n;

	switch (d->type) {
	case REC_HP_REAL:
		return *real_at(x, d->off) != *real_at(y, d->off);
	case REC_HP_WIDTHS:
	case REC_HP_REALS:
		n = *int_at(x, d->count_off);
		return n != *int_at(y, d->count_off) ||
		       memcmp(int_at(x, d->off), int_at(y, d->off),
		              (size_t)n * (d->type == REC_HP_WIDTHS ? sizeof(int) :
		                           sizeof(float))) != 0;
	default:
		return *int_at(x, d->off) != *int_at(y, d->off);
	}
}

const char *
rec_hparam_mode_default(const struct rec_hparams_desc *t,
                        const struct rec_hparam *d)
{
	for (const char *const *p = t->mode_defaults; p && *p; p += 2)
		if (strcmp(p[0], d->name) == 0)
			return p[1];
	return NULL;
}

int
rec_hparams_apply_mode(const struct rec_hparams_desc *t, void *hp,
                       const unsigned char *given, char *why)
{
	if (!t->in_mode || !t->in_mode(hp))
		return 0;
	for (int j = 0; j < t->n; j++) {
		const char *s = rec_hparam_mode_default(t, &t->p[j]);
		if (s && !given[j] && rec_hparam_parse(&t->p[j], hp, s, why) != 0)
			return -1;
	}
	return 0;
}

int
rec_hparams_meta(const struct rec_hparams_desc *t, const void *hp,
                 const char **key, const char **val, char (*text)[REC_HP_TEXT])
{
	int n = 0;

	for (int j = 0; j < t->n; j++) {
		if (!t->p[j].key || (t->p[j].new_key &&
		                     !differs(&t->p[j], hp, t->defaults)))
			continue;
		rec_hparam_format(&t->p[j], hp, text[n]);
		key[n] = t->p[j].key;
		val[n] = text[n];
		n++;
	}
	return n;
}

/* key's value in st, read as t->before says (NULL: none). */
static const char *
meta_of_before(const struct rec_hparams_desc *t, const char *key,
               const struct rec_st *st)
{
	const char *s = rec_st_meta(st, key);

	for (const struct rec_hp_before *b = t->before; b && b->key; b++) {
		if (strcmp(b->key, key) != 0)
			continue;
		if (!s && b->old_key)
			s = rec_st_meta(st, b->old_key);
		if (b->then ? s && strcmp(s, b->then) == 0 : !s)
			s = b->now;
	}
	return s;
}

int
rec_hparams_load(const struct rec_hparams_desc *t, void *hp,
                 const struct rec_st *st, struct rec_err *err)
{
	char why[REC_HP_TEXT], q[64];

	for (int j = 0; j < t->n; j++) {
		const struct rec_hparam *d = &t->p[j];
		const char *s;

		if (!d->key)
			continue;
		s = meta_of_before(t, d->key, st);
		if (!s && d->new_key)
			continue;
		if (!s)
			return rec_errf(err, st->name, 0, "missing metadata '%s'", d->key);
		if (rec_hparam_parse(d, hp, s, why) != 0)
			return rec_errf(err, st->name, 0, "metadata '%s' = '%s' %s", d->key,
			                rec_quote(q, sizeof q, s, strlen(s)), why);
	}
	return 0;
}
