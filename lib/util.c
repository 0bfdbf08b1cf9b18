/*
 * util.c - errors, the one allocator of lib/, strict number parsing.
 *
 * The allocation countdown is the one mutable global of the library (a
 * test hook, SQLite's fault-injection loop in our size).
 */
#define _DEFAULT_SOURCE   /* MADV_HUGEPAGE */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "rec/util.h"

static long fail_countdown = -1;
static int fail_persistent;

static void
set_file(struct rec_err *e, const char *file, long line)
{
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	e->line = line;
	e->sys = 0;
}

int
rec_errf(struct rec_err *e, const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	set_file(e, file, line);
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int
rec_errsys(struct rec_err *e, const char *file)
{
	int sys = errno;

	if (!e)
		return -1;
	set_file(e, file, 0);
	e->sys = sys;
	snprintf(e->msg, sizeof e->msg, "%s", strerror(sys));
	return -1;
}

int
rec_erroom(struct rec_err *e, const char *file)
{
	return rec_errf(e, file, 0, "out of memory");
}

void
rec_alloc_fail_after(long n, int persistent)
{
	fail_countdown = n;
	fail_persistent = persistent;
}

/* 1 when this allocation must fail. */
static int
injected_failure(void)
{
	if (fail_countdown < 0)
		return 0;
	if (fail_countdown > 0) {
		fail_countdown--;
		return 0;
	}
	if (!fail_persistent)
		fail_countdown = -1;
	return 1;
}

/* Ask for transparent huge pages under a large block (Linux; a hint that
 * may be ignored).  Filling a 25M-rating table otherwise takes 120,000
 * page faults, which cost a third of the read on a virtual machine.  The
 * advice starts at the page that holds the block's start, so it covers
 * the whole of the mapping malloc made for it: advice on part of a
 * mapping splits it in two, and realloc can then no longer grow the
 * block by moving its pages (mremap), only by copying it. */
static void *
huge_pages(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t beg = (uintptr_t)p & ~(page - 1);

	if (p && size >= (8u << 20))
		madvise((void *)beg, (uintptr_t)p + size - beg, MADV_HUGEPAGE);
#else
	(void)size;
#endif
	return p;
}

/* Linux's, where the C library's headers are older than it */
#if defined(__linux__) && !defined(MADV_COLLAPSE)
#define MADV_COLLAPSE 25
#endif

void
rec_huge_pages_now(void *p, size_t size)
{
#ifdef MADV_COLLAPSE
	const uintptr_t huge = 2u << 20;
	uintptr_t beg = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + size) & ~(huge - 1);

	if (p && size >= (8u << 20) && end > beg)
		madvise((void *)beg, end - beg, MADV_COLLAPSE);
#else
	(void)p;
	(void)size;
#endif
}

void *
rec_malloc(size_t size)
{
	if (injected_failure())
		return NULL;
	return huge_pages(malloc(size ? size : 1), size);
}

void *
rec_calloc(size_t n, size_t size)
{
	size_t bytes;

	if (injected_failure())
		return NULL;
	if (!rec_mul_ok(n, size, &bytes))
		return NULL;
	return huge_pages(calloc(n ? n : 1, size ? size : 1), bytes);
}

void *
rec_calloc_lines(size_t n, size_t size)
{
	size_t bytes;
	void *p;

	if (injected_failure())
		return NULL;
	if (!rec_mul_ok(n, size, &bytes) || posix_memalign(&p, 64, bytes ? bytes : 1))
		return NULL;
	return memset(huge_pages(p, bytes), 0, bytes);   /* advice before touch */
}

void *
rec_realloc(void *p, size_t size)
{
	if (injected_failure())
		return NULL;
	return huge_pages(realloc(p, size ? size : 1), size);
}

void
rec_free(void *p)
{
	free(p);
}

