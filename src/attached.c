/* attached: leaktrace -p PID.
 *
 * Take hold of every thread, hook the allocator, let the process run, and
 * report on what it allocates from now on: on SIGUSR1, every --interval,
 * and at the end (--duration, or a signal to leaktrace), then detach. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leaktrace/attach.h"
#include "leaktrace/fdreport.h"
#include "leaktrace/report_xml.h"
#include "leaktrace/seccheck.h"

#include "session_int.h"

/* Whether a seccomp filter of any thread (each may have its own; any may be
 * borrowed to run a system call) would kill or fail what leaktrace runs in
 * the process. */
static bool seccomp_refuses(struct session *s, uint64_t insn, char *why, size_t len)
{
	size_t n;
	struct thread **ths = threads_live(s, &n);
	bool refused = false;

	for (size_t i = 0; i < n && !refused; i++)
		refused = seccheck_attach(s->pid, ths[i]->tid, insn, why, len) != 0;
	free(ths);
	return refused;
}

/* -p: frees of blocks allocated before the attach are no errors; they are
 * counted apart. */
static void note_unseen_frees(struct session *s)
{
	if (s->rep.attached && (!s->cfg->xml || s->cfg->log_file)) {
		session_say(s,
			    "frees of blocks allocated before the attach: %" PRIu64 " (not errors)",
			    s->ev.unseen_frees);
	}
}

/* -p mode: the session is over (duration, or a signal to leaktrace).
 * Report on the blocks allocated since the attach, then leave. */
void attached_end(struct session *s)
{
	s->life.detaching = true;
	leakcheck_final(s, NULL);
	note_unseen_frees(s);
	if (!detach_quiesce_stubs(s))
		return;
	detach_all(s);
	session_say(s, "detached from %d; it keeps running", s->pid);
}

/* -p mode, between two stops: a report on demand, an interval's growth,
 * the end of --duration.  Returns true when the session has ended. */
bool attached_timers(struct session *s)
{
	double now = (double)session_elapsed_ms(s) / 1000.0;

	ringread_drain(s); /* what the stubs recorded so far counts */
	if (ownsignals_take_report_request())
		leakcheck_report(s, NULL, false);
	if (s->cfg->interval && now >= s->lc.next_interval) {
		leakcheck_growth(s, s->cfg->interval);
		while (s->lc.next_interval <= now)
			s->lc.next_interval += s->cfg->interval;
	}
	if (s->cfg->duration && now >= s->cfg->duration) {
		attached_end(s);
		return true;
	}
	return false;
}

/* leaktrace -p PID: take hold of every thread, hook the allocator, let it
 * run, and report on what it allocates from now on. */
int attached_run(struct session *s)
{
	const struct config *cfg = s->cfg;
	char err[512], comm[64];

	s->pid = cfg->attach_pid;
	if (attach_check(s->pid, err, sizeof err)) {
		lt_error("%s", err);
		return 1;
	}
	if (session_open_reports(s))
		return 1;
	s->sym = symbols_new(s->pid, &s->tm);
	s->bt = bptab_new(&s->tm, inject_map_scratch, s);
	s->life.cmdline = session_read_cmdline(s->pid);
	if (!s->sym || !s->bt) {
		lt_error("out of memory");
		return 1;
	}
	symbols_set_show_below_main(s->sym, s->cfg->show_below_main);
	/* from here on the process is stopped: every failure must let it go */
	if (attach_seize_all(s->tr, s->pid, tracee_options(true), &s->life.threads_seen, err,
			     sizeof err)) {
		lt_error("%s", err);
		return 1;
	}
	s->life.exec_seen = true;
	s->hk.borrow_tid = s->pid;
	int e = target_mem_open(&s->tm, s->pid);
	/* nothing is injected under a seccomp filter that would kill for it */
	uint64_t insn = e ? 0 : inject_syscall_insn(s);
	if (!e && seccomp_refuses(s, insn, err, sizeof err)) {
		lt_error("cannot attach to %d: %s; nothing was changed, and it runs on", s->pid,
			 err);
		detach_all(s);
		return 1;
	}
	uint64_t at_base = e ? 0 : hooks_at_base(s->pid);
	if (!e)
		e = symbols_refresh(s->sym);
	if (!e && !(s->uw = unwind_new(s->sym, &s->tm)))
		e = -ENOMEM;
	if (!e && (e = bptab_ensure_traps(s->bt, at_base)))
		lt_error("%s", bptab_errmsg(s->bt));
	s->hk.trap_return = bptab_trap(s->bt, TRAP_RETURN);
	if (e) {
		lt_error("cannot set up tracing of %d: %s; detached, it runs on", s->pid,
			 strerror(-e));
		detach_all(s);
		return 1;
	}
	if (cfg->track_fds && (s->fds = fdtab_new()))
		fdreport_scan_inherited(s->fds, s->pid);
	/* every thread is held: the stubs can go in (fail-safe ones: -p must
	 * never leave an int3 behind that could outlive us) */
	struct report *rep = &s->rep;
	rep->attached = true;
	s->fp.wanted = s->fp.failsafe = !cfg->breakpoint_mode;
	s->hk.all_stopped = true;
	hooks_install(s);
	s->hk.all_stopped = false;
	/* the loader's notification is an int3: only without the fast path */
	if (at_base && !(s->fp.failsafe && s->fp.ring))
		hooks_loader(s, at_base);
	attach_comm(s->pid, comm, sizeof comm);
	rep->target_exe = s->life.cmdline ? s->life.cmdline[0] : comm;
	rep->target_args = s->life.cmdline ? s->life.cmdline + 1 : NULL;
	session_fill_identity(s);
	if (!cfg->quiet && (!cfg->xml || cfg->log_file)) {
		session_say(s, "leaktrace-%s, a ptrace-based leak analyzer", LEAKTRACE_VERSION);
		session_say(s, "attached to %d (%s), %zu threads", s->pid, comm,
			    threads_live_count(s));
		session_say(s, "%s", "");
	}
	if (s->xml)
		report_xml_preamble(s->xml, rep, 0);
	ownsignals_install(true);
	if (cfg->duration || cfg->interval) {
		struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		s->lc.next_interval = cfg->interval;
	}
	threads_resume_held(s, NULL);
	waitloop_run(s);
	if (s->life.exited && !s->life.detached) {
		note_unseen_frees(s);
		session_say(s, "%d exited during the session (%s %d)", s->pid,
			    WIFSIGNALED(s->life.exit_status) ? "killed by signal" : "status",
			    WIFSIGNALED(s->life.exit_status) ? WTERMSIG(s->life.exit_status)
							     : WEXITSTATUS(s->life.exit_status));
	}
	if (cfg->error_exitcode && memerrors_count(s))
		return cfg->error_exitcode;
	return 0;
}
