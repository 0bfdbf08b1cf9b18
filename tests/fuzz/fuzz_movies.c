/* fuzz_movies - rec_movies_read on any bytes: movies.csv (through libcsv),
 * movies.dat or u.item, as the first line says.  The name does not end in
 * ".csv", so that the name does not decide the format. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rec/movies.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_movies *m = rec_movies_new();
	FILE *fp = fmemopen((void *)data, size, "r");

	/* Each movie finds itself; a title is one TSV field; a genre mask
	 * names only genres of the vocabulary. */
	if (m && fp && rec_movies_read(m, fp, "fuzz", &err) == 0)
		for (size_t i = 0; i < m->n; i++) {
			const char *t = rec_movies_title(m, i);

			if (rec_movies_find(m, m->ids.ids[i]) != (int32_t)i ||
			    strlen(t) > m->text_len || strpbrk(t, "\t\r\n") ||
			    (m->ngenres < 64 && m->genres[i] >> m->ngenres))
				__builtin_trap();
		}
	if (fp)
		fclose(fp);
	rec_movies_free(m);
	return 0;
}
