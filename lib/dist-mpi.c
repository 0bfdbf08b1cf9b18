/*
 * dist-mpi.c - the communicator of the MPI build (see dist.h):
 * MPI_COMM_WORLD of Open MPI, with its default error handler (an MPI
 * failure, such as a dead rank, ends the job).
 *
 * MPI counts are ints: every transfer goes in chunks of at most CHUNK
 * bytes.  The all-to-all is pairwise (in step s rank r sends to r + s and
 * receives from r - s), so that no displacement needs to fit an int
 * either; messages between two ranks with one tag arrive in order.
 *
 * MPI waits by spinning: a rank that waits for another's long work (rank
 * 0 inverting EASE's Gram matrix) would take a core from the ranks and
 * threads that work.  The collectives that follow such work (the
 * agreement, the float sums, the broadcast) first meet at a barrier that
 * waits asleep.
 */
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rec/dist.h"

#define COMM  MPI_COMM_WORLD
#define CHUNK ((size_t)1 << 30)   /* bytes an MPI call moves at most */
#define SUM_CHUNK ((size_t)1 << 22)   /* bytes a reduction sums at once */
enum { TAG_ALLTOALL = 1, TAG_COLLECT = 2, TAG_SHIFT = 3 };

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Whether MPI can be called: after MPI_Init, before MPI_Finalize. */
static int
live(void)
{
	int init, fin;

	MPI_Initialized(&init);
	MPI_Finalized(&fin);
	return init && !fin;
}

/* Wait for every rank to get here, sleeping (from 50 us up to 2 ms at a
 * time) rather than spinning. */
static void
meet(void)
{
	struct timespec nap = { 0, 50000 };
	MPI_Request q;
	int done = 0;

	MPI_Ibarrier(COMM, &q);
	for (;;) {
		MPI_Test(&q, &done, MPI_STATUS_IGNORE);
		if (done)
			return;
		nanosleep(&nap, NULL);
		if (nap.tv_nsec < 2000000)
			nap.tv_nsec *= 2;
	}
}

void
rec_dist_init(void)
{
	int init, level;

	/* threads (OpenBLAS's, rec_parallel_for's) but MPI from the main
	 * one alone */
	MPI_Initialized(&init);
	if (!init)
		MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &level);
}

void
rec_dist_finish(void)
{
	if (live())
		MPI_Finalize();
}

_Noreturn void
rec_dist_abort(int status)
{
	if (live())
		MPI_Abort(COMM, status);
	exit(status);
}

int
rec_dist_rank(void)
{
	int r = 0;

	if (live())
		MPI_Comm_rank(COMM, &r);
	return r;
}

int
rec_dist_size(void)
{
	int n = 1;

	if (live())
		MPI_Comm_size(COMM, &n);
	return n;
}

int
rec_dist_agree(int rc, struct rec_err *err)
{
	struct { long line; int rank; } mine, first;
	struct rec_err e = { 0 };

	mine.line = rc == 0 ? LONG_MAX : err ? err->line : 0;
	mine.rank = rec_dist_rank();
	meet();
	MPI_Allreduce(&mine, &first, 1, MPI_LONG_INT, MPI_MINLOC, COMM);
	if (first.line == LONG_MAX)
		return 0;
	if (first.rank == mine.rank && err)
		e = *err;
	MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first.rank, COMM);
	if (err)
		*err = e;
	return -1;
}

/* x (n elements of type t, elem bytes each) = the sums, on rank 0 (all:
 * then broadcast to every rank, so that every rank has rank 0's bits),
 * after a meet when nap.  The reduction goes SUM_CHUNK bytes at a time:
 * Open MPI's root takes a buffer of the whole message for an in-place
 * reduction, fresh pages each call (EASE's 144 MB Gram matrix: 0.5 s
 * between two ranks on one machine, against 0.03 s in 4 MB pieces). */
static void
sum_to_root(void *x, size_t n, MPI_Datatype t, size_t elem, int all, int nap)
{
	const size_t step = SUM_CHUNK / elem;
	const int root = rec_dist_rank() == 0;

	if (nap)
		meet();
	for (size_t off = 0; off < n; off += step) {
		char *p = (char *)x + off * elem;
		int c = (int)min_size(n - off, step);
		MPI_Reduce(root ? MPI_IN_PLACE : p, root ? p : NULL, c, t, MPI_SUM, 0,
		           COMM);
		if (all)
			MPI_Bcast(p, c, t, 0, COMM);
	}
}

