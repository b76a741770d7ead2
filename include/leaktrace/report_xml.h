/* report_xml: memcheck's XML output, protocol version 4.
 *
 * Written in three calls so that a file is useful even while the target
 * runs: the preamble up to the RUNNING status, each memory error as it
 * happens, and at the end the FINISHED status, the leak records, the error
 * and suppression counts and the closing tag.  Every string is escaped and
 * forced into valid UTF-8 (bad bytes become U+FFFD), so any symbol name or
 * path yields a well-formed file. */
#ifndef LEAKTRACE_REPORT_XML_H
#define LEAKTRACE_REPORT_XML_H

#include <stdint.h>
#include <stdio.h>

#include "leaktrace/report.h"

/* elapsed_ms: time since the start of the run, for <time>. */
void report_xml_preamble(FILE *out, const struct report *r, uint64_t elapsed_ms);

/* One memory error (nothing when e->suppressed_by is set). */
void report_xml_error(FILE *out, const struct report *r, const struct mem_error *e);

/* <fatal_signal>, between the RUNNING and FINISHED statuses. */
void report_xml_fatal(FILE *out, const struct report *r);

/* FINISHED status, shown leak records, <errorcounts>, <suppcounts> and
 * </valgrindoutput>: report_xml_finished then report_xml_close(0). */
void report_xml_final(FILE *out, const struct report *r, uint64_t elapsed_ms);

/* The end in two steps, for what goes between the FINISHED status and the
 * leak records (protocol 5's FdNotClosed errors, fdreport_write_xml):
 * report_xml_finished writes the status; report_xml_close the leak records
 * (their <unique> numbers after skip others written since the status),
 * the counts and the closing tag. */
void report_xml_finished(FILE *out, uint64_t elapsed_ms);
void report_xml_close(FILE *out, const struct report *r, unsigned skip);

/* The first <unique> after the errors of the run (memcheck numbers them by
 * occurrence): where what is written at the end starts. */
unsigned report_xml_unique_base(const struct report *r);

/* s (len bytes) as XML character data: & < > escaped, invalid UTF-8 and
 * characters XML 1.0 forbids replaced by U+FFFD.  Exposed for the tests. */
void report_xml_escape(FILE *out, const char *s, size_t len);

#endif
