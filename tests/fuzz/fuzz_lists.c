/* fuzz_lists - rec_lists_read (top-K lists) on any bytes, keeping every
 * item, then only the first 2 of each list. */
#include <stdint.h>
#include <stdio.h>

#include "rec/lists.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t k[] = { SIZE_MAX, 2 };

	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct rec_err err = { 0 };
		struct rec_lists *ls = rec_lists_new();
		FILE *fp = fmemopen((void *)data, size, "r");

		if (ls && fp)
			rec_lists_read(ls, fp, "fuzz", k[i], &err);
		if (fp)
			fclose(fp);
		rec_lists_free(ls);
	}
	return 0;
}
