/* lost-check: three blocks that memcheck and leaktrace call definitely lost,
 * for --lost-check: 100 bytes that nothing points at; 48 bytes whose only
 * pointer lies in a freed block (dead memory); 72 bytes whose only pointer
 * lies in a read-only anonymous mapping, which the leak scan does not take
 * as a root but --lost-check finds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

__attribute__((noinline)) static void drop(size_t n)
{
	char *p = malloc(n);
	memset(p, 1, n);
	__asm__ volatile("" : : "r"(p) : "memory");
}

__attribute__((noinline)) static void stale_in_freed(void)
{
	void **holder = malloc(256);
	memset(holder, 0, 256);
	holder[10] = malloc(48);
	__asm__ volatile("" : : "r"(holder) : "memory");
	free(holder);
}

__attribute__((noinline)) static void *in_readonly(void)
{
	void **page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return NULL;
	page[3] = malloc(72);
	mprotect(page, 4096, PROT_READ);
	return page;
}

int main(void)
{
	drop(100);
	stale_in_freed();
	if (!in_readonly())
		return 1;
	puts("done");
	return 0;
}
