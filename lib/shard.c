/*
 * shard.c - inputs spread over the ranks (see shard.h).
 */
#include <string.h>
#include <sys/stat.h>

#include "rec/dist.h"
#include "rec/rng.h"
#include "rec/shard.h"

void
rec_shard_part(uint64_t n, int parts, int part, uint64_t *beg, uint64_t *end)
{
	const uint64_t q = n / (uint64_t)parts, rem = n % (uint64_t)parts;
	const uint64_t p = (uint64_t)part;

	*beg = q * p + (p < rem ? p : rem);
	*end = *beg + q + (p < rem);
}

int
rec_shard_part_of(uint64_t n, int parts, uint64_t j)
{
	const uint64_t q = n / (uint64_t)parts, rem = n % (uint64_t)parts;

	/* the first rem parts hold q + 1 each */
	if (j < rem * (q + 1))
		return (int)(j / (q + 1));
	return (int)(rem + (j - rem * (q + 1)) / q);
}

int
rec_shard_by_user(void *ctx, int64_t user)
{
	(void)ctx;
	/* the hash's high half: the low one places ids in idmap's table */
	return (int)((rec_rng_mix((uint64_t)user) >> 32) % (uint64_t)rec_dist_size());
}

int
rec_shard_lines(struct rec_lines *l, FILE *fp, const char *name,
                struct rec_err *err)
{
	const int size = rec_dist_size();
	struct stat st;
	int64_t bytes = 0;
	uint64_t beg, end;
	int rc = 0;

	rec_lines_init(l, fp, name);
	if (size == 1)
		return 0;
	if (fstat(fileno(fp), &st) != 0)
		rc = rec_errsys(err, name);
	else if (!S_ISREG(st.st_mode))
		rc = rec_errf(err, name, 0, "not a regular file");
	else
		bytes = (int64_t)st.st_size;
	if (rec_dist_agree(rc, err) != 0)
		return -1;
	rec_dist_bcast(&bytes, sizeof bytes);   /* rank 0's, for all */
	rec_shard_part((uint64_t)bytes, size, rec_dist_rank(), &beg, &end);
	rc = rec_lines_init_range(l, fp, name, (off_t)beg, (off_t)end, err);
	return rec_dist_agree(rc, err);
}

int
rec_shard_lines_end(struct rec_lines *l, int rc, long *first,
                    struct rec_err *err)
{
	struct rec_err skip;
	int64_t before;

	/* an error of its own is no reason to give the ranks after this one
	 * wrong line numbers (a read error while counting is: theirs then
	 * come after this one's anyway); one rank reads no further, as its
	 * stream may be endless */
	if (rc != 0 && rec_dist_size() > 1)
		rec_lines_skip_rest(l, &skip);
	before = l->lineno;
	rec_dist_exscan_i64(&before, 1);
	if (rc != 0 && err && err->line > 0)
		err->line += (long)before;
	if (first)
		*first = (long)before;
	rec_lines_free(l);
	return rec_dist_agree(rc, err);
}

/* idx[k] = the rank that keeps id k of m; count[r] = how many go to r;
 * send (m->n) = the ids grouped by that rank, each group in m's order. */
static void
by_keeper(const struct rec_idmap *m, int size, int *idx, size_t *count,
          int64_t *send)
{
	size_t *at = count + size;   /* size more entries: the groups' next */

	memset(count, 0, 2 * (size_t)size * sizeof *count);
	for (size_t k = 0; k < m->n; k++) {
		idx[k] = (int)((rec_rng_mix((uint64_t)m->ids[k]) >> 32) % (uint64_t)size);
		count[idx[k]]++;
	}
	for (int r = 1; r < size; r++)
		at[r] = at[r - 1] + count[r - 1];
	for (size_t k = 0; k < m->n; k++)
		send[at[idx[k]]++] = m->ids[k];
}

