/* options: leaktrace's command line.
 *
 * Options use valgrind's names and value syntax (--leak-check=full,
 * --show-leak-kinds=definite,possible, ...) so that a command line written
 * for memcheck works unchanged.  Every option is declared once, in the table
 * `opts` below: its name, the form of its value, what it sets, and its line
 * in --help.  The parser, --help, --list-options (shell completion) and the
 * check that a value is well formed all read that table, so an option cannot
 * be accepted by one and unknown to another.  An entry without a setter is
 * one of valgrind's options that steers its simulated CPU: its value is
 * checked, then it has no effect.
 *
 * Options are read from ~/.leaktracerc, $LEAKTRACE_OPTS, ./.leaktracerc (only
 * when it is a regular file of ours that nobody else can write) and argv, in
 * that order, as valgrind reads .valgrindrc and $VALGRIND_OPTS.  Parsing of
 * argv stops at the first word that is not an option: that is the program,
 * and everything after it belongs to the program.  There are no abbreviated
 * long options (getopt's prefixes would make `--track=yes` mean something). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "leaktrace/options.h"
#include "leaktrace/outfile.h"

/* How an option's value is written. */
enum optval {
	V_NONE,	   /* no value: --help, -q */
	V_CHOICE,  /* one word of arg ("no|yes"); the setter gets its index */
	V_NUM,	   /* a decimal integer in [lo, hi] */
	V_HEX,	   /* a hexadecimal integer in [lo, hi] (0x optional) */
	V_SECONDS, /* a positive decimal number */
	V_STR,	   /* any text (the setter may check it) */
};

struct optdef;
typedef int (*opt_set_fn)(struct config *c, const char *val, long num);

struct optdef {
	const char *name; /* without the leading "--" */
	char short_name;  /* -X alias, or 0 */
	enum optval val;
	const char *arg;  /* V_CHOICE: the words; otherwise the name shown in --help */
	long lo, hi;	  /* V_NUM, V_HEX */
	opt_set_fn set;	  /* NULL: accepted for valgrind's sake, no effect */
	const char *help; /* --help line; NULL for no-effect options */
};

/* rc files are capped: an option file is a few lines */
#define RC_MAX_BYTES (64 * 1024)

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

static int push_string(const char ***list, const char *s)
{
	size_t n = 0;

	while (*list && (*list)[n])
		n++;
	const char **v = realloc(*list, (n + 2) * sizeof *v);
	if (!v) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	v[n] = s;
	v[n + 1] = NULL;
	*list = v;
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
SETTER(set_leak_check, c->leak_check = num == 0	  ? LEAK_CHECK_NO
				       : num == 1 ? LEAK_CHECK_SUMMARY
						  : LEAK_CHECK_FULL)
SETTER(set_leak_resolution, c->leak_resolution = num == 0 ? 2 : num == 1 ? 4 : 0)
SETTER(set_track_fds, {
	c->track_fds = num != 0;
	c->track_fds_all = num == 2;
})
SETTER(set_freelist_vol, c->freelist_vol = (unsigned long long)num)
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
	return push_string(&c->supp_files, val);
}

