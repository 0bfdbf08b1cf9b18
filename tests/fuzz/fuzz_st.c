/* fuzz_st - rec_st_load_mem (safetensors) on any bytes; a file that loads
 * must be found again by its names. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rec/st.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_st *st = NULL;

	if (rec_st_load_mem(&st, data, size, "fuzz.st", &err) != 0)
		return 0;
	for (size_t i = 0; i < st->nt; i++)
		if (rec_st_find(st, st->t[i].name) != &st->t[i])
			__builtin_trap();   /* the loader let a duplicate through */
	for (size_t i = 0; i < st->nmeta; i++)
		(void)strlen(rec_st_meta(st, st->meta_key[i]));
	rec_st_free(st);
	return 0;
}
