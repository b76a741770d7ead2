/* mmap-merged: a pointer kept only in the program's own anonymous mapping, which the
 * kernel merges with the mapping of one of glibc's mmap'd chunks (>= 128 KiB) beside it
 * into one line of /proc/PID/maps.  memcheck scans the program's mapping: the block is
 * still reachable.  A leak checker that leaves out the whole line because it holds a
 * live block calls it definitely lost (issue 13, item 1). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define REGION (1u << 20)

static void *big;

int main(void)
{
	big = malloc(256 * 1024); /* an mmap'd chunk: its header one page below */
	if (!big)
		return 2;
	/* ask for the pages right below the chunk: same protections, so one VMA */
	uintptr_t chunk = ((uintptr_t)big - 16) & ~(uintptr_t)4095;
	void **region = mmap((void *)(chunk - REGION), REGION, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		return 3;
	region[1000] = malloc(100); /* referenced from the region alone */
	region[2000] = malloc(200);
	printf("mmap-merged: done\n");
	return 0;
}