int
rec_mul_ok(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

void *
rec_malloc_array(size_t n, size_t size)
{
	size_t bytes;

	if (!rec_mul_ok(n, size, &bytes))
		return NULL;
	return rec_malloc(bytes);
}

void *
rec_malloc_array_scattered(size_t n, size_t size)
{
	size_t bytes;

	if (injected_failure())
		return NULL;
	if (!rec_mul_ok(n, size, &bytes))
		return NULL;
	return malloc(bytes ? bytes : 1);
}

void *
rec_realloc_array(void *p, size_t n, size_t size)
{
	size_t bytes;

	if (!rec_mul_ok(n, size, &bytes))
		return NULL;
	return rec_realloc(p, bytes);
}

/* ---- numbers ---- */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int
rec_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[i] - '0'), &v))
			return -1;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Powers of ten that doubles hold exactly. */
static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int
rec_parse_dec(const char *s, size_t len, double *out)
{
	size_t dot = len;
	uint64_t mant = 0;
	int digits = 0;

	if (len == 0 || !is_digit(s[0]) || !is_digit(s[len - 1]))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.' && dot == len) {
			dot = i;
			continue;
		}
		if (!is_digit(s[i]))
			return -1;
		if (mant == 0 && s[i] == '0')
			continue;	/* leading zeros carry no digits */
		if (++digits <= 15)
			mant = mant * 10 + (uint64_t)(s[i] - '0');
	}
	int frac = dot == len ? 0 : (int)(len - dot - 1);
	if (digits <= 15 && frac < (int)(sizeof pow10_exact / sizeof pow10_exact[0])) {
		/* mant and 10^frac are exact doubles: one correctly rounded
		 * division. */
		*out = (double)mant / pow10_exact[frac];
		return 0;
	}
	/* Long input, of any length: let strtod round it. */
	char small[512], *buf = small, *end;
	if (len >= sizeof small && !(buf = malloc(len + 1)))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	double v = strtod(buf, &end);
	int bad = *end != '\0' || errno == ERANGE || !isfinite(v);
	if (buf != small)
		free(buf);
	if (bad)
		return -1;
	*out = v;
	return 0;
}

int
rec_parse_real(const char *s, double *out)
{
	const char *p = s;
	char *end;
	int mant = 0;
	double v;

	if (*p == '-')
		p++;
	while (is_digit(*p))
		p++, mant++;
	if (*p == '.')
		for (p++; is_digit(*p); p++)
			mant++;
	if (mant == 0)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return -1;
		while (is_digit(*p))
			p++;
	}
	if (*p != '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
rec_parse_id(int64_t *out, const char *s, size_t len, const char *what,
             const char *file, long line, struct rec_err *err)
{
	char q[64];
	uint64_t v;
	size_t i;

	if (rec_parse_u64(s, len, INT64_MAX, &v) == 0) {
		*out = (int64_t)v;
		return 0;
	}
	if (len == 0)
		return rec_errf(err, file, line, "empty %s", what);
	for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		;
	if (i == len)
		return rec_errf(err, file, line, "%s '%s' out of range", what,
		                rec_quote(q, sizeof q, s, len));
	return rec_errf(err, file, line, "%s '%s' is not a non-negative integer",
	                what, rec_quote(q, sizeof q, s, len));
}

/* The length (1 to 4) of the valid UTF-8 sequence that starts s[0..n),
 * or 0 (RFC 3629's table of well-formed byte sequences). */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int
rec_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, k; i < len; i += k)
		if (!(k = utf8_seq(p + i, len - i)))
			return 0;
	return 1;
}

const char *
rec_quote(char *buf, size_t cap, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0, i = 0, keep = len, k;

	if (cap < 8) {
		if (cap)
			buf[0] = '\0';
		return buf;
	}
	if (keep > cap - 1)
		keep = cap - 4;
	while (i < keep) {
		k = utf8_seq(p + i, len - i);
		if (k > 1) {
			if (i + k > keep)   /* a character cut by the end: left out */
				break;
			memcpy(buf + n, s + i, k);
			n += k, i += k;
			continue;
		}
		buf[n++] = p[i] < 0x20 || p[i] >= 0x7f ? '?' : (char)p[i];
		i++;
	}
	if (i < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}
