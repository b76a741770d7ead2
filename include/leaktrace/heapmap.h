/* heapmap: the shadow heap, every block the target has live.
 *
 * An open-addressing hash table keyed by the block's address; one insert or
 * remove per allocator event, O(1) on average and no allocation except when
 * the table grows.  At scan time heapmap_sorted() hands out the blocks as an
 * array sorted by address. */
#ifndef LEAKTRACE_HEAPMAP_H
#define LEAKTRACE_HEAPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which family of allocator functions made a block: free/delete/delete[]
 * of it must be of the same family (memcheck's MismatchedFree). */
enum alloc_family {
	FAMILY_MALLOC = 0, /* malloc, calloc, realloc, memalign, ... */
	FAMILY_NEW,	   /* operator new, every variant */
	FAMILY_NEW_ARRAY,  /* operator new[], every variant */
};

struct block {
	uint64_t addr;
	uint64_t size;	   /* as requested by the program */
	uint32_t stack_id; /* stacktab id of the allocation stack */
	uint8_t family;	   /* enum alloc_family */
	uint8_t tid_index; /* memcheck thread number (1 = main), capped at 255 */
	uint16_t reserved;
};

struct heapmap;

/* NULL on allocation failure.  Free with heapmap_free. */
struct heapmap *heapmap_new(void);
void heapmap_free(struct heapmap *h);

/* 0, -EEXIST if a block with that address is live (nothing changed),
 * -EINVAL for address 0 (it marks empty slots), or -ENOMEM. */
int heapmap_insert(struct heapmap *h, const struct block *b);

/* Removes the block at addr and copies it to *out (if out != NULL).
 * 0, or -ENOENT when no live block starts at addr. */
int heapmap_remove(struct heapmap *h, uint64_t addr, struct block *out);

/* The live block starting at addr, or NULL.  Valid until the next insert or
 * remove. */
const struct block *heapmap_lookup(const struct heapmap *h, uint64_t addr);

size_t heapmap_count(const struct heapmap *h);

/* A newly allocated array of every live block, sorted by address; *n gets
 * the count.  NULL with *n == 0 for an empty map; NULL with errno ENOMEM on
 * failure.  The caller frees it with free(). */
struct block *heapmap_sorted(const struct heapmap *h, size_t *n);

/* Bytes of memory held, for the benchmarks. */
size_t heapmap_memory(const struct heapmap *h);

#endif
