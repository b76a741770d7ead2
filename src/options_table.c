/* options_table: every option of leaktrace, once: its name, the form of its
 * value, what it sets, and its --help line (options.c says how the table is
 * read), with the setters that turn a value into the config. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/heapopts.h"
#include "leaktrace/outfile.h"
#include "leaktrace/util.h"

#include "options_int.h"

static int set_words_error(const char *name, const char *val, const char *what)
{
	fprintf(stderr, "leaktrace: --%s: %s in '%s'\n", name, what, val);
	return -1;
}

/* A comma list of words from names[first..count): the mask of their
 * indexes, or -1 for a word not among them. */
static long parse_word_list(const char *val, const char *const *names, int first, int count)
{
	unsigned long mask = 0;

	for (const char *p = val; *p;) {
		size_t len = strcspn(p, ",");
		int k;

		for (k = first; k < count; k++)
			if (strlen(names[k]) == len && !strncmp(p, names[k], len))
				break;
		if (k == count || len == 0)
			return -1;
		mask |= 1ul << k;
		p += len;
		if (*p == ',')
			p++;
	}
	return (long)mask;
}

static int parse_kinds(const char *name, const char *val, unsigned *out)
{
	static const char *const words[LEAK_KIND_COUNT] = {
		[LEAK_DEFINITE] = "definite",
		[LEAK_INDIRECT] = "indirect",
		[LEAK_POSSIBLE] = "possible",
		[LEAK_REACHABLE] = "reachable",
	};
	long mask = !strcmp(val, "all")	   ? (1l << LEAK_KIND_COUNT) - 1
		    : !strcmp(val, "none") ? 0
					   : parse_word_list(val, words, 0, LEAK_KIND_COUNT);

	if (mask < 0)
		return set_words_error(name, val,
				       "unknown leak kind (use definite,indirect,possible,"
				       "reachable, all or none)");
	*out = (unsigned)mask;
	return 0;
}

/* ---- setters: one per option with an effect ------------------------------ */

#define SETTER(fn, body)                                                                           \
	static int fn(struct config *c, const char *val, long num)                                 \
	{                                                                                          \
		(void)c;                                                                           \
		(void)val;                                                                         \
		(void)num;                                                                         \
		body;                                                                              \
		return 0;                                                                          \
	}

SETTER(set_quiet, c->quiet = true)
SETTER(set_verbose, c->verbose++)
SETTER(set_pid, c->attach_pid = (pid_t)num)
SETTER(set_duration, c->duration = strtod(val, NULL))
SETTER(set_interval, c->interval = strtod(val, NULL))
SETTER(set_trace_children, c->trace_children = num)
SETTER(set_skip, c->trace_children_skip = *val ? val : NULL)
SETTER(set_skip_by_arg, c->trace_children_skip_by_arg = *val ? val : NULL)
SETTER(set_child_silent, c->child_silent_after_fork = num)
SETTER(set_time_stamp, c->time_stamp = num)
SETTER(set_log_fd, c->log_fd = (int)num)
SETTER(set_log_file, c->log_file = val)
SETTER(set_xml, c->xml = num)
SETTER(set_xml_fd, c->xml_fd = (int)num)
SETTER(set_xml_file, c->xml_file = val)
SETTER(set_xml_comment, c->xml_user_comment = val)
SETTER(set_demangle, c->demangle = num)
SETTER(set_num_callers, c->num_callers = (unsigned)num)
SETTER(set_error_limit, c->error_limit = num)
SETTER(set_exit_first, c->exit_on_first_error = num)
SETTER(set_error_exitcode, c->error_exitcode = (int)num)
SETTER(set_show_error_list, c->show_error_list = num)
SETTER(set_s, c->show_error_list = true)
SETTER(set_show_below_main, c->show_below_main = num)
SETTER(set_default_supp, c->default_suppressions = num)
SETTER(set_gen_supp, c->gen_suppressions = num == 0   ? GEN_SUPP_NO
					   : num == 1 ? GEN_SUPP_YES
						      : GEN_SUPP_ALL)
