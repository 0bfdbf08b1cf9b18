/*
 * st.c - safetensors read, validate and write (see st.h).
 *
 * The reader follows safetensors' own validate() (tensor.rs): a header
 * size cap, checked size arithmetic, ranges that follow each other from 0
 * and cover the data section exactly.  On top: two dtypes, bounded names,
 * an optional crc32 in the metadata, finite F32 values (STYLE B.1.3).
 * All checks run on the caller's buffer; the one owned block is
 * allocated only when they have passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "rec/st.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "st.c copies tensors in host byte order: it needs a little-endian host"
#endif
#if SIZE_MAX < UINT64_MAX
#error "st.c needs a 64-bit size_t"
#endif

#define NAME_MAX_LEN 63 /* sizeof ((struct rec_tensor *)0)->name - 1 */

/* ---- jansson's allocator ---- */

/*
 * Set when an allocation made by jansson fails.  jansson drops some
 * failures (a token that outgrows its buffer is silently cut short), so
 * its own error code cannot be trusted to say "out of memory": any failed
 * allocation during a call makes that call fail with "out of memory".
 */
static _Thread_local int json_oom;
static pthread_once_t json_once = PTHREAD_ONCE_INIT;

static void *
json_alloc(size_t size)
{
	void *p = rec_malloc(size);

	if (!p)
		json_oom = 1;
	return p;
}

static void
json_setup(void)
{
	json_set_alloc_funcs(json_alloc, rec_free);
}

static void
json_begin(void)
{
	pthread_once(&json_once, json_setup);
	json_oom = 0;
}

/* ---- small helpers ---- */

const char *
rec_st_dtype_name(enum rec_dtype dt)
{
	switch (dt) {
	case REC_F32: return "F32";
	case REC_I64: return "I64";
	}
	return NULL;
}

size_t
rec_st_dtype_size(enum rec_dtype dt)
{
	switch (dt) {
	case REC_F32: return 4;
	case REC_I64: return 8;
	}
	return 0;
}

uint32_t
rec_st_crc32(uint32_t crc, const void *buf, size_t len)
{
	/* Reflected polynomial 0xedb88320, eight bytes a step ("slicing by
	 * 8", 9x the speed of four bits a step, which took 0.3 s of a 59 MB
	 * model's load): t[0][b] is the remainder of byte b, t[j][b] that of
	 * b followed by j zero bytes, made anew each call (microseconds). */
	uint32_t t[8][256];
	const unsigned char *p = buf;

	for (uint32_t b = 0; b < 256; b++) {
		uint32_t c = b;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
		t[0][b] = c;
	}
	for (int j = 1; j < 8; j++)
		for (int b = 0; b < 256; b++)
			t[j][b] = (t[j - 1][b] >> 8) ^ t[0][t[j - 1][b] & 255];
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = crc ^ (p[0] | (uint32_t)p[1] << 8 |
		                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		uint32_t hi = p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
		              (uint32_t)p[7] << 24;
		crc = t[7][lo & 255] ^ t[6][(lo >> 8) & 255] ^
		      t[5][(lo >> 16) & 255] ^ t[4][lo >> 24] ^ t[3][hi & 255] ^
		      t[2][(hi >> 8) & 255] ^ t[1][(hi >> 16) & 255] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 255];
	return ~crc;
}

/* s for a message: shortened, control bytes as '?'. */
static const char *
q(char *buf, size_t cap, const char *s)
{
	return rec_quote(buf, cap, s, strlen(s));
}

/* "[610, 32]"; -1 is shown as '*', a scalar as "[]". */
static const char *
fmt_shape(char *buf, size_t cap, int ndim, const int64_t *shape)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, cap, "[");
	for (int i = 0; i < ndim && n < cap; i++) {
		const char *sep = i ? ", " : "";
		if (shape[i] < 0)
			n += (size_t)snprintf(buf + n, cap - n, "%s*", sep);
		else
			n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64,
			                      sep, shape[i]);
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "]");
	return buf;
}

static size_t
round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* ---- reading ---- */

