/* scan: memcheck's leak classification over a snapshot of the target.
 *
 * Input: the live blocks sorted by address, root memory ranges, root words
 * (register values) and a way to read target memory.  Output: each block's
 * state and, for each definitely lost block, the bytes it holds indirectly.
 * The scan is pure: it never prints and never calls ptrace; the memory reader
 * is a callback so that unit tests can feed it a synthetic heap. */
#ifndef LEAKTRACE_SCAN_H
#define LEAKTRACE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* memcheck's Reachedness.  NOTE: memcheck numbers them the other way round
 * (Reachable 0, Possible 1, IndirectLeak 2, Unreached 3) and sorts loss
 * records of equal total size by that number, so equal-sized records come
 * out reachable, possible, indirect, definite: sort by LEAK_REACHABLE - kind,
 * not by kind. */
enum leak_kind {
	LEAK_DEFINITE = 0,  /* memcheck "Unreached": no pointer at all */
	LEAK_INDIRECT = 1,  /* only reachable from lost blocks */
	LEAK_POSSIBLE = 2,  /* only interior pointers reach it */
	LEAK_REACHABLE = 3, /* a chain of start pointers from a root */
	LEAK_KIND_COUNT
};

/* memcheck's leak-check heuristics (--leak-check-heuristics); a bit each. */
enum leak_heuristic {
	HEUR_NONE = 0,
	HEUR_STDSTRING = 1,
	HEUR_LENGTH64 = 2,
	HEUR_NEWARRAY = 3,
	HEUR_MULTIPLEINHERITANCE = 4,
	HEUR_COUNT
};
#define HEUR_MASK(h) (1u << (h))
#define HEUR_ALL                                                                                   \
	(HEUR_MASK(HEUR_STDSTRING) | HEUR_MASK(HEUR_LENGTH64) | HEUR_MASK(HEUR_NEWARRAY) |         \
	 HEUR_MASK(HEUR_MULTIPLEINHERITANCE))

struct scan_block {
	uint64_t addr;
	uint64_t size;
	/* outputs */
	uint8_t state; /* enum leak_kind */
	/* enum leak_heuristic, left exactly as memcheck leaves it: the
	 * heuristic that recognised the last interior pointer seen while the
	 * block was not yet reachable, cleared when a start pointer reaches an
	 * already reachable block.  It can stay set on a LEAK_POSSIBLE block
	 * (the prior was not definite) or on a block later reached by a start
	 * pointer; memcheck's "reachable via heuristic" totals count every
	 * block with heuristic != HEUR_NONE, whatever its state. */
	uint8_t heuristic;
	uint32_t clique; /* LEAK_INDIRECT: index of its clique leader
				 * (a LEAK_DEFINITE block); otherwise its own index */
	uint64_t
	    indirect_bytes; /* for a clique leader (LEAK_DEFINITE): bytes it holds indirectly */
};

/* A mapping of the target, as /proc/PID/maps shows it. */
#define SCAN_MAP_READ  1u
#define SCAN_MAP_WRITE 2u
#define SCAN_MAP_EXEC  4u
#define SCAN_MAP_FILE  8u /* backed by a file (not anonymous, heap or stack) */
struct scan_mapping {
	uint64_t start, end; /* [start, end) */
	unsigned flags;	     /* SCAN_MAP_* */
};

/* read: reads len bytes of target memory at addr into buf.  Returns the
 * number of bytes read from the start of the range (short at an unreadable
 * page), or -1 with errno set (ESRCH: the target is gone, nothing more is
 * read).  The scan treats unreadable memory as holding no pointers.
 *
 * mapping: optional (may be NULL).  Fills *out with the mapping holding addr
 * and returns 0, or returns -ENOENT.  Only the multipleinheritance heuristic
 * uses it (memcheck's vtable test: a file-backed readable mapping holding
 * pointers into file-backed executable mappings); when NULL that heuristic
 * never matches. */
struct scan_memory {
	void *ctx;
	ssize_t (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*mapping)(void *ctx, uint64_t addr, struct scan_mapping *out);
};

struct scan_range {
	uint64_t start, end; /* [start, end) */
};

struct scan_input {
	struct scan_block *blocks; /* sorted by addr, non-overlapping */
	size_t nblocks;
	/* Memory to scan as roots, scanned in this order (memcheck goes by
	 * address).  Words inside blocks are skipped, as memcheck never scans
	 * its client heap as a root; the caller must still leave out the
	 * allocator's own memory (glibc arenas: free chunks and chunk headers
	 * hold stale pointers into blocks). */
	const struct scan_range *roots;
	size_t nroots;
	const uint64_t *root_words; /* register values of every thread */
	size_t nroot_words;
	const struct scan_memory *mem;
	unsigned heuristics; /* HEUR_MASK() bits; HEUR_ALL is memcheck's default */
};

/* Classifies every block.  0, or -ENOMEM (blocks then hold no result).
 * Block contents are read once, in address order and in large reads; the
 * pointers found are kept (4 bytes per start pointer, 12 per interior
 * pointer) while the marking runs. */
int scan_run(const struct scan_input *in);

#endif