static int set_fullpath_after(struct config *c, const char *val, long num)
{
	(void)num;
	return push_string(&c->fullpath_after, val);
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
static int set_error_markers(struct config *c, const char *val, long num)
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
static int set_help(struct config *c, const char *val, long num);
static int set_version(struct config *c, const char *val, long num);
static int set_list(struct config *c, const char *val, long num);

#define YESNO	    V_CHOICE, "no|yes", 0, 0
#define NUM(lo, hi) V_NUM, "N", lo, hi
#define STR(a)	    V_STR, a, 0, 0
#define NOVAL	    V_NONE, NULL, 0, 0
#define CHOICE(w)   V_CHOICE, w, 0, 0

static const struct optdef opts[] = {
	/* leaktrace's own */
	{ "p", 'p', NUM(1, INT_MAX), set_pid, "attach to a running process, report, detach" },
	{ "duration", 0, V_SECONDS, "SECONDS", 0, 0, set_duration,
	  "with -p: end the session after SECONDS" },
	{ "interval", 0, V_SECONDS, "SECONDS", 0, 0, set_interval,
	  "with -p: print the fastest-growing stacks every SECONDS" },
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
	{ "help", 'h', NOVAL, set_help, "this message" },
	{ "help-debug", 0, NOVAL, set_help, NULL },
	{ "help-dyn-options", 0, NOVAL, set_help, NULL },
	{ "list-options", 0, NOVAL, set_list, "the option names, for shell completion" },
	{ "version", 0, NOVAL, set_version, "leaktrace's version" },
	{ "quiet", 'q', NOVAL, set_quiet, "no preamble, errors only" },
	{ "verbose", 'v', NOVAL, set_verbose, "more detail" },
	{ "trace-children", 0, YESNO, set_trace_children,
	  "also trace forked and exec'd children [no]" },
	{ "trace-children-skip", 0, STR("PATT1,PATT2,..."), set_skip,
	  "executables (* and ? wildcards) not traced into" },
	{ "trace-children-skip-by-arg", 0, STR("PATT1,PATT2,..."), set_skip_by_arg,
	  "the same, matched against every argument" },
	{ "child-silent-after-fork", 0, YESNO, set_child_silent,
	  "nothing from a forked child until it execs [no]" },
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
	{ "error-markers", 0, STR("BEGIN,END"), set_error_markers,
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
#define NOPTS (sizeof opts / sizeof opts[0])

static const char usage_head[] =
    "usage: leaktrace [options] PROGRAM [ARGS...]\n"
    "       leaktrace [options] -p PID\n"
    "\n"
    "Find memory leaks in an unmodified program with ptrace; the report reads\n"
    "like valgrind memcheck's.  Options are also read from ~/.leaktracerc,\n"
    "$LEAKTRACE_OPTS and ./.leaktracerc, in that order, before the command line.\n"
    "\n";

static void print_usage(FILE *out)
{
	fputs(usage_head, out);
	for (size_t i = 0; i < NOPTS; i++) {
		const struct optdef *d = &opts[i];
		char lhs[64];

		if (!d->help)
			continue;
		if (d->short_name && strlen(d->name) == 1)
			snprintf(lhs, sizeof lhs, "-%c%s%s", d->short_name, d->arg ? " " : "",
				 d->arg && d->val != V_CHOICE ? (d->val == V_NUM ? "PID" : d->arg)
							      : "");
		else
			snprintf(lhs, sizeof lhs, "%s%c%s--%s%s%s", d->short_name ? "-" : "",
				 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "",
				 d->name, d->arg ? "=" : "", d->arg ? d->arg : "");
		char *l = lhs[0] == ' ' ? lhs + 1 : lhs;
		if (strlen(l) > 28)
			fprintf(out, "  %s\n  %-28s  %s\n", l, "", d->help);
		else
			fprintf(out, "  %-28s  %s\n", l, d->help);
	}
	fputs("\nAccepted as valgrind spells them, with no effect on a ptrace tracer:\n", out);
	size_t col = 0;
	for (size_t i = 0; i < NOPTS; i++) {
		if (opts[i].help || opts[i].set == set_help)
			continue;
		size_t w = strlen(opts[i].name) + 3;
		if (col + w > 78) {
			fputc('\n', out);
			col = 0;
		}
		fprintf(out, " --%s", opts[i].name);
		col += w;
	}
	fputc('\n', out);
}

static int set_help(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	print_usage(stdout);
	return 1;
}

static int set_version(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	puts("leaktrace-" LEAKTRACE_VERSION);
	return 1;
}

void options_list(FILE *out)
{
	for (size_t i = 0; i < NOPTS; i++) {
		if (strlen(opts[i].name) > 1)
			fprintf(out, "--%s%s%s\n", opts[i].name, opts[i].arg ? "=" : "",
				opts[i].val == V_CHOICE ? opts[i].arg : "");
		if (opts[i].short_name)
			fprintf(out, "-%c\n", opts[i].short_name);
	}
}

static int set_list(struct config *c, const char *val, long num)
{
	(void)c;
	(void)val;
	(void)num;
	options_list(stdout);
	return 1;
}

/* ---- parsing ------------------------------------------------------------- */

static const struct optdef *find_long(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len && !strncmp(opts[i].name, name, len) &&
		    (len > 1 || !opts[i].short_name))
			return &opts[i];
	return NULL;
}

static const struct optdef *find_short(char c)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (opts[i].short_name == c)
			return &opts[i];
	return NULL;
}

/* "--name" for messages: "-p" for the one-letter ones. */
static void show_name(const struct optdef *d, char *buf, size_t len)
{
	if (d->short_name && strlen(d->name) == 1)
		snprintf(buf, len, "-%c", d->short_name);
	else
		snprintf(buf, len, "--%s", d->name);
}

static int bad_value(const struct optdef *d, const char *val)
{
	char name[64];

	show_name(d, name, sizeof name);
	switch (d->val) {
	case V_CHOICE: {
		char words[128];
		size_t o = 0;
		for (const char *p = d->arg; *p && o + 4 < sizeof words; p++) {
			if (*p == '|') {
				const char *sep = strchr(p + 1, '|') ? ", " : " or ";
				memcpy(words + o, sep, strlen(sep));
				o += strlen(sep);
			} else {
				words[o++] = *p;
			}
		}
		words[o] = '\0';
		fprintf(stderr, "leaktrace: %s takes %s, not '%s'\n", name, words, val);
		break;
	}
	case V_NUM:
		if (d->set == set_pid)
			fprintf(stderr, "leaktrace: -p takes a process ID, not '%s'\n", val);
		else
			fprintf(stderr, "leaktrace: %s takes a number from %ld to %ld, not '%s'\n",
				name, d->lo, d->hi, val);
		break;
	case V_HEX:
		fprintf(stderr,
			"leaktrace: %s takes a hexadecimal number from 0x%lx to 0x%lx, not '%s'\n",
			name, d->lo, d->hi, val);
		break;
	case V_SECONDS:
		fprintf(stderr, "leaktrace: %s takes a positive number of seconds, not '%s'\n",
			name, val);
		break;
	default:
		fprintf(stderr, "leaktrace: %s does not take '%s'\n", name, val);
	}
	return -1;
}

/* Checks val against d's form and calls its setter: 0, 1 (stop, exit 0) or
 * -1 after a message. */
static int apply(struct config *cfg, const struct optdef *d, const char *val)
{
	long num = 0;
	char *end;

	switch (d->val) {
	case V_NONE:
		break;
	case V_CHOICE: {
		const char *p = d->arg;
		size_t vlen = strlen(val);
		for (num = 0;; num++) {
			size_t len = strcspn(p, "|");
			if (len == vlen && !strncmp(p, val, len))
				break;
			if (!p[len])
				return bad_value(d, val);
			p += len + 1;
		}
		break;
	}
	case V_NUM:
	case V_HEX:
		errno = 0;
		num = strtol(val, &end, d->val == V_HEX ? 16 : 10);
		if (errno || end == val || *end || num < d->lo || num > d->hi || val[0] == '-' ||
		    val[0] == '+' || val[0] == ' ')
			return bad_value(d, val);
		break;
	case V_SECONDS: {
		errno = 0;
		double v = strtod(val, &end);
		if (errno || end == val || *end || !(v > 0) || v > 1e9)
			return bad_value(d, val);
		break;
	}
	case V_STR:
		break;
	}
	return d->set ? d->set(cfg, val, num) : 0;
}

static char *own(struct config *cfg, char *p)
{
	char **v;

	if (!p || !(v = realloc(cfg->owned, (cfg->nowned + 1) * sizeof *v))) {
		free(p);
		fprintf(stderr, "leaktrace: out of memory\n");
		return NULL;
	}
	cfg->owned = v;
	cfg->owned[cfg->nowned++] = p;
	return p;
}

/* One "--..." word; *next is the word after it, which a value may take (then
 * *used is set).  Returns 0, 1 or -1 as apply. */
static int parse_long(struct config *cfg, const char *word, const char *next, bool *used)
{
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *colon = memchr(name, ':', len);

	/* valgrind's --TOOL:option: ours, or another tool's to ignore */
	if (colon) {
		size_t tlen = (size_t)(colon - name);
		if ((tlen == 8 && !strncmp(name, "memcheck", 8)) ||
		    (tlen == 9 && !strncmp(name, "leaktrace", 9))) {
			len -= tlen + 1;
			name = colon + 1;
		} else {
			bool tool = tlen > 0;
			for (size_t i = 0; i < tlen; i++)
				tool = tool && name[i] >= 'a' && name[i] <= 'z';
			if (tool)
				return 0;
		}
	}
	const struct optdef *d = find_long(name, len);
	if (!d) {
		fprintf(stderr, "leaktrace: unknown option '%.*s' (see leaktrace --help)\n",
			(int)(name + len - word), word);
		return -1;
	}
	if (d->val == V_NONE) {
		if (eq) {
			fprintf(stderr, "leaktrace: --%s takes no value ('%s')\n", d->name, word);
			return -1;
		}
		return apply(cfg, d, "");
	}
	const char *val = eq ? eq + 1 : next;
	if (!val) {
		fprintf(stderr, "leaktrace: --%s needs a value (--%s=%s)\n", d->name, d->name,
			d->arg);
		return -1;
	}
	*used = !eq;
	/* --error-markers cuts its value in place: give it a copy */
	char *copy = d->set == set_error_markers ? own(cfg, strdup(val)) : NULL;
	if (d->set == set_error_markers && !copy)
		return -1;
	return apply(cfg, d, copy ? copy : val);
}

/* One "-abc" word: flags, and -p with its value in the word or the next. */
static int parse_short(struct config *cfg, const char *word, const char *next, bool *used)
{
	for (const char *p = word + 1; *p; p++) {
		const struct optdef *d = find_short(*p);
		if (!d) {
			fprintf(stderr, "leaktrace: unknown option '-%c' (see leaktrace --help)\n",
				*p);
			return -1;
		}
		if (d->val == V_NONE) {
			int r = apply(cfg, d, "");
			if (r)
				return r;
			continue;
		}
		const char *val = p[1] ? p + 1 : next;
		if (!val) {
			fprintf(stderr, "leaktrace: -%c needs a value (-%c %s)\n", *p, *p,
				d->set == set_pid ? "PID" : d->arg);
			return -1;
		}
		*used = !p[1];
		return apply(cfg, d, val);
	}
	return 0;
}

/* Options in words[0..n).  With `program_follows`, stops at the first word
 * that is not an option and stores its index in *stop; otherwise every word
 * must be an option.  Returns 0, 1 (exit 0) or -1. */
static int parse_words(struct config *cfg, char **words, int n, bool program_follows,
		       const char *source, int *stop)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *w = words[i];
		bool used = false;
		int r;

		if (!strcmp(w, "--") && program_follows) {
			i++;
			break;
		}
		if (w[0] != '-' || !w[1]) {
			if (program_follows)
				break;
			fprintf(stderr, "leaktrace: %s: '%s' is not an option\n", source, w);
			return -1;
		}
		const char *next = program_follows && i + 1 < n ? words[i + 1] : NULL;
		r = w[1] == '-' ? parse_long(cfg, w, next, &used)
				: parse_short(cfg, w, next, &used);
		if (r)
			return r;
		if (used)
			i++;
	}
	if (stop)
		*stop = i;
	return 0;
}

