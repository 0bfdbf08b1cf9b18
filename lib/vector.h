/*
 * vector.h - private to lib/ (no rec_ prefix, not a public header): what
 * the hand-vectorised loops share: a 16-float vector
 * (GCC's vector extension: one AVX-512 register, two AVX or four SSE
 * ones) and an 8-float one (gcc 12 moves the halves of a 16-float vector
 * through memory without AVX-512: a loop that must stay in registers
 * there uses two 8-float ones); VECTOR_CLONES, which compiles a function
 * once for AVX-512, once for AVX2 and once for the base x86-64, the copy
 * picked at load time for the CPU (gcc's ifunc), and vec_wide, which
 * tells a clone whether to use 16-float vectors.  Outside gcc on x86-64
 * VECTOR_CLONES is nothing.  And vec_sum8x2, vec_sum16 and vec_dot, sums
 * in a fixed order that vectorise, and exp_neg and sigm, e^x and the
 * sigmoid without a libm call.
 *
 * Under -std=c11 a * b + c is never contracted into an FMA, so every
 * clone computes the same bits; a file that opts into contraction says
 * so (gemm.c).
 */
#ifndef REC_VECTOR_H
#define REC_VECTOR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

/* 1 when the CPU has 16-float registers (AVX-512): a function of
 * VECTOR_CLONES asks it to pick its vectors' width, since every clone
 * runs the same C. */
static inline int
vec_wide(void)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
	return __builtin_cpu_supports("avx512f");
#else
	return 0;
#endif
}

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));

/* The sum of the 16 lanes of lo then hi as a tree of halves (lo + hi,
 * then lanes 0..3 + 4..7, ...): a fixed order, four additions deep.  By
 * pointer: a vector passed by value has another ABI with AVX than
 * without. */
static inline __attribute__((always_inline)) float
vec_sum8x2(const v8 *lo, const v8 *hi)
{
	v8 lo8 = *lo + *hi;
	v4 lo4, hi4;

	memcpy(&lo4, &lo8, sizeof lo4);
	memcpy(&hi4, (char *)&lo8 + sizeof lo4, sizeof hi4);
	lo4 += hi4;
	return (lo4[0] + lo4[2]) + (lo4[1] + lo4[3]);
}

/* The sum of *v's 16 lanes, vec_sum8x2 of its halves. */
static inline __attribute__((always_inline)) float
vec_sum16(const v16 *v)
{
	v8 lo8, hi8;

	memcpy(&lo8, v, sizeof lo8);
	memcpy(&hi8, (const char *)v + sizeof lo8, sizeof hi8);
	return vec_sum8x2(&lo8, &hi8);
}

/* a . b over n floats, summed in 8 interleaved partial sums (then those
 * in order): the same result every run, without the latency of one long
 * chain of additions. */
static inline __attribute__((always_inline)) float
vec_dot(const float *a, const float *b, int n)
{
	float acc[8] = { 0 }, s = 0;
	int c = 0;

	for (; c + 8 <= n; c += 8)
		for (int t = 0; t < 8; t++)
			acc[t] += a[c + t] * b[c + t];
	for (int t = 0; t < 8; t++)
		s += acc[t];
	for (; c < n; c++)
		s += a[c] * b[c];
	return s;
}

/* e^x for x <= 0, without a libm call, so that a loop that calls it
 * vectorises (the LSTM's cells) or keeps its vectors in registers (MF's
 * SGD step): x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor
 * polynomial to degree 7 (relative error below 2e-7 on that range),
 * times 2^n made from the exponent bits.  x below -87 gives e^-87 (about
 * 1.6e-38): as good as 0 next to 1 in a sigmoid or tanh. */
static inline __attribute__((always_inline)) float
exp_neg(float x)
{
	const float ln2_hi = 0.693145752f, ln2_lo = 1.42860677e-6f;
	float n, r, p, scale;
	int32_t bits;

	x = x < -87.0f ? -87.0f : x;
	/* round to the nearest integer by adding and taking away 1.5 2^23:
	 * plain float arithmetic, which vectorises for every instruction set
	 * (a round trip through int32_t does not, for AVX) */
	n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
	r = (x - n * ln2_hi) - n * ln2_lo;
	p = 1.0f / 5040;
	p = p * r + 1.0f / 720;
	p = p * r + 1.0f / 120;
	p = p * r + 1.0f / 24;
	p = p * r + 1.0f / 6;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	bits = ((int32_t)n + 127) << 23;
	memcpy(&scale, &bits, sizeof scale);
	return p * scale;
}

/* the sigmoid through exp_neg of -|x| (lstm.c's tanh likewise): no
 * overflow for any finite x, and a select, not a branch, on the sign */
static inline __attribute__((always_inline)) float
sigm(float x)
{
	float e = exp_neg(-fabsf(x));

	return (x >= 0.0f ? 1.0f : e) / (1.0f + e);
}

#endif
