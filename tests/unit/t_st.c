/* t_st.c - safetensors: round trip, the golden file, one test per reader
 * rule with its exact message, model checks, the writer's checks, OOM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/st.h"

/* ---- helpers ---- */

/* A file image: the u64 length of hdr, hdr, then data.  Caller frees. */
static unsigned char *
image(const char *hdr, const void *data, size_t dlen, size_t *len)
{
	uint64_t n = strlen(hdr);
	unsigned char *b = malloc(8 + n + dlen + 1);

	memcpy(b, &n, 8);
	memcpy(b + 8, hdr, n);
	if (dlen)
		memcpy(b + 8 + n, data, dlen);
	*len = 8 + n + dlen;
	return b;
}

/* 1 when buf fails to load with exactly msg (file "m.st", line 0). */
static int
fails_buf(const void *buf, size_t len, const char *msg)
{
	struct rec_err err = { 0 };
	struct rec_st *st = (struct rec_st *)&err;   /* must be reset to NULL */
	int rc = rec_st_load_mem(&st, buf, len, "m.st", &err);
	int ok = rc == -1 && st == NULL && strcmp(err.msg, msg) == 0 &&
	         strcmp(err.file, "m.st") == 0 && err.line == 0;

	if (!ok)
		fprintf(stderr, "  got %d '%s', want '%s'\n", rc, err.msg, msg);
	if (rc == 0)
		rec_st_free(st);
	return ok;
}

static int
fails(const char *hdr, const void *data, size_t dlen, const char *msg)
{
	size_t len;
	unsigned char *b = image(hdr, data, dlen, &len);
	int ok = fails_buf(b, len, msg);

	free(b);
	return ok;
}

/* The loaded file, or NULL (with the message on stderr). */
static struct rec_st *
loads(const char *hdr, const void *data, size_t dlen)
{
	struct rec_err err = { 0 };
	struct rec_st *st = NULL;
	size_t len;
	unsigned char *b = image(hdr, data, dlen, &len);

	if (rec_st_load_mem(&st, b, len, "m.st", &err) != 0)
		fprintf(stderr, "  unexpected error: %s\n", err.msg);
	free(b);
	return st;
}

static const float p24[6] = { 0, 1, 2, 3, 4, 5 };
#define P32 "\"P\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}"

/* The tensors of tests/fixtures/st/make-fixtures.py's GOOD. */
static const int64_t user_ids[] = { 1, 5, 42 }, item_ids[] = { 10, 20 };
static const float pv[] = { 0.5f, -1.25f, 2.0f, 0.0f, 1.5f, -0.75f };
static const float qv[] = { 0.25f, 0.125f, -2.0f, 4.0f }, mu = 3.5f;
static const char *const good_key[] = { "format", "model", "k" };
static const char *const good_val[] = { "rec-model/1", "mf", "2" };

static void
good_tensors(struct rec_tensor t[5])
{
	memset(t, 0, 5 * sizeof t[0]);
	strcpy(t[0].name, "user_ids");
	t[0].dtype = REC_I64, t[0].ndim = 1, t[0].shape[0] = 3;
	t[0].data = (void *)user_ids, t[0].nbytes = sizeof user_ids;
	strcpy(t[1].name, "item_ids");
	t[1].dtype = REC_I64, t[1].ndim = 1, t[1].shape[0] = 2;
	t[1].data = (void *)item_ids, t[1].nbytes = sizeof item_ids;
	strcpy(t[2].name, "P");
	t[2].dtype = REC_F32, t[2].ndim = 2, t[2].shape[0] = 3, t[2].shape[1] = 2;
	t[2].data = (void *)pv, t[2].nbytes = sizeof pv;
	strcpy(t[3].name, "Q");
	t[3].dtype = REC_F32, t[3].ndim = 2, t[3].shape[0] = 2, t[3].shape[1] = 2;
	t[3].data = (void *)qv, t[3].nbytes = sizeof qv;
	strcpy(t[4].name, "mu");
	t[4].dtype = REC_F32, t[4].ndim = 0;
	t[4].data = (void *)&mu, t[4].nbytes = sizeof mu;
}

/* rec_st_write into memory; *len bytes, caller frees; NULL on error. */
static char *
write_mem(const struct rec_tensor *t, size_t nt, const char *const *k,
          const char *const *v, size_t nmeta, size_t *len, struct rec_err *err)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);
	int rc = rec_st_write(fp, "m.st", t, nt, k, v, nmeta, err);

	fclose(fp);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!fp)
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, fp) == (size_t)n)
		*len = (size_t)n;
	else {
		free(buf);
		buf = NULL;
	}
	fclose(fp);
	return buf;
}

