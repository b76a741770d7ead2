/* errlimit: memcheck's rules for a program with many errors (see the
 * header).  Pure bookkeeping: the session asks before matching a new error
 * and reports what it did afterwards; the notices are printed by
 * report_text_error_limit, so this module never prints. */
#include "leaktrace/errlimit.h"

bool errlimit_admit(struct errlimit *l, unsigned *frames, enum errlimit_notice *notice)
{
	*frames = 0;
	*notice = ERRLIMIT_SAY_NOTHING;
	if (l->xml)
		return true;
	if (l->limit && (l->shown >= ERRLIMIT_MAX_SHOWN || l->found >= ERRLIMIT_MAX_FOUND)) {
		if (!l->said_stop) {
			l->said_stop = true;
			*notice = ERRLIMIT_SAY_STOP;
		}
		return false;
	}
	if (l->shown >= ERRLIMIT_SHOWN_IN_DETAIL) {
		*frames = ERRLIMIT_LOW_RES_FRAMES;
		if (!l->said_coarse) {
			l->said_coarse = true;
			*notice = ERRLIMIT_SAY_COARSE;
		}
	}
	return true;
}

void errlimit_count(struct errlimit *l, bool new_context, bool suppressed)
{
	if (suppressed)
		return;
	l->found++;
	if (new_context)
		l->shown++;
}

bool errlimit_same_stack(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb,
			 unsigned frames)
{
	if (frames) {
		na = na < frames ? na : frames;
		nb = nb < frames ? nb : frames;
	}
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i] != b[i])
			return false;
	return true;
}