void
rec_dist_sum_i64(int64_t *x, size_t n)
{
	const size_t step = CHUNK / sizeof *x;

	for (size_t off = 0; off < n; off += step)
		MPI_Allreduce(MPI_IN_PLACE, x + off, (int)min_size(n - off, step),
		              MPI_INT64_T, MPI_SUM, COMM);
}

void
rec_dist_sum_f64(double *x, size_t n)
{
	sum_to_root(x, n, MPI_DOUBLE, sizeof *x, 1, 1);
}

void
rec_dist_sum_f32(float *x, size_t n)
{
	sum_to_root(x, n, MPI_FLOAT, sizeof *x, 1, 1);
}

void
rec_dist_sum_f32_now(float *x, size_t n)
{
	sum_to_root(x, n, MPI_FLOAT, sizeof *x, 1, 0);
}

void
rec_dist_reduce_f32(float *x, size_t n)
{
	sum_to_root(x, n, MPI_FLOAT, sizeof *x, 0, 1);
}

void
rec_dist_exscan_i64(int64_t *x, size_t n)
{
	const size_t step = CHUNK / sizeof *x;

	for (size_t off = 0; off < n; off += step)
		MPI_Exscan(MPI_IN_PLACE, x + off, (int)min_size(n - off, step),
		           MPI_INT64_T, MPI_SUM, COMM);
	if (rec_dist_rank() == 0)   /* MPI leaves rank 0's undefined */
		memset(x, 0, n * sizeof *x);
}

/* n bytes at p from rank root to every rank. */
static void
bcast_from(void *p, size_t n, int root)
{
	for (size_t off = 0; off < n; off += CHUNK)
		MPI_Bcast((char *)p + off, (int)min_size(n - off, CHUNK), MPI_BYTE, root,
		          COMM);
}

void
rec_dist_bcast(void *p, size_t n)
{
	meet();
	bcast_from(p, n, 0);
}

/* Send sn bytes at sp to rank dst while receiving rn bytes at rp from
 * rank src, chunk by chunk, the messages tagged tag. */
static void
exchange(const char *sp, size_t sn, int dst, char *rp, size_t rn, int src,
         int tag)
{
	for (size_t off = 0; off < sn || off < rn; off += CHUNK) {
		MPI_Request q[2];
		int k = 0;
		if (off < rn)
			MPI_Irecv(rp + off, (int)min_size(rn - off, CHUNK), MPI_BYTE, src,
			          tag, COMM, &q[k++]);
		if (off < sn)
			MPI_Isend(sp + off, (int)min_size(sn - off, CHUNK), MPI_BYTE, dst,
			          tag, COMM, &q[k++]);
		MPI_Waitall(k, q, MPI_STATUSES_IGNORE);
	}
}

int
rec_dist_alltoallv(const void *send, const size_t *scount, size_t elem,
                   void **recv, size_t *rcount, struct rec_err *err)
{
	const int size = rec_dist_size(), rank = rec_dist_rank();
	uint64_t *sc = rec_malloc_array((size_t)size, 2 * sizeof *sc), *rc64;
	size_t *soff = rec_malloc_array((size_t)size + 1, 2 * sizeof *soff), *roff;
	size_t bytes = 0;
	int rc = 0;

	*recv = NULL;
	if (!sc || !soff)
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	rc64 = sc + size;
	roff = soff + size + 1;
	for (int d = 0; d < size; d++)
		sc[d] = scount[d];
	MPI_Alltoall(sc, 1, MPI_UINT64_T, rc64, 1, MPI_UINT64_T, COMM);
	soff[0] = roff[0] = 0;
	for (int d = 0; d < size; d++) {
		rcount[d] = (size_t)rc64[d];
		soff[d + 1] = soff[d] + scount[d] * elem;
		roff[d + 1] = roff[d] + rcount[d] * elem;
	}
	bytes = roff[size];
	if (!(*recv = rec_malloc(bytes ? bytes : 1)))
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0) {
		rec_free(*recv);
		*recv = NULL;
		goto out;
	}
	memcpy((char *)*recv + roff[rank], (const char *)send + soff[rank],
	       roff[rank + 1] - roff[rank]);
	for (int s = 1; s < size; s++) {
		int dst = (rank + s) % size, src = (rank - s + size) % size;
		exchange((const char *)send + soff[dst], soff[dst + 1] - soff[dst], dst,
		         (char *)*recv + roff[src], roff[src + 1] - roff[src], src,
		         TAG_ALLTOALL);
	}
out:
	rec_free(sc);
	rec_free(soff);
	return rc ? -1 : 0;
}

