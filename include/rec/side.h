/*
 * side.h - item side features for the neural models (NCF): genres from
 * movies.csv and a tag profile from MovieLens tags.csv, as one sparse
 * binary matrix, item by feature, in CSR form.
 *
 * tags.csv has the header "userId,movieId,tag,timestamp" and is read
 * through the CSV driver of csv.h (so every message names the line where
 * the offending record starts).  A tag is normalised before anything else
 * sees it:
 *   - every control byte (below 0x20, and 0x7f: TAB, CR, a quoted LF...)
 *     becomes a space;
 *   - leading and trailing spaces are trimmed;
 *   - ASCII letters are folded to lower case; other bytes (UTF-8) are kept.
 * A tag that is empty after that is skipped (counted), and a tag that is
 * not valid UTF-8 is an error.  Every other record is kept as a tag use
 * (who, what, on which movie, when).
 *
 * Only what the training period knew goes into the features: a tag use
 * counts when its tagger has ratings in the training ratings and it was
 * written no later than the tagger's last training rating (so no tag
 * written during the test period, or by a user unknown to training, can
 * leak into the model).  Of the uses that count, a tag counts once for a
 * movie however many users applied it, however often.
 *
 * The features of an item, in this order of feature index:
 *   - genres (when a movies table is given): one feature a genre of the
 *     movies vocabulary (movies.h, in its order), then one "no genre"
 *     feature named REC_NO_GENRES, set for the movies that movies.csv lists
 *     as "(no genres listed)".  An item missing from movies.csv gets no
 *     genre feature at all: nothing is known about it, which is not the
 *     same as knowing that it has no genre.
 *   - tags (when a tags table is given): the tag vocabulary is the `vocab`
 *     tags applied to the most distinct items of the item map (items
 *     outside the map do not count), each applied to at least 2 of them;
 *     ties go to the tag whose bytes sort first (strcmp), so the choice is
 *     deterministic.  Tag features come in vocabulary order (most used
 *     first); an item has the features of the vocabulary tags applied to
 *     it (a binary bag).
 * Feature indices are int64_t so that start and feat can be written as
 * I64 safetensors tensors as they are; the names (joined with '\n',
 * rec_side_names_join) and ngenre and ntag go into the metadata, and
 * rec_side_names_split plus rec_side_from_csr rebuild the table.
 *
 * Like everything in lib/, these functions never print or exit: they
 * return 0, or -1 with err filled ("out of memory" when an allocation
 * fails, with no file or line for the functions that read no file).
 */
#ifndef REC_SIDE_H
#define REC_SIDE_H

#include <stdint.h>
#include <stdio.h>

#include "rec/idmap.h"
#include "rec/movies.h"
#include "rec/ratings.h"
#include "rec/util.h"

/* ---- tags.csv ---- */

struct rec_tag_use {
	int64_t movie;                  /* movieId */
	int32_t tag;                    /* tag index, 0..ntag-1 */
	int64_t user;                   /* userId of the tagger */
	int64_t ts;                     /* when it was written (seconds) */
};

struct rec_tags {
	size_t n;                       /* tag uses: the records kept */
	struct rec_tag_use *use;        /* (n) sorted by movieId, tag index,
	                                 * userId, then time */
	size_t ntag;                    /* distinct tags, in order of first appearance */
	size_t records;                 /* records read (not counting the header) */
	size_t empty;                   /* records skipped: the tag was empty */
	/* private */
	size_t cap;                     /* uses allocated */
	size_t *off;                    /* (ntag) offset of each tag in text */
	char *text;                     /* the tags, each NUL-terminated */
	size_t text_len, text_cap, off_cap;
	int32_t *slot;                  /* hash of the tags: index + 1, 0 = empty */
	size_t nslot;                   /* a power of two */
};

/* Read a whole tags.csv from fp (borrowed; name is used in messages and
 * must outlive the call).  On success *out is a new table (free with
 * rec_tags_free).  On failure *out is NULL and err names the file and the
 * line where the record starts: a missing or wrong header, a record
 * without exactly 4 fields ("expected 4 fields, got 3"), an empty or bad
 * userId or movieId ("movieId 'x' is not a non-negative integer"), a bad
 * timestamp ("bad timestamp 'x'"), a tag that is not UTF-8 ("tag 'caf?'
 * is not valid UTF-8"), malformed quoting, or a file without records
 * ("no tags", line 0).  A UTF-8 BOM and CRLF line ends are
 * accepted. */
