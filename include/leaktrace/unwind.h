/* unwind: the call stack of a thread stopped at an allocator entry. */
#ifndef LEAKTRACE_UNWIND_H
#define LEAKTRACE_UNWIND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "leaktrace/symbols.h"
#include "leaktrace/target.h"

struct unwinder;

/* NULL on failure.  The symbols' modules must have been reported. */
struct unwinder *unwind_new(struct symbols *sym, const struct target_mem *tm);
void unwind_free(struct unwinder *u);

/* Fills pcs with up to max frames of thread tid whose registers are regs:
 * pcs[0] is regs->rip, the others return addresses.  Returns the count
 * (at least 1). */
unsigned unwind_capture(struct unwinder *u, pid_t tid, const struct user_regs_struct *regs,
			uint64_t *pcs, unsigned max);

/* The same from a copy of the top of the stack taken at the entry (the
 * fast path's record): memory outside the copy is not read, as the live
 * stack has moved on.  The copy is read in place, so it must stay as it is
 * until the call returns. */
unsigned unwind_capture_copy(struct unwinder *u, pid_t tid, const struct user_regs_struct *regs,
			     const void *copy, size_t len, uint64_t *pcs, unsigned max);

/* The same from n frames a fast-path stub walked itself, read in place
 * from its record: (pc, sp) pairs of 8-byte words.  They become the last
 * capture, as if unwound here. */
unsigned unwind_capture_walked(struct unwinder *u, const void *frames, unsigned n, uint64_t *pcs,
			       unsigned max);

/* How the cached-rule unwinder steps from a frame at key (its pc for frame
 * 0, return address - 1 above) to the caller, for the shapes it handles
 * itself; .complex where it hands the stack to libdwfl; false when memory
 * ran out.  The fast path's stubs are taught these rules (fastpath.h). */
struct unwind_rule {
	int32_t cfa_off, rbp_off;
	bool cfa_rbp;	/* CFA = rbp + cfa_off, else rsp + cfa_off */
	bool rbp_saved; /* the caller's rbp at CFA + rbp_off, else unchanged */
	bool outermost; /* no caller */
	bool complex;	/* a rule none of these shapes hold: libdwfl's alone */
};
bool unwind_rule(struct unwinder *u, uint64_t key, struct unwind_rule *out);

/* The stack pointer of each frame of the last capture (frame 0: regs->rsp),
 * 0 where unknown; *n gets the count.  Valid until the next capture. */
const uint64_t *unwind_last_sps(const struct unwinder *u, unsigned *n);

#endif
