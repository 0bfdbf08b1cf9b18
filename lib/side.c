/*
 * side.c - tags.csv and the item side features (see side.h).
 *
 * Tags are interned (one copy of each normalised text, found through an
 * open-addressing hash); the tag uses are sorted by (movieId, tag) once
 * the file is read.  A build keeps the uses of the training period and
 * makes the (movieId, tag) pairs unique; the feature table is then built
 * in two passes over the items and the pairs: count each row, then fill
 * it.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rec/csv.h"
#include "rec/dist.h"
#include "rec/side.h"

/* ---- tags.csv ---- */

void
rec_tags_free(struct rec_tags *t)
{
	if (!t)
		return;
	rec_free(t->use);
	rec_free(t->off);
	rec_free(t->text);
	rec_free(t->slot);
	rec_free(t);
}

const char *
rec_tags_name(const struct rec_tags *t, size_t k)
{
	return t->text + t->off[k];
}

/* FNV-1a. */
static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211u;
	return h;
}

/* The slot of tag s[0..n): the one holding it, or the empty one where it
 * would go.  nslot must be non-zero. */
static size_t
probe(const struct rec_tags *t, const char *s, size_t n)
{
	size_t h = (size_t)hash(s, n) & (t->nslot - 1);

	for (;;) {
		int32_t k = t->slot[h];
		if (k == 0)
			return h;
		const char *name = t->text + t->off[k - 1];
		if (strncmp(name, s, n) == 0 && name[n] == '\0')   /* stops at name's NUL */
			return h;
		h = (h + 1) & (t->nslot - 1);
	}
}

int32_t
rec_tags_find(const struct rec_tags *t, const char *name)
{
	size_t h;

	if (t->nslot == 0)
		return -1;
	h = probe(t, name, strlen(name));
	return t->slot[h] - 1;
}

/* Double the hash (kept at most half full) and re-insert every tag. */
static int
rehash(struct rec_tags *t)
{
	size_t nslot = t->nslot ? t->nslot * 2 : 256;
	int32_t *slot = rec_calloc(nslot, sizeof *slot);

	if (!slot)
		return -1;
	rec_free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	for (size_t k = 0; k < t->ntag; k++) {
		const char *s = t->text + t->off[k];
		t->slot[probe(t, s, strlen(s))] = (int32_t)k + 1;
	}
	return 0;
}

/* The index of tag s[0..n), adding it if new; -1 when out of memory or
 * past INT32_MAX - 1 tags. */
static int32_t
intern(struct rec_tags *t, const char *s, size_t n)
{
	size_t h;

	if ((t->ntag + 1) * 2 > t->nslot && (t->ntag >= INT32_MAX - 1 || rehash(t) != 0))
		return -1;
	h = probe(t, s, n);
	if (t->slot[h])
		return t->slot[h] - 1;
	if (t->ntag == t->off_cap) {
		size_t cap = t->off_cap ? t->off_cap * 2 : 256;
		size_t *p = rec_realloc_array(t->off, cap, sizeof *p);
		if (!p)
			return -1;
		t->off = p;
		t->off_cap = cap;
	}
	if (n + 1 > t->text_cap - t->text_len) {
		size_t cap = t->text_cap ? t->text_cap : 4096;
		while (n + 1 > cap - t->text_len) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		char *p = rec_realloc(t->text, cap);
		if (!p)
			return -1;
		t->text = p;
		t->text_cap = cap;
	}
	t->off[t->ntag] = t->text_len;
	memcpy(t->text + t->text_len, s, n);
	t->text[t->text_len + n] = '\0';
	t->text_len += n + 1;
	t->slot[h] = (int32_t)t->ntag + 1;
	return (int32_t)t->ntag++;
}

/* Normalise the tag s[0..*n) in place (side.h); returns where it starts
 * and sets *n to its length. */
static char *
normalise(char *s, size_t *n)
{
	size_t b = 0, e = *n;

	for (size_t i = 0; i < e; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			s[i] = ' ';
		else if (c >= 'A' && c <= 'Z')
			s[i] = (char)(c - 'A' + 'a');
	}
	while (b < e && s[b] == ' ')
		b++;
	while (e > b && s[e - 1] == ' ')
		e--;
	*n = e - b;
	return s + b;
}


struct tags_ctx {
	struct rec_tags *t;
	const char *file;
};

