/* Unit test of tracee_thread_cpu: pinned to each CPU it may use in turn,
 * this thread is reported on that CPU; a thread that does not exist gives
 * -1.  And tracee_leave_cpu: from each CPU it may use, with two or more,
 * the thread moves to another and its CPU mask is left as it was; with
 * one, it stays and says so. */
#include "check.h"
#include "leaktrace/tracee.h"

#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

/* Pins this thread to CPU c, where it runs from the return on. */
static bool pin_to(int c)
{
	cpu_set_t one;

	CPU_ZERO(&one);
	CPU_SET(c, &one);
	if (sched_setaffinity(0, sizeof one, &one))
		return false;
	sched_yield();
	return true;
}

int main(void)
{
	cpu_set_t all;
	int tried = 0;

	CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
	for (int c = 0; c < CPU_SETSIZE && tried < 8; c++) {
		if (!CPU_ISSET(c, &all) || !pin_to(c))
			continue;
		tried++;
		CHECK(tracee_thread_cpu(getpid(), gettid()) == c);
	}
	CHECK(tried > 0);
	sched_setaffinity(0, sizeof all, &all);
	CHECK(tracee_thread_cpu(getpid(), 0x7ffffff0) == -1);

	if (CPU_COUNT(&all) >= 2) {
		for (int c = 0, moved = 0; c < CPU_SETSIZE && moved < 4; c++) {
			/* to c, then the whole mask back: free to move, on c */
			if (!CPU_ISSET(c, &all) || !pin_to(c))
				continue;
			CHECK(sched_setaffinity(0, sizeof all, &all) == 0);
			if (sched_getcpu() != c)
				continue; /* the scheduler moved us already */
			moved++;
			CHECK(tracee_leave_cpu(c));
			CHECK(sched_getcpu() != c);
			cpu_set_t now;
			CHECK(sched_getaffinity(0, sizeof now, &now) == 0 && CPU_EQUAL(&now, &all));
		}
	}
	int c = sched_getcpu();
	CHECK(pin_to(c));
	CHECK(!tracee_leave_cpu(c)); /* nowhere else to go */
	CHECK(sched_getcpu() == c);
	sched_setaffinity(0, sizeof all, &all);
	CHECK(tracee_thread_cpu(0x7ffffff0, 0x7ffffff0) == -1);
	return check_summary("tracee_cpu");
}
