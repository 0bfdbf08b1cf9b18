#define _GNU_SOURCE   /* memmem */
/* t_model.c - Adam, top-K selection, batches, and loading model files:
 * bad MF files and foreign or corrupt files of any model are refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/batch.h"
#include "rec/mf.h"
#include "rec/params.h"
#include "rec/rng.h"
#include "rec/topk.h"

TEST(adam_first_step_is_lr_sign_g)
{
	struct rec_params p = { 0 };
	struct rec_adam a = REC_ADAM_DEFAULTS;
	size_t off;

	CHECK(rec_params_add(&p, "w", 1, 3, 1, &off, NULL) == 0);
	CHECK(rec_params_alloc(&p, NULL) == 0);
	p.w[0] = 1, p.w[1] = 1, p.w[2] = 1;
	p.g[0] = 0.5f, p.g[1] = -3.0f, p.g[2] = 0;
	rec_adam_step(&p, &a);
	/* bias correction makes m^/sqrt(v^) = sign(g) on step 1 */
	CHECK_NEAR(p.w[0], 1 - 1e-3, 1e-6);
	CHECK_NEAR(p.w[1], 1 + 1e-3, 1e-6);
	CHECK(p.w[2] == 1.0f);   /* zero gradient: no move */
	rec_params_free(&p);
}

TEST(params_align_starts_a_cache_line)
{
	struct rec_params p = { 0 };
	size_t a, b, c;

	CHECK(rec_params_add(&p, "a", 1, 3, 1, &a, NULL) == 0);
	rec_params_align(&p);
	CHECK(rec_params_add(&p, "b", 2, 2, 16, &b, NULL) == 0);
	rec_params_align(&p);   /* already on a line: no gap */
	CHECK(rec_params_add(&p, "c", 0, 1, 1, &c, NULL) == 0);
	CHECK(a == 0 && b == 16 && c == 48 && p.n == 49);
	CHECK(rec_params_alloc(&p, NULL) == 0);
	CHECK((uintptr_t)p.w % 64 == 0);
	for (size_t j = 0; j < p.n; j++)
		CHECK(p.w[j] == 0 && p.g[j] == 0 && p.m[j] == 0 && p.v[j] == 0);
	rec_params_free(&p);
}

TEST(adam_minimises_a_quadratic)
{
	struct rec_params p = { 0 };
	struct rec_adam a = REC_ADAM_DEFAULTS;
	size_t off;

	a.lr = 0.1f;
	rec_params_add(&p, "x", 0, 1, 1, &off, NULL);
	rec_params_alloc(&p, NULL);
	p.w[0] = 3;
	for (int t = 0; t < 200; t++) {
		p.g[0] = 2 * (p.w[0] - 1);   /* d/dx (x - 1)^2 */
		rec_adam_step(&p, &a);
	}
	CHECK_NEAR(p.w[0], 1.0, 0.05);
	rec_params_free(&p);
}

/* The k best of s[0 .. n) (keys key) into out, by one offer or by
 * pieces of a few at a time; their number. */
static size_t
topk(const float *s, const int64_t *key, size_t n, size_t k, uint32_t *out,
     size_t piece)
{
	float score[1024];
	struct rec_topk_list l = { out, score, k, 0 };

	for (size_t i0 = 0; i0 < n; i0 += piece)
		rec_topk_offer(&l, s + i0, key, (uint32_t)i0, n - i0 < piece ? n - i0 : piece);
	rec_topk_sort(&l, key);
	for (size_t j = 0; j < l.len; j++)
		CHECK(score[j] == s[out[j]]);
	return l.len;
}

TEST(topk_order_ties_exclusions)
{
	float s[] = { 0.5f, 2.0f, -INFINITY, 2.0f, 1.0f, 3.0f };
	int64_t key[] = { 10, 40, 20, 30, 50, 60 };
	uint32_t out[6];

	CHECK(topk(s, key, 6, 3, out, 6) == 3);
	/* 3.0 first; 2.0 twice: key 30 before key 40 */
	CHECK(out[0] == 5 && out[1] == 3 && out[2] == 1);
	CHECK(topk(s, key, 6, 10, out, 6) == 5);   /* K above the candidates */
	CHECK(out[3] == 4 && out[4] == 0);
	CHECK(topk(s, key, 6, 0, out, 6) == 0);
}

