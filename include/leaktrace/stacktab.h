/* stacktab: interned allocation stacks.
 *
 * Every allocation records the program counters of its call stack.  Most
 * programs allocate from a few thousand distinct stacks, so each distinct
 * sequence of PCs is stored once, in an arena, and named by a dense 32-bit
 * id handed out in first-seen order (memcheck's loss records break ties by
 * the age of the stack, and the id order is that age). */
#ifndef LEAKTRACE_STACKTAB_H
#define LEAKTRACE_STACKTAB_H

#include <stddef.h>
#include <stdint.h>

#define STACKTAB_NONE UINT32_MAX

struct stacktab;

/* NULL on allocation failure.  Free with stacktab_free. */
struct stacktab *stacktab_new(void);
void stacktab_free(struct stacktab *st);

/* The id of the stack pcs[0..n-1] (n may be 0), interning it if new.
 * STACKTAB_NONE on allocation failure.  No allocation when the stack is
 * already known. */
uint32_t stacktab_intern(struct stacktab *st, const uint64_t *pcs, unsigned n);

/* The PCs of stack id (valid until stacktab_free); *n gets their count.
 * Never NULL for a known id, even for the empty stack; NULL with *n == 0 for
 * an id never handed out. */
const uint64_t *stacktab_get(const struct stacktab *st, uint32_t id, unsigned *n);

size_t stacktab_count(const struct stacktab *st);
/* Bytes of memory held, for the benchmarks. */
size_t stacktab_memory(const struct stacktab *st);

#endif