/* ---- good files ---- */

TEST(st_crc32)
{
	CHECK(rec_st_crc32(0, "123456789", 9) == 0xcbf43926u);
	CHECK(rec_st_crc32(rec_st_crc32(0, "1234", 4), "56789", 5) == 0xcbf43926u);
	CHECK(rec_st_crc32(0, "", 0) == 0);
}

/* By eight bytes a step, as by one bit a step: every length and start
 * in a buffer, and continued from a sum. */
TEST(st_crc32_by_bits)
{
	unsigned char buf[300];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 24);
	}
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof buf; len += 1 + len / 8) {
			uint32_t crc = ~0x5eedu;
			for (size_t i = off; i < off + len; i++) {
				crc ^= buf[i];
				for (int b = 0; b < 8; b++)
					crc = crc & 1 ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
			}
			CHECK(rec_st_crc32(0x5eedu, buf + off, len) == ~crc);
		}
}

TEST(st_round_trip)
{
	static const int64_t ids[] = { 3, -1, INT64_MAX };
	static const float w[2][3] = { { 1.5f, -2, 0 }, { 1e-30f, 3e38f, -0.0f } };
	static const float four[4] = { 1, 2, 3, 4 };
	struct rec_tensor t[5] = { 0 };
	const char *const k[] = { "format", "model", "note" };
	const char *const v[] = { "rec-model/1", "mf", "tab\there, \"quoted\", \xc3\xa9" };
	struct rec_err err = { 0 };
	struct rec_st *st = NULL;
	size_t len, len2;
	uint64_t n;

	strcpy(t[0].name, "w"), t[0].dtype = REC_F32, t[0].ndim = 2;
	t[0].shape[0] = 2, t[0].shape[1] = 3, t[0].data = (void *)w, t[0].nbytes = sizeof w;
	strcpy(t[1].name, "user_ids"), t[1].dtype = REC_I64, t[1].ndim = 1;
	t[1].shape[0] = 3, t[1].data = (void *)ids, t[1].nbytes = sizeof ids;
	strcpy(t[2].name, "empty"), t[2].dtype = REC_F32, t[2].ndim = 2;
	t[2].shape[0] = 0, t[2].shape[1] = 7, t[2].data = NULL, t[2].nbytes = 0;
	strcpy(t[3].name, "s"), t[3].dtype = REC_F32, t[3].ndim = 0;
	t[3].data = (void *)&four[1], t[3].nbytes = 4;
	strcpy(t[4].name, "four.d"), t[4].dtype = REC_F32, t[4].ndim = 4;
	t[4].shape[0] = 1, t[4].shape[1] = 2, t[4].shape[2] = 1, t[4].shape[3] = 2;
	t[4].data = (void *)four, t[4].nbytes = sizeof four;

	char *a = write_mem(t, 5, k, v, 3, &len, &err);
	char *b = write_mem(t, 5, k, v, 3, &len2, &err);
	CHECK(a && b);
	if (!a || !b) {
		fprintf(stderr, "  %s\n", err.msg);
		free(a), free(b);
		return;
	}
	CHECK(len == len2 && memcmp(a, b, len) == 0);   /* deterministic */
	memcpy(&n, a, 8);
	CHECK((8 + n) % 8 == 0 && a[8] == '{');
	CHECK(a[8 + n - 1] == '}' || a[8 + n - 1] == ' ');

	CHECK(rec_st_load_mem(&st, a, len, "m.st", &err) == 0);
	if (!st) {
		fprintf(stderr, "  %s\n", err.msg);
		free(a), free(b);
		return;
	}
	CHECK(strcmp(st->name, "m.st") == 0);
	CHECK(st->nt == 5 && st->nmeta == 4);
	for (size_t i = 0; i < 3; i++)
		CHECK(strcmp(st->meta_key[i], k[i]) == 0 &&
		      strcmp(st->meta_val[i], v[i]) == 0);
	CHECK(strcmp(st->meta_key[3], "crc32") == 0 && strlen(st->meta_val[3]) == 8);
	for (size_t i = 0; i < 5 && st->nt == 5; i++) {
		const struct rec_tensor *u = &st->t[i];
		CHECK(strcmp(u->name, t[i].name) == 0);
		CHECK(u->dtype == t[i].dtype && u->ndim == t[i].ndim);
		CHECK(u->nbytes == t[i].nbytes);
		CHECK((uintptr_t)u->data % 8 == 0);
		CHECK(u->nbytes == 0 || memcmp(u->data, t[i].data, u->nbytes) == 0);
		for (int d = 0; d < 4; d++)
			CHECK(u->shape[d] == (d < t[i].ndim ? t[i].shape[d] : 1));
	}
	CHECK(rec_st_find(st, "user_ids") == &st->t[1]);
	CHECK(rec_st_find(st, "nope") == NULL);
	CHECK(strcmp(rec_st_meta(st, "model"), "mf") == 0);
	CHECK(rec_st_meta(st, "nope") == NULL);

	/* Writing what was read gives the same bytes. */
	free(b);
	b = write_mem(st->t, st->nt, (const char *const *)st->meta_key,
	              (const char *const *)st->meta_val, 3, &len2, &err);
	CHECK(b && len2 == len && memcmp(a, b, len) == 0);
	rec_st_free(st);
	rec_st_free(NULL);
	free(a), free(b);
}

