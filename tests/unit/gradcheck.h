/*
 * gradcheck.h - comparing analytic gradients with numerical ones, for the
 * gradient checks of the layer tests (STYLE.md A.8.8).
 */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include <stddef.h>

#define GRAD_TOL 1e-2   /* relative error allowed, STYLE A.8.8 */

/* |a - m| / max(1e-6, |a| + |m|) */
double grad_relerr(double a, double m);

/* How an analytic gradient compares with a numerical one. */
struct grad_cmp {
	size_t bad;             /* coordinates with relerr > GRAD_TOL */
	size_t worst;           /* the coordinate with the largest relerr */
	double rel, an, num;    /* ... its relerr and both values */
};

/* Compare an[0..len) with num[0..len).  Prints nothing. */
struct grad_cmp grad_compare(const float *an, const double *num, size_t len);

#endif
