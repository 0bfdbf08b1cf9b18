/* t_lineio.c - a file read in byte ranges, as the ranks of a job read
 * their parts of it (lineio.h). */
#include <string.h>

#include "check.h"
#include "rec/lineio.h"

/* Read the lines of text[beg, end) as a range into out (joined by '|'),
 * and the number of lines into *n. */
static void
read_range(const char *text, off_t beg, off_t end, char *out, long *n)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct rec_lines l;
	struct rec_err err;
	char *s;
	size_t len;

	CHECK(rec_lines_init_range(&l, fp, "t", beg, end, &err) == 0);
	while (rec_lines_next(&l, &s, &len, &err) == 1) {
		strcat(out, s);
		strcat(out, "|");
	}
	*n = l.lineno;
	rec_lines_free(&l);
	fclose(fp);
}

TEST(lineio_ranges_read_each_line_once)
{
	static const char *const texts[] = {
		"a\nbb\n\nccc\r\nd\n", "a\nbb\n\nccc\r\nd", "\n\n\n", "xyz",
		"\xEF\xBB\xBFu\tv\nw\n",
	};

	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		const char *text = texts[t];
		off_t len = (off_t)strlen(text);
		char whole[64] = "";
		long nwhole;

		read_range(text, 0, len, whole, &nwhole);
		/* every cut of the file in three ranges */
		for (off_t c1 = 0; c1 <= len; c1++)
			for (off_t c2 = c1; c2 <= len; c2++) {
				char parts[64] = "";
				long n0, n1, n2;
				read_range(text, 0, c1, parts, &n0);
				read_range(text, c1, c2, parts, &n1);
				read_range(text, c2, len, parts, &n2);
				CHECK(strcmp(parts, whole) == 0);
				CHECK(n0 + n1 + n2 == nwhole);
			}
	}
}

TEST(lineio_skip_rest_counts_the_range)
{
	const char text[] = "1\n22\n\0bad\n4444\n55555\n666666\n";
	FILE *fp = fmemopen((void *)text, sizeof text - 1, "r");
	struct rec_lines l;
	struct rec_err err;
	char *s;
	size_t n;

	/* bytes [2, 12): the lines that start there are 22, the NUL line
	 * and 4444 (which runs past 12), not 55555 */
	CHECK(rec_lines_init_range(&l, fp, "t", 2, 12, &err) == 0);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "22") == 0);
	CHECK(rec_lines_next(&l, &s, &n, &err) == -1 && err.line == 2);
	CHECK(rec_lines_skip_rest(&l, &err) == 0 && l.lineno == 3);
	rec_lines_free(&l);
	/* a line given back counts as left */
	CHECK(rec_lines_init_range(&l, fp, "t", 0, 5, &err) == 0);
	CHECK(rec_lines_next(&l, &s, &n, &err) == 1 && strcmp(s, "1") == 0);
	rec_lines_unread(&l);
	CHECK(rec_lines_skip_rest(&l, &err) == 0 && l.lineno == 2);
	rec_lines_free(&l);
	fclose(fp);
}
