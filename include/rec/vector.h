/*
 * vector.h - what the hand-vectorised loops share: a 16-float vector
 * (GCC's vector extension: one AVX-512 register, two AVX or four SSE
 * ones) and VECTOR_CLONES, which compiles a function once for AVX-512,
 * once for AVX2 and once for the base x86-64, the copy picked at load
 * time for the CPU (gcc's ifunc).  Outside gcc on x86-64 it is nothing.
 * And vec_dot, a dot product that vectorises.
 *
 * Under -std=c11 a * b + c is never contracted into an FMA, so every
 * clone computes the same bits; a file that opts into contraction says
 * so (gemm.c).
 */
#ifndef REC_VECTOR_H
#define REC_VECTOR_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

typedef float v16 __attribute__((vector_size(64)));

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

#endif
