/*
 * dist.h - the ranks of a job and the collectives the programs need.
 *
 * A program runs as one process, or under mpirun/srun as a job of size
 * ranks (0 .. size - 1) on one or many machines.  Two builds give this
 * one face: the plain build (lib/dist-one.c: a job of one rank, every
 * collective a copy or nothing, no MPI anywhere) and the MPI build
 * (lib/dist-mpi.c, `make mpi`: Open MPI's MPI_COMM_WORLD).  lib/ code
 * calls these functions wherever a result depends on other ranks' data,
 * so that one rank and the plain program run the same code and write
 * the same bytes.
 *
 * The design, in short:
 *   - Data are spread by rows: each rank reads its byte range of an
 *     input and rows move to the rank that owns them (shard.h); every
 *     rank holds the id maps of the whole input, the model's shared
 *     weights, and its own rows.
 *   - Every collective is called by every rank, in the same order, with
 *     the same n (unless said otherwise); a rank that skipped one would
 *     hang the job, so lib/ code that can fail on one rank agrees
 *     (rec_dist_agree) before the next collective.
 *   - Float sums give the same bits on every rank (a reduction to rank
 *     0, then a broadcast), so that ranks that decide on them (the best
 *     lambda, the next step) decide alike; they may differ in the last
 *     bits from the sum one process adds in its own order (MPI adds the
 *     ranks' parts in its), but not between runs of one job size.
 *   - Failure: an error that every rank sees or agrees on ends every rank
 *     with the same message, printed once by rank 0 (cmd/cli.c); an error
 *     on one rank alone, or a rank that dies, aborts the job (MPI_Abort,
 *     or mpirun's own end of the job), and only rank 0 ever writes an
 *     output, renamed into place after every rank finished its part.
 *   - Sizes are size_t; MPI's int counts are met by chunks.
 *   - Every machine runs the same build (the bytes of a struct cross
 *     between ranks as they are).
 */
#ifndef REC_DIST_H
#define REC_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "rec/util.h"

/* ---- the job: for cmd/cli.c only ---- */

/* Join the job (MPI_Init; MPI ends the process if it cannot). */
void rec_dist_init(void);
/* Leave it (MPI_Finalize); more calls do nothing. */
void rec_dist_finish(void);
/* End every rank of the job with status (MPI_Abort); one rank: exit. */
_Noreturn void rec_dist_abort(int status);

int rec_dist_rank(void);   /* 0 .. size - 1 */
int rec_dist_size(void);

/* ---- collectives ---- */

/* Agree on failure: rc is this rank's status (0 or -1) with err.  0 when
 * every rank passed 0; else -1 on every rank, each err then the error of
 * the failing rank whose err->line is smallest (a line-less error
 * first; ties to the lower rank): the first bad line of a file read in
 * ranges.  err may be NULL where rc is 0. */
int rec_dist_agree(int rc, struct rec_err *err);

/* x (n) = the sum over the ranks of every rank's x, in place.  Integer
 * sums are exact; float sums are the same bits on every rank. */
void rec_dist_sum_i64(int64_t *x, size_t n);
void rec_dist_sum_f64(double *x, size_t n);
void rec_dist_sum_f32(float *x, size_t n);
/* As rec_dist_sum_f32, the sums on rank 0 only (others' x are left
 * undefined): a reduction whose result one rank works on. */
void rec_dist_reduce_f32(float *x, size_t n);

/* The collectives of a loop whose ranks arrive together (a training
 * step), made often: no allocation, no agreement, and no first wait
 * asleep (under load a nap costs a time slice, more than the wait).
 * rec_dist_sum_f32_now is rec_dist_sum_f32 so.  rec_dist_allgatherv_to
 * puts every rank's n elements of elem bytes, back to back in rank
 * order, in recv (not overlapping send), which the caller knows holds
 * them all; count (size entries, the caller's) gets each rank's n. */
void rec_dist_sum_f32_now(float *x, size_t n);
void rec_dist_allgatherv_to(const void *send, size_t n, size_t elem,
                            void *recv, uint64_t *count);

/* x (n) = the sum of the x of the ranks below this one (0 on rank 0). */
void rec_dist_exscan_i64(int64_t *x, size_t n);

/* Rank 0's n bytes at p to every rank's p. */
void rec_dist_bcast(void *p, size_t n);

/* Every rank sends scount[d] elements of elem bytes to rank d, from
 * send, rank 0's first (send holds them back to back in rank order).
 * *recv (caller frees with rec_free) gets what every rank sent to this
 * one, back to back in rank order, rcount[s] elements from rank s
 * (rcount: size entries, the caller's).  -1 on every rank (err: "out of
 * memory") when a rank cannot allocate its *recv. */
int rec_dist_alltoallv(const void *send, const size_t *scount, size_t elem,
                       void **recv, size_t *rcount, struct rec_err *err);

/* Every rank's n elements of elem bytes, back to back in rank order, in
 * *recv on every rank (caller frees with rec_free); *total the elements.
 * -1 on every rank (err: "out of memory") when one cannot allocate. */
int rec_dist_allgatherv(const void *send, size_t n, size_t elem, void **recv,
                        size_t *total, struct rec_err *err);

/* The ring: send n bytes at send to the next rank (rank + 1, the last
 * to rank 0) while receiving m bytes into recv from the rank before,
 * which sends m.  One rank: n == m, a copy. */
void rec_dist_shift(const void *send, size_t n, void *recv, size_t m);

/* What rank 0 does with rank r's bytes p[0 .. n) (take may keep none of
 * them: p is freed after the call).  0, or -1 with err filled. */
typedef int rec_dist_take_fn(void *ctx, int rank, const void *p, size_t n,
                             struct rec_err *err);

/* Rank 0 calls take with every rank's n bytes at p, its own first, then
 * rank 1's and so on in order, one rank's bytes in its memory at a time
 * (the others' take is not called).  The result is agreed: -1 on every
 * rank (err) when rank 0 cannot hold a rank's bytes or take fails
 * (rank 0 then still receives the rest, so that no rank hangs). */
int rec_dist_collect(const void *p, size_t n, rec_dist_take_fn *take,
                     void *ctx, struct rec_err *err);

#endif