char **options_split(const char *text, char **storage, size_t *n)
{
	char *copy = strdup(text);
	size_t cap = 8, k = 0;
	char **v = malloc(cap * sizeof *v);

	if (!copy || !v) {
		free(copy);
		free(v);
		return NULL;
	}
	for (char *p = copy;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		if (k + 2 > cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv) {
				free(copy);
				free(v);
				return NULL;
			}
			v = nv;
		}
		v[k++] = p;
		p += strcspn(p, " \t\n\r");
		if (*p)
			*p++ = '\0';
	}
	v[k] = NULL;
	*storage = copy;
	*n = k;
	return v;
}

bool options_rc_trusted(const struct stat *st, uid_t uid)
{
	return S_ISREG(st->st_mode) && st->st_uid == uid && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Reads an rc file (at most RC_MAX_BYTES; lines starting with '#' are
 * comments).  Returns its text in malloc'd memory, NULL when there is none
 * to read; *st is filled from the open file. */
static char *read_rc(const char *path, bool nofollow, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
	char *buf = NULL;
	size_t n = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) || !S_ISREG(st->st_mode) || !(buf = malloc(RC_MAX_BYTES + 1))) {
		close(fd);
		return NULL;
	}
	for (ssize_t r; n < RC_MAX_BYTES && (r = read(fd, buf + n, RC_MAX_BYTES - n)) > 0;)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	/* '#' comments to the end of the line */
	for (char *p = buf; (p = strchr(p, '#'));) {
		size_t len = strcspn(p, "\n");
		memset(p, ' ', len);
		p += len;
	}
	return buf;
}

