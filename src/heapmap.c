/* heapmap: the live blocks of the target, keyed by address.
 *
 * The slots of an open-addressing table are the blocks themselves (24 bytes,
 * address 0 marks an empty slot: no allocator hands out NULL as a block), so
 * a lookup touches one or two cache lines and an insert or a remove never
 * allocates.  Collisions use linear probing, and removal shifts the rest of
 * the probe run back instead of leaving tombstones (Knuth's algorithm R), so
 * a long run of malloc/free churn never degrades the table.  The capacity is
 * a power of two that doubles when the load passes 3/4; the load then stays
 * between 3/8 and 3/4 while the map grows, i.e. 32 to 64 bytes of table per
 * live block.  The table never shrinks: a program that once had N blocks
 * live keeps paying for N.
 *
 * Heap addresses are 16-aligned and handed out in clusters, so their low
 * bits are useless as they stand; a full 64-bit finalizer (murmur3's fmix64)
 * spreads them before the top bits of the hash pick the slot. */
#include "leaktrace/heapmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HEAPMAP_MIN_BITS     10u
#define HEAPMAP_MIN_CAPACITY ((size_t)1 << HEAPMAP_MIN_BITS)

struct heapmap {
	struct block *slots;
	size_t mask;	/* capacity - 1 */
	unsigned shift; /* 64 - log2(capacity) */
	size_t count;
	size_t grow_at; /* count that triggers doubling */
};

static uint64_t heapmap_hash(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/* The home slot takes the top bits of the hash: slots then follow hash
 * order, so when the table doubles, a sweep of the old table fills the new
 * one front to back instead of scattering writes over all of it. */
static size_t heapmap_home(const struct heapmap *h, uint64_t addr)
{
	return (size_t)(heapmap_hash(addr) >> h->shift);
}

static size_t heapmap_grow_threshold(size_t capacity)
{
	return capacity / 4 * 3;
}

struct heapmap *heapmap_new(void)
{
	struct heapmap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->slots = calloc(HEAPMAP_MIN_CAPACITY, sizeof(*h->slots));
	if (!h->slots) {
		free(h);
		return NULL;
	}
	h->mask = HEAPMAP_MIN_CAPACITY - 1;
	h->shift = 64 - HEAPMAP_MIN_BITS;
	h->grow_at = heapmap_grow_threshold(HEAPMAP_MIN_CAPACITY);
	return h;
}

void heapmap_free(struct heapmap *h)
{
	if (!h)
		return;
	free(h->slots);
	free(h);
}

/* The slot holding addr, or the empty slot that ends its probe run. */
static size_t heapmap_probe(const struct heapmap *h, uint64_t addr)
{
	size_t i = heapmap_home(h, addr);

	while (h->slots[i].addr != 0 && h->slots[i].addr != addr)
		i = (i + 1) & h->mask;
	return i;
}

static int heapmap_grow(struct heapmap *h)
{
	size_t old_cap = h->mask + 1;
	size_t cap = old_cap * 2;
	struct block *old = h->slots;

	if (cap < old_cap || cap > SIZE_MAX / sizeof(*old))
		return -ENOMEM;
	h->slots = calloc(cap, sizeof(*old));
	if (!h->slots) {
		h->slots = old;
		return -ENOMEM;
	}
	h->mask = cap - 1;
	h->shift--;
	h->grow_at = heapmap_grow_threshold(cap);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].addr != 0)
			h->slots[heapmap_probe(h, old[i].addr)] = old[i];
	free(old);
	return 0;
}

int heapmap_insert(struct heapmap *h, const struct block *b)
{
	size_t i;

	if (b->addr == 0)
		return -EINVAL;
	i = heapmap_probe(h, b->addr);
	if (h->slots[i].addr == b->addr)
		return -EEXIST;
	if (h->count + 1 > h->grow_at) {
		int err = heapmap_grow(h);

		if (err)
			return err;
		i = heapmap_probe(h, b->addr);
	}
	h->slots[i] = *b;
	h->count++;
	return 0;
}

int heapmap_remove(struct heapmap *h, uint64_t addr, struct block *out)
{
	size_t hole, j;

	if (addr == 0)
		return -ENOENT;
	hole = heapmap_probe(h, addr);
	if (h->slots[hole].addr != addr)
		return -ENOENT;
	if (out)
		*out = h->slots[hole];
	/* Backward shift: walk the rest of the run and move back every entry
	 * whose home slot does not lie cyclically in (hole, j]; such an entry
	 * was pushed past the hole and must stay reachable from its home. */
	for (j = (hole + 1) & h->mask; h->slots[j].addr != 0; j = (j + 1) & h->mask) {
		size_t home = heapmap_home(h, h->slots[j].addr);

		if (((j - home) & h->mask) >= ((j - hole) & h->mask)) {
			h->slots[hole] = h->slots[j];
			hole = j;
		}
	}
	memset(&h->slots[hole], 0, sizeof(h->slots[hole]));
	h->count--;
	return 0;
}

const struct block *heapmap_lookup(const struct heapmap *h, uint64_t addr)
{
	size_t i;

	if (addr == 0)
		return NULL;
	i = heapmap_probe(h, addr);
	return h->slots[i].addr == addr ? &h->slots[i] : NULL;
}

size_t heapmap_count(const struct heapmap *h)
{
	return h->count;
}

/* LSD radix sort on the address, one byte per pass.  A byte that is the
 * same in every address (the low nibble of 16-aligned addresses, the top
 * two bytes of user-space ones) is skipped, so a typical heap costs five or
 * six passes; on a million blocks this is several times faster than qsort
 * with a comparison callback. */
static int by_addr(const void *x, const void *y)
{
	uint64_t a = ((const struct block *)x)->addr, b = ((const struct block *)y)->addr;
	return (a > b) - (a < b);
}

static void heapmap_radix_sort(struct block *a, struct block *tmp, size_t n)
{
	size_t(*count)[256] = calloc(8, sizeof *count); /* 16 KiB: not on the stack */
	struct block *src = a, *dst = tmp;

	if (!count) {
		qsort(a, n, sizeof *a, by_addr);
		return;
	}
	for (size_t i = 0; i < n; i++)
		for (unsigned d = 0; d < 8; d++)
			count[d][(a[i].addr >> (d * 8)) & 0xff]++;
	for (unsigned d = 0; d < 8; d++) {
		size_t pos = 0;
		unsigned shift = d * 8;

		if (count[d][(a[0].addr >> shift) & 0xff] == n)
			continue;
		for (unsigned v = 0; v < 256; v++) {
			size_t c = count[d][v];

			count[d][v] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[d][(src[i].addr >> shift) & 0xff]++] = src[i];
		struct block *t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	free(count);
}

struct block *heapmap_sorted(const struct heapmap *h, size_t *n)
{
	struct block *out, *tmp;
	size_t k = 0;

	*n = 0;
	if (h->count == 0)
		return NULL;
	out = malloc(h->count * sizeof(*out));
	tmp = malloc(h->count * sizeof(*tmp));
	if (!out || !tmp) {
		free(out);
		free(tmp);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i <= h->mask; i++)
		if (h->slots[i].addr != 0)
			out[k++] = h->slots[i];
	heapmap_radix_sort(out, tmp, k);
	free(tmp);
	*n = k;
	return out;
}

size_t heapmap_memory(const struct heapmap *h)
{
	return sizeof(*h) + (h->mask + 1) * sizeof(*h->slots);
}
