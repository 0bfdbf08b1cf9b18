/*
 * recommend.c - top-K lists of a model (see recommend.h).
 *
 * A model with rank factors (model.h: MF) is scored by tiles: a block of
 * BLOCK_USERS users against a tile of items small enough that the
 * items' vectors (packed once for rec_scan, scan.h) and the block's
 * scores stay in a core's cache.  The item term rides in the product as
 * one more coordinate (1 for every user): its multiply-add, the last of
 * the sum, rounds dot + term once, as the addition after the product
 * does.  A tile's scores get -INFINITY at the block's exclusions that
 * fall in the tile (sorted into tiles once a block), and go to each
 * user's list (rec_topk_offer),
 * which passes over most of them with one compare against the list's
 * worst.  The threads take a round's blocks one at a time as each
 * finishes, so that none waits on another's half; the round's lists go
 * to emit from the calling thread while the others begin the next round
 * (the lists of two rounds, in turn).  Each score is computed the same way
 * whatever the tile, block or thread, so the lists do not depend on
 * them.
 *
 * Any other model: a block of users is scored by one rank_scores call
 * (on OpenBLAS's threads, say), or, when the model allows it (EASE), by
 * one a thread on its part of the block; its users' exclusions and
 * selections are spread over the threads, each user's row of scores
 * masked to -INFINITY at its excluded items, which a list never keeps.
 */
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

#include "rec/lineio.h"
#include "rec/parallel.h"
#include "rec/recommend.h"
#include "rec/scan.h"
#include "rec/shard.h"
#include "rec/topk.h"

int
rec_exclusions_build(struct rec_exclusions *ex, const struct rec_ratings *r,
                     const struct rec_idmap *users,
                     const struct rec_idmap *items, struct rec_err *err)
{
	size_t n = users->n, *start;
	int32_t *item;

	*ex = (struct rec_exclusions){ 0 };
	start = rec_calloc(n + 2, sizeof *start);
	item = rec_malloc_array(r->n ? r->n : 1, sizeof *item);
	if (!start || !item) {
		rec_free(start);
		rec_free(item);
		return rec_erroom(err, NULL);
	}
	/* A counting sort of the rows by listed user, in two passes: count
	 * into start[j + 2], add up, then place at start[j + 1]++. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->n; i++) {
			int32_t j = rec_idmap_find(users, r->users.ids[r->user[i]]);
			int32_t it = rec_idmap_find(items, r->items.ids[r->item[i]]);
			if (j < 0 || it < 0)
				continue;
			if (pass == 0)
				start[j + 2]++;
			else
				item[start[j + 1]++] = it;
		}
		if (pass == 0)
			for (size_t j = 2; j < n + 2; j++)
				start[j] += start[j - 1];
	}
	ex->n = n;
	ex->start = start;
	ex->item = item;
	return 0;
}

/* The rows a part of the exclusions keeps: (listed user, model item). */
struct kept {
	int32_t (*row)[2];
	size_t n, cap;
};

/* Reading exclusions in parts: part t's rows read and kept, its lines,
 * how it ended, and how many items each listed user has in it. */
struct reading {
	FILE *const *fp;
	const char *name;
	const struct rec_idmap *users, *items;
	off_t bytes;
	int parts;
	struct kept *kept;        /* (parts) */
	size_t *rows;             /* (parts) */
	long *lines;              /* (parts) */
	int *rc;                  /* (parts) */
	struct rec_err *err;      /* (parts) */
	size_t **count;           /* (parts) (users->n) */
	struct rec_exclusions *ex;
};

/* Keep the row (j, it) in k; -1 when out of memory. */
static int
keep_row(struct kept *k, int32_t j, int32_t it)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap + k->cap / 2 : 4096;
		void *p = rec_realloc_array(k->row, cap, sizeof *k->row);
		if (!p)
			return -1;
		k->row = p;
		k->cap = cap;
	}
	k->row[k->n][0] = j;
	k->row[k->n][1] = it;
	k->n++;
	return 0;
}

/* Read part t of the file (the t-th of parts ranges of its bytes; one
 * part: the whole stream), each row checked as a table's reader checks
 * it, and keep the rows of a listed user and a model item, counted by
 * listed user: no table of the file's own ids is built. */
