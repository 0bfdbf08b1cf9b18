/* fuzz_graph - rec_graph_load (safetensors, then every check of a
 * rec-graph/1 file) on any bytes; a graph that loads must give its
 * statistics and propagate over every edge without a fault. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rec/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	struct rec_graph *g = NULL;
	struct rec_graph_stats s;
	FILE *fp = fmemopen((void *)data, size, "r");
	float *x, *y;

	if (!fp)
		return 0;
	if (rec_graph_load(&g, fp, "fuzz.st", &err) == 0) {
		rec_graph_stats(g, 3, 5, 1, &s, &err);
		x = calloc((size_t)g->nodes * 3, sizeof *x);
		y = calloc((size_t)g->nodes * 3, sizeof *y);
		if (x && y) {
			rec_spmm(y, 0, g->indptr, g->indices, g->values, x, g->nodes, 3, 2);
			rec_spmm(x, 1, g->indptr, g->indices, g->values, y, g->nodes, 3, 1);
		}
		free(x);
		free(y);
	}
	rec_graph_free(g);
	fclose(fp);
	return 0;
}