int rec_tags_read(struct rec_tags **out, FILE *fp, const char *name,
                  struct rec_err *err);

void rec_tags_free(struct rec_tags *t);   /* NULL is fine */

/* The normalised text of tag k (0 <= k < ntag): a pointer into t. */
const char *rec_tags_name(const struct rec_tags *t, size_t k);

/* The index of the tag whose normalised text is name, or -1. */
int32_t rec_tags_find(const struct rec_tags *t, const char *name);

/* ---- the side feature table ---- */

struct rec_side {
	int nfeat;                      /* ngenre + ntag */
	int ngenre;                     /* genre features [0, ngenre): the genres, then
	                                 * REC_NO_GENRES; 0 without genres */
	int ntag;                       /* tag features [ngenre, nfeat), most used first */
	char **name;                    /* (nfeat) feature names: non-empty, no '\n';
	                                 * one block, owned */
	size_t ni;                      /* rows: the items, by dense index */
	size_t nnz;                     /* start[ni] */
	int64_t *start;                 /* (ni + 1) row i is feat[start[i] .. start[i+1]) */
	int64_t *feat;                  /* (nnz) feature indices, ascending within a row */
};

/* What rec_side_build saw (for the programs' log); counts of items of
 * the map, except qualified and the tag uses. */
struct rec_side_stats {
	size_t no_movie;                /* not in movies.csv: no genre feature */
	size_t no_genre;                /* "(no genres listed)" */
	size_t no_tag;                  /* without any tag feature (all of them
	                                 * when there are no tag features) */
	size_t qualified;               /* tags on at least 2 items (vocab cuts them) */
	size_t uses_kept;               /* tag uses of the training period */
	size_t uses_late;               /* written after the tagger's last
	                                 * training rating */
	size_t uses_unknown;            /* by a tagger with no training rating */
};

/* Build the side features of the items of train (borrowed; row i is the
 * item of dense index i), from the tag uses of its training period (the
 * header).  movies == NULL: no genre features; tags == NULL or vocab ==
 * 0: no tag features.  vocab must be >= 0.  st may be NULL.  On success
 * *out is a new table (free with rec_side_free); on failure *out is NULL
 * and err is filled. */
int rec_side_build(struct rec_side **out, const struct rec_ratings *train,
                   const struct rec_movies *movies, const struct rec_tags *tags,
                   int vocab, struct rec_side_stats *st, struct rec_err *err);

/* A table from its parts (all borrowed and copied): ngenre + ntag names,
 * ni + 1 row offsets and nnz feature indices.  Checks everything, with
 * messages like "side start[3] = 2 is below start[2] = 4",
 * "side feat[7] = 25 out of range [0, 20)", "side feat[7] = 3 not above
 * feat[6] = 3 (row 2)", "side feature 4 has an empty name"; file (may be
 * NULL) is for the messages.  *out as for rec_side_build. */
int rec_side_from_csr(struct rec_side **out, int ngenre, int ntag,
                      const char *const *name, size_t ni, const int64_t *start,
                      size_t nnz, const int64_t *feat, const char *file,
                      struct rec_err *err);

void rec_side_free(struct rec_side *s);   /* NULL is fine */

/* The feature names joined by '\n' (no final '\n'; "" when nfeat is 0),
 * for a metadata value.  Returns a new string (rec_free it), or NULL when
 * out of memory (err filled). */
char *rec_side_names_join(const struct rec_side *s, struct rec_err *err);

/* The inverse: split joined at '\n' into exactly nfeat names.  *out is one
 * block holding nfeat pointers and the text (one rec_free frees it).
 * Fails (file in the message) when the count differs ("side names: 19
 * names, expected 20") or a name is empty. */
int rec_side_names_split(char ***out, const char *joined, int nfeat,
                         const char *file, struct rec_err *err);

#endif
