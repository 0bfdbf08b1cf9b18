/* t_util.c - strict numbers, checked sizes, the allocation countdown. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "rec/util.h"

static int
dec(const char *s, double *v)
{
	return rec_parse_dec(s, strlen(s), v);
}

TEST(util_parse_dec_good)
{
	double v;

	CHECK(dec("3.5", &v) == 0 && v == 3.5);
	CHECK(dec("4", &v) == 0 && v == 4.0);
	CHECK(dec("0.05", &v) == 0 && v == 0.05);
	CHECK(dec("007.250", &v) == 0 && v == 7.25);
	CHECK(dec("3.05", &v) == 0 && v == 3.05);
	CHECK(dec("12345678901234567890.5", &v) == 0 && v == 12345678901234567890.5);
}

/* A number of any length: 4.000...0 and 3.4999...9 with 100,000 digits,
 * and the first one past the stack buffer (512 characters). */
TEST(util_parse_dec_long)
{
	enum { N = 100000 };
	static char s[N + 1];
	double v;

	for (size_t len = 511; len <= 513; len++) {
		memset(s, '0', len);
		s[0] = '4', s[1] = '.';
		CHECK(rec_parse_dec(s, len, &v) == 0 && v == 4.0);
	}
	memset(s, '9', N);
	s[0] = '3', s[1] = '.', s[2] = '4';
	CHECK(rec_parse_dec(s, N, &v) == 0 && v == 3.5);
	s[N - 1] = 'x';
	CHECK(rec_parse_dec(s, N, &v) == -1);
}

TEST(util_parse_dec_bad)
{
	const char *bad[] = { "", "abc", "nan", "inf", "-inf", "1e999", "0x1p2",
		" 3.5", "3.5 ", "+3", "-1", "3,5", "3.", ".5", "3..5", "3.5.1", "1e5" };
	double v;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(dec(bad[i], &v) == -1);
}

TEST(util_parse_u64)
{
	uint64_t v;

	CHECK(rec_parse_u64("0", 1, UINT64_MAX, &v) == 0 && v == 0);
	CHECK(rec_parse_u64("18446744073709551615", 20, UINT64_MAX, &v) == 0 &&
	      v == UINT64_MAX);
	CHECK(rec_parse_u64("18446744073709551616", 20, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("99999999999999999999", 20, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("12x", 3, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("-3", 2, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("1e9", 3, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("", 0, UINT64_MAX, &v) == -1);
	CHECK(rec_parse_u64("11", 2, 10, &v) == -1);
}

TEST(util_parse_real)
{
	double v;

	CHECK(rec_parse_real("1e-3", &v) == 0 && v == 1e-3);
	CHECK(rec_parse_real("-0.5", &v) == 0 && v == -0.5);
	CHECK(rec_parse_real("2.", &v) == 0 && v == 2.0);
	CHECK(rec_parse_real("nan", &v) == -1);
	CHECK(rec_parse_real("inf", &v) == -1);
	CHECK(rec_parse_real("1e999", &v) == -1);
	CHECK(rec_parse_real("0x10", &v) == -1);
	CHECK(rec_parse_real("10x", &v) == -1);
	CHECK(rec_parse_real("", &v) == -1);
	CHECK(rec_parse_real(" 1", &v) == -1);
	CHECK(rec_parse_real("1e", &v) == -1);
}

TEST(util_mul_ok)
{
	size_t r;

	CHECK(rec_mul_ok(3, 4, &r) && r == 12);
	CHECK(!rec_mul_ok(SIZE_MAX / 2 + 1, 2, &r));
	CHECK(rec_malloc_array(SIZE_MAX / 4, 8) == NULL);
}

TEST(util_alloc_countdown)
{
	void *a, *b, *c;

	rec_alloc_fail_after(1, 0);
	a = rec_malloc(8);
	b = rec_malloc(8);
	c = rec_malloc(8);
	rec_alloc_fail_after(-1, 0);
	CHECK(a && !b && c);
	rec_free(a);
	rec_free(c);
	rec_alloc_fail_after(0, 1);
	a = rec_malloc(8);
	b = rec_calloc(1, 8);
	c = rec_calloc_lines(1, 8);
	rec_alloc_fail_after(-1, 0);
	CHECK(!a && !b && !c);
	CHECK(!rec_calloc_lines(SIZE_MAX / 2, 4));   /* overflows */
}

TEST(util_errf_and_quote)
{
	struct rec_err e;
	char buf[16];

	CHECK(rec_errf(&e, "r.csv", 4, "expected %d fields, got %d", 4, 3) == -1);
	CHECK(strcmp(e.file, "r.csv") == 0 && e.line == 4);
	CHECK(strcmp(e.msg, "expected 4 fields, got 3") == 0);
	CHECK(strcmp(rec_quote(buf, sizeof buf, "a\tb", 3), "a?b") == 0);
	CHECK(strcmp(rec_quote(buf, sizeof buf, "0123456789abcdefghij", 20),
	             "0123456789ab...") == 0);
	/* UTF-8 kept whole; a byte that is not UTF-8 shown as '?'; a
	 * character the cut would split left out */
	CHECK(strcmp(rec_quote(buf, sizeof buf, "caf\xc3\xa9", 5), "caf\xc3\xa9") == 0);
	CHECK(strcmp(rec_quote(buf, sizeof buf, "caf\xe9!", 5), "caf?!") == 0);
	CHECK(strcmp(rec_quote(buf, sizeof buf, "0123456789a\xc3\xa9" "bcdef", 18),
	             "0123456789a...") == 0);
}

TEST(util_utf8_valid)
{
	const char *good[] = { "", "abc", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x8e\xac",
		"\xef\xbf\xbf", "\xf4\x8f\xbf\xbf" };
	const char *bad[] = { "\x80", "\xc3", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\xaf",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
		"a\xe9\x62", "\xe2\x82" };

	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(rec_utf8_valid(good[i], strlen(good[i])));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!rec_utf8_valid(bad[i], strlen(bad[i])));
}