/* A zero ties with a zero of the other sign, in a chunk passed over
 * whole but for it: the smaller key wins. */
TEST(topk_signed_zero_ties)
{
	float s[128];
	int64_t key[128];
	uint32_t out[2];

	for (int sign = 0; sign < 2; sign++) {
		for (int j = 0; j < 128; j++) {
			s[j] = -INFINITY;
			key[j] = 1000 + j;
		}
		s[0] = 1;
		s[1] = sign ? -0.0f : 0.0f;       /* the root once two are kept */
		s[64] = sign ? 0.0f : -0.0f;      /* ties it, by a smaller key */
		key[64] = 10;
		CHECK(topk(s, key, 128, 2, out, 128) == 2);
		CHECK(out[0] == 0 && out[1] == 64);
	}
}

/* Ties among +INFINITY scores: once the kept ones are all +INFINITY,
 * a later one still enters by a smaller key (the chunked scan must not
 * pass over it). */
TEST(topk_infinite_ties)
{
	float s[128];
	int64_t key[128];
	uint32_t out[2];

	for (int j = 0; j < 128; j++) {
		s[j] = INFINITY;
		key[j] = 1000 - j;      /* the later, the smaller */
	}
	CHECK(topk(s, key, 128, 2, out, 128) == 2);
	CHECK(out[0] == 127 && out[1] == 126);
	CHECK(topk(s, key, 128, 2, out, 64) == 2);
	CHECK(out[0] == 127 && out[1] == 126);
}

/* The same ranking as a full sort, on long rows (the chunked scan): few
 * distinct scores (many ties), exclusions, an unaligned length; offered
 * at once or in pieces. */
static const float *cmp_score;
static const int64_t *cmp_key;

static int
by_rank(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (cmp_score[x] != cmp_score[y])
		return cmp_score[x] > cmp_score[y] ? -1 : 1;
	return cmp_key[x] < cmp_key[y] ? -1 : cmp_key[x] > cmp_key[y];
}

TEST(topk_matches_a_full_sort_on_long_rows)
{
	enum { N = 1003 };
	float s[N];
	int64_t key[N];
	uint32_t out[N], all[N];
	struct rec_rng rng;

	rec_rng_seed(&rng, 9);
	for (int trial = 0; trial < 200; trial++) {
		size_t n = 1 + rec_rng_below(&rng, N), m = 0;
		int levels = 1 + (int)rec_rng_below(&rng, trial % 2 ? 5 : 1000);
		for (size_t j = 0; j < n; j++) {
			s[j] = (float)rec_rng_below(&rng, (uint64_t)levels);
			if (rec_rng_below(&rng, 10) == 0)
				s[j] = -INFINITY;
			key[j] = (int64_t)((j * 2654435761u) % 4294967296u);   /* distinct */
			if (s[j] != -INFINITY)
				all[m++] = (uint32_t)j;
		}
		cmp_score = s;
		cmp_key = key;
		qsort(all, m, sizeof all[0], by_rank);
		size_t k = 1 + rec_rng_below(&rng, 30);
		/* at once, then in pieces (as tiles give them: 64, or any) */
		size_t piece[] = { n, 64, 1 + rec_rng_below(&rng, 200) };
		for (int p = 0; p < 3; p++) {
			size_t r = topk(s, key, n, k, out, piece[p]);
			CHECK(r == (k < m ? k : m));
			for (size_t j = 0; j < r; j++)
				CHECK(out[j] == all[j]);
		}
	}
}

/* A small ratings table: 12 users x 9 items, ratings from a rank-1 rule. */
static struct rec_ratings *
toy(void)
{
	struct rec_ratings *r = rec_ratings_new();

	for (int u = 0; u < 12; u++)
		for (int i = 0; i < 9; i++)
			if ((u + 2 * i) % 3 != 0)
				rec_ratings_push(r, 100 + u, 200 + i,
				                 (float)(1 + ((u * i) % 9) / 2), u * 10 + i,
				                 (long)r->n + 1, NULL);
	return r;
}