/* Byte-identical to the file make-fixtures.py writes (which a plain
 * json+struct reader reads back). */
TEST(st_write_golden)
{
	struct rec_tensor t[5];
	struct rec_err err = { 0 };
	size_t len = 0, glen = 0;
	char *golden = slurp(FIXTURES "/st/good.st", &glen);

	good_tensors(t);
	char *a = write_mem(t, 5, good_key, good_val, 3, &len, &err);
	CHECK(golden && a);
	CHECK(a && golden && len == glen && memcmp(a, golden, len) == 0);
	free(a);
	free(golden);
}

TEST(st_load_fp)
{
	struct rec_tensor t[5];
	struct rec_err err = { 0 };
	struct rec_st *st = NULL;
	size_t len;
	FILE *fp;

	good_tensors(t);
	char *a = write_mem(t, 5, good_key, good_val, 3, &len, &err);
	fp = fmemopen(a, len, "r");
	CHECK(rec_st_load_fp(&st, fp, "<stdin>", &err) == 0);
	fclose(fp);
	CHECK(st && st->nt == 5 && strcmp(st->name, "<stdin>") == 0);
	CHECK(st && memcmp(rec_st_find(st, "P")->data, pv, sizeof pv) == 0);
	rec_st_free(st);

	fp = fopen(FIXTURES "/st/good.st", "r");
	CHECK(fp && rec_st_load_fp(&st, fp, "good.st", &err) == 0);
	CHECK(st && st->nt == 5 && rec_st_find(st, "mu")->ndim == 0);
	if (fp)
		fclose(fp);
	rec_st_free(st);

	/* A read error is not taken for the end of the file. */
	fp = fopen(FIXTURES, "r");
	CHECK(fp && rec_st_load_fp(&st, fp, "dir", &err) == -1 && st == NULL);
	CHECK(strcmp(err.msg, "Is a directory") == 0 && err.sys != 0);
	if (fp)
		fclose(fp);
	free(a);
}

TEST(st_unaligned_offsets)
{
	/* An I64 at file data offset 12: copied to an aligned place. */
	unsigned char data[20];
	float f[3] = { 1, 2, 3 };
	int64_t v = -123456789012345, got;
	struct rec_st *st;

	memcpy(data, f, 12);
	memcpy(data + 12, &v, 8);
	st = loads("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
	           "\"id\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[12,20]}}",
	           data, sizeof data);
	CHECK(st != NULL);
	if (!st)
		return;
	const struct rec_tensor *id = rec_st_find(st, "id");
	CHECK((uintptr_t)id->data % 8 == 0);
	memcpy(&got, id->data, 8);
	CHECK(got == v);
	CHECK(memcmp(rec_st_find(st, "w")->data, f, 12) == 0);
	rec_st_free(st);
}

TEST(st_good_edge_cases)
{
	struct rec_st *st;

	/* No tensors; empty metadata; padding; header order != data order;
	 * two empty tensors at one offset; a scalar. */
	CHECK((st = loads("{}", NULL, 0)) && st->nt == 0 && st->nmeta == 0);
	rec_st_free(st);
	CHECK((st = loads("{\"__metadata__\":{}}   \n", NULL, 0)) && st->nt == 0);
	rec_st_free(st);
	unsigned char d[36];
	memcpy(d, p24, 24);
	memcpy(d + 24, p24, 12);
	st = loads("{\"Q\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]},"
	           P32 ",\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[24,24]},"
	           "\"e2\":{\"shape\":[3,0],\"data_offsets\":[24,24],\"dtype\":\"F32\"},"
	           "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}", d, 36);
	CHECK(st && st->nt == 5);
	if (st) {
		CHECK(strcmp(st->t[0].name, "Q") == 0 && strcmp(st->t[1].name, "P") == 0);
		CHECK(rec_st_find(st, "e")->nbytes == 0);
		CHECK(rec_st_find(st, "s")->ndim == 0 && rec_st_find(st, "s")->nbytes == 4);
		CHECK(memcmp(rec_st_find(st, "P")->data, p24, 24) == 0);
	}
	rec_st_free(st);
	/* A 63-byte name is fine. */
	st = loads("{\"123456789012345678901234567890123456789012345678901234567890123\":"
	           "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", p24, 4);
	CHECK(st && strlen(st->t[0].name) == 63);
	rec_st_free(st);
}

