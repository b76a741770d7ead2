/* session: one run of leaktrace over one target, from start to report. */
#ifndef LEAKTRACE_SESSION_H
#define LEAKTRACE_SESSION_H

#include "leaktrace/options.h"

/* Runs the program of cfg (or attaches in -p mode) to the end and writes
 * the reports.  Returns leaktrace's exit status: the program's, 128+signal,
 * --error-exitcode's value, or 1 with a message when leaktrace itself could
 * not do its job. */
int session_run(const struct config *cfg);

#endif
