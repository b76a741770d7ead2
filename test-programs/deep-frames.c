/* deep-frames: the same allocation reached along two call paths through a function
 * whose frame is larger than 4 KiB.  memcheck reports two loss records, one per path.
 * A stack unwound from a 4 KiB copy of the stack stops inside the big frame, and the two
 * paths fold into one record (issue 13, item 3, seen in GNU make). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *keep[64];
static int n;

static __attribute__((noinline)) void *get(size_t size)
{
	return malloc(size);
}

/* a 6 KiB frame between get() and its callers */
static __attribute__((noinline)) void big_frame(size_t size, int count)
{
	char buf[6144];
	memset(buf, count, sizeof buf);
	for (int i = 0; i < count; i++)
		keep[n++] = get(size + (size_t)buf[i % sizeof buf] * 0);
}

static __attribute__((noinline)) void path_one(void)
{
	big_frame(24, 3);
}

static __attribute__((noinline)) void path_two(void)
{
	big_frame(24, 5);
}

int main(void)
{
	path_one();
	path_two();
	path_one();
	printf("deep-frames: %d blocks\n", n);
	return 0;
}