SETTER(set_libc_freeres, c->run_libc_freeres = num)
SETTER(set_cxx_freeres, c->run_cxx_freeres = num)
SETTER(set_zero_new, c->zero_new = num)
SETTER(set_lost_check, c->lost_check = num)
SETTER(set_leak_check, c->leak_check = num == 0	  ? LEAK_CHECK_NO
				       : num == 1 ? LEAK_CHECK_SUMMARY
						  : LEAK_CHECK_FULL)
SETTER(set_leak_resolution, c->leak_resolution = num == 0 ? 2 : num == 1 ? 4 : 0)
SETTER(set_track_fds, {
	c->track_fds = num != 0;
	c->track_fds_all = num == 2;
})
SETTER(set_freelist_vol, c->freelist_vol = (unsigned long long)num)
SETTER(set_hold_freed, c->hold_freed = (unsigned)num)
/* a fill must happen while the thread is stopped at the call: breakpoints */
SETTER(set_malloc_fill, {
	c->malloc_fill = (int)num;
	c->breakpoint_mode = true;
})
SETTER(set_free_fill, {
	c->free_fill = (int)num;
	c->breakpoint_mode = true;
})
SETTER(set_mismatched, c->show_mismatched_frees = num)
SETTER(set_flamegraph, c->flamegraph_file = val)
SETTER(set_folded, c->folded_file = val)
SETTER(set_mode, c->breakpoint_mode = num == 1)
SETTER(set_show_reachable, c->show_kinds = num ? (1u << LEAK_KIND_COUNT) - 1
					       : 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE)
SETTER(set_show_possibly_lost, {
	if (num)
		c->show_kinds |= 1u << LEAK_POSSIBLE;
	else
		c->show_kinds &= ~(1u << LEAK_POSSIBLE);
})

static int set_show_kinds(struct config *c, const char *val, long num)
{
	(void)num;
	return parse_kinds("show-leak-kinds", val, &c->show_kinds);
}

static int set_errors_kinds(struct config *c, const char *val, long num)
{
	(void)num;
	return parse_kinds("errors-for-leak-kinds", val, &c->errors_for_kinds);
}

static int set_heuristics(struct config *c, const char *val, long num)
{
	static const char *const words[HEUR_COUNT] = {
		[HEUR_STDSTRING] = "stdstring",
		[HEUR_LENGTH64] = "length64",
		[HEUR_NEWARRAY] = "newarray",
		[HEUR_MULTIPLEINHERITANCE] = "multipleinheritance",
	};
	long mask = !strcmp(val, "all")	   ? HEUR_ALL
		    : !strcmp(val, "none") ? 0
					   : parse_word_list(val, words, 1, HEUR_COUNT);
	(void)num;
	if (mask < 0)
		return set_words_error("leak-check-heuristics", val,
				       "unknown heuristic (use stdstring,length64,newarray,"
				       "multipleinheritance, all or none)");
	c->heuristics = (unsigned)mask;
	return 0;
}

static int set_suppressions(struct config *c, const char *val, long num)
{
	(void)num;
	return util_push_string(&c->supp_files, val);
}

static int set_fullpath_after(struct config *c, const char *val, long num)
{
	(void)num;
	return util_push_string(&c->fullpath_after, val);
}

/* --tool, massif's options and --timeline: heapopts.c's */
#define HEAP_SETTER(fn, which)                                                                     \
	static int fn(struct config *c, const char *val, long num)                                 \
	{                                                                                          \
		(void)num;                                                                         \
		return heapopts_handle(&c->heap, which, val);                                      \
	}
HEAP_SETTER(set_tool, HEAPOPT_TOOL)
HEAP_SETTER(set_massif_out_file, HEAPOPT_MASSIF_OUT_FILE)
HEAP_SETTER(set_time_unit, HEAPOPT_TIME_UNIT)
HEAP_SETTER(set_detailed_freq, HEAPOPT_DETAILED_FREQ)
HEAP_SETTER(set_max_snapshots, HEAPOPT_MAX_SNAPSHOTS)
HEAP_SETTER(set_threshold, HEAPOPT_THRESHOLD)
HEAP_SETTER(set_peak_inaccuracy, HEAPOPT_PEAK_INACCURACY)
HEAP_SETTER(set_heap_admin, HEAPOPT_HEAP_ADMIN)
HEAP_SETTER(set_depth, HEAPOPT_DEPTH)
HEAP_SETTER(set_alloc_fn, HEAPOPT_ALLOC_FN)
HEAP_SETTER(set_ignore_fn, HEAPOPT_IGNORE_FN)
HEAP_SETTER(set_heap, HEAPOPT_HEAP)
HEAP_SETTER(set_stacks, HEAPOPT_STACKS)
HEAP_SETTER(set_pages_as_heap, HEAPOPT_PAGES_AS_HEAP)
HEAP_SETTER(set_timeline, HEAPOPT_TIMELINE)