static int parse_text(struct config *cfg, const char *text, const char *source)
{
	char *storage;
	size_t n;
	char **words = options_split(text, &storage, &n);

	if (!words || !own(cfg, storage)) {
		free(words);
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	int r = parse_words(cfg, words, (int)n, false, source, NULL);
	free(words);
	return r;
}

/* ~/.leaktracerc, $LEAKTRACE_OPTS, ./.leaktracerc. */
static int parse_defaults(struct config *cfg)
{
	const char *home = getenv("HOME"), *env = getenv("LEAKTRACE_OPTS");
	struct stat home_st = { 0 }, here_st;
	char path[PATH_MAX];
	char *text;
	int r;

	if (home && *home && snprintf(path, sizeof path, "%s/.leaktracerc", home) < PATH_MAX &&
	    (text = read_rc(path, false, &home_st))) {
		r = own(cfg, text) ? parse_text(cfg, text, "~/.leaktracerc") : -1;
		if (r)
			return r;
	}
	if (env && (r = parse_text(cfg, env, "$LEAKTRACE_OPTS")))
		return r;
	if ((text = read_rc(".leaktracerc", true, &here_st))) {
		bool same = home_st.st_ino == here_st.st_ino && home_st.st_dev == here_st.st_dev;
		if (same || !options_rc_trusted(&here_st, geteuid())) {
			free(text); /* read already, or not ours to trust */
			return 0;
		}
		r = own(cfg, text) ? parse_text(cfg, text, "./.leaktracerc") : -1;
		if (r)
			return r;
	}
	return 0;
}

#ifndef LEAKTRACE_SUPP_DIR
#define LEAKTRACE_SUPP_DIR "/usr/local/share/leaktrace"
#endif

/* The default suppressions: next to the binary (the build tree), in
 * ../share/leaktrace from its directory (an installed tree, wherever it was
 * moved), or in the directory it was configured for.  NULL when none is a
 * regular file.  Malloc'd. */
static char *find_default_supp(void)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat st;

	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(cand, sizeof cand, "%s/default.supp", exe);
			if (!stat(cand, &st) && S_ISREG(st.st_mode))
				return strdup(cand);
			snprintf(cand, sizeof cand, "%s/../share/leaktrace/default.supp", exe);
			if (!stat(cand, &st) && S_ISREG(st.st_mode))
				return strdup(cand);
		}
	}
	snprintf(cand, sizeof cand, "%s/default.supp", LEAKTRACE_SUPP_DIR);
	if (!stat(cand, &st) && S_ISREG(st.st_mode))
		return strdup(cand);
	return NULL;
}

