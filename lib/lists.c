/*
 * lists.c - the top-K lists reader (see lists.h).
 */
#include <inttypes.h>

#include "rec/lineio.h"
#include "rec/lists.h"
#include "rec/tsv.h"

/* What the reader needs to check a line against the lines before it. */
struct state {
	struct rec_idmap items;  /* every item seen, for repeats */
	int32_t *stamp;          /* (items) the list the item was last in */
	uint64_t *at;            /* (items) its rank there */
	uint32_t *first_line;    /* (lists) the line where each list starts */
	size_t icap, fcap, lcap;  /* room in stamp and at; first_line; start */
	int64_t cur;             /* the user of the current list, -1 = none */
	uint64_t prev;           /* the rank of the line before */
};

struct rec_lists *
rec_lists_new(void)
{
	return rec_calloc(1, sizeof(struct rec_lists));
}

void
rec_lists_free(struct rec_lists *ls)
{
	if (!ls)
		return;
	rec_idmap_clear(&ls->users);
	rec_free(ls->start);
	rec_free(ls->item);
	rec_free(ls->score);
	rec_free(ls->line);
	rec_free(ls);
}

/* Grow an array to hold n entries (doubling); 0 or -1. */
static int
reserve(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap : 1024;
	void *q;

	if (n <= *cap)
		return 0;
	while (c < n) {
		if (c > SIZE_MAX / 2)
			return -1;
		c *= 2;
	}
	if (!(q = rec_realloc_array(*p, c, size)))
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* Check one line's fields and add it to ls; 0 or -1 (err). */
static int
add_line(struct rec_lists *ls, struct state *st, char *const *f,
         const size_t *len, size_t k, const char *file, long line,
         struct rec_err *err)
{
	uint64_t user, rank, item;
	int32_t li, ii;
	double score;
	char q[64];
	size_t c, seen;

	if (rec_parse_u64(f[0], len[0], INT64_MAX, &user) != 0)
		return rec_errf(err, file, line, "user '%s' is not a non-negative "
		                "integer", rec_quote(q, sizeof q, f[0], len[0]));
	if (rec_parse_u64(f[1], len[1], UINT32_MAX, &rank) != 0 || rank == 0)
		return rec_errf(err, file, line, "rank '%s' is not a positive "
		                "integer", rec_quote(q, sizeof q, f[1], len[1]));
	if (rec_parse_u64(f[2], len[2], INT64_MAX, &item) != 0)
		return rec_errf(err, file, line, "item '%s' is not a non-negative "
		                "integer", rec_quote(q, sizeof q, f[2], len[2]));
	if (rec_parse_real(f[3], &score) != 0)   /* f[3] ends the line: NUL */
		return rec_errf(err, file, line, "score '%s' is not a number",
		                rec_quote(q, sizeof q, f[3], len[3]));
	li = rec_idmap_find(&ls->users, (int64_t)user);
	if (li >= 0 && ((int64_t)user != st->cur || rank == 1))
		return rec_errf(err, file, line, "a second list for user %" PRIu64
		                " (the first starts on line %" PRIu32 ")", user,
		                st->first_line[li]);
	if (li < 0) {
		if (rank != 1)
			return rec_errf(err, file, line, "user %" PRIu64 "'s list "
			                "starts at rank %" PRIu64 ", not 1", user, rank);
		if (rec_idmap_add(&ls->users, (int64_t)user, &li) != 0)
			return rec_erroom(err, file);
		if (reserve((void **)&st->first_line, &st->fcap, ls->users.n,
		            sizeof *st->first_line) != 0 ||
		    reserve((void **)&ls->start, &st->lcap, ls->users.n + 1,
		            sizeof *ls->start) != 0)
			return rec_erroom(err, file);
		st->first_line[li] = line > (long)UINT32_MAX ? UINT32_MAX :
		                     (uint32_t)line;
		ls->start[li] = ls->n;
		st->cur = (int64_t)user;
	} else if (rank != st->prev + 1) {
		return rec_errf(err, file, line, "rank %" PRIu64 " after rank %"
		                PRIu64 " in user %" PRIu64 "'s list (ranks go 1, 2, "
		                "3, ...)", rank, st->prev, user);
	}
	st->prev = rank;
	seen = st->items.n;
	if (rec_idmap_add(&st->items, (int64_t)item, &ii) != 0)
		return rec_erroom(err, file);
	c = st->icap;
	if (reserve((void **)&st->stamp, &c, st->items.n, sizeof *st->stamp) != 0 ||
	    reserve((void **)&st->at, &st->icap, st->items.n, sizeof *st->at) != 0)
		return rec_erroom(err, file);
	if ((size_t)ii == seen)   /* new to the stream: in no list yet */
		st->stamp[ii] = -1;
	if (st->stamp[ii] == li)
		return rec_errf(err, file, line, "item %" PRIu64 " appears twice in "
		                "user %" PRIu64 "'s list (first at rank %" PRIu64 ")",
		                item, user, st->at[ii]);
	st->stamp[ii] = li;
	st->at[ii] = rank;
	if (rank <= k) {
		size_t c1 = ls->cap, c2 = ls->cap;
		if (reserve((void **)&ls->score, &c1, ls->n + 1,
		            sizeof *ls->score) != 0 ||
		    reserve((void **)&ls->line, &c2, ls->n + 1,
		            sizeof *ls->line) != 0 ||
		    reserve((void **)&ls->item, &ls->cap, ls->n + 1,
		            sizeof *ls->item) != 0)
			return rec_erroom(err, file);
		ls->score[ls->n] = score;
		ls->line[ls->n] = line > (long)UINT32_MAX ? UINT32_MAX :
		                  (uint32_t)line;
		ls->item[ls->n++] = (int64_t)item;
	}
	return 0;
}

int
rec_lists_read(struct rec_lists *ls, FILE *fp, const char *name, size_t k,
               struct rec_err *err)
{
	struct state st = { .cur = -1 };
	struct rec_lines l;
	char *s, *f[4] = { 0 };
	size_t n, len[4] = { 0 };
	int rc;

	rec_lines_init(&l, fp, name);
	while ((rc = rec_lines_next(&l, &s, &n, err)) == 1) {
		if (rec_tsv_fields(s, n, 4, "user rank item score", f, len, l.name,
		                   l.lineno, err) != 0 ||
		    add_line(ls, &st, f, len, k, l.name, l.lineno, err) != 0) {
			rc = -1;
			break;
		}
	}
	if (rc == 0 && reserve((void **)&ls->start, &st.lcap, ls->users.n + 1,
	                       sizeof *ls->start) != 0)
		rc = rec_erroom(err, l.name);
	if (rc == 0)
		ls->start[ls->users.n] = ls->n;
	rec_lines_free(&l);
	rec_idmap_clear(&st.items);
	rec_free(st.stamp);
	rec_free(st.at);
	rec_free(st.first_line);
	return rc;
}