/* A tensor entry of the header, checked but not yet placed. */
struct ent {
	const char *name; /* the JSON key; lives in the parsed root */
	enum rec_dtype dtype;
	int ndim;
	int64_t shape[4];
	uint64_t begin, end; /* data_offsets */
	size_t idx; /* position among the tensors in the header */
};

/* 0 when v is a JSON integer >= 0, stored in *out. */
static int
get_count(json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
parse_tensor(struct ent *e, const char *key, json_t *v, const char *name,
             struct rec_err *err)
{
	json_t *f, *dtype = NULL, *shape = NULL, *offs = NULL;
	char qn[80], qs[40], sh[128];
	uint64_t count = 1, bytes, dim;
	const char *k, *s;
	size_t dsize;

	q(qn, sizeof qn, key);
	if (strlen(key) > NAME_MAX_LEN)
		return rec_errf(err, name, 0,
		                "tensor name '%s' is longer than %d bytes", qn,
		                NAME_MAX_LEN);
	if (!json_is_object(v))
		return rec_errf(err, name, 0, "tensor '%s': not an object", qn);
	json_object_foreach(v, k, f) {
		if (strcmp(k, "dtype") == 0)
			dtype = f;
		else if (strcmp(k, "shape") == 0)
			shape = f;
		else if (strcmp(k, "data_offsets") == 0)
			offs = f;
		else
			return rec_errf(err, name, 0,
			                "tensor '%s': unknown field '%s'", qn,
			                q(qs, sizeof qs, k));
	}
	if (!dtype || !shape || !offs)
		return rec_errf(err, name, 0, "tensor '%s': missing field '%s'",
		                qn, !dtype ? "dtype" : !shape ? "shape"
		                                              : "data_offsets");

	if (!json_is_string(dtype))
		return rec_errf(err, name, 0,
		                "tensor '%s': dtype is not a string", qn);
	s = json_string_value(dtype);
	if (strcmp(s, "F32") == 0)
		e->dtype = REC_F32;
	else if (strcmp(s, "I64") == 0)
		e->dtype = REC_I64;
	else
		return rec_errf(err, name, 0,
		                "tensor '%s': dtype %s not supported (F32, I64)",
		                qn, q(qs, sizeof qs, s));

	if (!json_is_array(shape))
		return rec_errf(err, name, 0,
		                "tensor '%s': shape is not an array", qn);
	if (json_array_size(shape) > 4)
		return rec_errf(err, name, 0,
		                "tensor '%s': shape has %zu dimensions, "
		                "at most 4 are supported",
		                qn, json_array_size(shape));
	e->ndim = (int)json_array_size(shape);
	for (int i = 0; i < 4; i++) {
		if (i >= e->ndim) {
			e->shape[i] = 1;
			continue;
		}
		if (get_count(json_array_get(shape, (size_t)i), &dim) != 0)
			return rec_errf(err, name, 0, "tensor '%s': shape is "
			                "not a list of non-negative integers", qn);
		e->shape[i] = (int64_t)dim;
	}

	if (!json_is_array(offs) || json_array_size(offs) != 2 ||
	    get_count(json_array_get(offs, 0), &e->begin) != 0 ||
	    get_count(json_array_get(offs, 1), &e->end) != 0)
		return rec_errf(err, name, 0, "tensor '%s': data_offsets is "
		                "not [begin, end] with non-negative integers", qn);
	if (e->end < e->begin)
		return rec_errf(err, name, 0,
		                "tensor '%s': data_offsets [%" PRIu64
		                ", %" PRIu64 ") end before they begin",
		                qn, e->begin, e->end);

	/* safetensors' checked_mul fold: overflow is an error even when a
	 * later dimension is 0. */
	dsize = rec_st_dtype_size(e->dtype);
	fmt_shape(sh, sizeof sh, e->ndim, e->shape);
	for (int i = 0; i < e->ndim; i++)
		if (__builtin_mul_overflow(count, (uint64_t)e->shape[i],
		                           &count))
			return rec_errf(err, name, 0,
			                "tensor '%s': shape %s size overflows",
			                qn, sh);
	if (__builtin_mul_overflow(count, (uint64_t)dsize, &bytes))
		return rec_errf(err, name, 0,
		                "tensor '%s': shape %s size overflows", qn, sh);
	if (bytes != e->end - e->begin)
		return rec_errf(err, name, 0,
		                "tensor '%s': shape %s %s needs %" PRIu64
		                " bytes, range holds %" PRIu64,
		                qn, sh, s, bytes, e->end - e->begin);
	e->name = key;
	return 0;
}

/* Check "__metadata__" (meta may be NULL); count its pairs and the bytes
 * of its strings with their NULs. */
static int
check_meta(json_t *meta, size_t *nmeta, size_t *strbytes, const char *name,
           struct rec_err *err)
{
	const char *k;
	char qk[80];
	json_t *v;

	*nmeta = 0;
	*strbytes = 0;
	if (!meta)
		return 0;
	if (!json_is_object(meta))
		return rec_errf(err, name, 0, "__metadata__ is not an object");
	json_object_foreach(meta, k, v) {
		if (!json_is_string(v))
			return rec_errf(err, name, 0,
			                "metadata '%s' is not a string",
			                q(qk, sizeof qk, k));
		/* Bounded by the header size, itself at most 100 MB. */
		*strbytes += strlen(k) + 1 + json_string_length(v) + 1;
		(*nmeta)++;
	}
	return 0;
}

static int
by_offset(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* ents sorted by offset must tile data[0..dlen) exactly.  hend is the
 * file offset of the data section, for messages. */
static int
check_ranges(const struct ent *ents, size_t nt, uint64_t dlen, uint64_t hend,
             const char *name, struct rec_err *err)
{
	uint64_t prev = 0;
	char qn[80];

	for (size_t k = 0; k < nt; k++) {
		const struct ent *e = &ents[k];
		if (e->begin == prev) {
			prev = e->end;
			continue;
		}
		q(qn, sizeof qn, e->name);
		if (k == 0)
			return rec_errf(err, name, 0,
			                "tensor '%s': data_offsets [%" PRIu64
			                ", %" PRIu64 ") do not start at 0",
			                qn, e->begin, e->end);
		return rec_errf(err, name, 0,
		                "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64
		                ") do not follow the previous tensor (ends at %"
		                PRIu64 ")", qn, e->begin, e->end, prev);
	}
	for (size_t k = 0; k < nt; k++)
		if (ents[k].end > dlen)
			return rec_errf(err, name, 0,
			                "truncated: tensor '%s' ends at "
			                "byte %" PRIu64 ", file has %" PRIu64,
			                q(qn, sizeof qn, ents[k].name),
			                hend + ents[k].end, hend + dlen);
	if (prev < dlen)
		return rec_errf(err, name, 0, "%" PRIu64 " byte%s after the %s",
		                dlen - prev, dlen - prev == 1 ? "" : "s",
		                nt ? "last tensor" : "header");
	return 0;
}

/* The optional checksum, then finite F32 values. */
static int
check_data(json_t *meta, const struct ent *ents, size_t nt,
           const unsigned char *data, size_t dlen, const char *name,
           struct rec_err *err)
{
	json_t *v = meta ? json_object_get(meta, "crc32") : NULL;
	char qs[40], qn[80];

	if (v) {
		const char *s = json_string_value(v);
		uint32_t want = 0, got;
		size_t i;

		for (i = 0; s[i]; i++) {
			char c = s[i];
			if (i == 8 ||
			    !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				break;
			want = want << 4 |
			       (uint32_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		if (i != 8 || s[i] != '\0')
			return rec_errf(err, name, 0,
			                "metadata 'crc32' = '%s' is not 8 "
			                "lowercase hex digits",
			                q(qs, sizeof qs, s));
		got = rec_st_crc32(0, data, dlen);
		if (got != want)
			return rec_errf(err, name, 0, "checksum mismatch "
			                "(metadata crc32 %s, data %08" PRIx32 ")",
			                s, got);
	}
	for (size_t k = 0; k < nt; k++) {
		const unsigned char *p = data + ents[k].begin;
		size_t n = (size_t)(ents[k].end - ents[k].begin) / 4;
		uint32_t u;

		if (ents[k].dtype != REC_F32)
			continue;
		for (size_t i = 0; i < n; i++) {
			/* memcpy: the file's offsets need not be aligned */
			memcpy(&u, p + 4 * i, 4);
			if ((u & 0x7f800000u) == 0x7f800000u)
				return rec_errf(err, name, 0,
				                "tensor '%s' has non-finite values",
				                q(qn, sizeof qn, ents[k].name));
		}
	}
	return 0;
}

/* *sum += n; 0 on overflow. */
static int
add_ok(size_t *sum, size_t n)
{
	return !__builtin_add_overflow(*sum, n, sum);
}

/* Allocate the one block and copy everything into it. */
static struct rec_st *
build(json_t *meta, const struct ent *ents, size_t nt, size_t nmeta,
      size_t strbytes, const unsigned char *data, const char *name)
{
	size_t ot, op, od, os, total, ptrs, tens;
	struct rec_st *st;
	const char *key;
	char *base, *s;
	json_t *v;

	ot = round8(sizeof *st);
	if (!rec_mul_ok(nt, sizeof *st->t, &tens) ||
	    !rec_mul_ok(nmeta, 2 * sizeof(char *), &ptrs))
		return NULL;
	total = ot;
	if (!add_ok(&total, tens))
		return NULL;
	op = total;
	if (!add_ok(&total, ptrs))
		return NULL;
	od = total;
	for (size_t k = 0; k < nt; k++)
		if (!add_ok(&total,
		            round8((size_t)(ents[k].end - ents[k].begin))))
			return NULL;
	os = total;
	if (!add_ok(&total, strbytes) || !add_ok(&total, strlen(name) + 1))
		return NULL;
	if (!(base = rec_malloc(total)))
		return NULL;

	st = (struct rec_st *)base;
	st->nt = nt;
	st->t = (struct rec_tensor *)(base + ot);
	st->nmeta = nmeta;
	st->meta_key = (char **)(base + op);
	st->meta_val = st->meta_key + nmeta;

	/* Data in file order, each tensor at a multiple of 8. */
	char *d = base + od;
	for (size_t k = 0; k < nt; k++) {
		const struct ent *e = &ents[k];
		struct rec_tensor *t = &st->t[e->idx];
		memset(t, 0, sizeof *t);
		memcpy(t->name, e->name, strlen(e->name) + 1);
		t->dtype = e->dtype;
		t->ndim = e->ndim;
		memcpy(t->shape, e->shape, sizeof t->shape);
		t->nbytes = (size_t)(e->end - e->begin);
		t->data = d;
		memcpy(d, data + e->begin, t->nbytes);
		d += round8(t->nbytes);
	}

	s = base + os;
	size_t i = 0;
	if (meta) {
		json_object_foreach(meta, key, v) {
			size_t kl = strlen(key) + 1,
			       vl = json_string_length(v) + 1;
			st->meta_key[i] = memcpy(s, key, kl);
			s += kl;
			st->meta_val[i] = memcpy(s, json_string_value(v), vl);
			s += vl;
			i++;
		}
	}
	st->name = memcpy(s, name, strlen(name) + 1);
	return st;
}

int
rec_st_load_mem(struct rec_st **out, const void *buf, size_t len,
                const char *name, struct rec_err *err)
{
	const unsigned char *p = buf;
	json_t *root = NULL, *meta, *v;
	struct ent *ents = NULL;
	size_t nt, nmeta, strbytes, i;
	char qt[JSON_ERROR_TEXT_LENGTH];
	const char *key;
	json_error_t je;
	uint64_t n, dlen;
	int rc = -1;

	*out = NULL;
	if (len < 8)
		return rec_errf(err, name, 0,
		                "truncated: shorter than the 8-byte header length");
	memcpy(&n, p, 8);
	if (n > len)
		return rec_errf(err, name, 0, "header length %" PRIu64
		                " exceeds the file size (%zu)", n, len);
	if (n > len - 8)
		return rec_errf(err, name, 0, "truncated: header ends at byte %"
		                PRIu64 ", file has %zu", n + 8, len);
	if (n > REC_ST_MAX_HEADER)
		return rec_errf(err, name, 0, "header length %" PRIu64
		                " exceeds the limit (%d)", n, REC_ST_MAX_HEADER);
	if (n == 0 || p[8] != '{')
		return rec_errf(err, name, 0,
		                "bad header: does not start with '{'");
	dlen = len - 8 - n;

	json_begin();
	root = json_loadb((const char *)p + 8, (size_t)n,
	                  JSON_REJECT_DUPLICATES, &je);
	if (json_oom ||
	    (!root && json_error_code(&je) == json_error_out_of_memory)) {
		rc = rec_erroom(err, name);
		goto out;
	}
	if (!root) {
		q(qt, sizeof qt, je.text);
		if (json_error_code(&je) == json_error_duplicate_key)
			rec_errf(err, name, 0, "bad header: %s", qt);
		else
			rec_errf(err, name, 0, "bad header: %s at byte %zu", qt,
			         (size_t)je.position + 8);
		goto out;
	}

	meta = json_object_get(root, "__metadata__");
	if (check_meta(meta, &nmeta, &strbytes, name, err) != 0)
		goto out;
	/* The entry count is bounded by the header size, checked above. */
	nt = json_object_size(root) - (meta != NULL);
	if (!(ents = rec_malloc_array(nt, sizeof *ents))) {
		rc = rec_erroom(err, name);
		goto out;
	}
	i = 0;
	json_object_foreach(root, key, v) {
		if (strcmp(key, "__metadata__") == 0)
			continue;
		if (parse_tensor(&ents[i], key, v, name, err) != 0)
			goto out;
		ents[i].idx = i;
		i++;
	}
	qsort(ents, nt, sizeof *ents, by_offset);
	if (check_ranges(ents, nt, dlen, 8 + n, name, err) != 0 ||
	    check_data(meta, ents, nt, p + 8 + n, (size_t)dlen, name, err) != 0)
		goto out;
	if (!(*out = build(meta, ents, nt, nmeta, strbytes, p + 8 + n, name))) {
		rc = rec_erroom(err, name);
		goto out;
	}
	rc = 0;
out:
	rec_free(ents);
	json_decref(root);
	return rc;
}

int
rec_st_load_fp(struct rec_st **out, FILE *fp, const char *name,
               struct rec_err *err)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 1 << 16, want, got;
	struct stat sb;
	int rc;

	*out = NULL;
	/* A regular file is read in one piece; a pipe grows the buffer. */
	if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    sb.st_size > 0)
		cap = (size_t)sb.st_size + 1;
	for (;;) {
		if (!buf || len == cap) {
			size_t ncap = cap;
			if (buf && !rec_mul_ok(cap, 2, &ncap)) {
				rec_free(buf);
				return rec_erroom(err, name);
			}
			if (!(nb = rec_realloc(buf, ncap))) {
				rec_free(buf);
				return rec_erroom(err, name);
			}
			buf = nb;
			cap = ncap;
		}
		want = cap - len;
		got = fread(buf + len, 1, want, fp);
		len += got;
		if (got < want)
			break;
	}
	if (ferror(fp))
		rc = rec_errsys(err, name);
	else
		rc = rec_st_load_mem(out, buf, len, name, err);
	rec_free(buf);
	return rc;
}

void
rec_st_free(struct rec_st *st)
{
	rec_free(st); /* one block */
}

const char *
rec_st_meta(const struct rec_st *st, const char *key)
{
	for (size_t i = 0; i < st->nmeta; i++)
		if (strcmp(st->meta_key[i], key) == 0)
			return st->meta_val[i];
	return NULL;
}

const struct rec_tensor *
rec_st_find(const struct rec_st *st, const char *name)
{
	for (size_t i = 0; i < st->nt; i++)
		if (strcmp(st->t[i].name, name) == 0)
			return &st->t[i];
	return NULL;
}

/* ---- checks for model loaders ---- */

int
rec_st_expect(const struct rec_st *st, const char *format, const char *model,
              struct rec_err *err)
{
	const char *f = rec_st_meta(st, "format"), *m;
	char qs[40];

	if (!f)
		return rec_errf(err, st->name, 0, "missing metadata 'format'");
	if (strcmp(f, format) != 0)
		return rec_errf(err, st->name, 0,
		                "format is '%s', expected '%s'",
		                q(qs, sizeof qs, f), format);
	if (!model)
		return 0;
	if (!(m = rec_st_meta(st, "model")))
		return rec_errf(err, st->name, 0, "missing metadata 'model'");
	if (strcmp(m, model) != 0)
		return rec_errf(err, st->name, 0,
		                "is an '%s' model, expected '%s'",
		                q(qs, sizeof qs, m), model);
	return 0;
}

int
rec_st_tensor(const struct rec_tensor **out, const struct rec_st *st,
              const char *name, enum rec_dtype dt, int ndim,
              const int64_t *shape, struct rec_err *err)
{
	const struct rec_tensor *t = rec_st_find(st, name);
	char have[128], want[128];
	int ok;

	*out = NULL;
	if (!t)
		return rec_errf(err, st->name, 0, "missing tensor '%s'", name);
	if (t->dtype != dt)
		return rec_errf(err, st->name, 0,
		                "tensor '%s' is %s, expected %s", name,
		                rec_st_dtype_name(t->dtype),
		                rec_st_dtype_name(dt));
	ok = t->ndim == ndim;
	for (int i = 0; ok && shape && i < ndim; i++)
		if (shape[i] >= 0 && shape[i] != t->shape[i])
			ok = 0;
	if (!ok) {
		static const int64_t any[4] = { -1, -1, -1, -1 };
		fmt_shape(have, sizeof have, t->ndim, t->shape);
		fmt_shape(want, sizeof want, ndim > 4 ? 4 : ndim,
		          shape ? shape : any);
		return rec_errf(err, st->name, 0,
		                "tensor '%s' has shape %s, expected %s", name,
		                have, want);
	}
	*out = t;
	return 0;
}

int
rec_st_meta_count(long *out, const struct rec_st *st, const char *key, long min,
                  long max, struct rec_err *err)
{
	const char *s = rec_st_meta(st, key);
	uint64_t v;
	char qs[40];

	if (!s)
		return rec_errf(err, st->name, 0, "missing metadata '%s'", key);
	if (min < 0 || max < min ||
	    rec_parse_u64(s, strlen(s), (uint64_t)max, &v) != 0 || v < (uint64_t)min)
		return rec_errf(err, st->name, 0, "metadata '%s' = '%s' is not "
		                "an integer in [%ld, %ld]", key,
		                q(qs, sizeof qs, s), min, max);
	*out = (long)v;
	return 0;
}

/* ---- writing ---- */

/* *out = the JSON entry of tensor t at data offset off.  Returns 0 or -1
 * with err filled. */
static int
tensor_entry(json_t **out, const struct rec_tensor *t, uint64_t off,
             const char *name, struct rec_err *err)
{
	const char *dt = rec_st_dtype_name(t->dtype);
	json_t *o, *shape, *offs;
	uint64_t count = 1, bytes;
	char qn[80];

	*out = NULL;
	if (!memchr(t->name, '\0', sizeof t->name))
		return rec_errf(err, name, 0,
		                "tensor name is longer than %d bytes",
		                NAME_MAX_LEN);
	q(qn, sizeof qn, t->name);
	if (strcmp(t->name, "__metadata__") == 0)
		return rec_errf(err, name, 0,
		                "tensor name '__metadata__' is reserved");
	if (!dt)
		return rec_errf(err, name, 0, "tensor '%s': unknown dtype %d",
		                qn, (int)t->dtype);
	if (t->ndim < 0 || t->ndim > 4)
		return rec_errf(err, name, 0, "tensor '%s': %d dimensions, at "
		                "most 4 are supported", qn, t->ndim);
	for (int i = 0; i < t->ndim; i++)
		if (t->shape[i] < 0 ||
		    __builtin_mul_overflow(count, (uint64_t)t->shape[i],
		                           &count))
			return rec_errf(err, name, 0, "tensor '%s': bad shape",
			                qn);
	if (__builtin_mul_overflow(count, (uint64_t)rec_st_dtype_size(t->dtype),
	                           &bytes) ||
	    bytes != t->nbytes)
		return rec_errf(err, name, 0, "tensor '%s': shape and dtype "
		                "need %" PRIu64 " bytes, nbytes is %zu", qn, bytes,
		                t->nbytes);
	if (off > INT64_MAX - bytes)
		return rec_errf(err, name, 0, "tensor '%s': data too large",
		                qn);

	o = json_object();
	shape = json_array();
	offs = json_array();
	if (o && shape && offs) {
		for (int i = 0; i < t->ndim; i++)
			json_array_append_new(shape, json_integer(t->shape[i]));
		json_array_append_new(offs, json_integer((json_int_t)off));
		json_array_append_new(offs,
		                      json_integer((json_int_t)(off + bytes)));
		json_object_set_new(o, "dtype", json_string(dt));
	}
	/* set_new takes its value even when it fails; json_oom tells whether
	 * any step above failed. */
	json_object_set_new(o, "shape", shape);
	json_object_set_new(o, "data_offsets", offs);
	if (json_oom) {
		json_decref(o);
		return rec_erroom(err, name);
	}
	*out = o;
	return 0;
}

int
rec_st_write(FILE *fp, const char *name, const struct rec_tensor *t, size_t nt,
             const char *const *meta_key, const char *const *meta_val,
             size_t nmeta, struct rec_err *err)
{
	static const char spaces[8] = "       ";
	json_t *root, *meta, *o;
	char *hdr = NULL, crc[9], qk[80];
	uint64_t off = 0, n;
	uint32_t sum = 0;
	size_t hlen, pad;
	int rc = -1;

	json_begin();
	root = json_object();
	meta = json_object();
	/* "__metadata__" first: objects keep their insertion order. */
	if (json_object_set_new(root, "__metadata__", meta) != 0 || json_oom)
		goto oom;
	for (size_t i = 0; i < nmeta; i++) {
		q(qk, sizeof qk, meta_key[i]);
		if (strcmp(meta_key[i], "crc32") == 0) {
			rec_errf(err, name, 0,
			         "metadata key 'crc32' is reserved");
			goto out;
		}
		if (json_object_get(meta, meta_key[i])) {
			rec_errf(err, name, 0, "duplicate metadata key '%s'",
			         qk);
			goto out;
		}
		if (json_object_set_new(meta, meta_key[i],
		                        json_string(meta_val[i])) != 0) {
			if (json_oom)
				goto oom;
			rec_errf(err, name, 0,
			         "metadata '%s' is not valid UTF-8", qk);
			goto out;
		}
	}
	for (size_t i = 0; i < nt; i++) {
		if (tensor_entry(&o, &t[i], off, name, err) != 0)
			goto out;
		if (json_object_get(root, t[i].name)) {
			json_decref(o);
			rec_errf(err, name, 0, "duplicate tensor '%s'",
			         q(qk, sizeof qk, t[i].name));
			goto out;
		}
		if (json_object_set_new(root, t[i].name, o) != 0) {
			if (json_oom)
				goto oom;
			rec_errf(err, name, 0,
			         "tensor name '%s' is not valid UTF-8",
			         q(qk, sizeof qk, t[i].name));
			goto out;
		}
		off += t[i].nbytes;
		sum = rec_st_crc32(sum, t[i].data, t[i].nbytes);
	}
	snprintf(crc, sizeof crc, "%08" PRIx32, sum);
	if (json_object_set_new(meta, "crc32", json_string(crc)) != 0)
		goto oom;
	if (!(hdr = json_dumps(root, JSON_COMPACT)) || json_oom)
		goto oom;

	/* Pad with spaces so that the data starts at a multiple of 8. */
	hlen = strlen(hdr);
	pad = (8 - hlen % 8) % 8;
	n = hlen + pad;
	if (fwrite(&n, 8, 1, fp) != 1 || fwrite(hdr, 1, hlen, fp) != hlen ||
	    fwrite(spaces, 1, pad, fp) != pad) {
		rec_errsys(err, name);
		goto out;
	}
	for (size_t i = 0; i < nt; i++)
		if (t[i].nbytes &&
		    fwrite(t[i].data, 1, t[i].nbytes, fp) != t[i].nbytes) {
			rec_errsys(err, name);
			goto out;
		}
	rc = 0;
	goto out;
oom:
	rec_erroom(err, name);
out:
	rec_free(hdr);
	json_decref(root);
	return rc;
}