/* --default-suppressions=yes: the file goes first, as valgrind's does. */
static int add_default_supp(struct config *cfg)
{
	char *path = find_default_supp();
	size_t n = 0;

	if (!path)
		return 0; /* not installed: nothing to suppress with */
	if (!own(cfg, path))
		return -1;
	while (cfg->supp_files && cfg->supp_files[n])
		n++;
	const char **v = realloc(cfg->supp_files, (n + 2) * sizeof *v);
	if (!v) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	memmove(v + 1, v, n * sizeof *v);
	v[0] = path;
	v[n + 1] = NULL;
	cfg->supp_files = v;
	return 0;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->leak_check = LEAK_CHECK_SUMMARY;
	cfg->show_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	cfg->errors_for_kinds = 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
	cfg->leak_resolution = 0;
	cfg->heuristics = HEUR_ALL;
	cfg->num_callers = 12;
	cfg->run_libc_freeres = true;
	cfg->run_cxx_freeres = true;
	cfg->log_fd = 2;
	cfg->xml_fd = -1;
	cfg->freelist_vol = 20000000;
	cfg->malloc_fill = -1;
	cfg->free_fill = -1;
	cfg->demangle = true;
	cfg->error_limit = true;
	cfg->default_suppressions = true;
	cfg->show_mismatched_frees = true;
	heapopts_default(&cfg->heap);
}

