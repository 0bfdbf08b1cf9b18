/*
 * shard.h - inputs spread over the ranks of a job (dist.h).
 *
 * A file is read in parts, as Hadoop splits its input: rank r takes the
 * lines that start in the r-th of size near-equal byte ranges of the file
 * (lineio.h), so that no rank reads it all, and each byte is parsed once.
 * Line numbers stay the file's: each rank counts its range's lines and an
 * exclusive scan adds those of the ranges before, so that a message names
 * FILE:LINE as the plain program would (rec_dist_agree then keeps the
 * first bad line of the file).
 *
 * Id maps are merged in file order: the ids first seen in range r follow
 * those first seen in the ranges before it, so that every rank ends with
 * the same map, in order of first appearance in the file, as one process
 * reading the file makes it.  Each id visits a rank chosen by its hash,
 * which keeps the first range it was seen in; every rank then gets the
 * new ids of every range, and no more.
 *
 * Ratings then move to the rank that owns their user: by default a hash
 * of the user's data-set id (rec_shard_by_user), so that the train,
 * validation and exclusion files of one job put each user's rows on one
 * rank, whatever their order; or by a caller's rule.
 *
 * Memory per rank: its own rows (24 bytes a row, and 4 for its line),
 * and the id maps of the whole file (about 16 bytes an id when the ids
 * are dense, 24 when hashed).
 *
 * Every function here but rec_shard_part, rec_shard_part_of and
 * rec_shard_by_user is a collective: every rank calls it, and a failure
 * is the same -1 and err on every rank.  With one rank each is what one
 * process does: the whole stream, standard input too.
 */
#ifndef REC_SHARD_H
#define REC_SHARD_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/lineio.h"
#include "rec/ratings.h"

/* [*beg, *end) = the part-th of parts near-equal parts of [0, n) (the
 * first n % parts parts one longer). */
void rec_shard_part(uint64_t n, int parts, int part, uint64_t *beg,
                    uint64_t *end);

/* The part of rec_shard_part's that holds j (j < n). */
int rec_shard_part_of(uint64_t n, int parts, uint64_t j);

/* The rank that owns a row of user (a data-set id), or -1: none, the
 * row is dropped. */
typedef int rec_shard_owner_fn(void *ctx, int64_t user);

/* A fixed hash of the user's id modulo the job's size: the same on every
 * machine and every run (ctx is not used). */
int rec_shard_by_user(void *ctx, int64_t user);

/* Start reading this rank's lines of fp (borrowed, as name): with more
 * than one rank fp must be a regular file ("not a regular file"). */
int rec_shard_lines(struct rec_lines *l, FILE *fp, const char *name,
                    struct rec_err *err);

/* End reading l: rc is this rank's result (0, or -1 with err).  After a
 * failure the rank counts the lines it left; *first (may be NULL) = the
 * lines of the ranges before this rank's; a line in err becomes the
 * file's.  Frees l's buffer.  0, or -1 on every rank with the agreed
 * err. */
int rec_shard_lines_end(struct rec_lines *l, int rc, long *first,
                        struct rec_err *err);

/* all (an empty map) = the union of every rank's map mine, in order of
 * rank, then of mine (first appearance, when the maps were made from the
 * ranks' ranges in order); *to_all (caller frees with rec_free; to_all
 * may be NULL) maps mine's indices to all's. */
int rec_shard_merge_ids(const struct rec_idmap *mine, struct rec_idmap *all,
                        int32_t **to_all, struct rec_err *err);

/* Read a ratings stream (strict TSV, as rec_ratings_read_tsv) spread
 * over the ranks into r (empty): this rank's rows, those whose user
 * owner(ctx, user) names it, in file order, each with its line in the
 * file, and the id maps of the whole file, the same on every rank.  An
 * input without rows is "empty input". */
int rec_shard_read_ratings(struct rec_ratings *r, FILE *fp, const char *name,
                           rec_shard_owner_fn *owner, void *ctx,
                           struct rec_err *err);

#endif
