/* options: leaktrace's command line.
 *
 * Options use valgrind's names and value syntax (--leak-check=full,
 * --show-leak-kinds=definite,possible, ...) so that a command line written
 * for memcheck works unchanged.  Parsing stops at the first non-option word:
 * that is the program, and everything after it belongs to the program. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leaktrace/options.h"

enum {
	OPT_LEAK_CHECK = 256,
	OPT_SHOW_LEAK_KINDS,
	OPT_ERRORS_FOR_LEAK_KINDS,
	OPT_LEAK_RESOLUTION,
	OPT_HEURISTICS,
	OPT_NUM_CALLERS,
	OPT_LIBC_FREERES,
	OPT_CXX_FREERES,
	OPT_TRACE_CHILDREN,
	OPT_TRACK_FDS,
	OPT_ERROR_EXITCODE,
	OPT_GEN_SUPP,
	OPT_SUPPRESSIONS,
	OPT_LOG_FILE,
	OPT_LOG_FD,
	OPT_XML,
	OPT_XML_FILE,
	OPT_XML_FD,
	OPT_FLAMEGRAPH,
	OPT_FOLDED,
	OPT_MODE,
	OPT_DURATION,
	OPT_INTERVAL,
	OPT_FREELIST_VOL,
	OPT_SHOW_REACHABLE,
	OPT_HELP,
	OPT_VERSION,
	OPT_HEAP_FIRST, /* heapopts.h's options: --tool, massif's, --timeline */
	OPT_HEAP_LAST = OPT_HEAP_FIRST + HEAPOPT_COUNT - 1,
};

static const struct option long_opts[] = {
	{ "leak-check", required_argument, NULL, OPT_LEAK_CHECK },
	{ "show-leak-kinds", required_argument, NULL, OPT_SHOW_LEAK_KINDS },
	{ "errors-for-leak-kinds", required_argument, NULL, OPT_ERRORS_FOR_LEAK_KINDS },
	{ "leak-resolution", required_argument, NULL, OPT_LEAK_RESOLUTION },
	{ "leak-check-heuristics", required_argument, NULL, OPT_HEURISTICS },
	{ "num-callers", required_argument, NULL, OPT_NUM_CALLERS },
	{ "run-libc-freeres", required_argument, NULL, OPT_LIBC_FREERES },
	{ "run-cxx-freeres", required_argument, NULL, OPT_CXX_FREERES },
	{ "trace-children", required_argument, NULL, OPT_TRACE_CHILDREN },
	{ "track-fds", required_argument, NULL, OPT_TRACK_FDS },
	{ "error-exitcode", required_argument, NULL, OPT_ERROR_EXITCODE },
	{ "gen-suppressions", required_argument, NULL, OPT_GEN_SUPP },
	{ "suppressions", required_argument, NULL, OPT_SUPPRESSIONS },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "log-fd", required_argument, NULL, OPT_LOG_FD },
	{ "xml", required_argument, NULL, OPT_XML },
	{ "xml-file", required_argument, NULL, OPT_XML_FILE },
	{ "xml-fd", required_argument, NULL, OPT_XML_FD },
	{ "flamegraph", required_argument, NULL, OPT_FLAMEGRAPH },
	{ "folded", required_argument, NULL, OPT_FOLDED },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "freelist-vol", required_argument, NULL, OPT_FREELIST_VOL },
	{ "show-reachable", required_argument, NULL, OPT_SHOW_REACHABLE },
	HEAPOPTS_TABLE(OPT_HEAP_FIRST),
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ NULL, 0, NULL, 0 },
};

