/* suppress: Valgrind suppression files — parse, match, count, generate.
 *
 * A file holds blocks of the form
 *
 *     {
 *        name
 *        Memcheck:Leak
 *        match-leak-kinds: definite,possible     (Leak only, optional)
 *        fun:malloc                              (mangled name pattern)
 *        obj:/usr/lib/libfoo.so*                 (object path pattern)
 *        src:foo.c:12                            (file pattern [:line])
 *        ...                                     (any number of frames)
 *     }
 *
 * Patterns use '*' and '?'.  Frame lines match the error's stack from its
 * innermost frame; the stack may be longer than the suppression.  fun:
 * matches the mangled name only, as memcheck does (a demangled name in a
 * suppression never matches a C++ function).  Suppressions for other tools
 * are skipped, other Memcheck kinds are kept but match nothing leaktrace
 * reports. */
#ifndef LEAKTRACE_SUPPRESS_H
#define LEAKTRACE_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "leaktrace/report.h"
#include "leaktrace/scan.h"

struct suppress;

/* NULL on allocation failure.  Free with suppress_free. */
struct suppress *suppress_new(void);
void suppress_free(struct suppress *s);

/* The largest suppression file read (valgrind's own default.supp is
 * under 100 KiB; the largest in the wild a few MiB). */
#define SUPPRESS_MAX_FILE (64 << 20)

/* Adds the suppressions of a file.  On failure returns a negative errno
 * (-EINVAL for a syntax error or a file that is not a regular one, -EFBIG
 * past SUPPRESS_MAX_FILE) and writes "FILE:LINE: what is wrong" (or
 * "FILE: strerror") into err, the file's own bytes escaped.  Suppressions
 * before the error stay loaded. */
int suppress_load_file(struct suppress *s, const char *path, char *err, size_t errlen);
/* The same from memory; fname names it in messages and -s lines. */
int suppress_load_buffer(struct suppress *s, const char *fname, const char *text, size_t len,
			 char *err, size_t errlen);

/* Number of suppressions loaded (for the lead's -v output). */
size_t suppress_count(const struct suppress *s);

/* The index of the first suppression matching a leak record of kind k
 * (frames[0] = allocation function), or -1.  Counts nothing. */
int suppress_find_leak(const struct suppress *s, enum leak_kind k, const struct frame_info *frames,
		       unsigned n);
/* The same for a memory error (frames[0] = the bad free call). */
int suppress_find_error(const struct suppress *s, enum mem_error_kind k,
			const struct frame_info *frames, unsigned n);
/* Name of suppression idx; valid until suppress_free. */
const char *suppress_name(const struct suppress *s, int idx);
/* Records that suppression idx suppressed count more errors or loss
 * records, holding bytes in blocks (leaks; 0 otherwise). */
void suppress_add_use(struct suppress *s, int idx, unsigned count, uint64_t bytes, uint64_t blocks);

/* find + add_use(1, bytes, blocks): the suppression's name or NULL.  bytes
 * is the record's total (direct + indirect), as memcheck counts it. */
const char *suppress_match_leak(struct suppress *s, enum leak_kind k,
				const struct frame_info *frames, unsigned n, uint64_t bytes,
				uint64_t blocks);
/* find + add_use(1): for one occurrence of a memory error. */
const char *suppress_match_error(struct suppress *s, enum mem_error_kind k,
				 const struct frame_info *frames, unsigned n);

/* The suppressions used at least once, in the order they were loaded, as
 * report->supp_used wants them.  *out is malloc'd (the caller frees it;
 * its strings belong to s).  Returns their number or -ENOMEM. */
long suppress_used(const struct suppress *s, struct suppression_use **out);

/* --gen-suppressions. */

/* The header of a generated suppression: "Memcheck:Leak" and
 * "match-leak-kinds: definite", or "Memcheck:Free" and no aux line. */
struct supp_head {
	char skind[32];
	char skaux[48]; /* "" when there is none */
};
void suppress_head_leak(enum leak_kind k, struct supp_head *h);
void suppress_head_error(enum mem_error_kind k, struct supp_head *h);

/* How a generated suppression names frame f: *type is "fun" with the
 * mangled name, else "obj" with the object path, else "obj" with "*". */
void suppress_gen_frame(const struct frame_info *f, const char **type, const char **name);

/* Writes the block memcheck prints ("{", "   <insert_a_suppression_name_here>",
 * the kind, the aux line, one line per frame, "}"), each line ending in
 * '\n'.  The text report prints it as is; the XML puts it in <rawtext>. */
void suppress_gen_write(FILE *out, const struct supp_head *h, const struct frame_info *frames,
			unsigned n);

#endif
