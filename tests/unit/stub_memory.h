/* stub_memory.h: the fast-path tests' code memory.  A stub must lie within
 * a rel32 jump of the function it hooks, so it goes in a mapping made near
 * it; hooking writes into text, so the pages are made writable first and the
 * instruction cache is told. */
#ifndef LEAKTRACE_TEST_STUB_MEMORY_H
#define LEAKTRACE_TEST_STUB_MEMORY_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* len bytes, read/write/execute, within 2 GiB of near; NULL if none found */
static inline void *map_near(uint64_t near, size_t len)
{
	uint64_t base = near & ~0xfffull;

	for (uint64_t d = 1ull << 24; d < (1ull << 31) - (1ull << 25); d += 1ull << 24) {
		for (int sign = -1; sign <= 1; sign += 2) {
			uint64_t a = base + (uint64_t)(sign * (int64_t)d);
			void *p = mmap((void *)a, len, PROT_READ | PROT_WRITE | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == (void *)a)
				return p;
			if (p != MAP_FAILED)
				munmap(p, len);
		}
	}
	return NULL;
}

/* Copies n bytes of code to at, which may be in read-only text; 0 or -errno */
static inline int write_code(void *at, const void *bytes, size_t n)
{
	uintptr_t pg = (uintptr_t)at & ~(uintptr_t)4095;
	size_t len = ((uintptr_t)at + n - pg + 4095) & ~(size_t)4095;

	if (mprotect((void *)pg, len, PROT_READ | PROT_WRITE | PROT_EXEC))
		return -errno;
	memcpy(at, bytes, n);
	__builtin___clear_cache((char *)at, (char *)at + n);
	return 0;
}

#endif
