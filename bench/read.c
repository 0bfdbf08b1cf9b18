/*
 * read - time reading a ratings TSV into memory (issue 9's "reading 25M
 * ratings"), the way every program but rec-filter reads its input.
 *
 *	read FILE
 *
 * Prints: ratings, users, items, seconds (wall, the read alone), and the
 * bytes a rating the table holds (its arrays' capacity, not the RSS).
 */
#include <stdio.h>
#include <time.h>

#include "rec/ratings.h"

int
main(int argc, char *argv[])
{
	struct rec_ratings *r = rec_ratings_new();
	struct rec_err err = { 0 };
	struct timespec t0, t1;
	FILE *fp;

	if (argc != 2 || !r) {
		fprintf(stderr, "usage: read FILE\n");
		return 2;
	}
	if (!(fp = fopen(argv[1], "r"))) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (rec_ratings_read_tsv(r, fp, argv[1], &err) != 0) {
		fprintf(stderr, "read: %s:%ld: %s\n", err.file, err.line, err.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(fp);
	/* user, item, rating, timestamp; line numbers are not kept for TSV */
	double row = sizeof *r->user + sizeof *r->item + sizeof *r->rating +
	             sizeof *r->ts + (r->line ? sizeof *r->line : 0);
	printf("%zu\t%zu\t%zu\t%.3f\t%.1f\n", r->n, r->users.n, r->items.n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       row * (double)r->cap / (double)r->n);
	rec_ratings_free(r);
	return 0;
}
