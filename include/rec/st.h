/*
 * st.h - safetensors files: read, validate, write (DESIGN §3, STYLE B.1.3).
 *
 * Layout: an unsigned little-endian u64 N, N bytes of UTF-8 JSON (an
 * object that starts with '{'), then the raw little-endian tensor data.
 * The JSON maps each tensor name to {"dtype", "shape", "data_offsets"}
 * (offsets are [begin, end) into the data section) and may hold
 * "__metadata__", an object of string values.  jansson parses and prints
 * the JSON.
 *
 * The reader trusts nothing: every rule of B.1.3 has its own one-line
 * message naming the file (err->file, line 0) and the tensor; byte
 * positions in messages ("ends at byte 9000", "at byte 37") count from the
 * start of the file, data_offsets are quoted as the file states them.  No
 * allocation is sized by the file before the header size checks pass, and
 * the tensor data is allocated only once every check has passed.  A
 * failing allocation gives -1 with the message "out of memory", and
 * nothing leaks.
 *
 * st.c points jansson's allocator at rec_malloc/rec_free once (so that
 * the allocation countdown reaches into the JSON parser too).  rec_malloc
 * is malloc and rec_free is free, so memory jansson handed out before the
 * switch is still freed correctly; no other module may install different
 * functions with json_set_alloc_funcs.
 */
#ifndef REC_ST_H
#define REC_ST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rec/util.h"

/* The largest JSON header accepted, in bytes (as safetensors). */
#define REC_ST_MAX_HEADER 100000000

/* Element types; the values are never renumbered or reused.  On disk
 * "F32" (IEEE binary32) and "I64" (two's complement), little-endian. */
enum rec_dtype { REC_F32 = 1, REC_I64 = 2 };

struct rec_tensor {
	char name[64];            /* NUL-terminated, at most 63 bytes */
	enum rec_dtype dtype;
	int ndim;                 /* 0..4; 0 is a scalar (one element) */
	int64_t shape[4];         /* row-major; unused dims are 1 */
	void *data;               /* nbytes bytes, 8-byte aligned when loaded */
	size_t nbytes;            /* element count x dtype size */
};

/* A loaded file.  Everything (this struct, the tensors, the strings and
 * the data) lives in one allocation that rec_st_free releases. */
struct rec_st {
	const char *name;         /* the file name given to the loader */
	size_t nt;                /* tensors, in header order */
	struct rec_tensor *t;
	size_t nmeta;             /* metadata pairs, in header order */
	char **meta_key, **meta_val;
};

/* "F32", "I64", or NULL for a value outside the enum. */
const char *rec_st_dtype_name(enum rec_dtype dt);

/* Bytes per element: 4, 8, or 0 for a value outside the enum. */
size_t rec_st_dtype_size(enum rec_dtype dt);

/*
 * Parse and check the safetensors image buf[0..len).  name is the file
 * name for messages ("<stdin>" for standard input).  On success *out is
 * a new struct rec_st that owns copies of everything (buf may be freed at
 * once); the caller frees it with rec_st_free.  Returns 0, or -1 with
 * *out = NULL and err filled.
 *
 * Checked, in order: at least 8 bytes; N <= the file size, 8 + N <= the
 * file size, N <= REC_ST_MAX_HEADER; the header starts with '{' and is
 * JSON without duplicate keys (jansson's message and position);
 * "__metadata__" is an object of strings; every other key is a tensor
 * name shorter than 64 bytes whose value has exactly the fields dtype
 * ("F32" or "I64"), shape (at most 4 non-negative integers) and
 * data_offsets (two non-negative integers, end >= begin); element count x
 * dtype size does not overflow and equals end - begin; sorted by begin,
 * the ranges start at 0 and follow each other with no gap or overlap; the
 * last one ends exactly at the end of the file; metadata "crc32", when
 * present, is 8 lowercase hex digits equal to the CRC-32 of the data
 * section; F32 tensors hold only finite values.
 */
int rec_st_load_mem(struct rec_st **out, const void *buf, size_t len,
                    const char *name, struct rec_err *err);

/* As rec_st_load_mem, on everything that can be read from fp (a regular
 * file or a pipe; read to EOF, not closed).  Holds the file's bytes and
 * the loaded copy at once while loading.  A read error gives -1 with
 * strerror(errno) as the message. */
int rec_st_load_fp(struct rec_st **out, FILE *fp, const char *name,
                   struct rec_err *err);

/* Free st and everything in it.  NULL does nothing. */
void rec_st_free(struct rec_st *st);

/* The value of metadata key, or NULL when absent.  Points into st. */
const char *rec_st_meta(const struct rec_st *st, const char *key);

/* The tensor called name, or NULL.  Points into st. */
const struct rec_tensor *rec_st_find(const struct rec_st *st, const char *name);

/*
 * Write a safetensors file to fp: the tensors t[0..nt) in that order,
 * their data back to back from offset 0; "__metadata__" first, holding
 * meta_key[i] = meta_val[i] for i < nmeta in that order and then "crc32",
 * the CRC-32 of the data section as 8 lowercase hex digits; the header is
 * compact JSON padded with spaces so that the data starts at a multiple
 * of 8.  Identical inputs give identical bytes.  name is the file name
 * for messages.  Each t[i].nbytes must equal its element count x dtype
 * size; names must be unique, shorter than 64 bytes and not
 * "__metadata__"; metadata keys unique and not "crc32"; strings valid
 * UTF-8.  Returns 0, or -1 with err filled (a write error gives
 * strerror(errno)).  The caller flushes fp and checks it
 * (rec_cli_commit): stdio may report a full disk only then.
 */
int rec_st_write(FILE *fp, const char *name, const struct rec_tensor *t,
                 size_t nt, const char *const *meta_key,
                 const char *const *meta_val, size_t nmeta,
                 struct rec_err *err);

/* ---- checks for model and graph loaders ---- */

/*
 * Check metadata "format" equals format ("rec-model/1", "rec-graph/1")
 * and, when model is not NULL, metadata "model" equals model ("mf", ...).
 * Messages: "format is 'rec-graph/1', expected 'rec-model/1'",
 * "is an 'lstm' model, expected 'mf'", "missing metadata 'model'".
 * Returns 0 or -1.
 */
int rec_st_expect(const struct rec_st *st, const char *format,
                  const char *model, struct rec_err *err);

/*
 * Find tensor name and check that it has dtype dt, ndim dimensions and,
 * when shape is not NULL, shape[i] for each i < ndim (-1 matches any
 * size).  On success *out points into st.  Messages: "missing tensor
 * 'item_ids'", "tensor 'P' is I64, expected F32", "tensor 'P' has shape
 * [610, 16], expected [610, 32]" (-1 shown as '*').  Returns 0 or -1.
 */
int rec_st_tensor(const struct rec_tensor **out, const struct rec_st *st,
                  const char *name, enum rec_dtype dt, int ndim,
                  const int64_t *shape, struct rec_err *err);

/*
 * *out = metadata key as an integer in [min, max] (0 <= min), parsed with
 * the strict grammar [0-9]+ (rec_parse_u64).  Messages: "missing metadata
 * 'k'", "metadata 'k' = 'abc' is not an integer in [1, 4096]".  Returns 0
 * or -1.
 */
int rec_st_meta_count(long *out, const struct rec_st *st, const char *key,
                      long min, long max, struct rec_err *err);

/* CRC-32/IEEE (as zlib's crc32) of buf[0..len), continuing from crc:
 * start with crc = 0. */
uint32_t rec_st_crc32(uint32_t crc, const void *buf, size_t len);

#endif