static void
read_part(void *arg, size_t beg, size_t end, int t)
{
	struct reading *g = arg;
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_err *err = &g->err[t];
	struct rec_lines l;
	struct rec_row row;
	size_t *count = g->count[t], n;
	uint64_t from, to;
	int64_t was = -1;   /* the last row's user, whose listed user is j */
	int32_t j = -1;
	char *s;
	int rc;

	(void)beg;
	(void)end;
	if (g->parts == 1) {
		rec_lines_init(&l, g->fp[t], g->name);
		rc = 0;
	} else {
		rec_shard_part((uint64_t)g->bytes, g->parts, t, &from, &to);
		rc = rec_lines_init_range(&l, g->fp[t], g->name, (off_t)from,
		                          (off_t)to, err);
	}
	while (rc == 0 && (rc = rec_lines_next(&l, &s, &n, err)) == 1) {
		int32_t it;

		rc = rec_ratings_parse_line(s, n, 0, &o, l.name, l.lineno, &row, err);
		if (rc != 0)
			break;
		g->rows[t]++;
		/* a user's rows come together in a ratings file, as a rule: the
		 * user is looked up once a run of them */
		if (row.user != was) {
			was = row.user;
			j = rec_idmap_find(g->users, row.user);
		}
		it = rec_idmap_find(g->items, row.item);
		if (j >= 0 && it >= 0) {
			if (keep_row(&g->kept[t], j, it) != 0) {
				rc = rec_erroom(err, NULL);
				break;
			}
			count[j]++;
		}
	}
	g->lines[t] = l.lineno;
	g->rc[t] = rc;
	rec_lines_free(&l);
}

/* Place part t's kept rows at the places counted for it. */
static void
place_part(void *arg, size_t beg, size_t end, int t)
{
	struct reading *g = arg;
	const struct kept *k = &g->kept[t];
	size_t *at = g->count[t];

	(void)beg;
	(void)end;
	for (size_t x = 0; x < k->n; x++)
		g->ex->item[at[k->row[x][0]]++] = k->row[x][1];
}

