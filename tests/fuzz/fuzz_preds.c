/* fuzz_preds - rec_preds_read (the predictions stream) on any bytes, then
 * the prediction metrics over what was read. */
#include <stdint.h>
#include <stdio.h>

#include "rec/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_preds *p = rec_preds_new();
	FILE *fp = fmemopen((void *)data, size, "r");
	struct rec_eval ev;

	rec_eval_init(&ev, 10, 3.5);
	if (p && fp && rec_preds_read(p, fp, "fuzz", &err) == 0)
		rec_eval_preds(&ev, p, &err);
	rec_eval_free(&ev);
	if (fp)
		fclose(fp);
	rec_preds_free(p);
	return 0;
}
