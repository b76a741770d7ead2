/* Unit test of tracee_thread_cpu: pinned to each CPU it may use in turn,
 * this thread is reported on that CPU; a thread that does not exist gives
 * -1.  And tracee_leave_cpu: from each CPU it may use, with two or more,
 * the thread moves to another and its CPU mask is left as it was; with
 * one, it stays and says so. */
#include "check.h"
#include "leaktrace/tracee.h"

#include <sched.h>
#include <unistd.h>

int main(void)
{
	cpu_set_t all, one;
	int tried = 0;

	CHECK(sched_getaffinity(0, sizeof all, &all) == 0);
	for (int c = 0; c < CPU_SETSIZE && tried < 8; c++) {
		if (!CPU_ISSET(c, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof one, &one))
			continue;
		sched_yield(); /* runs on c from here on */
		tried++;
		CHECK(tracee_thread_cpu(getpid(), gettid()) == c);
	}
	CHECK(tried > 0);
	sched_setaffinity(0, sizeof all, &all);
	CHECK(tracee_thread_cpu(getpid(), 0x7ffffff0) == -1);

	if (CPU_COUNT(&all) >= 2) {
		for (int c = 0, moved = 0; c < CPU_SETSIZE && moved < 4; c++) {
			if (!CPU_ISSET(c, &all))
				continue;
			CPU_ZERO(&one);
			CPU_SET(c, &one);
			/* to c, then the whole mask back: free to move, on c */
			if (sched_setaffinity(0, sizeof one, &one))
				continue;
			sched_yield();
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
	CPU_ZERO(&one);
	CPU_SET(c, &one);
	CHECK(sched_setaffinity(0, sizeof one, &one) == 0);
	CHECK(!tracee_leave_cpu(c)); /* nowhere else to go */
	CHECK(sched_getcpu() == c);
	sched_setaffinity(0, sizeof all, &all);
	CHECK(tracee_thread_cpu(0x7ffffff0, 0x7ffffff0) == -1);
	return check_summary("tracee_cpu");
}