/* ---- one test per reader rule ---- */

TEST(st_bad_sizes)
{
	unsigned char b[16] = { 0 };
	uint64_t n;

	CHECK(fails_buf(b, 0, "truncated: shorter than the 8-byte header length"));
	CHECK(fails_buf(b, 7, "truncated: shorter than the 8-byte header length"));
	n = 4294967296u;
	memcpy(b, &n, 8);
	CHECK(fails_buf(b, 16, "header length 4294967296 exceeds the file size (16)"));
	n = UINT64_MAX;
	memcpy(b, &n, 8);
	CHECK(fails_buf(b, 16, "header length 18446744073709551615 exceeds the file "
	                "size (16)"));
	n = 9;
	memcpy(b, &n, 8);
	CHECK(fails_buf(b, 16, "truncated: header ends at byte 17, file has 16"));
	n = 0;
	memcpy(b, &n, 8);
	CHECK(fails_buf(b, 8, "bad header: does not start with '{'"));

	/* Over the cap: calloc'd pages that are never touched. */
	size_t big = 8 + REC_ST_MAX_HEADER + 1;
	unsigned char *p = calloc(1, big);
	n = REC_ST_MAX_HEADER + 1;
	memcpy(p, &n, 8);
	CHECK(fails_buf(p, big, "header length 100000001 exceeds the limit (100000000)"));
	free(p);
}

TEST(st_bad_json)
{
	CHECK(fails("[1]", NULL, 0, "bad header: does not start with '{'"));
	CHECK(fails(" {}", NULL, 0, "bad header: does not start with '{'"));
	CHECK(fails("{\"P\": nope}", NULL, 0,
	            "bad header: invalid token near 'nope' at byte 18"));
	CHECK(fails("{\"P\":", NULL, 0,
	            "bad header: unexpected token near end of file at byte 13"));
	CHECK(fails("{} x", NULL, 0, "bad header: end of file expected near 'x' at byte 12"));
	CHECK(fails("{\"\xff\": 1}", NULL, 0,
	            "bad header: unable to decode byte 0xff near '\"' at byte 10"));
	CHECK(fails("{\"a\xc3\": 1}", NULL, 0,
	            "bad header: unable to decode byte 0xc3 near '\"a' at byte 11"));
	CHECK(fails("{\"P\":\"a\nb\"}", NULL, 0,
	            "bad header: unexpected newline near '\"a' at byte 15"));
	CHECK(fails("{\"P\":1,\"P\":2}", NULL, 0,
	            "bad header: duplicate object key near '\"P\"'"));
	CHECK(fails("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", NULL, 0,
	            "bad header: duplicate object key near '\"k\"'"));
}

TEST(st_bad_metadata)
{
	CHECK(fails("{\"__metadata__\":\"x\"}", NULL, 0, "__metadata__ is not an object"));
	CHECK(fails("{\"__metadata__\":[]}", NULL, 0, "__metadata__ is not an object"));
	CHECK(fails("{\"__metadata__\":{\"k\":2}}", NULL, 0, "metadata 'k' is not a string"));
	CHECK(fails("{\"__metadata__\":{\"a\":\"\",\"k\":null}}", NULL, 0,
	            "metadata 'k' is not a string"));
}

