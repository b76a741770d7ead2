/* util: small pieces both reporters and the suppression code share.
 *
 * memcheck prints every count with thousands separators ("72,882 bytes") and
 * names leak kinds, heuristics and error kinds with fixed words that differ
 * between the text report, the XML and suppression files.  Keeping the words
 * in one table per concept is what keeps the three outputs consistent. */
#ifndef LEAKTRACE_UTIL_H
#define LEAKTRACE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "leaktrace/report.h"
#include "leaktrace/scan.h"

/* Enough for UINT64_MAX with separators and the terminating NUL. */
#define UTIL_NUM_BUFSZ 32

/* v in decimal with ',' every three digits, as memcheck's "%'lu".
 * Writes into buf and returns it. */
/* Appends s to a NULL-terminated list of strings (growing it; *list may be
 * NULL).  0, or -1 with "leaktrace: out of memory" said. */
int util_push_string(const char ***list, const char *s);

char *util_fmt_num(char buf[UTIL_NUM_BUFSZ], uint64_t v);

/* "dd:hh:mm:ss.mmm" (no trailing space) for the XML <time>.  Returns buf. */
#define UTIL_TIME_BUFSZ 32
char *util_fmt_elapsed(char buf[UTIL_TIME_BUFSZ], uint64_t elapsed_ms);

/* "definitely lost", "indirectly lost", "possibly lost", "still reachable". */
const char *util_leak_kind_words(enum leak_kind k);
/* "Leak_DefinitelyLost", ... (XML <kind>). */
const char *util_leak_kind_xml(enum leak_kind k);
/* "definite", "indirect", "possible", "reachable" (match-leak-kinds). */
const char *util_leak_kind_supp(enum leak_kind k);
/* "stdstring", "length64", "newarray", "multipleinheritance"; NULL for HEUR_NONE. */
const char *util_heuristic_name(enum leak_heuristic h);

/* "Invalid free() / delete / delete[] / realloc()", ... */
const char *util_mem_error_what(enum mem_error_kind k);
/* "InvalidFree", "MismatchedFree", ... (XML <kind>). */
const char *util_mem_error_xml_kind(enum mem_error_kind k);
/* The suppression kind after "Memcheck:": "Free", or "FdNotClosed"... */
const char *util_mem_error_supp_kind(enum mem_error_kind k);

/* Symbolizes ip through r->symbolize; on failure or without a symbolizer,
 * *out describes the bare ip (every string NULL). */
void util_symbolize(const struct report *r, uint64_t ip, struct frame_info *out);
/* Every frame of st, symbolized, with inlined functions expanded into
 * frames of their own when the report has symbolize_all: a malloc'd array
 * (the caller frees it) of *nframes entries; NULL when st is empty or on
 * allocation failure. */
struct frame_info *util_symbolize_stack(const struct report *r, const struct report_stack *st,
					unsigned *nframes);

/* "Address 0x.. is N bytes inside (before, after) a block of size M
 * <state>", the sentence both reporters print for a bad free's block. */
void util_block_addr(const struct mem_error *e, const char *state, char *buf, size_t len);

#endif
