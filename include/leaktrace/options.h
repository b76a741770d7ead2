/* options: leaktrace's command line, in valgrind's spelling. */
#ifndef LEAKTRACE_OPTIONS_H
#define LEAKTRACE_OPTIONS_H

#include <stdbool.h>
#include <sys/types.h>

#include "leaktrace/heapopts.h"
#include "leaktrace/report.h"

#define LEAKTRACE_VERSION "0.1"

struct config {
	/* what to run or attach to */
	char **target_argv; /* NULL-terminated; NULL in -p mode */
	pid_t attach_pid;   /* -p PID, or 0 */
	double duration;    /* --duration=SECONDS in -p mode, 0 = until Ctrl-C / exit */
	double interval;    /* --interval=SECONDS in -p mode, 0 = off */

	/* leak check */
	enum leak_check_mode leak_check;
	unsigned show_kinds; /* bits 1 << enum leak_kind */
	unsigned errors_for_kinds;
	unsigned leak_resolution; /* frames compared: 2, 4, or 0 = all */
	unsigned heuristics;	  /* HEUR_MASK bits */
	unsigned num_callers;
	bool run_libc_freeres;
	bool run_cxx_freeres;
	bool trace_children;
	bool track_fds;
	bool track_fds_all;

	/* errors and suppressions */
	int error_exitcode; /* 0 = off */
	enum gen_supp_mode gen_suppressions;
	const char **supp_files; /* NULL-terminated */
	unsigned long long freelist_vol;

	/* output */
	bool quiet;
	int verbose;
	bool show_error_list; /* -s */
	const char *log_file; /* NULL = stderr */
	int log_fd;	      /* --log-fd, default 2 */
	bool xml;
	const char *xml_file;
	int xml_fd; /* -1 = none */
	const char *flamegraph_file;
	const char *folded_file;

	/* mechanism */
	bool breakpoint_mode; /* --mode=breakpoint */

	/* --tool=massif, its options, --timeline (heapopts.h) */
	struct heap_options heap;

	/* leaktrace's own argv, for the XML <vargv> */
	const char *self_exe;
	char **self_args; /* leaktrace's options, NULL-terminated */
};

/* Parses argv into *cfg.  Returns 0 to run, 1 when --help/--version was
 * printed (exit 0), or -1 after printing a one-line error (exit 1). */
int options_parse(int argc, char **argv, struct config *cfg);

#endif