TEST(st_bad_tensor_entry)
{
#define T(fields) "{\"P\":{" fields "}}"
	CHECK(fails("{\"P\":[0,24]}", p24, 24, "tensor 'P': not an object"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24],\"foo\":1"),
	            p24, 24, "tensor 'P': unknown field 'foo'"));
	CHECK(fails(T("\"shape\":[3,2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': missing field 'dtype'"));
	CHECK(fails(T("\"dtype\":\"F32\",\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': missing field 'shape'"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[3,2]"), p24, 24,
	            "tensor 'P': missing field 'data_offsets'"));
	CHECK(fails(T("\"dtype\":1,\"shape\":[3,2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': dtype is not a string"));
	CHECK(fails(T("\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': dtype F64 not supported (F32, I64)"));
	CHECK(fails(T("\"dtype\":\"BF16\",\"shape\":[12],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': dtype BF16 not supported (F32, I64)"));
	CHECK(fails(T("\"dtype\":\"f32\",\"shape\":[3,2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': dtype f32 not supported (F32, I64)"));
	CHECK(fails("{\"1234567890123456789012345678901234567890123456789012345678901234\":"
	            "{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", p24, 4,
	            "tensor name '1234567890123456789012345678901234567890123456789012345678901234'"
	            " is longer than 63 bytes"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":6,\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': shape is not an array"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[1,1,3,2,1],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': shape has 5 dimensions, at most 4 are supported"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[-3,-2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': shape is not a list of non-negative integers"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[3.0,2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': shape is not a list of non-negative integers"));
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[\"3\",2],\"data_offsets\":[0,24]"), p24, 24,
	            "tensor 'P': shape is not a list of non-negative integers"));
	const char *offs[] = { "0", "[0]", "[0,24,24]", "[-1,23]", "[0,24.0]", "{}", "[0,null]" };
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		char h[200];
		snprintf(h, sizeof h, T("\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":%s"),
		         offs[i]);
		CHECK(fails(h, p24, 24, "tensor 'P': data_offsets is not [begin, end] with "
		            "non-negative integers"));
	}
	CHECK(fails(T("\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[24,0]"), p24, 24,
	            "tensor 'P': data_offsets [24, 0) end before they begin"));
	/* Control bytes in a name are shown as '?', keeping the message on one line. */
	CHECK(fails("{\"a\\nb\":[]}", NULL, 0, "tensor 'a?b': not an object"));
#undef T
}

TEST(st_bad_size_math)
{
	CHECK(fails("{\"P\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],"
	            "\"data_offsets\":[0,24]}}", p24, 24,
	            "tensor 'P': shape [1099511627776, 1099511627776] size overflows"));
	/* The element count fits, the byte count does not. */
	CHECK(fails("{\"P\":{\"dtype\":\"I64\",\"shape\":[4611686018427387904],"
	            "\"data_offsets\":[0,24]}}", p24, 24,
	            "tensor 'P': shape [4611686018427387904] size overflows"));
	/* Overflow before a 0 dimension is still overflow (as safetensors). */
	CHECK(fails("{\"P\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,0],"
	            "\"data_offsets\":[0,0]}}", NULL, 0,
	            "tensor 'P': shape [4294967296, 4294967296, 0] size overflows"));
	CHECK(fails("{\"P\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,20]}}",
	            p24, 20, "tensor 'P': shape [3, 2] F32 needs 24 bytes, range holds 20"));
	CHECK(fails("{\"P\":{\"dtype\":\"I64\",\"shape\":[3,2],\"data_offsets\":[0,24]}}",
	            p24, 24, "tensor 'P': shape [3, 2] I64 needs 48 bytes, range holds 24"));
	CHECK(fails("{\"P\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}",
	            NULL, 0, "tensor 'P': shape [] F32 needs 4 bytes, range holds 0"));
}

TEST(st_bad_ranges)
{
	unsigned char d[48] = { 0 };

#define Q(b, e) ",\"Q\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" #b "," #e "]}"
	CHECK(fails("{\"P\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[4,28]}}",
	            d, 28, "tensor 'P': data_offsets [4, 28) do not start at 0"));
	CHECK(fails("{" P32 Q(28, 36) "}", d, 36,
	            "tensor 'Q': data_offsets [28, 36) do not follow the previous tensor "
	            "(ends at 24)"));
	CHECK(fails("{" P32 Q(20, 28) "}", d, 28,
	            "tensor 'Q': data_offsets [20, 28) do not follow the previous tensor "
	            "(ends at 24)"));
	/* Q first in the header, first in the data: the order is by offset. */
	CHECK(fails("{\"Q\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
	            "\"P\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[4,28]}}",
	            d, 28, "tensor 'P': data_offsets [4, 28) do not follow the previous "
	            "tensor (ends at 8)"));
	/* Same range twice. */
	CHECK(fails("{" P32 ",\"R\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
	            d, 24, "tensor 'R': data_offsets [0, 24) do not follow the previous "
	            "tensor (ends at 24)"));
#undef Q
}

TEST(st_bad_file_length)
{
	unsigned char d[48] = { 0 };
	size_t len;
	unsigned char *b = image("{" P32 "}", d, 24, &len);

	/* Cut at every length: never a crash, always a precise message. */
	CHECK(fails_buf(b, len - 1, "truncated: tensor 'P' ends at byte 89, file has 88"));
	CHECK(fails_buf(b, 72, "truncated: tensor 'P' ends at byte 89, file has 72"));
	for (size_t cut = 0; cut < len; cut++) {
		struct rec_err err = { 0 };
		struct rec_st *st = NULL;
		CHECK(rec_st_load_mem(&st, b, cut, "m.st", &err) == -1 && !st);
		CHECK(strncmp(err.msg, "truncated: ", 11) == 0 ||
		      strncmp(err.msg, "header length ", 14) == 0);
	}
	free(b);
	CHECK(fails("{" P32 "}", d, 25, "1 byte after the last tensor"));
	CHECK(fails("{" P32 "}", d, 40, "16 bytes after the last tensor"));
	CHECK(fails("{}", d, 1, "1 byte after the header"));
	CHECK(fails("{" P32 ",\"Q\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[24,32]}}",
	            d, 20, "truncated: tensor 'P' ends at byte 144, file has 140"));
}

TEST(st_bad_values)
{
	const uint32_t bad[] = { 0x7fc00000u, 0x7f800000u, 0xff800000u, 0x7f800001u };
	unsigned char d[24];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(d, p24, 24);
		memcpy(d + 20, &bad[i], 4);
		CHECK(fails("{" P32 "}", d, 24, "tensor 'P' has non-finite values"));
		/* The same bytes as I64 are plain numbers. */
		struct rec_st *st = loads("{\"P\":{\"dtype\":\"I64\",\"shape\":[3],"
		                          "\"data_offsets\":[0,24]}}", d, 24);
		CHECK(st != NULL);
		rec_st_free(st);
	}
}

TEST(st_checksum)
{
	char h[300];
	uint32_t crc = rec_st_crc32(0, p24, 24);
	struct rec_st *st;
	unsigned char d[24];

	snprintf(h, sizeof h, "{\"__metadata__\":{\"crc32\":\"%08x\"}," P32 "}", (unsigned)crc);
	CHECK((st = loads(h, p24, 24)) != NULL);
	rec_st_free(st);
	memcpy(d, p24, 24);
	d[5] ^= 0x10;
	char msg[100];
	snprintf(msg, sizeof msg, "checksum mismatch (metadata crc32 %08x, data %08x)",
	         (unsigned)crc, (unsigned)rec_st_crc32(0, d, 24));
	CHECK(fails(h, d, 24, msg));
	const char *badcrc[] = { "ABCDEF01", "abcdef0", "abcdef012", "", "abcdefg1", " abcdef0" };
	for (size_t i = 0; i < sizeof badcrc / sizeof badcrc[0]; i++) {
		snprintf(h, sizeof h, "{\"__metadata__\":{\"crc32\":\"%s\"}," P32 "}", badcrc[i]);
		snprintf(msg, sizeof msg, "metadata 'crc32' = '%s' is not 8 lowercase hex "
		         "digits", badcrc[i]);
		CHECK(fails(h, p24, 24, msg));
	}
	/* The checksum is checked before the values: a flipped exponent bit
	 * is a checksum mismatch when there is a checksum. */
	uint32_t nan = 0x7fc00000u;
	snprintf(h, sizeof h, "{\"__metadata__\":{\"crc32\":\"%08x\"}," P32 "}", (unsigned)crc);
	memcpy(d, p24, 24);
	memcpy(d, &nan, 4);
	snprintf(msg, sizeof msg, "checksum mismatch (metadata crc32 %08x, data %08x)",
	         (unsigned)crc, (unsigned)rec_st_crc32(0, d, 24));
	CHECK(fails(h, d, 24, msg));
}

/* ---- model-level checks ---- */

static struct rec_st *
model(const char *format, const char *kind, const char *k)
{
	char h[400];

	snprintf(h, sizeof h, "{\"__metadata__\":{\"format\":\"%s\",\"model\":\"%s\","
	         "\"k\":\"%s\"}," P32 "}", format, kind, k);
	return loads(h, p24, 24);
}

static int
err_is(const struct rec_err *err, const char *msg)
{
	int ok = strcmp(err->msg, msg) == 0 && strcmp(err->file, "m.st") == 0 &&
	         err->line == 0;

	if (!ok)
		fprintf(stderr, "  got '%s: %s', want '%s'\n", err->file, err->msg, msg);
	return ok;
}

TEST(st_expect)
{
	struct rec_err err = { 0 };
	struct rec_st *st = model("rec-model/1", "lstm", "2");

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(rec_st_expect(st, "rec-model/1", "lstm", &err) == 0);
	CHECK(rec_st_expect(st, "rec-model/1", NULL, &err) == 0);
	CHECK(rec_st_expect(st, "rec-model/1", "mf", &err) == -1);
	CHECK(err_is(&err, "is an 'lstm' model, expected 'mf'"));
	CHECK(rec_st_expect(st, "rec-graph/1", NULL, &err) == -1);
	CHECK(err_is(&err, "format is 'rec-model/1', expected 'rec-graph/1'"));
	rec_st_free(st);
	st = loads("{\"__metadata__\":{\"model\":\"mf\"}}", NULL, 0);
	CHECK(rec_st_expect(st, "rec-model/1", "mf", &err) == -1);
	CHECK(err_is(&err, "missing metadata 'format'"));
	rec_st_free(st);
	st = loads("{\"__metadata__\":{\"format\":\"rec-model/1\"}}", NULL, 0);
	CHECK(rec_st_expect(st, "rec-model/1", "mf", &err) == -1);
	CHECK(err_is(&err, "missing metadata 'model'"));
	rec_st_free(st);
}

TEST(st_tensor_check)
{
	struct rec_err err = { 0 };
	const struct rec_tensor *t = NULL;
	struct rec_st *st = model("rec-model/1", "mf", "2");
	const int64_t want[2] = { 3, 2 }, any_rows[2] = { -1, 2 }, wrong[2] = { 3, 32 };

	CHECK(st != NULL);
	if (!st)
		return;
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 2, want, &err) == 0 && t == &st->t[0]);
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 2, any_rows, &err) == 0);
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 2, NULL, &err) == 0);
	CHECK(rec_st_tensor(&t, st, "Q", REC_F32, 2, want, &err) == -1 && t == NULL);
	CHECK(err_is(&err, "missing tensor 'Q'"));
	CHECK(rec_st_tensor(&t, st, "P", REC_I64, 2, want, &err) == -1);
	CHECK(err_is(&err, "tensor 'P' is F32, expected I64"));
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 2, wrong, &err) == -1);
	CHECK(err_is(&err, "tensor 'P' has shape [3, 2], expected [3, 32]"));
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 1, any_rows, &err) == -1);
	CHECK(err_is(&err, "tensor 'P' has shape [3, 2], expected [*]"));
	CHECK(rec_st_tensor(&t, st, "P", REC_F32, 0, NULL, &err) == -1);
	CHECK(err_is(&err, "tensor 'P' has shape [3, 2], expected []"));
	rec_st_free(st);
}

