/* fuzz_model - rec_model_load (safetensors, then the model's loader) on
 * any bytes; a model that loads must predict and rank without a fault. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rec/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_model *m = NULL;
	FILE *fp = fmemopen((void *)data, size, "r");

	if (fp && rec_model_load(&m, fp, "fuzz.st", &err) == 0) {
		int32_t u[2] = { -1, m->users.n ? (int32_t)m->users.n - 1 : -1 };
		int32_t it[2] = { -1, m->items.n ? (int32_t)m->items.n - 1 : -1 };
		float y[2], *s = malloc(2 * (m->items.n ? m->items.n : 1) * sizeof *s);

		m->ops->predict(m, u, it, 2, y);
		if (s)
			m->ops->rank_scores(m, u, 2, s, &err);
		free(s);
	}
	rec_model_free(m);
	if (fp)
		fclose(fp);
	return 0;
}
