/* Unit test of tracee_thread_cpu: pinned to each CPU it may use in turn,
 * this thread is reported on that CPU; a thread that does not exist gives
 * -1. */
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
	CHECK(tracee_thread_cpu(0x7ffffff0, 0x7ffffff0) == -1);
	return check_summary("tracee_cpu");
}
