/* Unit test of errlimit against what memcheck 3.19 did with two programs:
 * 1005 bad frees from one function called from 1005 lines of main ("1005
 * errors from 100 contexts", with --error-limit=yes or no), and 1005 bad
 * frees from 1005 functions ("1000 errors from 1000 contexts" with
 * --error-limit=yes, 1005 from 1005 with no).  The model session below
 * matches errors as the real one must. */
#include "check.h"
#include "leaktrace/errlimit.h"
#include "leaktrace/report_text.h"

#include <stdlib.h>
#include <string.h>

struct model {
	struct errlimit l;
	uint64_t stacks[2000][3];
	unsigned long counts[2000];
	size_t n;
	unsigned coarse_said, stop_said;
};

/* One error with stack {free, fn, caller}. */
static void error_at(struct model *m, uint64_t fn, uint64_t caller)
{
	uint64_t st[3] = { 0x1000, fn, caller };
	unsigned frames;
	enum errlimit_notice say;

	bool keep = errlimit_admit(&m->l, &frames, &say);
	m->coarse_said += say == ERRLIMIT_SAY_COARSE;
	m->stop_said += say == ERRLIMIT_SAY_STOP;
	if (!keep)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (errlimit_same_stack(m->stacks[i], 3, st, 3, frames)) {
			m->counts[i]++;
			errlimit_count(&m->l, false, false);
			return;
		}
	memcpy(m->stacks[m->n], st, sizeof st);
	m->counts[m->n++] = 1;
	errlimit_count(&m->l, true, false);
}

static unsigned long total(const struct model *m)
{
	unsigned long t = 0;
	for (size_t i = 0; i < m->n; i++)
		t += m->counts[i];
	return t;
}

int main(void)
{
	static struct model m;

	/* one function, 1005 call sites: low resolution merges after 100 */
	for (int lim = 0; lim < 2; lim++) {
		memset(&m, 0, sizeof m);
		m.l.limit = lim;
		for (uint64_t i = 0; i < 1005; i++)
			error_at(&m, 0x2000, 0x3000 + i);
		CHECK(m.n == 100 && total(&m) == 1005 && m.coarse_said == 1 && m.stop_said == 0);
	}
	/* 1005 functions: distinct even at low resolution; the limit stops at 1000 */
	memset(&m, 0, sizeof m);
	m.l.limit = true;
	for (uint64_t i = 0; i < 1005; i++)
		error_at(&m, 0x2000 + i, 0x3000);
	CHECK(m.n == 1000 && total(&m) == 1000 && m.coarse_said == 1 && m.stop_said == 1);
	memset(&m, 0, sizeof m);
	for (uint64_t i = 0; i < 1005; i++)
		error_at(&m, 0x2000 + i, 0x3000);
	CHECK(m.n == 1005 && total(&m) == 1005 && m.stop_said == 0);
	/* XML: every error in full detail, no limit */
	memset(&m, 0, sizeof m);
	m.l.limit = m.l.xml = true;
	for (uint64_t i = 0; i < 1005; i++)
		error_at(&m, 0x2000, 0x3000 + i);
	CHECK(m.n == 1005 && m.coarse_said == 0);
	/* the total limit, and suppressed errors count towards nothing */
	struct errlimit l = { .limit = true, .found = ERRLIMIT_MAX_FOUND - 1 };
	unsigned frames;
	enum errlimit_notice say;
	errlimit_count(&l, false, true);
	CHECK(errlimit_admit(&l, &frames, &say) && say == ERRLIMIT_SAY_NOTHING && frames == 0);
	errlimit_count(&l, false, false);
	CHECK(!errlimit_admit(&l, &frames, &say) && say == ERRLIMIT_SAY_STOP);
	CHECK(!errlimit_admit(&l, &frames, &say) && say == ERRLIMIT_SAY_NOTHING);

	/* the notices, as memcheck prints them */
	struct report r = { .pid = 9 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct errlimit shown = { .shown = 1000 };
	report_text_error_limit(f, &r, &shown, ERRLIMIT_SAY_COARSE);
	report_text_error_limit(f, &r, &shown, ERRLIMIT_SAY_STOP);
	report_text_error_limit(f, &r, &l, ERRLIMIT_SAY_STOP);
	report_text_error_limit(f, &r, &l, ERRLIMIT_SAY_NOTHING);
	fclose(f);
	CHECK_STR(buf,
		  "==9== \n"
		  "==9== More than 100 errors detected.  Subsequent errors\n"
		  "==9== will still be recorded, but in less detail than before.\n"
		  "==9== \n"
		  "==9== More than 1000 different errors detected.  I'm not reporting any more.\n"
		  "==9== Final error counts will be inaccurate.  Go fix your program!\n"
		  "==9== Rerun with --error-limit=no to disable this cutoff.  Note\n"
		  "==9== that errors may occur in your program without prior warning from\n"
		  "==9== Valgrind, because errors are no longer being displayed.\n"
		  "==9== \n"
		  "==9== \n"
		  "==9== More than 10000000 total errors detected.  I'm not reporting any more.\n"
		  "==9== Final error counts will be inaccurate.  Go fix your program!\n"
		  "==9== Rerun with --error-limit=no to disable this cutoff.  Note\n"
		  "==9== that errors may occur in your program without prior warning from\n"
		  "==9== Valgrind, because errors are no longer being displayed.\n"
		  "==9== \n");
	free(buf);
	return check_summary("errlimit");
}
