/* t_scan.c - rec_scan against rec_sgemm_packed on the same product, to
 * the bit, on sizes on both sides of each edge (strips of 6 rows,
 * panels of 16 items and pairs of them, 256 terms); then every
 * instruction set's version against the order scan.c documents. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rec/gemm.h"
#include "rec/rng.h"
#include "rec/scan.h"

static const int ms[] = { 1, 5, 6, 7, 13, 40 };
static const int ns[] = { 1, 15, 16, 17, 33, 100 };
static const int ks[] = { 1, 65, 256, 300 };

/* A (m, k) with stride k + 1, B (n, k) with stride k + 2, both uniform
 * on [-1, 1), and C's rows n + 3 apart, all NaN. */
struct prod {
	int m, n, k, lda, ldb, ldc;
	float *a, *b, *c;
};

static int
prod_new(struct prod *p, int m, int n, int k, struct rec_rng *r)
{
	*p = (struct prod){ m, n, k, k + 1, k + 2, n + 3, NULL, NULL, NULL };
	p->a = malloc((size_t)m * p->lda * sizeof *p->a);
	p->b = malloc((size_t)n * p->ldb * sizeof *p->b);
	p->c = malloc((size_t)m * p->ldc * sizeof *p->c);
	if (!p->a || !p->b || !p->c)
		return -1;
	for (size_t j = 0; j < (size_t)m * p->lda; j++)
		p->a[j] = 2 * (float)rec_rng_uniform(r) - 1;
	for (size_t j = 0; j < (size_t)n * p->ldb; j++)
		p->b[j] = 2 * (float)rec_rng_uniform(r) - 1;
	for (size_t j = 0; j < (size_t)m * p->ldc; j++)
		p->c[j] = NAN;
	return 0;
}

static void
prod_free(struct prod *p)
{
	free(p->a);
	free(p->b);
	free(p->c);
}

/* Elements of p->c not of the bits of want (row stride ldc, n
 * columns), and any past a row that was written. */
static size_t
differ(const struct prod *p, const float *want)
{
	size_t bad = 0;

	for (int i = 0; i < p->m; i++)
		for (int j = 0; j < p->ldc; j++) {
			const float *x = &p->c[(size_t)i * p->ldc + j];
			if (j < p->n)
				bad += memcmp(x, &want[(size_t)i * p->ldc + j], sizeof *x) != 0;
			else
				bad += !isnan(*x);
		}
	return bad;
}

TEST(scan_same_bits_as_packed_gemm)
{
	struct rec_rng r;

	rec_rng_seed(&r, 31);
	for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
	for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
	for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
		int m = ms[mi], n = ns[ni], k = ks[ki];
		struct prod p;
		float *gp = malloc(rec_sgemm_packed_len(k, n) * sizeof *gp);
		float *sp = malloc(rec_scan_packed_len(k, n) * sizeof *sp);
		float *want = malloc((size_t)m * (n + 3) * sizeof *want);

		CHECK(prod_new(&p, m, n, k, &r) == 0 && gp && sp && want);
		if (p.a && p.b && p.c && gp && sp && want) {
			rec_sgemm_pack(gp, 1, k, n, p.b, p.ldb);
			rec_sgemm_packed(0, m, n, k, 1.0f, p.a, p.lda, gp, 0.0f, want,
			                 p.ldc, 1);
			rec_scan_pack(sp, k, n, p.b, p.ldb);
			rec_scan(m, n, k, p.a, p.lda, sp, p.c, p.ldc);
			size_t bad = differ(&p, want);
			if (bad)
				fprintf(stderr, "scan %dx%dx%d: %zu elements differ\n", m,
				        n, k, bad);
			CHECK(bad == 0);
		}
		prod_free(&p);
		free(gp);
		free(sp);
		free(want);
	}
}

/* Every version this CPU runs (the base one always) sums each element
 * in order, 256 terms at a time from zero, each block then added to
 * the sum before; fused where it has FMA. */
TEST(scan_versions_in_order)
{
	static const char *name[] = { "avx512", "avx2", "base" };
	struct rec_rng r;

	rec_rng_seed(&r, 32);
	for (int isa = REC_GEMM_AVX512; isa <= REC_GEMM_BASE; isa++) {
		size_t bad = 0, ran = 0;
		for (size_t mi = 0; mi < sizeof ms / sizeof ms[0]; mi++)
		for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
		for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
			int m = ms[mi], n = ns[ni], k = ks[ki];
			struct prod p;
			float *sp = malloc(rec_scan_packed_len(k, n) * sizeof *sp);
			float *want = malloc((size_t)m * (n + 3) * sizeof *want);

			CHECK(prod_new(&p, m, n, k, &r) == 0 && sp && want);
			if (p.a && p.b && p.c && sp && want) {
				for (int i = 0; i < m; i++)
					for (int j = 0; j < n; j++) {
						float c = 0;
						for (int p0 = 0; p0 < k; p0 += 256) {
							float s = 0;
							for (int q = p0; q < k && q < p0 + 256; q++) {
								float x = p.a[(size_t)i * p.lda + q];
								float y = p.b[(size_t)j * p.ldb + q];
								s = isa != REC_GEMM_BASE ? fmaf(x, y, s) :
								    s + x * y;
							}
							c = p0 == 0 ? s : c + s;
						}
						want[(size_t)i * p.ldc + j] = c;
					}
				rec_scan_pack(sp, k, n, p.b, p.ldb);
				if (rec_scan_isa(isa, m, n, k, p.a, p.lda, sp, p.c,
				                 p.ldc) == 0) {
					ran++;
					bad += differ(&p, want);
				}
			}
			prod_free(&p);
			free(sp);
			free(want);
		}
		if (!ran)
			fprintf(stderr, "scan: no %s version in this build or CPU\n",
			        name[isa]);
		if (bad)
			fprintf(stderr, "scan %s: %zu elements out of order\n",
			        name[isa], bad);
		CHECK(bad == 0);
		CHECK(ran > 0 || isa != REC_GEMM_BASE);
	}
}