static int
add_tag(void *ctx, struct rec_csv_record *rec, struct rec_err *err)
{
	struct rec_tags *t = ((struct tags_ctx *)ctx)->t;
	const char *file = ((struct tags_ctx *)ctx)->file;
	long line = rec->line;
	int64_t user, movie;
	uint64_t ts;
	int32_t k;
	char q[64], *s;
	size_t n;

	if (rec->nf != 4)
		return rec_errf(err, file, line, "expected 4 fields, got %d", rec->nf);
	if (rec_parse_id(&user, rec->field[0], rec->len[0], "userId", file, line, err) != 0 ||
	    rec_parse_id(&movie, rec->field[1], rec->len[1], "movieId", file, line, err) != 0)
		return -1;
	if (rec_parse_u64(rec->field[3], rec->len[3], INT64_MAX, &ts) != 0)
		return rec_errf(err, file, line, "bad timestamp '%s'",
		                rec_quote(q, sizeof q, rec->field[3], rec->len[3]));
	t->records++;
	n = rec->len[2];
	s = normalise(rec->field[2], &n);
	if (n == 0) {
		t->empty++;
		return 0;
	}
	/* Checked here, where the line is known: a tag goes into the model
	 * file's metadata, which is JSON, which is UTF-8. */
	if (!rec_utf8_valid(s, n))
		return rec_errf(err, file, line, "tag '%s' is not valid UTF-8",
		                rec_quote(q, sizeof q, s, n));
	if ((k = intern(t, s, n)) < 0)
		return rec_erroom(err, file);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		struct rec_tag_use *p = rec_realloc_array(t->use, cap, sizeof *p);
		if (!p)
			return rec_erroom(err, file);
		t->use = p;
		t->cap = cap;
	}
	t->use[t->n++] = (struct rec_tag_use){ movie, k, user, (int64_t)ts };
	return 0;
}

/* By movie and tag: a pair's uses are consecutive. */
static int
cmp_pair(const struct rec_tag_use *x, const struct rec_tag_use *y)
{
	if (x->movie != y->movie)
		return x->movie < y->movie ? -1 : 1;
	return (x->tag > y->tag) - (x->tag < y->tag);
}

/* Then by user and time: the order does not depend on the file's. */
static int
cmp_use(const void *a, const void *b)
{
	const struct rec_tag_use *x = a, *y = b;
	int c = cmp_pair(x, y);

	if (c)
		return c;
	if (x->user != y->user)
		return x->user < y->user ? -1 : 1;
	return (x->ts > y->ts) - (x->ts < y->ts);
}

int
rec_tags_read(struct rec_tags **out, FILE *fp, const char *name,
              struct rec_err *err)
{
	struct rec_tags *t = rec_calloc(1, sizeof *t);
	struct tags_ctx c = { t, name };
	struct rec_lines l;
	int rc;

	*out = NULL;
	if (!t)
		return rec_erroom(err, name);
	rec_lines_init(&l, fp, name);
	rc = rec_csv_read(&l, "userId,movieId,tag,timestamp", add_tag, &c, err);
	rec_lines_free(&l);
	if (rc == 0 && t->records == 0)
		rc = rec_errf(err, name, 0, "no tags");
	if (rc != 0) {
		rec_tags_free(t);
		return -1;
	}
	if (t->n > 1)
		qsort(t->use, t->n, sizeof *t->use, cmp_use);
	*out = t;
	return 0;
}

/* ---- names ---- */

/* One block with n pointers, then the n strings they point to. */
static char **
names_copy(const char *const *src, int n)
{
	size_t head, bytes, len;
	char **names, *p;

	if (!rec_mul_ok((size_t)n, sizeof *names, &head))
		return NULL;
	bytes = head;
	for (int k = 0; k < n; k++) {
		len = strlen(src[k]) + 1;
		if (bytes > SIZE_MAX - len)
			return NULL;
		bytes += len;
	}
	if (!(names = rec_malloc(bytes)))
		return NULL;
	p = (char *)names + head;
	for (int k = 0; k < n; k++) {
		len = strlen(src[k]) + 1;
		memcpy(p, src[k], len);
		names[k] = p;
		p += len;
	}
	return names;
}

char *
rec_side_names_join(const struct rec_side *s, struct rec_err *err)
{
	size_t bytes = 1, len;
	char *out, *p;

	for (int k = 0; k < s->nfeat; k++)
		bytes += strlen(s->name[k]) + (k > 0);
	if (!(out = rec_malloc(bytes))) {
		rec_erroom(err, NULL);
		return NULL;
	}
	p = out;
	for (int k = 0; k < s->nfeat; k++) {
		if (k > 0)
			*p++ = '\n';
		len = strlen(s->name[k]);
		memcpy(p, s->name[k], len);
		p += len;
	}
	*p = '\0';
	return out;
}

