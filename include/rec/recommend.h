/*
 * recommend.h - top-K lists of any model for a list of users: every item
 * of the model ranked by its rank_scores (model.h), the items each user
 * must not get (normally the ones rated in training) left out, the K best
 * selected (topk.h).
 *
 * Users are scored in blocks, so that memory stays bounded by the block
 * (64 MiB of scores at most), never users x items; a model with rank
 * factors (model.h) is scored by tiles of users x items that stay in
 * cache, its exclusions applied inside the tile.  Lists go to a callback
 * a block (or a round of tiles) at a time, in the order of the users.
 * The lists do not depend on the number of threads.
 */
#ifndef REC_RECOMMEND_H
#define REC_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rec/model.h"

/* The items each listed user must not get: user j's are the model item
 * indices item[start[j] .. start[j + 1]) (in any order; repeats do no
 * harm). */
struct rec_exclusions {
	size_t n;          /* listed users */
	size_t *start;     /* (n + 1) */
	int32_t *item;     /* (start[n]) */
};

/* The exclusions of the listed users (users: listed user j is
 * users->ids[j], a data-set id) from the rows of r: a row counts for the
 * listed user of its user id when the model's item map items holds its
 * item (other rows are ignored).  Free with rec_exclusions_free.  -1
 * (err: "out of memory") on failure, leaving nothing to free. */
int rec_exclusions_build(struct rec_exclusions *ex, const struct rec_ratings *r,
                         const struct rec_idmap *users,
                         const struct rec_idmap *items, struct rec_err *err);

/* The same from a ratings stream (strict TSV, as rec_ratings_read_tsv)
 * read in parts, one a thread: fp[0 .. parts) are streams of the same
 * file, named name, each open at its start; with parts 1, or when the
 * file is no regular one of 1 MiB or more, fp[0] is read whole.  Each
 * user's items come in file order.  -1 (err: the file's line, as one
 * read of it would give it) on failure, leaving nothing to free. */
int rec_exclusions_read(struct rec_exclusions *ex, FILE *const *fp, int parts,
                        const char *name, const struct rec_idmap *users,
                        const struct rec_idmap *items, struct rec_err *err);

void rec_exclusions_free(struct rec_exclusions *ex);   /* zeroes *ex */

/* The lists of users [beg, beg + n) of the call: list j is
 * item[j k .. j k + len[j]) (model item indices, best first), with the
 * items' rank scores at the same places of score; len[j] is below k when
 * the user has fewer than k items left.  Returns 0 to go on, or -1 to
 * stop the call (which then returns -1 with err as the callback left
 * it). */
typedef int rec_lists_fn(void *ctx, size_t beg, size_t n, size_t k,
                         const uint32_t *item, const float *score,
                         const size_t *len, struct rec_err *err);

/* Top-k lists (k >= 1) for the n users user[0..n) (model user indices,
 * -1 for a user the model does not know, who gets the model's fallback
 * ranking) of m: every item of m except user j's exclusions (ex, with
 * ex->n == n; NULL: none) ranked by rank_scores, ties to the smaller item
 * id (rec_topk).  The selection runs on threads threads (1 to 64).  emit
 * gets each block's lists, in user order.  0, or -1 (err) when a score
 * fails, when out of memory or when emit stops. */
int rec_recommend(const struct rec_model *m, const int32_t *user, size_t n,
                  size_t k, const struct rec_exclusions *ex, int threads,
                  rec_lists_fn *emit, void *ctx, struct rec_err *err);

#endif
