/*
 * tsv.c - splitting a TSV line into checked fields (see tsv.h).
 */
#include <string.h>

#include "rec/tsv.h"

int
rec_tsv_fields(char *s, size_t n, int want, const char *what, char **f,
               size_t *len, const char *file, long line, struct rec_err *err)
{
	char *end = s + n, *p = s;
	int k = 0;

	if (n == 0)
		return rec_errf(err, file, line, "empty line");
	for (;;) {
		char *q = memchr(p, '\t', (size_t)(end - p));
		if (k == want)
			return rec_errf(err, file, line, "expected %d TAB-separated "
			                "fields (%s), got more", want, what);
		f[k] = p;
		len[k] = (size_t)((q ? q : end) - p);
		k++;
		if (!q)
			break;
		p = q + 1;
	}
	if (k < want)
		return rec_errf(err, file, line, "expected %d TAB-separated "
		                "fields (%s), got %d", want, what, k);
	for (int j = 0; j < want; j++)
		if (len[j] == 0)
			return rec_errf(err, file, line, "empty field %d", j + 1);
	return 0;
}