int
rec_exclusions_read(struct rec_exclusions *ex, FILE *const *fp, int parts,
                    const char *name, const struct rec_idmap *users,
                    const struct rec_idmap *items, struct rec_err *err)
{
	const size_t n = users->n;
	struct reading g = { .fp = fp, .name = name, .users = users,
	                     .items = items, .ex = ex };
	struct stat st;
	size_t rows = 0, kept = 0;
	long lines = 0;
	int rc = 0, t;

	*ex = (struct rec_exclusions){ 0 };
	if (parts > 1 && fstat(fileno(fp[0]), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size >= (1 << 20))
		g.bytes = st.st_size;
	else
		parts = 1;
	g.parts = parts;
	g.kept = rec_calloc((size_t)parts, sizeof *g.kept);
	g.rows = rec_calloc((size_t)parts, sizeof *g.rows);
	g.lines = rec_calloc((size_t)parts, sizeof *g.lines);
	g.rc = rec_calloc((size_t)parts, sizeof *g.rc);
	g.err = rec_calloc((size_t)parts, sizeof *g.err);
	g.count = rec_calloc((size_t)parts, sizeof *g.count);
	if (!g.kept || !g.rows || !g.lines || !g.rc || !g.err || !g.count)
		goto oom;
	for (t = 0; t < parts; t++)
		if (!(g.count[t] = rec_calloc(n ? n : 1, sizeof *g.count[t])))
			goto oom;
	rec_parallel_for((size_t)parts, parts, read_part, &g);
	/* the first part that failed, at its line in the file */
	for (t = 0; t < parts; t++) {
		if (g.rc[t] != 0) {
			*err = g.err[t];
			if (err->line > 0)
				err->line += lines;
			rc = -1;
			goto out;
		}
		lines += g.lines[t];
		rows += g.rows[t];
	}
	if (rows == 0) {
		rc = rec_errf(err, name, 0, lines ? "no ratings" : "empty input");
		goto out;
	}
	/* user j's items: part 0's, then part 1's, ... (count[t][j] becomes
	 * where part t's go) */
	if (!(ex->start = rec_calloc(n + 1, sizeof *ex->start)))
		goto oom;
	for (size_t j = 0; j < n; j++) {
		ex->start[j] = kept;
		for (t = 0; t < parts; t++) {
			size_t c = g.count[t][j];
			g.count[t][j] = kept;
			kept += c;
		}
	}
	ex->start[n] = kept;
	if (!(ex->item = rec_malloc_array(kept ? kept : 1, sizeof *ex->item)))
		goto oom;
	ex->n = n;
	rec_parallel_for((size_t)parts, parts, place_part, &g);
	goto out;
oom:
	rc = rec_erroom(err, NULL);
out:
	if (rc != 0)
		rec_exclusions_free(ex);
	for (t = 0; t < parts; t++) {
		if (g.kept)
			rec_free(g.kept[t].row);
		if (g.count)
			rec_free(g.count[t]);
	}
	rec_free(g.kept);
	rec_free(g.rows);
	rec_free(g.lines);
	rec_free(g.rc);
	rec_free(g.err);
	rec_free(g.count);
	return rc;
}

void
rec_exclusions_free(struct rec_exclusions *ex)
{
	rec_free(ex->start);
	rec_free(ex->item);
	*ex = (struct rec_exclusions){ 0 };
}

/* ---- models with rank factors: by tiles ---- */

enum {
	BLOCK_USERS = 126,        /* users scored together: whole strips of
	                           * 6 (scan.c), none computed and dropped */
	TILE_BYTES = 256 << 10,   /* of item vectors a tile, at most */
	TILE_ITEMS = 512,         /* items a tile, at most; a tile is a power
	                           * of 2 from 64: whole chunks of 64 (topk.c)
	                           * and panels of 16 (scan.c) */
	ROUND_SLOTS = 1 << 18     /* list entries (user, rank) a round, about:
	                           * the last round's lists, emitted with
	                           * the other threads idle, are few */
};

/* An exclusion of a block's user: the user's row in the block, the item. */
struct excl {
	uint32_t row, item;
};

/* One thread's room. */
struct scratch {
	float *vec;          /* (BLOCK_USERS, dim + 1) the block's user
	                      * vectors, each with a last 1 */
	float *score;        /* (BLOCK_USERS, tile) a tile's scores */
	size_t *first;       /* (tiles + 2) tile t's exclusions are */
	struct excl *excl;   /* excl[first[t] .. first[t + 1]) */
};

/* A call by tiles, and its current round: users [beg, beg + n). */
struct tiled {
	const struct rec_model *m;
	struct rec_rank_factors f;
	const int32_t *user;
	const struct rec_exclusions *ex;
	float *packed;            /* the item vectors, each with its item
	                           * term last, rec_scan_pack'ed */
	size_t k, tile, tiles;    /* list length; items a tile; tiles */
	int shift;                /* tile = 2^shift */
	size_t beg, n, blocks;
	atomic_size_t next;       /* the round's next block to take */
	struct scratch *scratch;  /* (threads) */
	uint32_t *best[2];        /* (round, k) this round's lists, and */
	float *best_score[2];     /* (round, k) the round's before them */
	size_t *len[2];           /* (round) */
	int cur;                  /* this round's: [cur], the one before: [!cur] */
	size_t prev_beg, prev_n;  /* the round before's users, not yet emitted
	                           * when prev_n > 0 */
	rec_lists_fn *emit;
	void *ctx;
	struct rec_err *err;
	int rc;                   /* emit's */
};

/* The round before's lists to emit, if any: then none is pending;
 * after a failure the round's blocks are left. */
static void
emit_before(struct tiled *s)
{
	if (s->prev_n == 0)
		return;
	s->rc = s->emit(s->ctx, s->prev_beg, s->prev_n, s->k, s->best[!s->cur],
	                s->best_score[!s->cur], s->len[!s->cur], s->err);
	s->prev_n = 0;
	if (s->rc != 0)
		atomic_store(&s->next, s->blocks);
}

/* The exclusions of the block's users [u0, u0 + nb) (call indices)
 * into sc, sorted by tile. */
static void
bucket_exclusions(const struct tiled *s, struct scratch *sc, size_t u0,
                  size_t nb)
{
	const struct rec_exclusions *ex = s->ex;

	memset(sc->first, 0, (s->tiles + 2) * sizeof *sc->first);
	if (!ex)
		return;
	/* a counting sort, as rec_exclusions_build's */
	for (size_t e = ex->start[u0]; e < ex->start[u0 + nb]; e++)
		sc->first[((size_t)ex->item[e] >> s->shift) + 2]++;
	for (size_t t = 2; t < s->tiles + 2; t++)
		sc->first[t] += sc->first[t - 1];
	for (size_t j = 0; j < nb; j++)
		for (size_t e = ex->start[u0 + j]; e < ex->start[u0 + j + 1]; e++)
			sc->excl[sc->first[((size_t)ex->item[e] >> s->shift) + 1]++] =
			    (struct excl){ (uint32_t)j, (uint32_t)ex->item[e] };
}

/* The lists of the round's users [j0, j0 + nb), by tiles. */
static void
score_block(const struct tiled *s, struct scratch *sc, size_t j0, size_t nb)
{
	const struct rec_rank_factors *f = &s->f;
	const size_t ni = s->m->items.n, tile = s->tile, dim = (size_t)f->dim;
	const int64_t *key = s->m->items.ids;
	struct rec_topk_list list[BLOCK_USERS];

	for (size_t j = 0; j < nb; j++) {
		int32_t u = s->user[s->beg + j0 + j];
		float *v = sc->vec + j * (dim + 1);
		if (u >= 0)
			memcpy(v, f->user(s->m, u), dim * sizeof *v);
		else
			memset(v, 0, dim * sizeof *v);
		v[dim] = 1.0f;
		list[j] = (struct rec_topk_list){ s->best[s->cur] + (j0 + j) * s->k,
		                                  s->best_score[s->cur] + (j0 + j) * s->k,
		                                  s->k, 0 };
	}
	bucket_exclusions(s, sc, s->beg + j0, nb);
	for (size_t t = 0; t < s->tiles; t++) {
		size_t i0 = t * tile, w = ni - i0 < tile ? ni - i0 : tile;
		rec_scan((int)nb, (int)w, (int)dim + 1, sc->vec, (int)dim + 1,
		         s->packed + i0 * (dim + 1), sc->score, (int)tile);
		for (size_t e = sc->first[t]; e < sc->first[t + 1]; e++)
			sc->score[sc->excl[e].row * tile + sc->excl[e].item - i0] = -INFINITY;
		for (size_t j = 0; j < nb; j++)
			rec_topk_offer(&list[j], sc->score + j * tile, key, (uint32_t)i0, w);
	}
	for (size_t j = 0; j < nb; j++) {
		rec_topk_sort(&list[j], key);
		s->len[s->cur][j0 + j] = list[j].len;
	}
}

/* Part t of a round: blocks, taken one at a time, until none is left;
 * part 0, on the calling thread, emits the round before first. */
static void
tiled_part(void *arg, size_t beg, size_t end, int t)
{
	struct tiled *s = arg;
	size_t b;

	(void)beg;
	(void)end;
	if (t == 0)
		emit_before(s);
	while ((b = atomic_fetch_add(&s->next, 1)) < s->blocks) {
		size_t j0 = b * BLOCK_USERS;
		score_block(s, &s->scratch[t], j0,
		            s->n - j0 < BLOCK_USERS ? s->n - j0 : BLOCK_USERS);
	}
}

static int
recommend_tiled(const struct rec_model *m, const int32_t *user, size_t n,
                size_t k, const struct rec_exclusions *ex, int threads,
                rec_lists_fn *emit, void *ctx, struct rec_err *err)
{
	const size_t ni = m->items.n;
	struct tiled s = { .m = m, .user = user, .ex = ex, .emit = emit,
	                   .ctx = ctx, .err = err };
	size_t dim, round, most = 1;
	float *aug;   /* (ni, dim + 1) the item vectors, each with its term */
	int rc = 0;

	m->ops->rank_factors(m, &s.f);
	dim = (size_t)s.f.dim;
	s.k = k;
	/* the most items that fit TILE_BYTES, a power of 2 (an item's tile
	 * by a shift, not a division) from 64 to TILE_ITEMS */
	for (s.shift = 6; ((size_t)2 << s.shift) <= TILE_ITEMS &&
	                  ((size_t)2 << s.shift) * (dim + 1) * sizeof(float) <= TILE_BYTES;
	     s.shift++)
		;
	s.tile = (size_t)1 << s.shift;
	s.tiles = (ni + s.tile - 1) / s.tile;
	/* a round: whole blocks, about ROUND_SLOTS list entries */
	round = ROUND_SLOTS / k / BLOCK_USERS * BLOCK_USERS;
	round = round < BLOCK_USERS ? BLOCK_USERS : round;
	if (round > n)
		round = n ? n : 1;
	for (size_t u = 0; ex && u < n; u += BLOCK_USERS) {
		size_t end = n - u < BLOCK_USERS ? n : u + BLOCK_USERS;
		if (ex->start[end] - ex->start[u] > most)
			most = ex->start[end] - ex->start[u];
	}
	s.packed = rec_malloc_array(ni ? rec_scan_packed_len((int)dim + 1, (int)ni) : 1,
	                            sizeof *s.packed);
	aug = rec_malloc_array(ni ? ni * (dim + 1) : 1, sizeof *aug);
	s.scratch = rec_calloc((size_t)threads, sizeof *s.scratch);
	for (int h = 0; h < 2; h++) {
		s.best[h] = rec_malloc_array(round * k, sizeof *s.best[h]);
		s.best_score[h] = rec_malloc_array(round * k, sizeof *s.best_score[h]);
		s.len[h] = rec_malloc_array(round, sizeof *s.len[h]);
		if (!s.best[h] || !s.best_score[h] || !s.len[h])
			goto oom;
	}
	if (!s.packed || !aug || !s.scratch)
		goto oom;
	for (int t = 0; t < threads; t++) {
		struct scratch *sc = &s.scratch[t];
		sc->vec = rec_malloc_array(BLOCK_USERS * (dim + 1), sizeof *sc->vec);
		sc->score = rec_malloc_array(BLOCK_USERS * s.tile, sizeof *sc->score);
		sc->first = rec_malloc_array(s.tiles + 2, sizeof *sc->first);
		sc->excl = rec_malloc_array(most, sizeof *sc->excl);
		if (!sc->vec || !sc->score || !sc->first || !sc->excl)
			goto oom;
	}
	/* each item's vector and term, then packed */
	for (size_t i = 0; i < ni; i++) {
		memcpy(aug + i * (dim + 1), s.f.item + i * dim, dim * sizeof *aug);
		aug[i * (dim + 1) + dim] = s.f.item_term[i];
	}
	if (ni)
		rec_scan_pack(s.packed, (int)dim + 1, (int)ni, aug, (int)dim + 1);
	rec_free(aug);
	aug = NULL;
	for (s.beg = 0; s.beg < n && s.rc == 0; s.beg += s.n) {
		s.n = n - s.beg < round ? n - s.beg : round;
		s.blocks = (s.n + BLOCK_USERS - 1) / BLOCK_USERS;
		atomic_store(&s.next, 0);
		rec_parallel_for((size_t)threads, threads, tiled_part, &s);
		s.prev_beg = s.beg;
		s.prev_n = s.n;
		s.cur = !s.cur;
	}
	if (s.rc == 0)
		emit_before(&s);
	rc = s.rc;
	goto out;
oom:
	rc = rec_erroom(err, NULL);
out:
	rec_free(aug);
	for (int t = 0; s.scratch && t < threads; t++) {
		rec_free(s.scratch[t].vec);
		rec_free(s.scratch[t].score);
		rec_free(s.scratch[t].first);
		rec_free(s.scratch[t].excl);
	}
	rec_free(s.packed);
	rec_free(s.scratch);
	for (int h = 0; h < 2; h++) {
		rec_free(s.best[h]);
		rec_free(s.best_score[h]);
		rec_free(s.len[h]);
	}
	return rc ? -1 : 0;
}

/* ---- any other model: rank_scores by blocks ---- */

/* One block of users being ranked: scores (nb, ni) in, lists out. */
struct block {
	const struct rec_model *m;
	const struct rec_exclusions *ex;
	const int32_t *user;      /* the block's users */
	size_t k, beg;            /* list length; the block's first user */
	float *scores;
	uint32_t *best;           /* (nb, k) */
	float *best_score;        /* (nb, k) */
	size_t *len;              /* (nb) */
	int score;                /* 1: each part scores its users first */
	int *rc;                  /* (threads) each part's rank_scores */
	struct rec_err *err;      /* (threads) and its error */
};

/* Score (when b->score), exclude and select for the block's users
 * [beg, end) (one thread). */
static void
select_part(void *arg, size_t beg, size_t end, int t)
{
	const struct block *b = arg;
	const size_t ni = b->m->items.n;

	if (b->score && beg < end &&
	    (b->rc[t] = b->m->ops->rank_scores(b->m, b->user + beg, end - beg,
	                                       b->scores + beg * ni, &b->err[t])) != 0)
		return;
	for (size_t j = beg; j < end; j++) {
		float *row = b->scores + j * ni;
		size_t u = b->beg + j;
		struct rec_topk_list l = { b->best + j * b->k, b->best_score + j * b->k,
		                           b->k, 0 };
		if (b->ex)
			for (size_t e = b->ex->start[u]; e < b->ex->start[u + 1]; e++)
				row[b->ex->item[e]] = -INFINITY;
		rec_topk_offer(&l, row, b->m->items.ids, 0, ni);
		rec_topk_sort(&l, b->m->items.ids);
		b->len[j] = l.len;
	}
}

int
rec_recommend(const struct rec_model *m, const int32_t *user, size_t n,
              size_t k, const struct rec_exclusions *ex, int threads,
              rec_lists_fn *emit, void *ctx, struct rec_err *err)
{
	const size_t ni = m->items.n;
	struct block b = { .m = m, .ex = ex };
	size_t block;
	int rc = 0;

	threads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
	if (m->ops->rank_factors)
		return recommend_tiled(m, user, n, k < ni ? k : ni ? ni : 1, ex,
		                       threads, emit, ctx, err);
	b.score = m->ops->rank_scores_reentrant && threads > 1;
	/* Blocks of up to 256 users and 64 MiB of scores; a list is never
	 * longer than the catalogue. */
	block = ni ? (16u << 20) / ni : 256;
	block = block < 1 ? 1 : block > 256 ? 256 : block;
	b.k = k < ni ? k : ni ? ni : 1;
	b.scores = rec_malloc_array(block * (ni ? ni : 1), sizeof *b.scores);
	b.best = rec_malloc_array(block * b.k, sizeof *b.best);
	b.best_score = rec_malloc_array(block * b.k, sizeof *b.best_score);
	b.len = rec_malloc_array(block, sizeof *b.len);
	b.rc = rec_calloc((size_t)threads, sizeof *b.rc);
	b.err = rec_calloc((size_t)threads, sizeof *b.err);
	if (!b.scores || !b.best || !b.best_score || !b.len || !b.rc || !b.err) {
		rc = rec_erroom(err, NULL);
		goto out;
	}
	for (size_t beg = 0; beg < n && rc == 0; beg += block) {
		size_t nb = n - beg < block ? n - beg : block;
		if (!b.score &&
		    (rc = m->ops->rank_scores(m, user + beg, nb, b.scores, err)) != 0)
			break;
		b.user = user + beg;
		b.beg = beg;
		rec_parallel_for(nb, threads, select_part, &b);
		for (int t = 0; t < threads && rc == 0; t++)
			if ((rc = b.rc[t]) != 0 && err)
				*err = b.err[t];
		if (rc == 0)
			rc = emit(ctx, beg, nb, b.k, b.best, b.best_score, b.len, err);
	}
out:
	rec_free(b.scores);
	rec_free(b.best);
	rec_free(b.best_score);
	rec_free(b.len);
	rec_free(b.rc);
	rec_free(b.err);
	return rc ? -1 : 0;
}
