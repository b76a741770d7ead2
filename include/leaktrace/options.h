/* options: leaktrace's command line, in valgrind's spelling.
 *
 * Every option valgrind's core and memcheck list in `valgrind --help` is
 * accepted.  Those with a meaning for a ptrace tracer set a field below;
 * those that steer valgrind's simulated CPU (--vex-*, --smc-check,
 * --track-origins, ...) are checked for a well-formed value and then have no
 * effect.  Options come, in this order, from ~/.leaktracerc, $LEAKTRACE_OPTS,
 * ./.leaktracerc and the command line: later ones override earlier ones. */
#ifndef LEAKTRACE_OPTIONS_H
#define LEAKTRACE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "leaktrace/heapopts.h"
#include "leaktrace/report.h"

/* The version is meson.build's project() version, passed as -DLEAKTRACE_VERSION. */
#ifndef LEAKTRACE_VERSION
#error "LEAKTRACE_VERSION comes from meson.build: build with meson"
#endif

/* valgrind's defaults for --log-socket and --xml-socket without a port */
#define OPTIONS_LOG_PORT 1500
#define OPTIONS_XML_PORT 1501

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
	bool zero_new;	 /* zero each new block of glibc's malloc (--zero-new-blocks) */
	bool lost_check; /* --lost-check: look for words pointing into lost blocks */
	bool trace_children;
	const char *trace_children_skip;	/* comma list of patterns, or NULL */
	const char *trace_children_skip_by_arg; /* comma list of patterns, or NULL */
	bool child_silent_after_fork;
	bool track_fds;
	bool track_fds_all;
	int malloc_fill;	     /* byte written over new blocks, -1 = none */
	int free_fill;		     /* byte written over freed blocks, -1 = none */
	const char *soname_synonyms; /* checked syntax; somalloc=... names the allocator */
	bool show_mismatched_frees;

	/* errors and suppressions */
	int error_exitcode; /* 0 = off */
	bool exit_on_first_error;
	bool error_limit; /* stop showing errors after 1,000 contexts / 10,000,000 */
	enum gen_supp_mode gen_suppressions;
	const char **supp_files; /* NULL-terminated */
	bool default_suppressions;
	unsigned long long freelist_vol;
	unsigned hold_freed; /* --hold-freed: freed glibc chunks held back from reuse */

	/* output */
	bool quiet;
	int verbose;
	bool show_error_list;	/* -s, --show-error-list=yes */
	const char *log_file;	/* NULL = stderr */
	int log_fd;		/* --log-fd, default 2 */
	const char *log_socket; /* --log-socket=IP[:PORT], or NULL */
	bool xml;
	const char *xml_file;
	int xml_fd;		/* -1 = none */
	const char *xml_socket; /* --xml-socket=IP[:PORT], or NULL */
	const char *xml_user_comment;
	bool time_stamp;
	bool demangle;
	bool show_below_main;
	const char **fullpath_after; /* NULL-terminated prefixes; "" = the whole path */
	const char *error_marker_begin, *error_marker_end; /* NULL = none */
	const char *flamegraph_file;
	const char *folded_file;

	/* mechanism */
	bool breakpoint_mode; /* --mode=breakpoint */

	/* --tool=massif, its options, --timeline (heapopts.h) */
	struct heap_options heap;

	/* leaktrace's own argv, for the XML <vargv> */
	const char *self_exe;
	char **self_args; /* leaktrace's options, NULL-terminated */

	uint64_t start_ns; /* CLOCK_MONOTONIC when the options were read (--time-stamp) */

	/* owned by options_parse, released by options_free */
	char **owned;
	size_t nowned;
};

/* Parses the rc files, $LEAKTRACE_OPTS and argv into *cfg.  Returns 0 to
 * run, 1 when --help/--version was printed (exit 0), or -1 after printing a
 * one-line error (exit 1).  Call options_free afterwards in every case. */
int options_parse(int argc, char **argv, struct config *cfg);

/* Frees what options_parse allocated (not cfg itself). */
void options_free(struct config *cfg);

/* Splits an option string ($LEAKTRACE_OPTS, an rc file) into words at
 * blanks, as valgrind does (no quoting).  Returns a malloc'd NULL-terminated
 * vector whose words point into the malloc'd copy *storage, or NULL when out
 * of memory; *n is the number of words. */
char **options_split(const char *text, char **storage, size_t *n);

/* Whether an rc file in the current directory may be read: a regular file
 * owned by the user and not writable by others (valgrind's rule). */
bool options_rc_trusted(const struct stat *st, uid_t uid);

/* Copies what the reporters need of cfg into rep: the leak-check choices
 * (leak_check, show_kinds, errors_for_kinds, gen_suppressions,
 * show_error_list) and the presentation options (--time-stamp,
 * --demangle, --fullpath-after, --error-markers, --xml-user-comment). */
void options_fill_report(const struct config *cfg, struct report *rep);

/* Prints the option names, one a line, for shell completion: "--name" for
 * one without a value, "--name=" for one with, "--name=a|b" with its
 * choices, and "-x" for the short ones. */
void options_list(FILE *out);

#endif
