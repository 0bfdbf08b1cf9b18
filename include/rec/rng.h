/*
 * rng.h - the one random number generator of recpipe: xoshiro256**,
 * seeded through splitmix64.  A value the caller owns and passes in; the
 * same seed gives the same stream on every machine.
 */
#ifndef REC_RNG_H
#define REC_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rec_rng {
	uint64_t s[4];
};

void rec_rng_seed(struct rec_rng *r, uint64_t seed);
uint64_t rec_rng_next(struct rec_rng *r);
/* Uniform in [0, n), without modulo bias; n > 0. */
uint64_t rec_rng_below(struct rec_rng *r, uint64_t n);
/* Uniform float in [0, 1), 24 random bits. */
float rec_rng_uniform(struct rec_rng *r);
/* Standard normal (Box-Muller, one value per call). */
float rec_rng_normal(struct rec_rng *r);
/* order[0..n) = a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void rec_rng_permutation(struct rec_rng *r, uint32_t *order, size_t n);
/* splitmix64 step: a well-mixed hash of x, for deriving seeds. */
uint64_t rec_rng_mix(uint64_t x);

/* A pseudorandom permutation of [0, n), n <= 2^62, drawn from a key
 * alone and evaluated at any point without the others, so that the
 * ranks of a job each place their own rows in one order of the whole
 * table: a 4-round Feistel network over [0, 4^h), the least such range
 * that holds n, cycle-walked into [0, n) (Black and Rogaway, "Ciphers
 * with Arbitrary Finite Domains", 2002): 4^h / n < 4 passes through it
 * a point on average. */
struct rec_rng_perm {
	uint64_t n, mask, key[4];
	int half;   /* h: bits of each half */
};

void rec_rng_perm_init(struct rec_rng_perm *p, uint64_t n, uint64_t key);
/* The place of x (< n) in the permutation. */
uint64_t rec_rng_perm_at(const struct rec_rng_perm *p, uint64_t x);

#endif
