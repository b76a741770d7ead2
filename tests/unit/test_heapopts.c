/* Unit tests of heapopts.c: massif's option names, ranges and defaults, the
 * "desc:" words kept in order, and the refusals. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "leaktrace/heapopts.h"

int main(void)
{
	struct heap_options o;

	heapopts_default(&o);
	CHECK(o.tool == TOOL_MEMCHECK && !o.prof.massif);
	CHECK(o.prof.mc.detailed_freq == 10 && o.prof.mc.max_snapshots == 100);
	CHECK(o.prof.mc.heap_admin == 8 && o.prof.mc.depth == 30);
	CHECK(o.prof.mc.threshold == 1.0 && o.prof.mc.peak_inaccuracy == 1.0);
	CHECK(o.prof.mc.time_unit == MASSIF_TIME_I);
	CHECK(heapopts_finish(&o) == 0);

	CHECK(heapopts_handle(&o, HEAPOPT_TOOL, "massif") == 0);
	CHECK(o.tool == TOOL_MASSIF && o.prof.massif);
	CHECK(heapopts_handle(&o, HEAPOPT_TIME_UNIT, "B") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_THRESHOLD, "0.5") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_ALLOC_FN, "xmalloc") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_ALLOC_FN, "xcalloc") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_IGNORE_FN, "noise") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_MASSIF_OUT_FILE, "m.%p") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_TIMELINE, "t.svg") == 0);
	CHECK(heapopts_handle(&o, HEAPOPT_STACKS, "no") == 0);
	CHECK(o.prof.mc.time_unit == MASSIF_TIME_B && o.prof.mc.threshold == 0.5);
	CHECK_STR(o.prof.mc.alloc_fns[0], "xmalloc");
	CHECK_STR(o.prof.mc.alloc_fns[1], "xcalloc");
	CHECK(o.prof.mc.alloc_fns[2] == NULL);
	CHECK_STR(o.prof.mc.ignore_fns[0], "noise");
	CHECK_STR(o.prof.massif_out, "m.%p");
	CHECK_STR(o.prof.timeline_file, "t.svg");
	/* massif's own words for its "desc:" line, --tool and --timeline not */
	const char *const want[] = { "--time-unit=B",	   "--threshold=0.5",
				     "--alloc-fn=xmalloc", "--alloc-fn=xcalloc",
				     "--ignore-fn=noise",  "--massif-out-file=m.%p",
				     "--stacks=no",	   NULL };
	for (int i = 0; want[i]; i++)
		CHECK(o.prof.mc.desc_args[i] && !strcmp(o.prof.mc.desc_args[i], want[i]));
	CHECK(o.prof.mc.desc_args[7] == NULL);

	/* refusals: ranges, words, what a tracer cannot do */
	CHECK(heapopts_handle(&o, HEAPOPT_DEPTH, "0") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_DEPTH, "201") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_MAX_SNAPSHOTS, "9") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_THRESHOLD, "101") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_THRESHOLD, "x") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_TIME_UNIT, "s") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_TOOL, "helgrind") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_STACKS, "yes") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_PAGES_AS_HEAP, "yes") == -1);
	CHECK(heapopts_handle(&o, HEAPOPT_HEAP, "no") == -1);
	heapopts_release(&o);

	/* a massif option without --tool=massif */
	heapopts_default(&o);
	CHECK(heapopts_handle(&o, HEAPOPT_DEPTH, "5") == 0);
	CHECK(heapopts_finish(&o) == -1);
	heapopts_release(&o);
	return check_summary("heapopts");
}