TEST(st_meta_count)
{
	const char *bad[] = { "abc", "-3", "1e9", "0", "4097", "", " 3", "3 ", "+3",
	                      "99999999999999999999" };
	struct rec_err err = { 0 };
	struct rec_st *st;
	char msg[200];
	long v = 0;

	st = model("rec-model/1", "mf", "4096");
	CHECK(st && rec_st_meta_count(&v, st, "k", 1, 4096, &err) == 0 && v == 4096);
	CHECK(st && rec_st_meta_count(&v, st, "dim", 1, 4096, &err) == -1);
	CHECK(err_is(&err, "missing metadata 'dim'"));
	rec_st_free(st);
	st = model("rec-model/1", "mf", "007");
	CHECK(st && rec_st_meta_count(&v, st, "k", 1, 4096, &err) == 0 && v == 7);
	rec_st_free(st);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		st = model("rec-model/1", "mf", bad[i]);
		CHECK(st && rec_st_meta_count(&v, st, "k", 1, 4096, &err) == -1);
		snprintf(msg, sizeof msg, "metadata 'k' = '%s' is not an integer "
		         "in [1, 4096]", bad[i]);
		CHECK(err_is(&err, msg));
		rec_st_free(st);
	}
}

/* ---- the writer's own checks ---- */

