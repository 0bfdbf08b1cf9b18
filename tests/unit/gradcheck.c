/* gradcheck.c - see gradcheck.h. */
#include <math.h>

#include "gradcheck.h"

double
grad_relerr(double a, double m)
{
	return fabs(a - m) / fmax(1e-6, fabs(a) + fabs(m));
}

struct grad_cmp
grad_compare(const float *an, const double *num, size_t len)
{
	struct grad_cmp c = { 0, 0, -1, 0, 0 };

	for (size_t j = 0; j < len; j++) {
		double e = grad_relerr(an[j], num[j]);
		if (e > GRAD_TOL)
			c.bad++;
		if (e > c.rel)
			c.worst = j, c.rel = e, c.an = an[j], c.num = num[j];
	}
	return c;
}
