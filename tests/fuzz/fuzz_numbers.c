/* fuzz_numbers - the strict number parsers of util.h on any bytes: as a
 * (buf, len) field and as a NUL-terminated string. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rec/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rec_err err = { 0 };
	char *s = malloc(size + 1), q[32];
	uint64_t u;
	int64_t id;
	double d;

	if (!s)
		return 0;
	memcpy(s, data, size);   /* exactly size bytes: no NUL after the field */
	if (rec_parse_u64(s, size, 1000, &u) == 0 && u > 1000)
		__builtin_trap();
	rec_parse_u64(s, size, UINT64_MAX, &u);
	if (rec_parse_dec(s, size, &d) == 0 && (!isfinite(d) || d < 0))
		__builtin_trap();
	rec_parse_id(&id, s, size, "user", "fuzz", 1, &err);
	rec_quote(q, sizeof q, s, size);
	s[size] = '\0';
	if (rec_parse_real(s, &d) == 0 && !isfinite(d))
		__builtin_trap();
	free(s);
	return 0;
}
