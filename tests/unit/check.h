/*
 * check.h - the unit tests' assertion macros and test registration.
 *
 *	TEST(util_parse_dec) { CHECK(...); }
 *
 * defines a test and registers it with the runner (main.c), which runs
 * every test (or those named on its command line), prints "ok N name" or
 * "not ok N name", ends with "N passed, N failed" and exits non-zero on
 * any failure.
 */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>

extern int check_failed;

#define CHECK(c) do { if (!(c)) { check_failed = 1; \
	fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_NEAR(a, b, tol) CHECK(fabs((double)(a) - (double)(b)) <= (tol))

void check_register(const char *name, void (*fn)(void));

#define TEST(name) \
	static void test_##name(void); \
	__attribute__((constructor)) static void register_##name(void) \
	{ check_register(#name, test_##name); } \
	static void test_##name(void)

/* The test fixtures folder (tests/fixtures, relative to the project). */
#define FIXTURES "tests/fixtures"

#endif