TEST(st_write_errors)
{
	struct rec_tensor t[5], u[2];
	struct rec_err err = { 0 };
	size_t len;
	const char *const k2[] = { "k", "k" }, *const v2[] = { "1", "2" };
	const char *const kc[] = { "crc32" }, *const vbad[] = { "\xff" };

	good_tensors(t);
	memcpy(u, t, sizeof u);
	strcpy(u[1].name, "user_ids");
	CHECK(!write_mem(u, 2, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "duplicate tensor 'user_ids'"));
	memcpy(u, t, sizeof u);
	u[1].nbytes = 8;
	CHECK(!write_mem(u, 2, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "tensor 'item_ids': shape and dtype need 16 bytes, nbytes is 8"));
	memcpy(u, t, sizeof u);
	strcpy(u[0].name, "__metadata__");
	CHECK(!write_mem(u, 1, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "tensor name '__metadata__' is reserved"));
	memcpy(u, t, sizeof u);
	memset(u[0].name, 'a', sizeof u[0].name);
	CHECK(!write_mem(u, 1, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "tensor name is longer than 63 bytes"));
	memcpy(u, t, sizeof u);
	u[0].ndim = 5;
	CHECK(!write_mem(u, 1, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "tensor 'user_ids': 5 dimensions, at most 4 are supported"));
	memcpy(u, t, sizeof u);
	u[0].dtype = (enum rec_dtype)3;
	CHECK(!write_mem(u, 1, NULL, NULL, 0, &len, &err));
	CHECK(err_is(&err, "tensor 'user_ids': unknown dtype 3"));
	CHECK(!write_mem(t, 5, k2, v2, 2, &len, &err));
	CHECK(err_is(&err, "duplicate metadata key 'k'"));
	CHECK(!write_mem(t, 5, kc, v2, 1, &len, &err));
	CHECK(err_is(&err, "metadata key 'crc32' is reserved"));
	CHECK(!write_mem(t, 5, k2, vbad, 1, &len, &err));
	CHECK(err_is(&err, "metadata 'k' is not valid UTF-8"));

	/* A write error (unbuffered, so that fwrite sees it). */
	FILE *fp = fopen("/dev/full", "w");
	if (fp) {
		setvbuf(fp, NULL, _IONBF, 0);
		CHECK(rec_st_write(fp, "m.st", t, 5, NULL, NULL, 0, &err) == -1);
		CHECK(err_is(&err, "No space left on device") && err.sys != 0);
		fclose(fp);
	}
}

