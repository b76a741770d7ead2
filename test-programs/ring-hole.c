/* ring-hole: plays a thread that claimed a slot of leaktrace's fast-path ring and never
 * published it (one that left malloc by a longjmp out of a signal handler, or died in
 * it): it finds the ring in its own mappings and claims an index the way a stub does,
 * then makes 20,000 malloc/free pairs, five times the ring, and leaks one 33-byte block.
 * Untraced, or traced on breakpoints, there is no ring and it only allocates.  Used by
 * scenario ring-hole: leaktrace must give the slot up and the program must finish. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *volatile sink;

static void claim_a_ring_slot(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long start = 0;

	if (!f)
		return;
	while (fgets(line, sizeof line, f))
		if (strstr(line, "leaktrace-ring") && sscanf(line, "%lx-", &start) == 1)
			break;
	fclose(f);
	if (start)
		__atomic_fetch_add((uint64_t *)(start + 128), 1, __ATOMIC_SEQ_CST); /* hdr.head */
	printf("ring-hole: %s\n", start ? "slot claimed" : "no ring");
}

int main(void)
{
	claim_a_ring_slot();
	for (int i = 0; i < 20000; i++) {
		char *p = malloc(16 + (size_t)(i % 100));
		p[0] = 1;
		sink = p;
		free(p);
	}
	sink = malloc(33);
	sink = NULL;
	return 0;
}
