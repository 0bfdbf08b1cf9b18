/* fuzz_tags - rec_tags_read (tags.csv through libcsv) on any bytes. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rec/side.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_tags *t = NULL;
	FILE *fp = fmemopen((void *)data, size, "r");

	if (fp && rec_tags_read(&t, fp, "fuzz.csv", &err) == 0)
		for (size_t k = 0; k < t->ntag; k++) {
			const char *name = rec_tags_name(t, k);
			/* each tag finds itself, and is UTF-8 (it goes into JSON) */
			if (rec_tags_find(t, name) != (int32_t)k ||
			    !rec_utf8_valid(name, strlen(name)))
				__builtin_trap();
		}
	if (fp)
		fclose(fp);
	rec_tags_free(t);
	return 0;
}