int options_parse(int argc, char **argv, struct config *cfg)
{
	int stop = 1, r;

	config_defaults(cfg);
	cfg->self_exe = argv[0];
	struct timespec now;
	if (!clock_gettime(CLOCK_MONOTONIC, &now))
		cfg->start_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	if ((r = parse_defaults(cfg)))
		return r;
	if ((r = parse_words(cfg, argv + 1, argc - 1, true, "command line", &stop)))
		return r;
	int first_arg = stop + 1;
	if (cfg->attach_pid) {
		if (first_arg < argc) {
			fprintf(stderr,
				"leaktrace: -p and a program to run cannot go together ('%s')\n",
				argv[first_arg]);
			return -1;
		}
	} else {
		if (first_arg >= argc) {
			fprintf(stderr, "leaktrace: no program to run (usage: leaktrace [options] "
					"PROGRAM [ARGS...], or -p PID)\n");
			return -1;
		}
		cfg->target_argv = argv + first_arg;
	}
	if (cfg->exit_on_first_error && !cfg->error_exitcode) {
		fprintf(stderr, "leaktrace: --exit-on-first-error=yes needs a non-zero "
				"--error-exitcode=N\n");
		return -1;
	}
	if (cfg->duration && !cfg->attach_pid) {
		fprintf(stderr, "leaktrace: --duration goes with -p PID\n");
		return -1;
	}
	if (heapopts_finish(&cfg->heap))
		return -1;
	if (cfg->default_suppressions && add_default_supp(cfg))
		return -1;
	/* leaktrace's own options alone, NULL-terminated, for the XML <vargv> */
	size_t nself = (size_t)stop;
	cfg->self_args = calloc(nself + 1, sizeof *cfg->self_args);
	if (!cfg->self_args) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	memcpy(cfg->self_args, argv + 1, nself * sizeof *argv);
	return 0;
}

void options_fill_report(const struct config *cfg, struct report *rep)
{
	rep->leak_check = cfg->leak_check;
	rep->show_kinds = cfg->show_kinds;
	rep->errors_for_kinds = cfg->errors_for_kinds;
	rep->gen_suppressions = cfg->gen_suppressions;
	rep->show_error_list = cfg->show_error_list;
	rep->time_stamp = cfg->time_stamp;
	rep->start_ns = cfg->start_ns;
	rep->mangled_names = !cfg->demangle;
	rep->fullpath_after = cfg->fullpath_after;
	rep->error_marker_begin = cfg->error_marker_begin;
	rep->error_marker_end = cfg->error_marker_end;
	rep->xml_user_comment = cfg->xml ? cfg->xml_user_comment : NULL;
}

void options_free(struct config *cfg)
{
	heapopts_release(&cfg->heap);
	free(cfg->self_args);
	free(cfg->supp_files);
	free(cfg->fullpath_after);
	for (size_t i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	cfg->self_args = cfg->owned = NULL;
	cfg->supp_files = cfg->fullpath_after = NULL;
	cfg->nowned = 0;
}
