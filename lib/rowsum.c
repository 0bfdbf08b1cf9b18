/*
 * rowsum.c - touched rows summed over a job's ranks (see rowsum.h).
 */
#include "rec/dist.h"
#include "rec/rowsum.h"

int
rec_rowsum_init(struct rec_rowsum *x, int rows, size_t cap, size_t width,
                struct rec_err *err)
{
	*x = (struct rec_rowsum){ .width = width, .cap = cap };
	if (!(x->send = rec_malloc_array(cap + 1, (1 + width) * sizeof(float))) ||
	    !(x->recv = rec_malloc_array(cap + 1, (1 + width) * sizeof(float))) ||
	    !(x->count = rec_calloc((size_t)rec_dist_size(), sizeof *x->count)) ||
	    !(x->stamp = rec_calloc((size_t)rows + 1, sizeof *x->stamp)) ||
	    !(x->slot = rec_calloc((size_t)rows + 1, sizeof *x->slot)))
		return rec_erroom(err, NULL);
	return 0;
}

void
rec_rowsum_free(struct rec_rowsum *x)
{
	rec_free(x->send);
	rec_free(x->recv);
	rec_free(x->count);
	rec_free(x->stamp);
	rec_free(x->slot);
	*x = (struct rec_rowsum){ 0 };
}

size_t
rec_rowsum_exchange(struct rec_rowsum *x, size_t n, int32_t *rows)
{
	const size_t rec = 1 + x->width;
	size_t total = 0, u = 0;

	rec_dist_allgatherv_to(x->send, n, rec * sizeof(float), x->recv, x->count);
	for (int r = 0; r < rec_dist_size(); r++)
		total += (size_t)x->count[r];
	x->received = total;
	x->step++;
	/* the union compacted in place: a row's first record moves to its
	 * slot, never past where it was; a later one is added there */
	for (size_t j = 0; j < total; j++) {
		const float *at = x->recv + j * rec;
		int32_t row;
		memcpy(&row, at, sizeof row);
		if (x->stamp[row] != x->step) {
			x->stamp[row] = x->step;
			x->slot[row] = (int32_t)u;
			rows[u] = row;
			if (u != j)
				memcpy(x->recv + u * rec, at, rec * sizeof(float));
			u++;
			continue;
		}
		float *sum = x->recv + (size_t)x->slot[row] * rec + 1;
		for (size_t c = 0; c < x->width; c++)
			sum[c] += at[1 + c];
	}
	return u;
}
