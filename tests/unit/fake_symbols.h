/* fake_symbols.h: the report tests' stand-in for the symbolizer.  Each test
 * keeps its own table of frames; fake_lookup answers for an address that is
 * in it and fails for any other, as symbols_describe does for an unknown ip. */
#ifndef LEAKTRACE_TEST_FAKE_SYMBOLS_H
#define LEAKTRACE_TEST_FAKE_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

#include "leaktrace/report.h"

static inline int fake_lookup(const struct frame_info *table, size_t n, uint64_t ip,
			      struct frame_info *out)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].ip == ip) {
			*out = table[i];
			return 0;
		}
	return -1;
}

#endif
