/* errlimit: memcheck's rules for a program with many errors.
 *
 * Observed with memcheck 3.19: once 100 different errors have been shown,
 * a new error is matched against the known ones by its top 2 frames only
 * (so most merge into an existing context), after one notice; this holds
 * even with --error-limit=no.  With --error-limit=yes, once 1000 different
 * errors have been shown or 10,000,000 found, new errors are dropped
 * altogether (not counted), after a longer notice.  Neither rule applies
 * with --xml=yes.  Suppressed errors count towards neither. */
#ifndef LEAKTRACE_ERRLIMIT_H
#define LEAKTRACE_ERRLIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define ERRLIMIT_SHOWN_IN_DETAIL 100
#define ERRLIMIT_LOW_RES_FRAMES	 2
#define ERRLIMIT_MAX_SHOWN	 1000
#define ERRLIMIT_MAX_FOUND	 10000000ul

struct errlimit {
	bool limit;	     /* --error-limit=yes */
	bool xml;	     /* --xml=yes: no limits */
	unsigned long shown; /* different errors shown (not suppressed) */
	unsigned long found; /* errors found (not suppressed), repeats included */
	bool said_coarse, said_stop;
};

/* What the caller prints before going on (report_text_error_limit). */
enum errlimit_notice { ERRLIMIT_SAY_NOTHING, ERRLIMIT_SAY_COARSE, ERRLIMIT_SAY_STOP };

/* For an error that has just happened, before it is matched against the
 * known ones.  Returns false when it must be dropped (not matched, counted
 * or shown).  Otherwise *frames is how many top frames to compare when
 * matching it (0: all of them).  *notice is what to print first. */
bool errlimit_admit(struct errlimit *l, unsigned *frames, enum errlimit_notice *notice);

/* After matching: the error was a repeat of a known context or a new one,
 * suppressed or not. */
void errlimit_count(struct errlimit *l, bool new_context, bool suppressed);

/* Whether two stacks agree on their first `frames` pcs (all when 0). */
bool errlimit_same_stack(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb,
			 unsigned frames);

#endif