static const char usage_text[] =
    "usage: leaktrace [options] PROGRAM [ARGS...]\n"
    "       leaktrace [options] -p PID\n"
    "\n"
    "Find memory leaks in an unmodified program with ptrace; the report reads\n"
    "like valgrind memcheck's.\n"
    "\n"
    "  -p PID                      attach to a running process, report, detach\n"
    "  --duration=SECONDS          with -p: end the session after SECONDS\n"
    "  --interval=SECONDS          with -p: print the fastest-growing stacks every SECONDS\n"
    "  --leak-check=no|summary|full   how much to report at exit [summary]\n"
    "  --show-leak-kinds=KINDS     definite,indirect,possible,reachable,all,none\n"
    "                              [definite,possible]\n"
    "  --errors-for-leak-kinds=KINDS  kinds counted as errors [definite,possible]\n"
    "  --leak-resolution=low|med|high  stack frames compared to merge records [high]\n"
    "  --leak-check-heuristics=H   stdstring,length64,newarray,multipleinheritance,\n"
    "                              all,none [all]\n"
    "  --num-callers=N             frames per stack, 1..500 [12]\n"
    "  --run-libc-freeres=yes|no   free glibc's buffers at exit [yes]\n"
    "  --run-cxx-freeres=yes|no    free libstdc++'s buffers at exit [yes]\n"
    "  --trace-children=yes|no     also trace forked and exec'd children [no]\n"
    "  --track-fds=yes|all|no      report file descriptors open at exit [no]\n"
    "  --error-exitcode=N          exit with N if errors were found [0 = off]\n"
    "  --suppressions=FILE         valgrind suppression file (repeatable)\n"
    "  --gen-suppressions=no|yes|all  print suppressions for errors [no]\n"
    "  --freelist-vol=BYTES        freed bytes remembered for error messages [20000000]\n"
    "  --log-file=FILE             write the report to FILE (%p is the PID)\n"
    "  --log-fd=N                  write the report to descriptor N [2]\n"
    "  --xml=yes|no                valgrind XML (protocol 4) [no]\n"
    "  --xml-file=FILE, --xml-fd=N where the XML goes\n"
    "  --flamegraph=FILE.svg       flame graph of leaked bytes by stack\n"
    "  --folded=FILE               folded stacks of leaked bytes\n"
    "  --mode=fast|breakpoint      event mechanism [fast, falls back to breakpoint]\n"
    "  -q, --quiet                 no preamble\n"
    "  -v, --verbose               more detail\n"
    "  -s                          list errors again at the end\n"
    "  --help, --version\n";

static int bad(const char *what, const char *val)
{
	fprintf(stderr, "leaktrace: %s '%s' (see leaktrace --help)\n", what, val);
	return -1;
}

