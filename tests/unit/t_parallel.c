/* t_parallel.c - rec_parallel_for: every index done exactly once, by the
 * part the split gives it, call after call on the kept threads; a call
 * from inside a part runs there, in order; the sums the threads leave
 * are seen by the caller; no part runs twice. */
#include <string.h>

#include "check.h"
#include "rec/parallel.h"

enum { N = 1000 };

struct mark {
	int hits[N];
	int part[N];
};

static void
mark(void *ctx, size_t beg, size_t end, int t)
{
	struct mark *m = ctx;

	for (size_t i = beg; i < end; i++) {
		m->hits[i]++;
		m->part[i] = t;
	}
}

TEST(parallel_every_index_once)
{
	static const int parts[] = { 1, 2, 3, 7, 64, 65 };
	static struct mark m;

	for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++)
		for (int call = 0; call < 50; call++) {
			int n = parts[p] > 64 ? 64 : parts[p], bad = 0;
			memset(&m, 0, sizeof m);
			rec_parallel_for(N, parts[p], mark, &m);
			for (size_t i = 0; i < N; i++) {
				/* part t holds [N t / n, N (t + 1) / n) */
				int t = m.part[i];
				bad += m.hits[i] != 1 || t < 0 || t >= n ||
				       i < (size_t)N * t / n || i >= (size_t)N * (t + 1) / n;
			}
			CHECK(bad == 0);
		}
}

struct nest {
	struct mark inner[2];
};

static void
outer(void *ctx, size_t beg, size_t end, int t)
{
	struct nest *s = ctx;

	(void)beg;
	(void)end;
	rec_parallel_for(N, 3, mark, &s->inner[t]);
}

TEST(parallel_nested_call_runs_inline)
{
	static struct nest s;

	memset(&s, 0, sizeof s);
	rec_parallel_for(2, 2, outer, &s);
	for (int t = 0; t < 2; t++)
		for (size_t i = 0; i < N; i++)
			CHECK(s.inner[t].hits[i] == 1);
}

/* Many short calls of two parts: on a loaded machine a worker is now
 * and then held off the processor between seeing a call and taking its
 * part, and a part taken in a call it no longer belongs to would run
 * twice (this caught the stale take 1 run in 3 with a busy loop on each
 * of two processors). */
TEST(parallel_stale_worker_takes_nothing)
{
	static struct mark m;
	int bad = 0;

	for (int call = 0; call < 200000 && !bad; call++) {
		memset(m.hits, 0, 64 * sizeof m.hits[0]);
		rec_parallel_for(64, 2, mark, &m);
		for (size_t i = 0; i < 64; i++)
			bad += m.hits[i] != 1;
	}
	CHECK(bad == 0);
}
