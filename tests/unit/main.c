/*
 * main.c - the unit test runner (see check.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int check_failed;

static struct test { const char *name; void (*fn)(void); } tests[512];
static int ntests;

void
check_register(const char *name, void (*fn)(void))
{
	if (ntests == (int)(sizeof tests / sizeof tests[0])) {
		fprintf(stderr, "too many tests\n");
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

static int
wanted(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strncmp(argv[i], name, strlen(argv[i])) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	int pass = 0, fail = 0, n = 0;

	for (int i = 0; i < ntests; i++) {
		if (!wanted(tests[i].name, argc, argv))
			continue;
		check_failed = 0;
		tests[i].fn();
		printf("%s %d %s\n", check_failed ? "not ok" : "ok", ++n, tests[i].name);
		if (check_failed)
			fail++;
		else
			pass++;
	}
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