/* --error-markers=BEGIN[,END]: the two strings are cut at the comma in place,
 * so val must be writable (it is: a copy owned by the config). */
int options_set_error_markers(struct config *c, const char *val, long num)
{
	char *comma = strchr(val, ',');

	(void)num;
	c->error_marker_begin = val;
	c->error_marker_end = NULL;
	if (comma) {
		*comma = '\0';
		c->error_marker_end = comma + 1;
	}
	if (c->error_marker_begin && !*c->error_marker_begin)
		c->error_marker_begin = NULL;
	if (c->error_marker_end && !*c->error_marker_end)
		c->error_marker_end = NULL;
	return 0;
}

/* --soname-synonyms=SYN=PATTERN[,SYN=PATTERN...]: only the syntax is checked;
 * somalloc=NONE or somalloc=LIB names where the allocator lives. */
static int set_soname_synonyms(struct config *c, const char *val, long num)
{
	(void)num;
	for (const char *p = val;;) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		if (!eq || eq == p || eq + 1 == p + len)
			return set_words_error("soname-synonyms", val,
					       "each item must be SYNONYM=PATTERN");
		p += len;
		if (!*p)
			break;
		p++;
	}
	c->soname_synonyms = val;
	return 0;
}

static int check_socket(const char *name, const char *val, int port)
{
	struct sockaddr_in sa;

	if (outfile_parse_socket(val, port, &sa)) {
		fprintf(stderr, "leaktrace: --%s takes IPv4-ADDRESS[:PORT], not '%s'\n", name, val);
		return -1;
	}
	return 0;
}

static int set_log_socket(struct config *c, const char *val, long num)
{
	(void)num;
	c->log_socket = val;
	return check_socket("log-socket", val, OPTIONS_LOG_PORT);
}

static int set_xml_socket(struct config *c, const char *val, long num)
{
	(void)num;
	c->xml_socket = val;
	return check_socket("xml-socket", val, OPTIONS_XML_PORT);
}

/* The setters of --help and friends return 1: stop, exit 0. */

#define YESNO	    V_CHOICE, "no|yes", 0, 0
#define NUM(lo, hi) V_NUM, "N", lo, hi
#define STR(a)	    V_STR, a, 0, 0
#define NOVAL	    V_NONE, NULL, 0, 0
#define CHOICE(w)   V_CHOICE, w, 0, 0