int
rec_side_names_split(char ***out, const char *joined, int nfeat,
                     const char *file, struct rec_err *err)
{
	size_t count = 0, head, len = strlen(joined);
	char **names, *p;

	*out = NULL;
	if (nfeat < 0)
		return rec_errf(err, file, 0, "side names: %d names wanted", nfeat);
	if (len > 0) {
		count = 1;
		for (const char *q = joined; (q = strchr(q, '\n')) != NULL; q++)
			count++;
	}
	if (count != (size_t)nfeat)
		return rec_errf(err, file, 0, "side names: %zu names, expected %d",
		                count, nfeat);
	head = (size_t)nfeat * sizeof *names;
	if (len + 1 > SIZE_MAX - head || !(names = rec_malloc(head + len + 1)))
		return rec_erroom(err, file);
	p = (char *)names + head;
	memcpy(p, joined, len + 1);
	for (int k = 0; k < nfeat; k++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		names[k] = p;
		if (*p == '\0') {
			rec_free(names);
			return rec_errf(err, file, 0, "side name %d is empty", k);
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	*out = names;
	return 0;
}

/* ---- the feature table ---- */

void
rec_side_free(struct rec_side *s)
{
	if (!s)
		return;
	rec_free(s->name);
	rec_free(s->start);
	rec_free(s->feat);
	rec_free(s);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* A table of nfeat names (copied) and ni rows of nnz features in all
 * (allocated, not filled); NULL when out of memory. */
static struct rec_side *
side_new(int ngenre, int ntag, const char *const *name, size_t ni, size_t nnz)
{
	struct rec_side *s = rec_calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->ngenre = ngenre;
	s->ntag = ntag;
	s->nfeat = ngenre + ntag;
	s->ni = ni;
	s->nnz = nnz;
	s->name = names_copy(name, s->nfeat);
	s->start = ni < SIZE_MAX ? rec_malloc_array(ni + 1, sizeof *s->start) : NULL;
	s->feat = rec_malloc_array(nnz, sizeof *s->feat);
	if (!s->name || !s->start || !s->feat) {
		rec_side_free(s);
		return NULL;
	}
	return s;
}

struct cand {
	size_t count;        /* distinct items of the map */
	const char *name;
	int32_t tag;
};

static int
cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The tag vocabulary from the distinct (movieId, tag) pairs pair[0..np):
 * rank[k] = position of tag k in it, or -1; *nvoc its size, voc[r] the
 * tag of rank r (both allocated by the caller, ntag entries). */
static int
tag_vocab(const struct rec_tags *tags, const struct rec_tag_use *pair, size_t np,
          const struct rec_idmap *items, int vocab, int32_t *rank, int32_t *voc,
          int *nvoc, size_t *qualified)
{
	size_t *cnt = rec_calloc(tags->ntag, sizeof *cnt);
	struct cand *c;
	size_t nc = 0;

	if (!cnt)
		return -1;
	for (size_t i = 0; i < np; i++)
		if (rec_idmap_find(items, pair[i].movie) >= 0)
			cnt[pair[i].tag]++;
	for (size_t k = 0; k < tags->ntag; k++)
		nc += cnt[k] >= 2;
	if (!(c = rec_malloc_array(nc, sizeof *c))) {
		rec_free(cnt);
		return -1;
	}
	nc = 0;
	for (size_t k = 0; k < tags->ntag; k++) {
		rank[k] = -1;
		if (cnt[k] >= 2)
			c[nc++] = (struct cand){ cnt[k], rec_tags_name(tags, k), (int32_t)k };
	}
	if (nc > 1)
		qsort(c, nc, sizeof *c, cmp_cand);
	*qualified = nc;
	*nvoc = nc < (size_t)vocab ? (int)nc : vocab;
	for (int r = 0; r < *nvoc; r++) {
		voc[r] = c[r].tag;
		rank[c[r].tag] = r;
	}
	rec_free(c);
	rec_free(cnt);
	return 0;
}

/* The genre features of item i into f (when not NULL); returns their
 * number.  *m is the movie's index in movies, or -1. */
static int
genre_feats(const struct rec_movies *movies, int64_t id, int64_t *f, int32_t *m)
{
	uint64_t mask;
	int n = 0;

	if ((*m = rec_movies_find(movies, id)) < 0)
		return 0;
	if ((mask = movies->genres[*m]) == 0) {
		if (f)
			f[0] = (int64_t)movies->ngenres;
		return 1;
	}
	for (size_t g = 0; g < movies->ngenres; g++)
		if (mask >> g & 1) {
			if (f)
				f[n] = (int64_t)g;
			n++;
		}
	return n;
}

/* The distinct (movieId, tag) pairs of the tag uses of train's period
 * (side.h) into *pair (allocated, *np of them); counts into st.  In a
 * job (dist.h) train is this rank's part, its users' every row: each
 * user's last training time is summed over the ranks, the one that
 * holds the user's rows giving it (a collective). */
static int
period_pairs(const struct rec_tags *tags, const struct rec_ratings *train,
             struct rec_tag_use **pair, size_t *np, struct rec_side_stats *st)
{
	const size_t nu = train->users.n;
	int64_t *last = rec_calloc(2 * nu + 1, sizeof *last), *rated = last + nu;
	struct rec_tag_use *p = rec_malloc_array(tags->n ? tags->n : 1, sizeof *p);
	size_t n = 0;

	if (rec_dist_agree(last && p ? 0 : -1, NULL) != 0) {
		rec_free(last);
		rec_free(p);
		return -1;
	}
	for (size_t j = 0; j < train->n; j++) {
		int32_t u = train->user[j];
		if (!rated[u] || train->ts[j] > last[u])
			last[u] = train->ts[j];
		rated[u] = 1;
	}
	rec_dist_sum_i64(last, 2 * nu);
	for (size_t u = 0; u < nu; u++)
		if (!rated[u])
			last[u] = INT64_MIN;
	for (size_t j = 0; j < tags->n; j++) {
		const struct rec_tag_use *t = &tags->use[j];
		int32_t u = rec_idmap_find(&train->users, t->user);
		if (u < 0) {
			st->uses_unknown++;
			continue;
		}
		if (t->ts > last[u]) {
			st->uses_late++;
			continue;
		}
		st->uses_kept++;
		if (n == 0 || cmp_pair(&p[n - 1], t) != 0)
			p[n++] = *t;
	}
	rec_free(last);
	*pair = p;
	*np = n;
	return 0;
}

int
rec_side_build(struct rec_side **out, const struct rec_ratings *train,
               const struct rec_movies *movies, const struct rec_tags *tags,
               int vocab, struct rec_side_stats *st, struct rec_err *err)
{
	const struct rec_idmap *items = &train->items;
	struct rec_side_stats local;
	struct rec_side *s = NULL;
	struct rec_tag_use *pair = NULL;
	int32_t *rank = NULL, *voc = NULL, m;
	int64_t *start = NULL, *cur = NULL;
	const char **name = NULL;
	int ngenre = movies ? (int)movies->ngenres + 1 : 0, ntag = 0, rc = -1;
	size_t ni = items->n, nnz, np = 0;

	*out = NULL;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	if (vocab < 0)
		return rec_errf(err, NULL, 0, "tag vocabulary size %d is negative", vocab);
	if (!tags || tags->ntag == 0)
		vocab = 0;
	if (vocab > INT_MAX - ngenre)
		vocab = INT_MAX - ngenre;
	if (vocab > 0) {   /* period_pairs first: a collective in a job */
		int pairs = period_pairs(tags, train, &pair, &np, st);
		rank = rec_malloc_array(tags->ntag, sizeof *rank);
		voc = rec_malloc_array(tags->ntag, sizeof *voc);
		if (pairs != 0 || !rank || !voc ||
		    tag_vocab(tags, pair, np, items, vocab, rank, voc, &ntag,
		              &st->qualified) != 0)
			goto oom;
	}

	/* Count each row (into start[i + 1]), then add them up. */
	start = rec_calloc(ni + 1, sizeof *start);
	cur = rec_malloc_array(ni, sizeof *cur);
	if (!start || !cur)
		goto oom;
	for (size_t i = 0; i < ni && movies; i++) {
		start[i + 1] = genre_feats(movies, items->ids[i], NULL, &m);
		st->no_movie += m < 0;
		st->no_genre += m >= 0 && movies->genres[m] == 0;
	}
	for (size_t i = 0; i < ni; i++)
		cur[i] = start[i + 1];
	for (size_t j = 0; ntag > 0 && j < np; j++) {
		int32_t i = rec_idmap_find(items, pair[j].movie);
		if (i >= 0 && rank[pair[j].tag] >= 0)
			start[i + 1]++;
	}
	for (size_t i = 0; i < ni; i++) {
		st->no_tag += start[i + 1] == cur[i];
		start[i + 1] += start[i];
	}
	nnz = (size_t)start[ni];

	/* The names, then the rows. */
	if (!(name = rec_malloc_array((size_t)ngenre + (size_t)ntag, sizeof *name)))
		goto oom;
	for (int g = 0; g + 1 < ngenre; g++)
		name[g] = movies->genre[g];
	if (ngenre > 0)
		name[ngenre - 1] = REC_NO_GENRES;
	for (int r = 0; r < ntag; r++)
		name[ngenre + r] = rec_tags_name(tags, (size_t)voc[r]);
	if (!(s = side_new(ngenre, ntag, name, ni, nnz)))
		goto oom;
	memcpy(s->start, start, (ni + 1) * sizeof *start);
	for (size_t i = 0; i < ni; i++)
		cur[i] = start[i] + (movies ? genre_feats(movies, items->ids[i],
		                                          s->feat + start[i], &m) : 0);
	for (size_t j = 0; ntag > 0 && j < np; j++) {
		int32_t i = rec_idmap_find(items, pair[j].movie);
		int32_t r = rank[pair[j].tag];
		if (i >= 0 && r >= 0)
			s->feat[cur[i]++] = ngenre + r;
	}
	for (size_t i = 0; i < ni; i++)
		if (start[i + 1] - start[i] > 1)
			qsort(s->feat + start[i], (size_t)(start[i + 1] - start[i]),
			      sizeof *s->feat, cmp_i64);
	*out = s;
	rc = 0;
	goto done;
oom:
	rc = rec_erroom(err, NULL);
done:
	rec_free(pair);
	rec_free(name);
	rec_free(start);
	rec_free(cur);
	rec_free(rank);
	rec_free(voc);
	return rc;
}

int
rec_side_from_csr(struct rec_side **out, int ngenre, int ntag,
                  const char *const *name, size_t ni, const int64_t *start,
                  size_t nnz, const int64_t *feat, const char *file,
                  struct rec_err *err)
{
	struct rec_side *s;
	int nfeat;

	*out = NULL;
	if (ngenre < 0 || ntag < 0 || ngenre > INT_MAX - ntag)
		return rec_errf(err, file, 0, "side sizes ngenre %d, ntag %d are "
		                "out of range", ngenre, ntag);
	nfeat = ngenre + ntag;
	for (int k = 0; k < nfeat; k++) {
		if (name[k][0] == '\0')
			return rec_errf(err, file, 0, "side feature %d has an empty name", k);
		if (strchr(name[k], '\n'))
			return rec_errf(err, file, 0, "side feature %d has a newline in "
			                "its name", k);
	}
	if (ngenre > 0 && strcmp(name[ngenre - 1], REC_NO_GENRES) != 0)
		return rec_errf(err, file, 0, "side feature %d (the last genre "
		                "feature) is not '%s'", ngenre - 1, REC_NO_GENRES);
	if (ni == SIZE_MAX || ni > (size_t)INT32_MAX)
		return rec_errf(err, file, 0, "side table has too many rows (%zu)", ni);
	if (start[0] != 0)
		return rec_errf(err, file, 0, "side start[0] = %" PRId64 ", expected 0",
		                start[0]);
	for (size_t i = 0; i < ni; i++)
		if (start[i + 1] < start[i])
			return rec_errf(err, file, 0, "side start[%zu] = %" PRId64 " is "
			                "below start[%zu] = %" PRId64, i + 1, start[i + 1],
			                i, start[i]);
	if ((uint64_t)start[ni] != (uint64_t)nnz)
		return rec_errf(err, file, 0, "side start[%zu] = %" PRId64 ", expected "
		                "%zu (the number of features)", ni, start[ni], nnz);
	for (size_t i = 0; i < ni; i++)
		for (int64_t j = start[i]; j < start[i + 1]; j++) {
			if (feat[j] < 0 || feat[j] >= nfeat)
				return rec_errf(err, file, 0, "side feat[%" PRId64 "] = %"
				                PRId64 " out of range [0, %d)", j, feat[j],
				                nfeat);
			if (j > start[i] && feat[j] <= feat[j - 1])
				return rec_errf(err, file, 0, "side feat[%" PRId64 "] = %"
				                PRId64 " not above feat[%" PRId64 "] = %"
				                PRId64 " (row %zu)", j, feat[j], j - 1,
				                feat[j - 1], i);
		}
	if (!(s = side_new(ngenre, ntag, name, ni, nnz)))
		return rec_erroom(err, file);
	memcpy(s->start, start, (ni + 1) * sizeof *start);
	if (nnz > 0)
		memcpy(s->feat, feat, nnz * sizeof *feat);
	*out = s;
	return 0;
}
