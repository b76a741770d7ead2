/* heapopts: --tool=massif's options and --timeline (see heapopts.h).  Each
 * massif option is also remembered as given, in order, for the "desc:"
 * line of massif.out, which ms_print shows as "Massif arguments". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/heapopts.h"
#include "leaktrace/util.h"

static const char *const names[HEAPOPT_COUNT] = {
	[HEAPOPT_TOOL] = "tool",
	[HEAPOPT_MASSIF_OUT_FILE] = "massif-out-file",
	[HEAPOPT_TIME_UNIT] = "time-unit",
	[HEAPOPT_DETAILED_FREQ] = "detailed-freq",
	[HEAPOPT_MAX_SNAPSHOTS] = "max-snapshots",
	[HEAPOPT_THRESHOLD] = "threshold",
	[HEAPOPT_PEAK_INACCURACY] = "peak-inaccuracy",
	[HEAPOPT_HEAP_ADMIN] = "heap-admin",
	[HEAPOPT_DEPTH] = "depth",
	[HEAPOPT_ALLOC_FN] = "alloc-fn",
	[HEAPOPT_IGNORE_FN] = "ignore-fn",
	[HEAPOPT_HEAP] = "heap",
	[HEAPOPT_STACKS] = "stacks",
	[HEAPOPT_PAGES_AS_HEAP] = "pages-as-heap",
	[HEAPOPT_TIMELINE] = "timeline",
};

void heapopts_default(struct heap_options *o)
{
	memset(o, 0, sizeof *o);
	o->tool = TOOL_MEMCHECK;
	heapprof_config_default(&o->prof);
}

void heapopts_release(struct heap_options *o)
{
	free(o->alloc_fns);
	free(o->ignore_fns);
	for (size_t i = 0; o->massif_args && o->massif_args[i]; i++)
		free((char *)o->massif_args[i]);
	free(o->massif_args);
	o->alloc_fns = o->ignore_fns = o->massif_args = NULL;
}

static int uint_in(const char *name, const char *val, long lo, long hi, unsigned *out)
{
	char *end;

	errno = 0;
	long v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi) {
		fprintf(stderr, "leaktrace: --%s takes a number from %ld to %ld, not '%s'\n", name,
			lo, hi, val);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int pct_in(const char *name, const char *val, double hi, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(val, &end);
	if (errno || end == val || *end || !(v >= 0) || v > hi) {
		fprintf(stderr, "leaktrace: --%s takes a percentage from 0 to %g, not '%s'\n", name,
			hi, val);
		return -1;
	}
	*out = v;
	return 0;
}

int heapopts_handle(struct heap_options *o, int which, const char *val)
{
	struct massif_config *mc = &o->prof.mc;

	if (which < 0 || which >= HEAPOPT_COUNT)
		return -1;
	if (which != HEAPOPT_TOOL && which != HEAPOPT_TIMELINE) {
		size_t len = strlen(names[which]) + strlen(val) + 4;
		char *arg = malloc(len);
		if (!arg) {
			fprintf(stderr, "leaktrace: out of memory\n");
			return -1;
		}
		snprintf(arg, len, "--%s=%s", names[which], val);
		if (util_push_string(&o->massif_args, arg)) {
			free(arg);
			return -1;
		}
		o->prof.mc.desc_args = o->massif_args;
	}
	switch (which) {
	case HEAPOPT_TOOL:
		if (!strcmp(val, "memcheck"))
			o->tool = TOOL_MEMCHECK;
		else if (!strcmp(val, "massif"))
			o->tool = TOOL_MASSIF;
		else {
			fprintf(
			    stderr,
			    "leaktrace: --tool takes memcheck or massif, not '%s' (see leaktrace "
			    "--help)\n",
			    val);
			return -1;
		}
		o->prof.massif = o->tool == TOOL_MASSIF;
		return 0;
	case HEAPOPT_MASSIF_OUT_FILE:
		if (!*val) {
			fprintf(stderr, "leaktrace: --massif-out-file needs a file name\n");
			return -1;
		}
		o->prof.massif_out = val;
		return 0;
	case HEAPOPT_TIME_UNIT:
		if (!strcmp(val, "i"))
			mc->time_unit = MASSIF_TIME_I;
		else if (!strcmp(val, "ms"))
			mc->time_unit = MASSIF_TIME_MS;
		else if (!strcmp(val, "B"))
			mc->time_unit = MASSIF_TIME_B;
		else {
			fprintf(stderr, "leaktrace: --time-unit takes i, ms or B, not '%s'\n", val);
			return -1;
		}
		return 0;
	case HEAPOPT_DETAILED_FREQ:
		return uint_in(names[which], val, 1, 1000000, &mc->detailed_freq);
	case HEAPOPT_MAX_SNAPSHOTS:
		return uint_in(names[which], val, 10, 1000, &mc->max_snapshots);
	case HEAPOPT_THRESHOLD:
		return pct_in(names[which], val, 100, &mc->threshold);
	case HEAPOPT_PEAK_INACCURACY:
		return pct_in(names[which], val, 1e9, &mc->peak_inaccuracy);
	case HEAPOPT_HEAP_ADMIN:
		return uint_in(names[which], val, 0, 1024, &mc->heap_admin);
	case HEAPOPT_DEPTH:
		return uint_in(names[which], val, 1, 200, &mc->depth);
	case HEAPOPT_ALLOC_FN:
		if (util_push_string(&o->alloc_fns, val))
			return -1;
		mc->alloc_fns = o->alloc_fns;
		return 0;
	case HEAPOPT_IGNORE_FN:
		if (util_push_string(&o->ignore_fns, val))
			return -1;
		mc->ignore_fns = o->ignore_fns;
		return 0;
	case HEAPOPT_HEAP:
		if (strcmp(val, "yes")) {
			fprintf(stderr, "leaktrace: --heap=%s: leaktrace profiles the heap only\n",
				val);
			return -1;
		}
		return 0;
	case HEAPOPT_STACKS:
	case HEAPOPT_PAGES_AS_HEAP:
		if (strcmp(val, "no")) {
			fprintf(stderr,
				"leaktrace: --%s=%s is not supported (a tracer does not see "
				"%s)\n",
				names[which], val,
				which == HEAPOPT_STACKS ? "stack pointer moves" : "page mappings");
			return -1;
		}
		return 0;
	case HEAPOPT_TIMELINE:
		if (!*val) {
			fprintf(stderr, "leaktrace: --timeline needs a file name\n");
			return -1;
		}
		o->prof.timeline_file = val;
		return 0;
	}
	return -1;
}

/* True once the session feeds heapprof (heapprof.h's four calls); until
 * then --tool=massif and --timeline would silently do nothing, so they are
 * refused. */
static const bool session_feeds_heapprof = true;

int heapopts_finish(struct heap_options *o)
{
	if (!session_feeds_heapprof && (o->tool == TOOL_MASSIF || o->prof.timeline_file)) {
		fprintf(stderr,
			"leaktrace: %s is not available yet: the session does not feed "
			"the heap profile\n",
			o->tool == TOOL_MASSIF ? "--tool=massif" : "--timeline");
		return -1;
	}
	if (o->tool != TOOL_MASSIF && o->massif_args) {
		fprintf(stderr, "leaktrace: %s is an option of --tool=massif\n", o->massif_args[0]);
		return -1;
	}
	return 0;
}
