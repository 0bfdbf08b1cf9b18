/*
 * rng.c - xoshiro256** 1.0 (Blackman and Vigna, 2018) with splitmix64
 * seeding, as in the authors' reference code.
 */
#include <math.h>

#include "rec/rng.h"

uint64_t
rec_rng_mix(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15u;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

void
rec_rng_seed(struct rec_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		seed += 0x9e3779b97f4a7c15u;
		r->s[i] = rec_rng_mix(seed);
	}
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
rec_rng_next(struct rec_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t
rec_rng_below(struct rec_rng *r, uint64_t n)
{
	/* Reject the top sliver that would favour small values. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;

	do
		x = rec_rng_next(r);
	while (x >= limit);
	return x % n;
}

float
rec_rng_uniform(struct rec_rng *r)
{
	return (float)(rec_rng_next(r) >> 40) * (1.0f / 16777216.0f);
}

float
rec_rng_normal(struct rec_rng *r)
{
	double u1 = ((double)(rec_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
	double u2 = (double)(rec_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);

	return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

void
rec_rng_permutation(struct rec_rng *r, uint32_t *order, size_t n)
{
	for (size_t j = 0; j < n; j++)
		order[j] = (uint32_t)j;
	for (size_t j = n; j > 1; j--) {
		size_t s = (size_t)rec_rng_below(r, j);
		uint32_t t = order[j - 1];
		order[j - 1] = order[s];
		order[s] = t;
	}
}

void
rec_rng_perm_init(struct rec_rng_perm *p, uint64_t n, uint64_t key)
{
	p->n = n;
	p->half = 1;
	while (p->half < 31 && (uint64_t)1 << 2 * p->half < n)
		p->half++;
	p->mask = ((uint64_t)1 << p->half) - 1;
	for (int r = 0; r < 4; r++)
		p->key[r] = rec_rng_mix(key + (uint64_t)r);
}

uint64_t
rec_rng_perm_at(const struct rec_rng_perm *p, uint64_t x)
{
	/* each round swaps the halves, one mixed with a hash of the other;
	 * a point outside [0, n) is taken through again until it falls in */
	do {
		uint64_t l = x >> p->half, r = x & p->mask;
		for (int k = 0; k < 4; k++) {
			uint64_t t = l ^ (rec_rng_mix(r ^ p->key[k]) & p->mask);
			l = r;
			r = t;
		}
		x = l << p->half | r;
	} while (x >= p->n);
	return x;
}