static int parse_yesno(const char *name, const char *val, bool *out)
{
	if (!strcmp(val, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(val, "no")) {
		*out = false;
		return 0;
	}
	fprintf(stderr, "leaktrace: --%s takes yes or no, not '%s'\n", name, val);
	return -1;
}

static int parse_uint(const char *name, const char *val, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi) {
		fprintf(stderr, "leaktrace: --%s takes a number from %ld to %ld, not '%s'\n", name,
			lo, hi, val);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_seconds(const char *name, const char *val, double *out)
{
	char *end;

	errno = 0;
	double v = strtod(val, &end);
	if (errno || end == val || *end || !(v > 0)) {
		fprintf(stderr, "leaktrace: --%s takes a positive number of seconds, not '%s'\n",
			name, val);
		return -1;
	}
	*out = v;
	return 0;
}

/* A comma list of words from names[first..count): the mask of their
 * indexes, or -1 for a word not among them.  "all" and "none" are the
 * caller's. */
static long parse_words(const char *val, const char *const *names, int first, int count)
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

/* memcheck's kind lists: "all", "none", or a comma list of
 * definite,indirect,possible,reachable. */
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
					   : parse_words(val, words, 0, LEAK_KIND_COUNT);

	if (mask < 0) {
		fprintf(stderr,
			"leaktrace: --%s: unknown leak kind in '%s' "
			"(use definite,indirect,possible,reachable, all or none)\n",
			name, val);
		return -1;
	}
	*out = (unsigned)mask;
	return 0;
}

static int parse_heuristics(const char *val, unsigned *out)
{
	static const char *const words[HEUR_COUNT] = {
		[HEUR_STDSTRING] = "stdstring",
		[HEUR_LENGTH64] = "length64",
		[HEUR_NEWARRAY] = "newarray",
		[HEUR_MULTIPLEINHERITANCE] = "multipleinheritance",
	};
	long mask = !strcmp(val, "all")	   ? HEUR_ALL
		    : !strcmp(val, "none") ? 0
					   : parse_words(val, words, 1, HEUR_COUNT);

	if (mask < 0)
		return bad("--leak-check-heuristics: unknown heuristic in", val);
	*out = (unsigned)mask;
	return 0;
}

static int add_supp_file(struct config *cfg, const char *path)
{
	size_t n = 0;

	while (cfg->supp_files && cfg->supp_files[n])
		n++;
	const char **v = realloc(cfg->supp_files, (n + 2) * sizeof *v);
	if (!v) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	v[n] = path;
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
	heapopts_default(&cfg->heap);
}

static int handle_option(struct config *cfg, int c, const char *arg)
{
	long n;
	bool b;

	if (c >= OPT_HEAP_FIRST && c <= OPT_HEAP_LAST)
		return heapopts_handle(&cfg->heap, c - OPT_HEAP_FIRST, arg);
	switch (c) {
	case 'p':
		if (parse_uint("p", arg, 1, INT_MAX, &n))
			return bad("-p takes a process ID, not", arg);
		cfg->attach_pid = (pid_t)n;
		return 0;
	case 'q':
		cfg->quiet = true;
		return 0;
	case 'v':
		cfg->verbose++;
		return 0;
	case 's':
		cfg->show_error_list = true;
		return 0;
	case OPT_LEAK_CHECK:
		if (!strcmp(arg, "no"))
			cfg->leak_check = LEAK_CHECK_NO;
		else if (!strcmp(arg, "summary"))
			cfg->leak_check = LEAK_CHECK_SUMMARY;
		else if (!strcmp(arg, "full") || !strcmp(arg, "yes"))
			cfg->leak_check = LEAK_CHECK_FULL;
		else
			return bad("--leak-check takes no, summary or full, not", arg);
		return 0;
	case OPT_SHOW_LEAK_KINDS:
		return parse_kinds("show-leak-kinds", arg, &cfg->show_kinds);
	case OPT_ERRORS_FOR_LEAK_KINDS:
		return parse_kinds("errors-for-leak-kinds", arg, &cfg->errors_for_kinds);
	case OPT_SHOW_REACHABLE:
		if (parse_yesno("show-reachable", arg, &b))
			return -1;
		cfg->show_kinds =
		    b ? (1u << LEAK_KIND_COUNT) - 1 : 1u << LEAK_DEFINITE | 1u << LEAK_POSSIBLE;
		return 0;
	case OPT_LEAK_RESOLUTION:
		if (!strcmp(arg, "low"))
			cfg->leak_resolution = 2;
		else if (!strcmp(arg, "med"))
			cfg->leak_resolution = 4;
		else if (!strcmp(arg, "high"))
			cfg->leak_resolution = 0;
		else
			return bad("--leak-resolution takes low, med or high, not", arg);
		return 0;
	case OPT_HEURISTICS:
		return parse_heuristics(arg, &cfg->heuristics);
	case OPT_NUM_CALLERS:
		if (parse_uint("num-callers", arg, 1, 500, &n))
			return -1;
		cfg->num_callers = (unsigned)n;
		return 0;
	case OPT_LIBC_FREERES:
		return parse_yesno("run-libc-freeres", arg, &cfg->run_libc_freeres);
	case OPT_CXX_FREERES:
		return parse_yesno("run-cxx-freeres", arg, &cfg->run_cxx_freeres);
	case OPT_TRACE_CHILDREN:
		return parse_yesno("trace-children", arg, &cfg->trace_children);
	case OPT_TRACK_FDS:
		if (!strcmp(arg, "all")) {
			cfg->track_fds = cfg->track_fds_all = true;
			return 0;
		}
		cfg->track_fds_all = false;
		return parse_yesno("track-fds", arg, &cfg->track_fds);
	case OPT_ERROR_EXITCODE:
		if (parse_uint("error-exitcode", arg, 0, 255, &n))
			return -1;
		cfg->error_exitcode = (int)n;
		return 0;
	case OPT_GEN_SUPP:
		if (!strcmp(arg, "no"))
			cfg->gen_suppressions = GEN_SUPP_NO;
		else if (!strcmp(arg, "yes"))
			cfg->gen_suppressions = GEN_SUPP_YES;
		else if (!strcmp(arg, "all"))
			cfg->gen_suppressions = GEN_SUPP_ALL;
		else
			return bad("--gen-suppressions takes no, yes or all, not", arg);
		return 0;
	case OPT_SUPPRESSIONS:
		return add_supp_file(cfg, arg);
	case OPT_FREELIST_VOL:
		if (parse_uint("freelist-vol", arg, 0, LONG_MAX, &n))
			return -1;
		cfg->freelist_vol = (unsigned long long)n;
		return 0;
	case OPT_LOG_FILE:
		cfg->log_file = arg;
		return 0;
	case OPT_LOG_FD:
		if (parse_uint("log-fd", arg, 0, INT_MAX, &n))
			return -1;
		cfg->log_fd = (int)n;
		return 0;
	case OPT_XML:
		return parse_yesno("xml", arg, &cfg->xml);
	case OPT_XML_FILE:
		cfg->xml_file = arg;
		return 0;
	case OPT_XML_FD:
		if (parse_uint("xml-fd", arg, 0, INT_MAX, &n))
			return -1;
		cfg->xml_fd = (int)n;
		return 0;
	case OPT_FLAMEGRAPH:
		cfg->flamegraph_file = arg;
		return 0;
	case OPT_FOLDED:
		cfg->folded_file = arg;
		return 0;
	case OPT_MODE:
		if (!strcmp(arg, "breakpoint"))
			cfg->breakpoint_mode = true;
		else if (!strcmp(arg, "fast"))
			cfg->breakpoint_mode = false;
		else
			return bad("--mode takes fast or breakpoint, not", arg);
		return 0;
	case OPT_DURATION:
		return parse_seconds("duration", arg, &cfg->duration);
	case OPT_INTERVAL:
		return parse_seconds("interval", arg, &cfg->interval);
	}
	return -1;
}

int options_parse(int argc, char **argv, struct config *cfg)
{
	int c;

	config_defaults(cfg);
	cfg->self_exe = argv[0];
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+p:qvsh", long_opts, NULL)) != -1) {
		if (c == OPT_HELP || c == 'h') {
			fputs(usage_text, stdout);
			fputs(HEAPOPTS_USAGE, stdout);
			return 1;
		}
		if (c == OPT_VERSION) {
			puts("leaktrace-" LEAKTRACE_VERSION);
			return 1;
		}
		if (c == '?') {
			if (optopt)
				fprintf(stderr,
					"leaktrace: unknown option '-%c' (see leaktrace --help)\n",
					optopt);
			else
				fprintf(stderr,
					"leaktrace: unknown option '%s' (see leaktrace --help)\n",
					argv[optind - 1]);
			return -1;
		}
		if (c == ':') {
			fprintf(stderr, "leaktrace: option '%s' needs a value\n", argv[optind - 1]);
			return -1;
		}
		if (handle_option(cfg, c, optarg))
			return -1;
	}
	if (cfg->attach_pid) {
		if (optind < argc) {
			fprintf(stderr,
				"leaktrace: -p and a program to run cannot go together ('%s')\n",
				argv[optind]);
			return -1;
		}
	} else {
		if (optind >= argc) {
			fprintf(stderr, "leaktrace: no program to run (usage: leaktrace [options] "
					"PROGRAM [ARGS...], or -p PID)\n");
			return -1;
		}
		cfg->target_argv = argv + optind;
	}
	/* leaktrace's own options alone, NULL-terminated, for the XML <vargv> */
	size_t nself = (size_t)(optind - 1);
	cfg->self_args = calloc(nself + 1, sizeof *cfg->self_args);
	if (!cfg->self_args) {
		fprintf(stderr, "leaktrace: out of memory\n");
		return -1;
	}
	memcpy(cfg->self_args, argv + 1, nself * sizeof *argv);
	if ((cfg->duration || cfg->interval) && !cfg->attach_pid) {
		fprintf(stderr, "leaktrace: --duration and --interval go with -p PID\n");
		return -1;
	}
	if (heapopts_finish(&cfg->heap))
		return -1;
	return 0;
}
