/* glibcheap: every read of glibc's malloc internals.
 *
 * leaktrace follows the allocator through its public functions; a few
 * judgements need glibc's own bookkeeping: whether a chunk we never saw
 * allocated is in use (a free of it is no error), whether a freed chunk sits
 * in the tcache, which chunks of the heaps hold blocks allocated before an
 * attach, and which of libc's objects hold pointers into free chunks.  The
 * layouts are glibc 2.26+'s (chunk header, tcache_key). */
#include <stdlib.h>
#include <string.h>

#include "session_int.h"

/* Whether ptr is an in-use chunk by glibc's own bookkeeping: a size field
 * in the header before it and, for a heap chunk, the next chunk's
 * PREV_INUSE bit set.  Such a block was allocated where we could not see
 * it (inside libc, e.g. the per-thread tcache, or before an attach), so
 * freeing it is the program's business, not an error. */
bool glibcheap_chunk_in_use(const struct session *s, uint64_t ptr)
{
	uint64_t hdr[2], next; /* prev_size, size */

	if (ptr % 16 || ptr < 4096 || target_read(&s->tm, ptr - 16, hdr, 16) != 16)
		return false;
	uint64_t size = hdr[1], csize = size & ~(uint64_t)7;
	if (csize < 32 || csize % 16)
		return false;
	if (size & 2) /* IS_MMAPPED: its own mapping, prev_size = front padding */
		return (ptr - 16 - hdr[0]) % 4096 == 0;
	if (target_read(&s->tm, ptr - 16 + csize + 8, &next, 8) != 8)
		return false;
	return next & 1;
}

/* libc's random tcache_key, which tcache_put() stores in a freed chunk's
 * second word and tcache_get() clears; 0 where it cannot be read or glibc
 * has not set it yet.  glibc sets it once (ptmalloc_init): read once set. */
uint64_t glibcheap_tcache_key(struct session *s)
{
	uint64_t key = 0, size;

	if (!s->gl.tcache_key_addr && !s->gl.tcache_key_missing) {
		uint64_t free_addr = hooks_fn_addr(s, "free");
		if (!free_addr || symbols_lookup_in_module_of(s->sym, free_addr, "tcache_key",
							      &s->gl.tcache_key_addr, &size))
			s->gl.tcache_key_missing = true;
	}
	if (s->gl.tcache_key)
		return s->gl.tcache_key;
	if (!s->gl.tcache_key_addr || target_read(&s->tm, s->gl.tcache_key_addr, &key, 8) != 8)
		return 0;
	return s->gl.tcache_key = key;
}

/* Whether the freed chunk at ptr sits in glibc's tcache. */
bool glibcheap_in_tcache(struct session *s, uint64_t ptr)
{
	uint64_t key = glibcheap_tcache_key(s), word = 0;

	return key && target_read(&s->tm, ptr + 8, &word, 8) == 8 && word == key;
}

/* The chunks of the main heap, whose copy is buf[0..len) from start: each
 * in-use one (the next chunk's PREV_INUSE bit set, not in the tcache) as
 * cb(ctx, user address, usable bytes, false), each free one and the top
 * chunk as cb(..., true).  The 16-byte headers are left out. */
void glibcheap_walk_main(struct session *s, const uint8_t *buf, uint64_t start, size_t len,
			 void (*cb)(void *ctx, uint64_t user, uint64_t n, bool freed), void *ctx)
{
	uint64_t cur = 0, key = glibcheap_tcache_key(s);

	while (cur + 16 <= len) {
		uint64_t size, next, second;
		memcpy(&size, buf + cur + 8, 8);
		size &= ~(uint64_t)7;
		if (size < 32 || cur + size + 16 > len)
			break; /* the top chunk */
		memcpy(&next, buf + cur + size + 8, 8);
		memcpy(&second, buf + cur + 24, 8);
		bool in_use = (next & 1) && !(key && second == key);
		cb(ctx, start + cur + 16, in_use ? size - 8 : size - 16, !in_use);
		cur += size;
	}
	if (cur + 16 < len)
		cb(ctx, start + cur + 16, len - cur - 16, true);
}

struct unseen {
	struct session *s;
	struct scan_range **roots;
	size_t *nroots;
};

static void unseen_chunk(void *ctx, uint64_t user, uint64_t n, bool freed)
{
	struct unseen *u = ctx;

	if (freed || heapmap_lookup(u->s->heap, user))
		return;
	struct scan_range *nr = realloc(*u->roots, (*u->nroots + 1) * sizeof *nr);
	if (nr) {
		*u->roots = nr;
		nr[(*u->nroots)++] = (struct scan_range){ user, user + n };
	}
}

/* In -p mode the heap also holds blocks allocated before the attach, which
 * may point to ours: every in-use chunk of glibc's heaps that is not a
 * block we know is a root.  The main heap is walked chunk by chunk (size
 * fields, and the next chunk's PREV_INUSE bit); other arenas' heaps, whose
 * layout starts with arena headers, are taken whole (the scan skips the
 * words of known blocks in root ranges). */
void glibcheap_unseen_chunks(struct session *s, const struct maps *m, struct scan_range **roots,
			     size_t *nroots)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mapping *mp = &m->v[i];
		bool main_heap = !strcmp(mp->path, "[heap]");
		bool arena = !mp->path[0] && mp->r && mp->w && mp->start % (64ull << 20) == 0 &&
			     i + 1 < m->n && m->v[i + 1].start == mp->end && !m->v[i + 1].r;
		if (!main_heap && !arena)
			continue;
		size_t len = (size_t)(mp->end - mp->start);
		uint8_t *buf = len <= (1ull << 30) ? malloc(len) : NULL;
		if (!buf || target_read(&s->tm, mp->start, buf, len) != (ssize_t)len) {
			free(buf);
			continue;
		}
		if (main_heap) {
			struct unseen u = { s, roots, nroots };
			glibcheap_walk_main(s, buf, mp->start, len, unseen_chunk, &u);
		} else {
			struct scan_range *nr = realloc(*roots, (*nroots + 1) * sizeof *nr);
			if (nr) {
				*roots = nr;
				nr[(*nroots)++] = (struct scan_range){ mp->start, mp->end };
			}
		}
		free(buf);
	}
}

void glibcheap_exclusions(struct session *s, struct scan_range *ex, size_t *nex)
{
	uint64_t addr, size;

	if (!symbols_find_object(s->sym, "main_arena", &addr, &size))
		ex[(*nex)++] = (struct scan_range){ addr, addr + size };
}
