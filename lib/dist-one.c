/*
 * dist-one.c - the communicator of the plain build (see dist.h): a job
 * of one rank, where every collective is a copy or nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "rec/dist.h"

void rec_dist_init(void) {}
void rec_dist_finish(void) {}

_Noreturn void
rec_dist_abort(int status)
{
	exit(status);
}

int rec_dist_rank(void) { return 0; }
int rec_dist_size(void) { return 1; }

int
rec_dist_agree(int rc, struct rec_err *err)
{
	(void)err;
	return rc ? -1 : 0;
}

void rec_dist_sum_i64(int64_t *x, size_t n) { (void)x, (void)n; }
void rec_dist_sum_f64(double *x, size_t n) { (void)x, (void)n; }
void rec_dist_sum_f32(float *x, size_t n) { (void)x, (void)n; }
void rec_dist_reduce_f32(float *x, size_t n) { (void)x, (void)n; }
void rec_dist_sum_f32_now(float *x, size_t n) { (void)x, (void)n; }

void
rec_dist_allgatherv_to(const void *send, size_t n, size_t elem, void *recv,
                       uint64_t *count)
{
	count[0] = n;
	if (n)
		memcpy(recv, send, n * elem);
}
void rec_dist_bcast(void *p, size_t n) { (void)p, (void)n; }

void
rec_dist_exscan_i64(int64_t *x, size_t n)
{
	memset(x, 0, n * sizeof *x);
}

void
rec_dist_shift(const void *send, size_t n, void *recv, size_t m)
{
	(void)m;
	if (n)
		memcpy(recv, send, n);
}

/* A copy of n elements of elem bytes into *out. */
static int
copy(const void *p, size_t n, size_t elem, void **out, struct rec_err *err)
{
	size_t bytes;

	if (!rec_mul_ok(n, elem, &bytes) || !(*out = rec_malloc(bytes ? bytes : 1)))
		return rec_erroom(err, NULL);
	if (bytes)
		memcpy(*out, p, bytes);
	return 0;
}

int
rec_dist_alltoallv(const void *send, const size_t *scount, size_t elem,
                   void **recv, size_t *rcount, struct rec_err *err)
{
	rcount[0] = scount[0];
	return copy(send, scount[0], elem, recv, err);
}

int
rec_dist_allgatherv(const void *send, size_t n, size_t elem, void **recv,
                    size_t *total, struct rec_err *err)
{
	*total = n;
	return copy(send, n, elem, recv, err);
}

int
rec_dist_collect(const void *p, size_t n, rec_dist_take_fn *take, void *ctx,
                 struct rec_err *err)
{
	return take(ctx, 0, p, n, err);
}
