/* Unit test of procmaps_free_near (where a scratch page goes) and
 * procmaps_start_brk: the hole nearest the code, a guard page on each side,
 * the range kept for the program break, and no hole in reach. */
#include "check.h"
#include "leaktrace/procmaps.h"

#include <errno.h>
#include <sched.h>
#include <unistd.h>

#define PAGE 0x1000ull

static struct mapping map(uint64_t start, uint64_t end)
{
	return (struct mapping){ .start = start, .end = end, .r = true, .path = (char *)"" };
}

/* A PIE executable with its bss ending at 0x555555f5c000, where the brk
 * heap starts when it is not randomised, and libraries far above. */
static void test_brk_kept_free(void)
{
	struct mapping v[] = { map(0x555555554000, 0x555555f5c000),
			       map(0x7ffff7000000, 0x7ffff8000000) };
	struct maps m = { v, 2 };
	uint64_t near = 0x555555f00000, len = 0x10000;

	/* nothing kept: the hole right after the bss, one guard page from it */
	CHECK(procmaps_free_near(&m, near, len, 0, 0) == 0x555555f5d000);
	/* the break starts there: below the executable instead */
	uint64_t a =
	    procmaps_free_near(&m, near, len, 0x555555f5c000, 0x555555f5c000 + (1ull << 30));
	CHECK(a == 0x555555554000 - PAGE - len);
	/* a randomised break far above leaves the hole after the bss usable */
	CHECK(procmaps_free_near(&m, near, len, 0x555557000000, 0x555557000000 + (1ull << 30)) ==
	      0x555555f5d000);
}

/* A non-PIE executable at 0x400000: no room below it, so above the range
 * kept for the break, still within reach. */
static void test_non_pie(void)
{
	struct mapping v[] = { map(0x400000, 0x600000), map(0x7ffff7000000, 0x7ffff8000000) };
	struct maps m = { v, 2 };
	uint64_t brk = 0x600000, room = 1ull << 30;

	uint64_t a = procmaps_free_near(&m, 0x401000, 0x10000, brk, brk + room);
	CHECK(a == brk + room + PAGE);
	/* kept range too large: nothing within reach */
	CHECK(procmaps_free_near(&m, 0x401000, 0x10000, brk, brk + (2ull << 30)) == 0);
}

static void test_start_brk_self(void)
{
	void *cur = sbrk(0);
	uint64_t start = procmaps_start_brk(getpid());

	CHECK(start != 0);
	CHECK(start <= (uint64_t)cur);
	CHECK(procmaps_start_brk(-1) == 0);
}

/* procmaps_stat_field against what the kernel says otherwise: the parent's
 * pid (field 4), this thread's CPU while pinned there (39); no such field,
 * a field that is no number, and no such process are errors. */
static void test_stat_field(void)
{
	uint64_t v = 0;

	CHECK(procmaps_stat_field(getpid(), 0, 4, &v) == 0 && v == (uint64_t)getppid());
	CHECK(procmaps_stat_field(getpid(), gettid(), 4, &v) == 0 && v == (uint64_t)getppid());
	cpu_set_t all, one;
	CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
	int cpu = sched_getcpu();
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
	sched_yield();
	CHECK(procmaps_stat_field(getpid(), gettid(), 39, &v) == 0 && v == (uint64_t)cpu);
	sched_setaffinity(0, sizeof all, &all);
	CHECK(procmaps_stat_field(getpid(), 0, 3, &v) == -EINVAL); /* the state: a letter */
	CHECK(procmaps_stat_field(getpid(), 0, 500, &v) == -EINVAL);
	CHECK(procmaps_stat_field(0x7ffffff0, 0, 4, &v) == -ENOENT);
}

int main(void)
{
	test_stat_field();
	test_brk_kept_free();
	test_non_pie();
	test_start_brk_self();
	return check_summary("procmaps");
}