int
rec_shard_merge_ids(const struct rec_idmap *mine, struct rec_idmap *all,
                    int32_t **to_all, struct rec_err *err)
{
	const int size = rec_dist_size();
	const size_t n = mine->n;
	struct rec_idmap seen = { 0 };
	/* count: ids sent to each rank (and by_keeper's scratch), got: ids
	 * received from each, back: their marks coming back */
	size_t *count = rec_malloc_array(4 * (size_t)size, sizeof *count);
	size_t *got = NULL, *back = NULL;
	int *keeper = rec_malloc_array(n ? n : 1, sizeof *keeper);
	int64_t *send = rec_malloc_array(n ? n : 1, sizeof *send), *recv = NULL;
	int64_t *fresh = NULL, *ids = NULL;
	uint8_t *first = NULL, *mark = NULL;
	size_t nrecv = 0, nfresh = 0, nids = 0;
	int32_t ix;
	int rc = 0;

	if (to_all)
		*to_all = rec_malloc_array(n ? n : 1, sizeof **to_all);
	if (!count || !keeper || !send || (to_all && !*to_all))
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	got = count + 2 * size;
	back = got + size;
	/* each id to its keeper, which marks its first sight: the groups
	 * arrive in rank order */
	by_keeper(mine, size, keeper, count, send);
	if ((rc = rec_dist_alltoallv(send, count, sizeof *send, (void **)&recv, got,
	                             err)) != 0)
		goto out;
	for (int r = 0; r < size; r++)
		nrecv += got[r];
	if (!(first = rec_malloc(nrecv ? nrecv : 1)))
		rc = rec_erroom(err, NULL);
	for (size_t j = 0; j < nrecv && rc == 0; j++) {
		size_t before = seen.n;
		if (rec_idmap_add(&seen, recv[j], &ix) != 0)
			rc = rec_erroom(err, NULL);
		first[j] = seen.n > before;
	}
	rec_idmap_clear(&seen);
	if ((rc = rec_dist_agree(rc, err)) != 0 ||
	    (rc = rec_dist_alltoallv(first, got, 1, (void **)&mark, back, err)) != 0)
		goto out;
	/* the ids first seen in this rank's range, in its order: the marks
	 * of group r start after those of the groups before */
	if (!(fresh = rec_malloc_array(n ? n : 1, sizeof *fresh)))
		rc = rec_erroom(err, NULL);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	for (size_t r = 0, at = 0; r < (size_t)size; r++) {
		size_t c = back[r];
		back[r] = at;
		at += c;
	}
	for (size_t k = 0; k < n; k++)
		if (mark[back[keeper[k]]++])
			fresh[nfresh++] = mine->ids[k];
	if ((rc = rec_dist_allgatherv(fresh, nfresh, sizeof *fresh, (void **)&ids,
	                              &nids, err)) != 0)
		goto out;
	for (size_t j = 0; j < nids && rc == 0; j++)
		if (rec_idmap_add(all, ids[j], &ix) != 0)
			rc = rec_erroom(err, NULL);
	for (size_t k = 0; to_all && k < n && rc == 0; k++)
		(*to_all)[k] = rec_idmap_find(all, mine->ids[k]);
	rc = rec_dist_agree(rc, err);
out:
	if (rc != 0 && to_all) {
		rec_free(*to_all);
		*to_all = NULL;
	}
	if (rc != 0)
		rec_idmap_clear(all);
	rec_idmap_clear(&seen);
	rec_free(count);
	rec_free(keeper);
	rec_free(send);
	rec_free(recv);
	rec_free(first);
	rec_free(mark);
	rec_free(fresh);
	rec_free(ids);
	return rc;
}

/* A rating on its way to its owner. */
struct row {
	int64_t ts;
	int32_t user, item;   /* the merged maps' indices */
	float rating;
	uint32_t line;        /* in the file */
};

/* r (empty; timed or not) = the nrow rows, with the maps users and items
 * (taken). */
static int
take_rows(struct rec_ratings *r, const struct row *row, size_t nrow,
          struct rec_idmap *users, struct rec_idmap *items, struct rec_err *err)
{
	const size_t cap = nrow ? nrow : 1;

	r->user = rec_malloc_array(cap, sizeof *r->user);
	r->item = rec_malloc_array(cap, sizeof *r->item);
	r->rating = rec_malloc_array(cap, sizeof *r->rating);
	r->ts = r->untimed ? NULL : rec_malloc_array(cap, sizeof *r->ts);
	r->line = rec_malloc_array(cap, sizeof *r->line);
	r->cap = cap;
	r->users = *users;
	r->items = *items;
	*users = *items = (struct rec_idmap){ 0 };
	if (!r->user || !r->item || !r->rating || (!r->untimed && !r->ts) || !r->line)
		return rec_erroom(err, NULL);
	for (size_t j = 0; j < nrow; j++) {
		r->user[j] = row[j].user;
		r->item[j] = row[j].item;
		r->rating[j] = row[j].rating;
		if (r->ts)
			r->ts[j] = row[j].ts;
		r->line[j] = row[j].line;
	}
	r->n = nrow;
	return 0;
}

