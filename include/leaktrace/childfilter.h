/* childfilter: which exec'd children --trace-children=yes follows
 * (--trace-children-skip, --trace-children-skip-by-arg). */
#ifndef LEAKTRACE_CHILDFILTER_H
#define LEAKTRACE_CHILDFILTER_H

#include <stdbool.h>
#include <sys/types.h>

#include "leaktrace/options.h"

/* Whether s matches one of the comma-separated patterns, where '*' matches
 * any run of characters ('/' included) and '?' any one character, as
 * valgrind matches them.  NULL or "" patterns match nothing. */
bool childfilter_match(const char *patterns, const char *s);

/* Whether a child that exec'd exe with argv must not be traced: exe (or
 * argv[0]) matches --trace-children-skip, or one of argv[1..] matches
 * --trace-children-skip-by-arg.  argv may be NULL. */
bool childfilter_skip(const struct config *cfg, const char *exe, char *const *argv);

/* childfilter_skip for a process that has just exec'd, from its
 * /proc/PID/exe and /proc/PID/cmdline. */
bool childfilter_skip_pid(const struct config *cfg, pid_t pid);

#endif