int
rec_dist_allgatherv(const void *send, size_t n, size_t elem, void **recv,
                    size_t *total, struct rec_err *err)
{
	const int size = rec_dist_size(), rank = rec_dist_rank();
	uint64_t mine = n, *count = rec_malloc_array((size_t)size, sizeof *count);
	size_t off = 0;
	int rc = 0;

	*recv = NULL;
	if (!count)
		rc = rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	MPI_Allgather(&mine, 1, MPI_UINT64_T, count, 1, MPI_UINT64_T, COMM);
	*total = 0;
	for (int r = 0; r < size; r++)
		*total += (size_t)count[r];
	if (!(*recv = rec_malloc_array(*total ? *total : 1, elem)))
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0) {
		rec_free(*recv);
		*recv = NULL;
		rec_free(count);
		return -1;
	}
	for (int r = 0; r < size; r++) {
		char *p = (char *)*recv + off;
		if (r == rank && n)
			memcpy(p, send, n * elem);
		bcast_from(p, (size_t)count[r] * elem, r);
		off += (size_t)count[r] * elem;
	}
	rec_free(count);
	return 0;
}

void
rec_dist_allgatherv_to(const void *send, size_t n, size_t elem, void *recv,
                       uint64_t *count)
{
	/* MPI_Allgatherv's int counts and places, made once for the job
	 * (this is called every step) */
	static int *cnt;
	const int size = rec_dist_size(), rank = rec_dist_rank();
	uint64_t mine = n;
	size_t off = 0;

	MPI_Allgather(&mine, 1, MPI_UINT64_T, count, 1, MPI_UINT64_T, COMM);
	if (!cnt)
		cnt = rec_malloc_array((size_t)size, 2 * sizeof *cnt);
	for (int r = 0; r < size; r++)
		off += (size_t)count[r] * elem;
	if (cnt && off <= INT_MAX) {   /* one call */
		off = 0;
		for (int r = 0; r < size; r++) {
			cnt[r] = (int)(count[r] * elem);
			cnt[size + r] = (int)off;
			off += (size_t)cnt[r];
		}
		MPI_Allgatherv(send, cnt[rank], MPI_BYTE, recv, cnt, cnt + size,
		               MPI_BYTE, COMM);
		return;
	}
	off = 0;
	for (int r = 0; r < size; r++) {   /* by chunks, a rank at a time */
		char *p = (char *)recv + off;
		if (r == rank && n)
			memcpy(p, send, n * elem);
		bcast_from(p, (size_t)count[r] * elem, r);
		off += (size_t)count[r] * elem;
	}
}

void
rec_dist_shift(const void *send, size_t n, void *recv, size_t m)
{
	const int size = rec_dist_size(), rank = rec_dist_rank();

	if (size == 1) {
		if (n)
			memcpy(recv, send, n);
		return;
	}
	meet();   /* the ranks before may still be at work: wait asleep */
	exchange(send, n, (rank + 1) % size, recv, m, (rank + size - 1) % size,
	         TAG_SHIFT);
}

int
rec_dist_collect(const void *p, size_t n, rec_dist_take_fn *take, void *ctx,
                 struct rec_err *err)
{
	const int size = rec_dist_size(), rank = rec_dist_rank();
	uint64_t mine = n, *count = NULL, most = 0;
	char *buf = NULL;
	int rc = 0;

	if (rank == 0 && !(count = rec_malloc_array((size_t)size, sizeof *count)))
		rc = rec_erroom(err, NULL);
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	MPI_Gather(&mine, 1, MPI_UINT64_T, count, 1, MPI_UINT64_T, 0, COMM);
	if (rank == 0) {
		for (int r = 1; r < size; r++)
			most = count[r] > most ? count[r] : most;
		if (!(buf = rec_malloc(most ? (size_t)most : 1)))
			rc = rec_erroom(err, NULL);
	}
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	if (rank == 0) {
		rc = take(ctx, 0, p, n, err);
		for (int r = 1; r < size; r++) {
			for (size_t off = 0; off < count[r]; off += CHUNK)
				MPI_Recv(buf + off, (int)min_size((size_t)count[r] - off, CHUNK),
				         MPI_BYTE, r, TAG_COLLECT, COMM, MPI_STATUS_IGNORE);
			if (rc == 0)
				rc = take(ctx, r, buf, (size_t)count[r], err);
		}
	} else {
		for (size_t off = 0; off < n; off += CHUNK)
			MPI_Send((const char *)p + off, (int)min_size(n - off, CHUNK),
			         MPI_BYTE, 0, TAG_COLLECT, COMM);
	}
	rc = rec_dist_agree(rc, err);
out:
	rec_free(count);
	rec_free(buf);
	return rc;
}