/* ---- out of memory ---- */

/* Fail the n-th allocation (and, when persistent, every later one) for
 * n = 0, 1, 2, ... until the call completes: every failure must say
 * "out of memory", leak nothing (LeakSanitizer) and leave *out NULL. */
static void
oom_load(int persistent, int via_fp)
{
	struct rec_tensor t[5];
	struct rec_err err = { 0 };
	size_t len;
	long n;

	good_tensors(t);
	char *img = write_mem(t, 5, good_key, good_val, 3, &len, &err);
	CHECK(img != NULL);
	for (n = 0; n < 100000; n++) {
		struct rec_st *st = (struct rec_st *)&err;
		FILE *fp = via_fp ? fmemopen(img, len, "r") : NULL;
		int rc;

		memset(&err, 0, sizeof err);
		rec_alloc_fail_after(n, persistent);
		if (via_fp)
			rc = rec_st_load_fp(&st, fp, "m.st", &err);
		else
			rc = rec_st_load_mem(&st, img, len, "m.st", &err);
		rec_alloc_fail_after(-1, 0);
		if (fp)
			fclose(fp);
		if (rc == 0) {
			CHECK(st->nt == 5 && memcmp(rec_st_find(st, "Q")->data, qv,
			                            sizeof qv) == 0);
			rec_st_free(st);
			break;
		}
		CHECK(st == NULL);
		if (strcmp(err.msg, "out of memory") != 0) {
			fprintf(stderr, "  n = %ld: %s\n", n, err.msg);
			CHECK(!"every failure is out of memory");
			break;
		}
	}
	CHECK(n > 3);   /* jansson's allocations go through the countdown */
	free(img);
}

TEST(st_oom_load_mem)
{
	oom_load(1, 0);
	oom_load(0, 0);
}

TEST(st_oom_load_fp)
{
	oom_load(1, 1);
}

TEST(st_oom_write)
{
	struct rec_tensor t[5];
	struct rec_err err = { 0 };
	size_t len, glen;
	long n;

	good_tensors(t);
	char *golden = write_mem(t, 5, good_key, good_val, 3, &glen, &err);
	for (n = 0; n < 100000; n++) {
		char *buf = NULL;
		FILE *fp = open_memstream(&buf, &len);   /* libc's malloc: not counted */
		int rc;

		rec_alloc_fail_after(n, 1);
		rc = rec_st_write(fp, "m.st", t, 5, good_key, good_val, 3, &err);
		rec_alloc_fail_after(-1, 0);
		fclose(fp);
		if (rc == 0) {
			CHECK(golden && len == glen && memcmp(buf, golden, len) == 0);
			free(buf);
			break;
		}
		free(buf);
		if (strcmp(err.msg, "out of memory") != 0) {
			fprintf(stderr, "  n = %ld: %s\n", n, err.msg);
			CHECK(!"every failure is out of memory");
			break;
		}
	}
	CHECK(n > 3);
	free(golden);
}