/* The rows of mine (lines counted from first + 1), with the merged maps'
 * indices, grouped by owner in rank order: *send, count[r] for rank r. */
static int
pack_rows(const struct rec_ratings *mine, long first, const int32_t *gu,
          const int32_t *gi, rec_shard_owner_fn *owner, void *ctx,
          struct row **send, size_t *count, struct rec_err *err)
{
	const int size = rec_dist_size();
	int *dest = rec_malloc_array(mine->n ? mine->n : 1, sizeof *dest);
	size_t *at = rec_calloc((size_t)size, sizeof *at);

	*send = rec_malloc_array(mine->n ? mine->n : 1, sizeof **send);
	if (!dest || !at || !*send) {
		rec_free(dest);
		rec_free(at);
		return rec_erroom(err, NULL);
	}
	memset(count, 0, (size_t)size * sizeof *count);
	for (size_t j = 0; j < mine->n; j++) {
		dest[j] = owner(ctx, mine->users.ids[mine->user[j]]);
		if (dest[j] >= 0)
			count[dest[j]]++;
	}
	for (int r = 1; r < size; r++)
		at[r] = at[r - 1] + count[r - 1];
	for (size_t j = 0; j < mine->n; j++) {
		long line = first + rec_ratings_line(mine, j);
		if (dest[j] < 0)
			continue;
		(*send)[at[dest[j]]++] = (struct row){
			mine->ts[j], gu[mine->user[j]], gi[mine->item[j]], mine->rating[j],
			line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line };
	}
	rec_free(dest);
	rec_free(at);
	return 0;
}

int
rec_shard_read_ratings(struct rec_ratings *r, FILE *fp, const char *name,
                       rec_shard_owner_fn *owner, void *ctx,
                       struct rec_err *err)
{
	const int size = rec_dist_size();
	struct rec_read_opts o = REC_READ_DEFAULTS;
	struct rec_ratings *mine = NULL;
	struct rec_idmap users = { 0 }, items = { 0 };
	struct rec_lines l;
	struct row *send = NULL, *recv = NULL;
	size_t *count = NULL, nrecv = 0;
	int32_t *gu = NULL, *gi = NULL;
	int64_t rows;
	long first;
	int rc;

	if (size == 1)
		return rec_ratings_read_tsv(r, fp, name, err);
	o.format = REC_FMT_TSV;
	if (rec_shard_lines(&l, fp, name, err) != 0)
		return -1;
	if (!(mine = rec_ratings_new()))
		rc = rec_erroom(err, name);
	else
		rc = rec_ratings_read_lines(mine, &l, &o, NULL, err);
	if ((rc = rec_shard_lines_end(&l, rc, &first, err)) != 0)
		goto out;
	rows = (int64_t)mine->n;
	rec_dist_sum_i64(&rows, 1);
	if (rows == 0) {
		rc = rec_errf(err, name, 0, "empty input");
		goto out;
	}
	if ((rc = rec_shard_merge_ids(&mine->users, &users, &gu, err)) != 0 ||
	    (rc = rec_shard_merge_ids(&mine->items, &items, &gi, err)) != 0)
		goto out;
	if (!(count = rec_malloc_array(2 * (size_t)size, sizeof *count)))
		rc = rec_erroom(err, NULL);
	else
		rc = pack_rows(mine, first, gu, gi, owner, ctx, &send, count, err);
	if ((rc = rec_dist_agree(rc, err)) != 0)
		goto out;
	rec_ratings_free(mine);
	mine = NULL;
	if ((rc = rec_dist_alltoallv(send, count, sizeof *send, (void **)&recv,
	                             count + size, err)) != 0)
		goto out;
	rec_free(send);
	send = NULL;
	for (int s = 0; s < size; s++)
		nrecv += count[size + s];
	rc = rec_dist_agree(take_rows(r, recv, nrecv, &users, &items, err), err);
out:
	if (err && rc != 0 && !err->file[0])
		snprintf(err->file, sizeof err->file, "%s", name);
	rec_ratings_free(mine);
	rec_idmap_clear(&users);
	rec_idmap_clear(&items);
	rec_free(send);
	rec_free(recv);
	rec_free(count);
	rec_free(gu);
	rec_free(gi);
	return rc;
}