static char *
save(const struct rec_model *m, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	CHECK(rec_model_save(m, fp, "m.st", NULL, NULL, 0, NULL) == 0);
	fclose(fp);
	return buf;
}

TEST(mf_load_rejects_bad_files)
{
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_ratings *r = toy();
	struct rec_model *m, *back;
	struct rec_err err = { 0 };
	size_t len;
	char *buf;

	hp.k = 3;
	m = rec_mf_make(&hp, r, 1, &err);
	buf = save(m, &len);
	/* k in the metadata that does not match P: patch "k":"3" to "4" */
	char *k = memmem(buf, len, "\"k\":\"3\"", 7);
	CHECK(k != NULL);
	if (k) {
		k[5] = '4';
		FILE *fp = fmemopen(buf, len, "r");
		CHECK(rec_model_load(&back, fp, "m.st", &err) == -1);
		CHECK(strcmp(err.msg, "tensor 'P' has shape [12, 3], expected [12, 4]") == 0);
		fclose(fp);
		k[5] = '3';
	}
	/* an extra tensor: rewrite the file with one more */
	struct rec_st *st;
	CHECK(rec_st_load_mem(&st, buf, len, "m.st", &err) == 0);
	if (st) {
		struct rec_tensor t[16];
		float one = 1;
		char *buf2 = NULL;
		size_t len2 = 0, nmeta = 0;
		const char *key[32], *val[32];
		memcpy(t, st->t, st->nt * sizeof t[0]);
		memset(&t[st->nt], 0, sizeof t[0]);
		strcpy(t[st->nt].name, "extra");
		t[st->nt].dtype = REC_F32;
		t[st->nt].data = &one;
		t[st->nt].nbytes = 4;
		for (size_t j = 0; j < st->nmeta; j++)
			if (strcmp(st->meta_key[j], "crc32") != 0)
				key[nmeta] = st->meta_key[j], val[nmeta++] = st->meta_val[j];
		FILE *fp = open_memstream(&buf2, &len2);
		CHECK(rec_st_write(fp, "x.st", t, st->nt + 1, key, val, nmeta, &err) == 0);
		fclose(fp);
		fp = fmemopen(buf2, len2, "r");
		CHECK(rec_model_load(&back, fp, "x.st", &err) == -1);
		CHECK(strcmp(err.msg, "unexpected tensor 'extra'") == 0);
		fclose(fp);
		free(buf2);
		rec_st_free(st);
	}
	free(buf);
	rec_model_free(m);
	rec_ratings_free(r);
}

TEST(batches_order_and_touched_rows)
{
	struct rec_batches b;
	struct rec_rng rng;
	int seen[10] = { 0 }, ok = 1;

	CHECK(rec_batches_init(&b, 3, 4, 5, NULL) == 0);
	rec_rng_seed(&rng, 1);
	CHECK(rec_batches_epoch(&b, 10, &rng, NULL) == 0);
	for (int j = 0; j < 10; j++)
		seen[b.order[j]]++;
	for (int j = 0; j < 10; j++)
		ok &= seen[j] == 1;
	CHECK(ok);   /* a permutation */
	rec_batches_next(&b);
	rec_batches_touch(&b, 2, 3);
	rec_batches_touch(&b, 2, 0);
	rec_batches_touch(&b, 1, 3);
	CHECK(b.nu == 2 && b.urows[0] == 2 && b.urows[1] == 1);
	CHECK(b.ni == 2 && b.irows[0] == 3 && b.irows[1] == 0);
	rec_batches_next(&b);   /* a new batch forgets */
	rec_batches_touch(&b, 2, 3);
	CHECK(b.nu == 1 && b.ni == 1);
	rec_batches_free(&b);
}