const struct optdef options_table[] = {
	/* leaktrace's own */
	{ "p", 'p', NUM(1, INT_MAX), set_pid, "attach to a running process, report, detach" },
	{ "duration", 0, V_SECONDS, "SECONDS", 0, 0, set_duration,
	  "with -p: end the session after SECONDS" },
	{ "interval", 0, V_SECONDS, "SECONDS", 0, 0, set_interval,
	  "print the fastest-growing stacks and suspected leaks every SECONDS" },
	{ "mode", 0, CHOICE("fast|breakpoint"), set_mode,
	  "event mechanism [fast, falls back to breakpoint]" },
	{ "flamegraph", 0, STR("FILE.svg"), set_flamegraph,
	  "flame graph of leaked bytes by stack" },
	{ "folded", 0, STR("FILE"), set_folded, "folded stacks of leaked bytes" },

	/* valgrind's core */
	{ "tool", 0, STR("memcheck|massif"), set_tool,
	  "the leak check, or massif's heap profile [memcheck]" },
	{ "timeline", 0, STR("FILE.svg"), set_timeline,
	  "the heap over time by stack, suspected leaks marked" },
	{ "massif-out-file", 0, STR("FILE"), set_massif_out_file,
	  "--tool=massif: where the profile goes [massif.out.%p]" },
	{ "time-unit", 0, STR("i|ms|B"), set_time_unit,
	  "--tool=massif: i (allocator calls), ms, or bytes [i]" },
	{ "detailed-freq", 0, STR("N"), set_detailed_freq,
	  "--tool=massif: every Nth snapshot is detailed [10]" },
	{ "max-snapshots", 0, STR("N"), set_max_snapshots,
	  "--tool=massif: snapshots kept, 10..1000 [100]" },
	{ "threshold", 0, STR("PCT"), set_threshold,
	  "--tool=massif: tree entries below PCT% merged [1.0]" },
	{ "peak-inaccuracy", 0, STR("PCT"), set_peak_inaccuracy,
	  "--tool=massif: a new peak is PCT% above the last [1.0]" },
	{ "heap-admin", 0, STR("BYTES"), set_heap_admin,
	  "--tool=massif: admin bytes counted per block [8]" },
	{ "depth", 0, STR("N"), set_depth, "--tool=massif: frames in the tree, 1..200 [30]" },
	{ "alloc-fn", 0, STR("NAME"), set_alloc_fn,
	  "--tool=massif: treat NAME as an allocator (repeatable)" },
	{ "ignore-fn", 0, STR("NAME"), set_ignore_fn,
	  "--tool=massif: leave out allocations from NAME (repeatable)" },
	{ "heap", 0, STR("yes|no"), set_heap, "--tool=massif: profile the heap [yes]" },
	{ "stacks", 0, STR("no"), set_stacks, "--tool=massif: stacks are not profiled [no]" },
	{ "pages-as-heap", 0, STR("no"), set_pages_as_heap,
	  "--tool=massif: pages are not profiled [no]" },
	{ "help", 'h', NOVAL, options_set_help, "this message" },
	{ "help-debug", 0, NOVAL, options_set_help, NULL },
	{ "help-dyn-options", 0, NOVAL, options_set_help, NULL },
	{ "list-options", 0, NOVAL, options_set_list, "the option names, for shell completion" },
	{ "version", 0, NOVAL, options_set_version, "leaktrace's version" },
	{ "quiet", 'q', NOVAL, set_quiet, "no preamble, errors only" },
	{ "verbose", 'v', NOVAL, set_verbose, "more detail" },
	{ "trace-children", 0, YESNO, set_trace_children,
	  "also trace the programs exec'd (by it or its children) [no]" },
	{ "trace-children-skip", 0, STR("PATT1,PATT2,..."), set_skip,
	  "executables (* and ? wildcards) not traced into" },
	{ "trace-children-skip-by-arg", 0, STR("PATT1,PATT2,..."), set_skip_by_arg,
	  "the same, matched against every argument" },
	{ "child-silent-after-fork", 0, YESNO, set_child_silent,
	  "no report for a forked child (until it execs) [no]" },
	{ "track-fds", 0, CHOICE("no|yes|all"), set_track_fds,
	  "report file descriptors open at exit [no]" },
	{ "time-stamp", 0, YESNO, set_time_stamp, "prefix each line with the elapsed time [no]" },
	{ "log-fd", 0, NUM(0, INT_MAX), set_log_fd, "write the report to descriptor N [2]" },
	{ "log-file", 0, STR("FILE"), set_log_file, "write the report to FILE (%p is the PID)" },
	{ "log-socket", 0, STR("IP[:PORT]"), set_log_socket,
	  "send the report to IP:PORT [port 1500]" },
	{ "xml", 0, YESNO, set_xml, "valgrind XML (protocol 4) [no]" },
	{ "xml-fd", 0, NUM(0, INT_MAX), set_xml_fd, "XML to descriptor N" },
	{ "xml-file", 0, STR("FILE"), set_xml_file, "XML to FILE (%p is the PID)" },
	{ "xml-socket", 0, STR("IP[:PORT]"), set_xml_socket, "XML to IP:PORT [port 1501]" },
	{ "xml-user-comment", 0, STR("STR"), set_xml_comment, "copy STR verbatim into the XML" },
	{ "demangle", 0, YESNO, set_demangle, "demangle C++ names [yes]" },
	{ "num-callers", 0, NUM(1, 500), set_num_callers, "frames per stack, 1..500 [12]" },
	{ "error-limit", 0, YESNO, set_error_limit, "stop showing errors after 1000 kinds [yes]" },
	{ "exit-on-first-error", 0, YESNO, set_exit_first,
	  "stop at the first error, with --error-exitcode [no]" },
	{ "error-exitcode", 0, NUM(0, 255), set_error_exitcode,
	  "exit with N if errors were found [0 = off]" },
	{ "error-markers", 0, STR("BEGIN,END"), options_set_error_markers,
	  "lines printed before and after each error" },
	{ "show-error-list", 0, YESNO, set_show_error_list, "list errors again at the end [no]" },
	{ "s", 's', NOVAL, set_s, "the same as --show-error-list=yes" },
	{ "show-below-main", 0, YESNO, set_show_below_main, "stacks go on below main [no]" },
	{ "fullpath-after", 0, STR("STRING"), set_fullpath_after,
	  "source paths after STRING; empty: whole paths (repeatable)" },
	{ "default-suppressions", 0, YESNO, set_default_supp,
	  "use leaktrace's default suppressions [yes]" },
	{ "suppressions", 0, STR("FILE"), set_suppressions,
	  "valgrind suppression file (repeatable)" },
	{ "gen-suppressions", 0, CHOICE("no|yes|all"), set_gen_supp,
	  "print suppressions for errors [no]" },
	{ "run-libc-freeres", 0, YESNO, set_libc_freeres, "free glibc's buffers at exit [yes]" },
	{ "run-cxx-freeres", 0, YESNO, set_cxx_freeres, "free libstdc++'s buffers at exit [yes]" },
	{ "zero-new-blocks", 0, YESNO, set_zero_new,
	  "zero glibc's new blocks, so stale pointers in them count for nothing [yes]" },
	{ "lost-check", 0, YESNO, set_lost_check,
	  "after the report, say which lost blocks any word in the process points into [no]" },
	{ "soname-synonyms", 0, STR("somalloc=PATTERN"), set_soname_synonyms,
	  "where the allocator lives (NONE: in the program)" },

	/* memcheck's */
	{ "leak-check", 0, CHOICE("no|summary|full|yes"), set_leak_check,
	  "how much to report at exit [summary]" },
	{ "leak-resolution", 0, CHOICE("low|med|high"), set_leak_resolution,
	  "stack frames compared to merge records [high]" },
	{ "show-leak-kinds", 0, STR("KINDS"), set_show_kinds,
	  "definite,indirect,possible,reachable,all,none [definite,possible]" },
	{ "errors-for-leak-kinds", 0, STR("KINDS"), set_errors_kinds,
	  "kinds counted as errors [definite,possible]" },
	{ "leak-check-heuristics", 0, STR("H"), set_heuristics,
	  "stdstring,length64,newarray,multipleinheritance,all,none [all]" },
	{ "show-reachable", 0, YESNO, set_show_reachable, "yes: --show-leak-kinds=all" },
	{ "show-possibly-lost", 0, YESNO, set_show_possibly_lost,
	  "show possibly lost blocks [yes]" },
	{ "freelist-vol", 0, NUM(0, LONG_MAX), set_freelist_vol,
	  "freed bytes remembered for error messages [20000000]" },
	{ "hold-freed", 0, NUM(0, 65536), set_hold_freed,
	  "freed blocks of up to 4 KiB kept from reuse, as memcheck keeps them [1024]" },
	{ "malloc-fill", 0, V_HEX, "HEXBYTE", 0, 0xff, set_malloc_fill,
	  "fill new blocks with HEXBYTE" },
	{ "free-fill", 0, V_HEX, "HEXBYTE", 0, 0xff, set_free_fill,
	  "fill freed blocks with HEXBYTE" },
	{ "show-mismatched-frees", 0, YESNO, set_mismatched,
	  "report frees that do not match the allocator [yes]" },

	/* valgrind's simulated CPU and its services: checked, no effect */
	{ "vgdb", 0, CHOICE("no|yes|full"), NULL, NULL },
	{ "vgdb-error", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "vgdb-stop-at", 0, STR("EVENTS"), NULL, NULL },
	{ "vgdb-poll", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "vgdb-shadow-registers", 0, YESNO, NULL, NULL },
	{ "vgdb-prefix", 0, STR("PREFIX"), NULL, NULL },
	{ "input-fd", 0, NUM(0, INT_MAX), NULL, NULL },
	{ "keep-debuginfo", 0, YESNO, NULL, NULL },
	{ "dsymutil", 0, YESNO, NULL, NULL },
	{ "max-stackframe", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "main-stacksize", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "alignment", 0, NUM(1, 4096), NULL, NULL },
	{ "redzone-size", 0, NUM(0, 4096), NULL, NULL },
	{ "xtree-memory", 0, CHOICE("none|allocs|full"), NULL, NULL },
	{ "xtree-memory-file", 0, STR("FILE"), NULL, NULL },
	{ "xtree-leak", 0, YESNO, NULL, NULL },
	{ "xtree-leak-file", 0, STR("FILE"), NULL, NULL },
	{ "extra-debuginfo-path", 0, STR("PATH"), NULL, NULL },
	{ "debuginfo-server", 0, STR("IP:PORT"), NULL, NULL },
	{ "allow-mismatched-debuginfo", 0, YESNO, NULL, NULL },
	{ "smc-check", 0, CHOICE("none|stack|all|all-non-file"), NULL, NULL },
	{ "read-inline-info", 0, YESNO, NULL, NULL },
	{ "read-var-info", 0, YESNO, NULL, NULL },
	{ "sim-hints", 0, STR("HINTS"), NULL, NULL },
	{ "fair-sched", 0, CHOICE("no|yes|try"), NULL, NULL },
	{ "kernel-variant", 0, STR("VARIANTS"), NULL, NULL },
	{ "merge-recursive-frames", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "num-transtab-sectors", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "avg-transtab-entry-size", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "aspace-minaddr", 0, V_HEX, "0xPP", 0, LONG_MAX, NULL, NULL },
	{ "valgrind-stacksize", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "show-emwarns", 0, YESNO, NULL, NULL },
	{ "require-text-symbol", 0, STR(":SONAME:SYMBOL"), NULL, NULL },
	{ "sigill-diagnostics", 0, YESNO, NULL, NULL },
	{ "unw-stack-scan-thresh", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "unw-stack-scan-frames", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "resync-filter", 0, CHOICE("no|yes|verbose"), NULL, NULL },
	{ "max-threads", 0, NUM(1, LONG_MAX), NULL, NULL },
	{ "undef-value-errors", 0, YESNO, NULL, NULL },
	{ "track-origins", 0, YESNO, NULL, NULL },
	{ "partial-loads-ok", 0, YESNO, NULL, NULL },
	{ "expensive-definedness-checks", 0, CHOICE("no|auto|yes"), NULL, NULL },
	{ "freelist-big-blocks", 0, NUM(0, LONG_MAX), NULL, NULL },
	{ "workaround-gcc296-bugs", 0, YESNO, NULL, NULL },
	{ "ignore-ranges", 0, STR("0xPP-0xQQ,..."), NULL, NULL },
	{ "ignore-range-below-sp", 0, STR("N-M"), NULL, NULL },
	{ "keep-stacktraces", 0, CHOICE("alloc|free|alloc-and-free|alloc-then-free|none"), NULL,
	  NULL },
	{ "vex-iropt-verbosity", 0, NUM(0, 9), NULL, NULL },
	{ "vex-iropt-level", 0, NUM(0, 2), NULL, NULL },
	{ "vex-iropt-unroll-thresh", 0, NUM(0, 400), NULL, NULL },
	{ "vex-guest-max-insns", 0, NUM(1, 100), NULL, NULL },
	{ "vex-guest-chase", 0, YESNO, NULL, NULL },
	{ "vex-iropt-register-updates", 0,
	  CHOICE("sp-at-mem-access|unwindregs-at-mem-access|allregs-at-mem-access|"
		 "allregs-at-each-insn"),
	  NULL, NULL },
	{ "vex-regalloc-version", 0, NUM(2, 3), NULL, NULL },
};
const size_t options_count = sizeof options_table / sizeof options_table[0];
