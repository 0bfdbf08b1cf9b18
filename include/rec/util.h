/*
 * util.h - errors, checked allocation and size arithmetic, strict numbers.
 *
 * The library never prints and never exits: a function that can fail
 * returns -1 and fills a struct rec_err; the programs in cmd/ turn that
 * into "prog: FILE:LINE: what" and an exit status.  Every allocation in
 * lib/ goes through rec_malloc and friends, so that tests can make the
 * N-th allocation fail (rec_alloc_fail_after).
 */
#ifndef REC_UTIL_H
#define REC_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct rec_err {
	char file[256];  /* the name the user gave; "<stdin>" for standard input */
	long line;       /* 1-based line where the bad record starts; 0 = none */
	int sys;         /* errno for system errors, else 0 */
	char msg[256];   /* lower case, no final period */
};

/* Fill e (when not NULL) with file, line and a printf-formatted message.
 * file may be NULL.  Returns -1, so "return rec_errf(...)" reads well. */
int rec_errf(struct rec_err *e, const char *file, long line,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* As rec_errf, with msg = strerror(errno) and sys = errno.  Returns -1. */
int rec_errsys(struct rec_err *e, const char *file);

/* "out of memory" for file.  Returns -1. */
int rec_erroom(struct rec_err *e, const char *file);

/* Allocation; NULL on failure (or when the test countdown says so).
 * rec_free(NULL) does nothing. */
void *rec_malloc(size_t size);
void *rec_calloc(size_t n, size_t size);
void *rec_realloc(void *p, size_t size);
void rec_free(void *p);

/* As rec_calloc, the block starting on a 64-byte cache line. */
void *rec_calloc_lines(size_t n, size_t size);

/* n * size bytes, or NULL if the product overflows or allocation fails. */
void *rec_malloc_array(size_t n, size_t size);
void *rec_realloc_array(void *p, size_t n, size_t size);
/* As rec_malloc_array, without the huge pages the others ask for large
 * blocks: for a block first written in scattered places (a counting
 * sort's output), where each huge page written to would be held whole
 * long before it is filled. */
void *rec_malloc_array_scattered(size_t n, size_t size);
/* Put the pages under a block filled in pieces (grown by realloc) into
 * transparent huge pages now, where it is large and Linux can (6.1 and
 * later; a hint, ignored elsewhere), so that reading it in a random
 * order does not wait on a page-table walk a read. */
void rec_huge_pages_now(void *p, size_t size);

/* *out = a * b; returns 0 if it overflows size_t, else 1. */
int rec_mul_ok(size_t a, size_t b, size_t *out);

/* Test hook: after n more successful allocations every one fails (n < 0:
 * never).  With persistent == 0 only that one allocation fails. */
void rec_alloc_fail_after(long n, int persistent);

/*
 * Strict number grammars.  Each takes the text s of length len (no NUL
 * needed) and returns 0 on success, -1 when the text does not match.
 *   rec_parse_u64:  [0-9]+ , value <= max
 *   rec_parse_dec:  [0-9]+(\.[0-9]+)? , finite (no sign, exponent, nan, inf,
 *                   hex or spaces), of any length (over 511 characters
 *                   it allocates a copy: -1 also when that fails)
 *   rec_parse_real: an optional '-', then [0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?
 *                   or \.[0-9]+ ..., finite; for option and metadata values
 */
int rec_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
int rec_parse_dec(const char *s, size_t len, double *out);
int rec_parse_real(const char *s, double *out);

/* A data-set id (rec_parse_u64 up to INT64_MAX) named what, for file:line
 * messages: "empty user", "user '99999999999999999999' out of range",
 * "user '12x' is not a non-negative integer".  Returns 0 or -1. */
int rec_parse_id(int64_t *out, const char *s, size_t len, const char *what,
                 const char *file, long line, struct rec_err *err);

/* Whether s[0..len) is valid UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF). */
int rec_utf8_valid(const char *s, size_t len);

/* Copy at most cap-1 bytes of s[0..len) into buf for an error message,
 * shortened with "..." and with control bytes and bytes that are not
 * valid UTF-8 shown as '?' (so the message is UTF-8).  Returns buf. */
const char *rec_quote(char *buf, size_t cap, const char *s, size_t len);

#endif
