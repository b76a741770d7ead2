/* report_text: memcheck's text output, line for line.
 *
 * Every line starts with "==PID== " (an empty line is just that prefix,
 * trailing space included), except generated suppressions, which memcheck
 * prints bare so they can be pasted into a file, and the -s
 * "used_suppression" lines, which carry memcheck's "--PID-- " prefix. */
#ifndef LEAKTRACE_REPORT_TEXT_H
#define LEAKTRACE_REPORT_TEXT_H

#include <stdio.h>

#include "leaktrace/errlimit.h"
#include "leaktrace/report.h"

/* "==PID== ", or with --time-stamp=yes "==00:00:00:01.234 PID== ": the
 * prefix of every line, for whoever prints one outside this module. */
void report_text_prefix(FILE *out, const struct report *r);

/* memcheck's notice (errlimit.h): that errors are matched with less detail
 * from now on, or that no more are reported, with which of the two limits
 * was reached.  Nothing for ERRLIMIT_SAY_NOTHING. */
void report_text_error_limit(FILE *out, const struct report *r, const struct errlimit *l,
			     enum errlimit_notice notice);

/* "leaktrace-0.1, a ptrace-based leak analyzer", "Command: exe args", "". */
void report_text_preamble(FILE *out, const struct report *r);

/* One memory error as it happens (nothing when e->suppressed_by is set),
 * followed by its suppression with --gen-suppressions. */
void report_text_error(FILE *out, const struct report *r, const struct mem_error *e);

/* Everything memcheck prints at exit: HEAP SUMMARY, the loss records shown,
 * LEAK SUMMARY, the hints, the -s error list and the ERROR SUMMARY. */
void report_text_final(FILE *out, const struct report *r);
/* A stack as memcheck prints it: "at 0x..: fn (file:line)", then "by"
 * lines, inlined functions expanded. */
void report_text_stack(FILE *out, const struct report *r, const struct report_stack *st);

/* "Process terminating with default action of signal N (SIGX)" and where. */
void report_text_fatal(FILE *out, const struct report *r);

/* The ERROR SUMMARY numbers memcheck would print for r (also used for the
 * exit code of --error-exitcode). */
struct report_counts {
	unsigned long errors, contexts; /* not suppressed */
	unsigned long supp_errors, supp_contexts;
};
void report_text_count_errors(const struct report *r, struct report_counts *c);

#endif