/* Steps over a table of 1000 rows, whole or spread over two "ranks"
 * (the odd lines and the even ones): each step has batch rows of the
 * table (the last fewer), each row one step, and the two ranks' rows of
 * a step are the whole table's; 3 threads sort them as 1 does; a line
 * past the table fails. */
TEST(batches_steps_of_a_spread_table)
{
	enum { N = 1000, B = 64 };
	struct rec_batches whole, threaded, half[2];
	uint32_t line[2][N / 2], step[N];
	int ok = 1;

	for (int j = 0; j < N / 2; j++) {
		line[0][j] = (uint32_t)(2 * j + 1);
		line[1][j] = (uint32_t)(2 * j + 2);
	}
	CHECK(rec_batches_init(&whole, 1, 1, B, NULL) == 0);
	CHECK(rec_batches_epoch_steps(&whole, N, NULL, N, B, 5, 1, NULL) == 0);
	CHECK(whole.steps == (N + B - 1) / B);
	CHECK(rec_batches_init(&threaded, 1, 1, B, NULL) == 0);
	CHECK(rec_batches_epoch_steps(&threaded, N, NULL, N, B, 5, 3, NULL) == 0);
	CHECK(memcmp(threaded.order, whole.order, N * sizeof *whole.order) == 0);
	CHECK(memcmp(threaded.first, whole.first,
	             (whole.steps + 1) * sizeof *whole.first) == 0);
	for (int j = 0; j < N; j++)
		step[j] = UINT32_MAX;
	for (uint64_t s = 0; s < whole.steps; s++) {
		ok &= whole.first[s + 1] - whole.first[s] ==
		      (s + 1 < whole.steps ? B : N - s * B);
		for (uint32_t e = whole.first[s]; e < whole.first[s + 1]; e++) {
			ok &= step[whole.order[e]] == UINT32_MAX;
			step[whole.order[e]] = (uint32_t)s;
			ok &= e == whole.first[s] || whole.order[e] > whole.order[e - 1];
		}
	}
	CHECK(ok);
	for (int r = 0; r < 2; r++) {
		CHECK(rec_batches_init(&half[r], 1, 1, B, NULL) == 0);
		CHECK(rec_batches_epoch_steps(&half[r], N / 2, line[r], N, B, 5, 1 + r,
		                              NULL) == 0);
		CHECK(half[r].steps == whole.steps);
		for (uint64_t s = 0; s < half[r].steps; s++)
			for (uint32_t e = half[r].first[s]; e < half[r].first[s + 1]; e++)
				ok &= step[line[r][half[r].order[e]] - 1] == s;
	}
	CHECK(ok);
	CHECK(half[0].first[half[0].steps] + half[1].first[half[1].steps] == N);
	line[1][3] = N + 1;
	CHECK(rec_batches_epoch_steps(&half[1], N / 2, line[1], N, B, 5, 2, NULL) == -1);
	rec_batches_free(&whole);
	rec_batches_free(&threaded);
	rec_batches_free(&half[0]);
	rec_batches_free(&half[1]);
}

/* A batch before any epoch (the gradient checks' objective) lists the
 * rows it touches, whatever the stamps' memory held before: here the
 * stamp a first batch would have, left by an array of the same size
 * freed just before (malloc hands such a chunk back). */
TEST(batches_touch_before_an_epoch)
{
	struct rec_batches b;
	int32_t *old = malloc(9 * sizeof *old);   /* the size of ustamp below */

	CHECK(old != NULL);
	for (int j = 0; old && j < 9; j++)
		old[j] = 1;
	free(old);   /* malloc keeps its own words in the first 16 bytes only */
	CHECK(rec_batches_init(&b, 8, 2, 5, NULL) == 0);
	rec_batches_next(&b);
	rec_batches_touch(&b, 7, 1);
	CHECK(b.nu == 1 && b.urows[0] == 7 && b.ni == 1 && b.irows[0] == 1);
	rec_batches_free(&b);
}

/* buf (a saved model) rewritten: metadata key "model" set to model (NULL:
 * unchanged), and edit(t, ctx) applied to a copy of each tensor's data.
 * Returns the load's result; err holds its message. */
