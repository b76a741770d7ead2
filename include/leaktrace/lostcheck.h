/* lostcheck: --lost-check, an independent second look at the blocks the
 * mark scan calls lost.
 *
 * The scan decides what counts as a root (stacks above their pointers,
 * globals, memory outside blocks and the allocator's metadata).  A block is
 * lost by its rule when no root or reachable block points at it.  The check
 * asks a blunter question with hardly a rule: does any word anywhere in the
 * process (registers, every readable mapping, other blocks of any kind)
 * point into a lost block, other than a word inside a lost block itself?
 * Words in dead memory (free chunks, the allocator's state, stacks below
 * their pointer) are counted apart.  When no other word does, the loss is
 * certain in this run, whatever another run of the program (under valgrind,
 * say) keeps.  When some word does, the check says where, so a pointer the
 * scan rightly ignores (a read-only mapping) can be told from a root it
 * missed.
 *
 * This part is pure: memory comes in as words at addresses. */
#ifndef LEAKTRACE_LOSTCHECK_H
#define LEAKTRACE_LOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "leaktrace/scan.h"

struct lostcheck_hit {
	uint64_t count; /* words outside lost blocks pointing into the block */
	uint64_t dead;	/* such words in dead memory (below) */
	uint64_t from;	/* the first word counted in count's address (0: a register) */
	uint64_t value; /* and its value */
};

struct lostcheck {
	const struct scan_block *sb; /* sorted by address, as scan_run takes them */
	uint32_t *lost;		     /* indices into sb of the lost blocks, ascending */
	size_t nlost;
	struct lostcheck_hit *hits; /* per lost block (parallel to lost) */
	uint64_t lo, hi;	    /* [lo, hi): spans every lost block */
};

/* The lost blocks (LEAK_DEFINITE, LEAK_INDIRECT) of sb[0..n).  0 or -ENOMEM. */
int lostcheck_init(struct lostcheck *lc, const struct scan_block *sb, size_t n);

/* nw words of memory, w[0] at addr (8-aligned).  Words that lie inside a lost
 * block are not counted (lost blocks may point at each other).  dead: the
 * words are memory the program may not read (a free chunk by the
 * allocator's own bookkeeping, the allocator's state, a stack below its
 * pointer and red zone): counted apart, in dead. */
void lostcheck_words(struct lostcheck *lc, uint64_t addr, const uint64_t *w, size_t nw, bool dead);

/* A register's value (from 0). */
void lostcheck_register(struct lostcheck *lc, uint64_t value);

/* The hit record of sb[i], or NULL if sb[i] is not lost. */
const struct lostcheck_hit *lostcheck_hit_of(const struct lostcheck *lc, size_t i);

void lostcheck_free(struct lostcheck *lc);

#endif
