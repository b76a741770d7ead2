/* breakpoint: int3s that stay in place, with the displaced instruction run
 * out of line from a scratch mapping in the target. */
#ifndef LEAKTRACE_BREAKPOINT_H
#define LEAKTRACE_BREAKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leaktrace/target.h"

/* Special int3s in the scratch mapping, each at its own address. */
enum bp_trap {
	TRAP_RETURN, /* allocator calls return here: the result is read */
	TRAP_INJECT, /* functions called by leaktrace inside the target return here */
	TRAP_PARK,   /* not an int3: "jmp ." where a thread waits for a new tracer */
	TRAP_COUNT
};

struct breakpoint {
	uint64_t addr;	 /* address of the int3 */
	uint64_t resume; /* where a thread stopped on it continues */
	uint8_t orig;	 /* the byte the int3 replaced */
	int tag;	 /* the owner's: which function this is */
};

/* Maps len bytes of read+execute memory at or near addr (0 = anywhere) in
 * the target and returns its address, or 0 with *err set.  Provided by the
 * owner, who knows how to run a syscall in the target. */
typedef uint64_t (*bp_map_fn)(void *ctx, uint64_t near, uint64_t len, int *err);

struct bptab;

struct bptab *bptab_new(const struct target_mem *tm, bp_map_fn map, void *map_ctx);
void bptab_free(struct bptab *bt);

/* Installs an int3 at addr.  0, -EEXIST (already there; tag unchanged),
 * -ENOTSUP (the first instruction cannot run out of line), or another
 * negative errno.  A message for the user is left in bptab_errmsg(). */
int bptab_insert(struct bptab *bt, uint64_t addr, int tag);

/* The breakpoint whose int3 is at addr, or NULL. */
const struct breakpoint *bptab_lookup(const struct bptab *bt, uint64_t addr);

/* Restores every original byte (before detaching). */
int bptab_remove_all(struct bptab *bt);

/* Address of a special trap; 0 before the first scratch mapping exists.
 * bptab_ensure_traps creates it. */
uint64_t bptab_trap(const struct bptab *bt, enum bp_trap trap);
int bptab_ensure_traps(struct bptab *bt, uint64_t near);
/* Which trap lives at addr, or -1. */
int bptab_which_trap(const struct bptab *bt, uint64_t addr);

/* Every scratch mapping (to unmap on detach): fills up to max pairs. */
size_t bptab_scratch(const struct bptab *bt, uint64_t *starts, uint64_t *lens, size_t max);

/* len bytes of the scratch mapping within +-2 GiB of near, for code the
 * caller writes itself (the fast path's stubs); 0 with bptab_errmsg set. */
uint64_t bptab_scratch_alloc(struct bptab *bt, uint64_t near, size_t len);

/* Writes every original byte into another address space that holds copies
 * of our int3s (a forked child).  0 or the first negative errno. */
int bptab_restore_into(const struct bptab *bt, const struct target_mem *other);

/* If rip lies in an out-of-line copy, the address in the original code
 * where a thread at rip must continue once the int3s are gone: the
 * displaced instruction, or the one after it when the copy has run.
 * Returns false for any other rip. */
bool bptab_translate_ool(const struct bptab *bt, uint64_t rip, uint64_t *orig);

const char *bptab_errmsg(const struct bptab *bt);

#endif
