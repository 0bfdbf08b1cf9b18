/*
 * parallel.c - a parallel for on POSIX threads (see parallel.h).
 */
#include <pthread.h>

#include "rec/parallel.h"

struct part {
	rec_part_fn *fn;
	void *ctx;
	size_t beg, end;
	int t;
};

static void *
run_part(void *arg)
{
	struct part *p = arg;

	p->fn(p->ctx, p->beg, p->end, p->t);
	return NULL;
}

void
rec_parallel_for(size_t n, int parts, rec_part_fn *fn, void *ctx)
{
	struct part part[64];
	pthread_t tid[64];
	int started[64] = { 0 };

	if (parts < 1)
		parts = 1;
	if (parts > 64)
		parts = 64;
	for (int t = 0; t < parts; t++)
		part[t] = (struct part){ fn, ctx, n * (size_t)t / (size_t)parts,
		                         n * (size_t)(t + 1) / (size_t)parts, t };
	for (int t = 1; t < parts; t++)
		started[t] = pthread_create(&tid[t], NULL, run_part, &part[t]) == 0;
	for (int t = 0; t < parts; t++)
		if (!started[t])
			run_part(&part[t]);
	for (int t = 1; t < parts; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
}