static int
load_edited(const char *buf, size_t len, const char *model,
            void (*edit)(struct rec_tensor *t), struct rec_err *err)
{
	struct rec_st *st;
	struct rec_tensor t[32];
	const char *key[32], *val[32];
	void *data[32] = { 0 };
	size_t nmeta = 0;
	char *out = NULL;
	size_t outlen = 0;
	struct rec_model *back = NULL;
	int rc;

	CHECK(rec_st_load_mem(&st, buf, len, "m.st", err) == 0);
	CHECK(st->nt <= 32 && st->nmeta <= 32);
	for (size_t j = 0; j < st->nt; j++) {
		t[j] = st->t[j];
		data[j] = malloc(t[j].nbytes);
		memcpy(data[j], t[j].data, t[j].nbytes);
		t[j].data = data[j];
		if (edit)
			edit(&t[j]);
	}
	for (size_t j = 0; j < st->nmeta; j++) {
		if (strcmp(st->meta_key[j], "crc32") == 0)
			continue;   /* rec_st_write computes it afresh */
		key[nmeta] = st->meta_key[j];
		val[nmeta++] = model && strcmp(st->meta_key[j], "model") == 0 ?
		               model : st->meta_val[j];
	}
	FILE *fp = open_memstream(&out, &outlen);
	CHECK(rec_st_write(fp, "m.st", t, st->nt, key, val, nmeta, err) == 0);
	fclose(fp);
	fp = fmemopen(out, outlen, "r");
	rc = rec_model_load(&back, fp, "m.st", err);
	fclose(fp);
	rec_model_free(back);
	free(out);
	for (size_t j = 0; j < st->nt; j++)
		free(data[j]);
	rec_st_free(st);
	return rc;
}

static void
duplicate_user_id(struct rec_tensor *t)
{
	if (strcmp(t->name, "user_ids") == 0)
		((int64_t *)t->data)[1] = ((int64_t *)t->data)[0];
}

static void
negative_item_id(struct rec_tensor *t)
{
	if (strcmp(t->name, "item_ids") == 0)
		((int64_t *)t->data)[2] = -7;
}

static void
nan_in_q(struct rec_tensor *t)
{
	if (strcmp(t->name, "Q") == 0)
		((float *)t->data)[5] = 0.0f / 0.0f;
}

static void
nothing(struct rec_tensor *t)
{
	(void)t;
}

/* Issue 8: a file of another model type, wrong id maps and non-finite
 * weights are refused, the message naming the tensor or metadata. */
TEST(model_load_rejects_foreign_and_corrupt_files)
{
	struct rec_mf_hparams hp = REC_MF_DEFAULTS;
	struct rec_ratings *r = toy();
	struct rec_err err = { 0 };
	size_t len;
	char *buf;

	hp.k = 3;
	struct rec_model *m = rec_mf_make(&hp, r, 1, &err);
	buf = save(m, &len);

	CHECK(load_edited(buf, len, NULL, nothing, &err) == 0);   /* the rewrite is faithful */
	CHECK(load_edited(buf, len, "ncf", NULL, &err) == -1);
	CHECK(strcmp(err.msg, "missing metadata 'mlp'") == 0);
	CHECK(load_edited(buf, len, "svd", NULL, &err) == -1);
	CHECK(strcmp(err.msg, "unknown model 'svd'") == 0);
	CHECK(load_edited(buf, len, NULL, duplicate_user_id, &err) == -1);
	CHECK(strcmp(err.msg, "tensor 'user_ids': duplicate id 100") == 0);
	CHECK(load_edited(buf, len, NULL, negative_item_id, &err) == -1);
	CHECK(strcmp(err.msg, "tensor 'item_ids': negative id -7") == 0);
	CHECK(load_edited(buf, len, NULL, nan_in_q, &err) == -1);
	CHECK(strcmp(err.msg, "tensor 'Q' has non-finite values") == 0);
	free(buf);
	rec_model_free(m);
	rec_ratings_free(r);
}
