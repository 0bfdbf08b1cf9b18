/* fuzz_ratings - rec_ratings_read on any bytes: the format found by AUTO
 * (csv, tsv or dat) strictly, then one format forced (chosen by the size)
 * with skip_bad.  Two reads, not four: each read costs milliseconds. */
#include <stdint.h>
#include <stdio.h>

#include "rec/ratings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum rec_format fmt[] = { REC_FMT_TSV, REC_FMT_CSV, REC_FMT_DAT };

	for (int i = 0; i < 2; i++) {
		struct rec_read_opts o = REC_READ_DEFAULTS;
		struct rec_read_stats st = { 0 };
		struct rec_err err = { 0 };
		struct rec_ratings *r = rec_ratings_new();
		FILE *fp = fmemopen((void *)data, size, "r");

		o.format = i ? fmt[size % 3] : REC_FMT_AUTO;
		o.skip_bad = i;
		if (r && fp)
			rec_ratings_read(r, fp, "fuzz", &o, &st, &err);
		if (fp)
			fclose(fp);
		rec_ratings_free(r);
	}
	return 0;
}
