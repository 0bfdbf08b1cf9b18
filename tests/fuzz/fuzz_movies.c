/* fuzz_movies - rec_movies_read (movies.csv through libcsv) on any bytes. */
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

	if (m && fp && rec_movies_read(m, fp, "fuzz.csv", &err) == 0)
		for (size_t i = 0; i < m->n; i++)   /* each movie finds itself */
			if (rec_movies_find(m, m->ids.ids[i]) != (int32_t)i ||
			    strlen(rec_movies_title(m, i)) > m->text_len)
				__builtin_trap();
	if (fp)
		fclose(fp);
	rec_movies_free(m);
	return 0;
}
