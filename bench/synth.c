/*
 * synth - write a synthetic ratings stream for benchmarks.
 *
 *	synth [-n RATINGS] [-u USERS] [-i ITEMS] [-s SEED]
 *
 * Shaped like MovieLens: users in id order, each with a Zipf-like number
 * of ratings (exponent 0.5, the heaviest user of an ML-25M-sized set gets
 * about 30,000), of distinct items drawn by a Zipf-like popularity
 * (exponent 0.5, shuffled over the item ids); a rating is a rank-8 dot
 * product of user and item factors plus noise, on the half-star scale
 * 0.5..5; timestamps rise within each user.  About RATINGS rows in all
 * (rounding); the same arguments give the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec/rng.h"
#include "rec/util.h"

#define RANK 8

/* cdf[i] = P(index <= i) for weights 1 / (i + 1)^s. */
static double *
zipf_cdf(size_t n, double s)
{
	double *cdf = malloc(n * sizeof *cdf), sum = 0;

	if (!cdf)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cdf[i] = sum += pow((double)i + 1, -s);
	for (size_t i = 0; i < n; i++)
		cdf[i] /= sum;
	return cdf;
}

static size_t
draw(const double *cdf, size_t n, double u)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static long
arg(const char *s, const char *what)
{
	uint64_t v;

	if (rec_parse_u64(s, strlen(s), 1000000000000, &v) != 0 || v == 0) {
		fprintf(stderr, "synth: %s '%s' is not a positive integer\n", what, s);
		exit(2);
	}
	return (long)v;
}

/* Fisher-Yates shuffle of a[0..n). */
static void
shuffle(double *a, size_t n, struct rec_rng *g)
{
	for (size_t k = n; k > 1; k--) {
		size_t j = (size_t)rec_rng_below(g, k);
		double t = a[k - 1];
		a[k - 1] = a[j];
		a[j] = t;
	}
}

int
main(int argc, char *argv[])
{
	long n = 1000000, nu = 10000, ni = 5000, seed = 1;
	struct rec_rng g;
	double *uw, *icdf, wsum = 0;
	float *uf, *vf;
	long *seen;
	static char buf[1 << 16];
	size_t len = 0;
	int c;

	while ((c = getopt(argc, argv, "n:u:i:s:")) != -1) {
		switch (c) {
		case 'n': n = arg(optarg, "-n"); break;
		case 'u': nu = arg(optarg, "-u"); break;
		case 'i': ni = arg(optarg, "-i"); break;
		case 's': seed = arg(optarg, "-s"); break;
		default:
			fprintf(stderr, "usage: synth [-n RATINGS] [-u USERS] [-i ITEMS] [-s SEED]\n");
			return 2;
		}
	}
	rec_rng_seed(&g, (uint64_t)seed);
	uw = malloc((size_t)nu * sizeof *uw);
	icdf = zipf_cdf((size_t)ni, 0.5);
	uf = malloc((size_t)nu * RANK * sizeof *uf);
	vf = malloc((size_t)ni * RANK * sizeof *vf);
	seen = calloc((size_t)ni, sizeof *seen);
	if (!uw || !icdf || !uf || !vf || !seen) {
		fprintf(stderr, "synth: out of memory\n");
		return 1;
	}
	for (long u = 0; u < nu; u++)
		wsum += uw[u] = pow((double)u + 1, -0.5);
	shuffle(uw, (size_t)nu, &g);
	for (long k = 0; k < nu * RANK; k++)
		uf[k] = 0.35f * rec_rng_normal(&g);
	for (long k = 0; k < ni * RANK; k++)
		vf[k] = 0.35f * rec_rng_normal(&g);
	for (long u = 0; u < nu; u++) {
		long cnt = lround((double)n * uw[u] / wsum);
		long ts = 946684800L + (long)rec_rng_below(&g, 600000000);
		cnt = cnt < 1 ? 1 : cnt > ni / 2 ? ni / 2 : cnt;
		for (long r = 0; r < cnt; r++) {
			size_t i;
			do	/* distinct items: seen[i] holds the last user + 1 */
				i = draw(icdf, (size_t)ni, rec_rng_uniform(&g));
			while (seen[i] == u + 1);
			seen[i] = u + 1;
			/* popularity rank i -> a scattered item id */
			size_t id = (i * 2654435761u) % (size_t)ni;
			float dot = 0;
			for (int k = 0; k < RANK; k++)
				dot += uf[u * RANK + k] * vf[i * RANK + k];
			float v = 3.5f + dot + 0.5f * rec_rng_normal(&g);
			int half = (int)lrintf(v * 2);
			half = half < 1 ? 1 : half > 10 ? 10 : half;
			ts += 1 + (long)rec_rng_below(&g, 3600);
			len += (size_t)snprintf(buf + len, sizeof buf - len,
			                        "%ld\t%zu\t%d%s\t%ld\n", u + 1, id + 1,
			                        half / 2, half % 2 ? ".5" : "", ts);
			if (len > sizeof buf - 128) {
				if (fwrite(buf, 1, len, stdout) != len)
					return 1;
				len = 0;
			}
		}
	}
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return 1;
	return 0;
}
