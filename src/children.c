/* children: fork, vfork, clone and exec of the target.
 *
 * As memcheck: a forked child gets a report of its own at its exit (unless
 * --child-silent-after-fork=yes), so it is handed over to a copy of
 * leaktrace, with a fast-path ring of its own; a child let go is cleaned of
 * our int3s, stubs and mappings first.  A vfork child runs on our memory
 * until it execs or exits.  An exec under --trace-children=yes starts a new
 * session on the new program (a vfork child's in a copy of leaktrace);
 * without it, the exec'd program runs untraced. */
#include <errno.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "leaktrace/allocfns.h"

#include "leaktrace/childfilter.h"
#include "leaktrace/outfile.h"

#include "session_int.h"

static bool hand_over_fork_child(struct session *s, struct thread *ch);
static bool hand_over_exec_child(struct session *s, struct thread *ch);

/* Whether a forked child is followed: as memcheck, it gets a report of its
 * own unless --child-silent-after-fork=yes, and with --trace-children=yes
 * whatever it execs does.  -p: only with --trace-children=yes (leaktrace
 * was asked to watch one process, not every child of a server). */
static bool fork_child_followed(const struct session *s)
{
	if (s->cfg->trace_children)
		return true;
	return !s->rep.attached && !s->cfg->child_silent_after_fork;
}

/* A forked child has copies of our int3s and scratch mapping: put the
 * original bytes back, unmap the scratch, and let it go untraced. */
void children_release(struct session *s, struct thread *ch)
{
	struct target_mem cm = { .memfd = -1 };
	uint64_t starts[32], lens[32];
	int sig = 0;

	if (!target_mem_open(&cm, ch->tid)) {
		bptab_restore_into(s->bt, &cm);
		fastpatch_restore_into(s, &cm);
		target_mem_close(&cm);
	}
	if (s->fp.ring && s->hk.syscall_insn) {
		long ret, args[6] = { (long)s->fp.ring_addr, (long)s->fp.ring_size, 0, 0, 0, 0 };
		tracee_inject_syscall(ch->tid, s->hk.syscall_insn, SYS_munmap, args, &ret, &sig);
	}
	size_t n = bptab_scratch(s->bt, starts, lens, 32);
	for (size_t i = 0; i < n && i < 32 && s->hk.syscall_insn; i++) {
		long ret, args[6] = { (long)starts[i], (long)lens[i], 0, 0, 0, 0 };
		tracee_inject_syscall(ch->tid, s->hk.syscall_insn, SYS_munmap, args, &ret, &sig);
	}
	if (WIFSTOPPED(ch->held_status) && !(ch->held_status >> 16) &&
	    WSTOPSIG(ch->held_status) != SIGTRAP)
		sig = WSTOPSIG(ch->held_status);
	ptrace(PTRACE_DETACH, ch->tid, 0, (void *)(long)sig);
	tracee_thread_del(s->tr, ch->tid);
}

/* A vfork child runs on our memory, int3s and stubs included, until it
 * execs or exits: its allocator calls are not ours to count, so it is sent
 * past our hooks as if they were not there. */
static void vfork_child_stop(struct session *s, struct thread *ch, int status)
{
	struct stop st;

	waitloop_classify(s, ch->tid, status, &st);
	switch (st.kind) {
	case STOP_ENTRY:
		st.regs.rip = st.bp->resume;
		tracee_setregs(ch->tid, &st.regs);
		tracee_cont(ch, 0);
		return;
	case STOP_STUB_FAULT:
		st.regs.rip = st.resume;
		tracee_setregs(ch->tid, &st.regs);
		tracee_cont(ch, 0);
		return;
	case STOP_RING_FULL:
	case STOP_FREE_CHECK: /* after the int3 the stub goes on into free */
	case STOP_SYSCALL:
	case STOP_EVENT:
	case STOP_INTERRUPT:
	case STOP_GROUP:
		tracee_cont(ch, 0);
		return;
	case STOP_GONE:
		return;
	default:
		tracee_cont(ch, st.sig);
		return;
	}
}

/* A stop of a task that is not one of our threads.  Returns true in a copy
 * of leaktrace that now traces a forked child (--trace-children=yes): the
 * parent's threads are gone from its table, and the caller must not touch
 * the one it holds. */
bool children_on_stop(struct session *s, struct thread *ch, int status)
{
	int event = status >> 16;

	ch->state = TH_STOPPED;
	ch->held_status = status;
	switch (ch->kind) {
	case TK_UNKNOWN:
		return false; /* held until the parent's fork event says what it is */
	case TK_FORK_CHILD: {
		pid_t tid = ch->tid; /* a handed-over child's entry is gone */
		if (fork_child_followed(s) && hand_over_fork_child(s, ch))
			return true;
		if ((ch = tracee_thread(s->tr, tid)))
			children_release(s, ch);
		return false;
	}
	case TK_VFORK_CHILD:
		/* it runs on our memory, int3s included, until exec or exit */
		if (event == PTRACE_EVENT_EXEC) {
			pid_t tid = ch->tid;
			if (s->cfg->trace_children && !childfilter_skip_pid(s->cfg, tid) &&
			    hand_over_exec_child(s, ch))
				return true;
			if ((ch = tracee_thread(s->tr, tid))) {
				ptrace(PTRACE_DETACH, tid, 0, (void *)(long)ch->pending_sig);
				tracee_thread_del(s->tr, tid);
			}
			return false;
		}
		vfork_child_stop(s, ch, status);
		return false;
	case TK_THREAD:
		break;
	}
	return false;
}

/* The child a fork, vfork or clone event announces, entered in the table
 * with its kind (*was_waiting: its first stop came first and is held); NULL
 * for a new thread of ours, or when there is none. */
static struct thread *announce_child(struct session *s, struct thread *parent, int event,
				     bool *was_waiting)
{
	unsigned long msg = 0;

	*was_waiting = false;
	ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg);
	if (!msg)
		return NULL;
	pid_t child = (pid_t)msg;
	struct thread *ch = tracee_thread(s->tr, child);
	if (event == PTRACE_EVENT_CLONE && threads_tgid(child) == s->pid) {
		if (!ch && (ch = tracee_thread_add(s->tr, child))) {
			ch->kind = TK_THREAD;
			ch->num = ++s->life.threads_seen;
			ch->state = TH_RUNNING;
		}
		return NULL;
	}
	*was_waiting = ch && ch->kind == TK_UNKNOWN && ch->state == TH_STOPPED;
	if (!ch && !(ch = tracee_thread_add(s->tr, child)))
		return NULL;
	/* a child made with CLONE_VM shares our memory like a vfork child:
	 * cleaning "its" copy of our int3s would remove the parent's */
	bool shares_vm = event == PTRACE_EVENT_VFORK ||
			 syscall(SYS_kcmp, (long)s->pid, (long)child, KCMP_VM, 0L, 0L) == 0;
	ch->kind = shares_vm ? TK_VFORK_CHILD : TK_FORK_CHILD;
	if (!*was_waiting)
		ch->state = TH_RUNNING;
	return ch;
}

/* The parent's fork, vfork or clone event.  Returns true in a copy of
 * leaktrace that now traces the child (see children_on_stop). */
bool children_on_fork(struct session *s, struct thread *parent, int event)
{
	bool was_waiting;
	struct thread *ch = announce_child(s, parent, event, &was_waiting);

	if (!ch)
		return false;
	if (was_waiting)
		return children_on_stop(s, ch, ch->held_status);
	if (ch->kind == TK_FORK_CHILD && fork_child_followed(s)) {
		/* the parent stays at its fork event until the child, whose
		 * first stop follows at once, is handed over: the shadow heap
		 * the copy starts with is the parent's at the fork, not at a
		 * later stop (fork-ring) */
		pid_t child = ch->tid, r;
		int st;
		while ((r = waitpid(child, &st, __WALL)) < 0 && errno == EINTR)
			;
		if (r == child && WIFSTOPPED(st))
			return children_on_stop(s, ch, st);
		if (r == child)
			tracee_thread_del(s->tr, child); /* killed before it ran */
	}
	return false;
}

/* A fork event held while every thread was stopped (threads_resume_held):
 * the child is announced, and one already stopped is handled by the wait
 * loop (children_take_held), where a copy of leaktrace can take it over. */
void children_note_fork(struct session *s, struct thread *parent, int event)
{
	bool was_waiting;

	if (announce_child(s, parent, event, &was_waiting) && was_waiting)
		s->life.children_held = true;
}

bool children_take_held(struct session *s)
{
	size_t n;
	struct thread **all = tracee_list(s->tr, &n);
	pid_t *tids = n ? calloc(n, sizeof *tids) : NULL;
	size_t k = 0;

	s->life.children_held = false;
	for (size_t i = 0; i < n && tids; i++)
		if ((all[i]->kind == TK_FORK_CHILD || all[i]->kind == TK_VFORK_CHILD) &&
		    all[i]->state == TH_STOPPED)
			tids[k++] = all[i]->tid;
	free(all);
	bool copy = false;
	for (size_t i = 0; i < k && !copy; i++) {
		struct thread *ch = tracee_thread(s->tr, tids[i]);
		if (ch && ch->state == TH_STOPPED)
			copy = children_on_stop(s, ch, ch->held_status);
	}
	free(tids);
	return copy;
}

/* An execve: the old image is gone with its heap, breakpoints, stubs and
 * scratch, and the errors found in it (memcheck starts the new program's
 * summaries from zero); the new program is traced from its start under
 * the same PID, with a preamble of its own.  0, or -1. */
static int forget_image(struct session *s, struct thread *th)
{
	char exe[4096];

	heapmap_free(s->heap);
	freeq_free(s->freed);
	bptab_free(s->bt);
	unwind_free(s->uw);
	symbols_free(s->sym);
	s->uw = NULL;
	s->heap = heapmap_new();
	s->freed = freeq_new(s->cfg->freelist_vol, 1u << 20);
	s->sym = symbols_new(s->pid, &s->tm);
	s->bt = bptab_new(&s->tm, inject_map_scratch, s);
	if (!s->heap || !s->freed || !s->sym || !s->bt)
		return -1;
	symbols_set_show_below_main(s->sym, s->cfg->show_below_main);
	fastpatch_forget(s);
	session_hold_forget(s);
	s->rep.symbolize_ctx = s->sym;
	s->hk.nfns = 0;
	memset(s->hk.fd_hooked, 0, sizeof s->hk.fd_hooked);
	memset(s->hk.fd_top, 0, sizeof s->hk.fd_top);
	s->hk.rdebug = s->hk.exit_fn = s->hk.exit_call_fn = s->hk.libc_freeres = s->hk.cxx_freeres =
	    0;
	s->hk.syscall_insn = 0;
	s->gl.tcache_key_addr = s->gl.tcache_key = 0;
	s->gl.tcache_key_missing = false;
	s->ev.allocs = s->ev.frees = s->ev.bytes = s->ev.unseen_frees = 0;
	s->ev.before_main = false;
	s->ev.last_thread = NULL;
	s->err.n = 0;
	s->err.occurrences = 0;
	s->err.limit = (struct errlimit){ .limit = s->cfg->error_limit, .xml = s->cfg->xml };
	s->life.group_exiting = false;
	s->life.exit_tid = 0;
	size_t n;
	struct thread **all = tracee_list(s->tr, &n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->kind == TK_THREAD && all[i] != th)
			all[i]->dead = true; /* execve ended them */
	free(all);
	th->ncalls = 0;
	th->marker.valid = false;
	th->in_inject = false;
	if (s->silenced_log) { /* the child of a fork execs: reported again */
		fclose(s->log);
		s->log = s->silenced_log;
		if (s->xml)
			fclose(s->xml);
		s->xml = s->silenced_xml;
		s->silenced_log = s->silenced_xml = NULL;
	}
	char **argv = session_read_cmdline(s->pid);
	size_t o = 0;
	exe[0] = '\0';
	for (size_t i = 0; argv && argv[i] && o + 2 < sizeof exe; i++)
		o += (size_t)snprintf(exe + o, sizeof exe - o, "%s%s", i ? " " : "", argv[i]);
	if (argv)
		free(argv[0]);
	free(argv);
	if (!s->cfg->quiet && (!s->cfg->xml || s->cfg->log_file)) {
		session_say(s, "%s", "");
		session_say(s, "Command: %s", exe);
		session_say(s, "%s", "");
	}
	return 0;
}

/* --trace-children=yes and an execve of the traced process. */
int children_restart_for_exec(struct session *s, struct thread *th)
{
	if (forget_image(s, th))
		return -1;
	return hooks_setup_after_exec(s, th->tid) ? -1 : 0;
}

/* The hand-over's first half: leaktrace forks a copy of itself, which will
 * trace the child.  A tracee changes tracers only through a detach, so the
 * child waits, detached, on a "jmp ." until the copy has seized it: it
 * never runs a step of its own meanwhile, and sees no signal.  In the
 * parent's leaktrace: child detached, its entry gone, -1 (or -2 when no
 * copy could be made: nothing changed).  In the copy: 0, the child seized
 * and stopped, every other task forgotten, the session the child's. */
static int fork_copy_for(struct session *s, struct thread *ch)
{
	pid_t child = ch->tid, parent = s->pid;

	fflush(s->log);
	if (s->xml)
		fflush(s->xml);
	pid_t copy = fork();
	if (copy < 0)
		return -2;
	if (copy > 0) {
		ptrace(PTRACE_DETACH, child, 0, 0);
		tracee_thread_del(s->tr, child);
		return -1;
	}
	/* the copy: wait until the parent has let the child go, then take it */
	for (int tries = 0; ptrace(PTRACE_SEIZE, child, 0, (void *)tracee_options(s->rep.attached));
	     tries++) {
		if (errno != EPERM || tries > 100000)
			_exit(1);
		sched_yield();
	}
	int status;
	if (ptrace(PTRACE_INTERRUPT, child, 0, 0) || waitpid(child, &status, __WALL) != child)
		_exit(1);
	size_t n;
	struct thread **all = tracee_list(s->tr, &n);
	for (size_t i = 0; i < n; i++)
		if (all[i]->tid != child)
			tracee_thread_del(s->tr, all[i]->tid);
	free(all);
	ch = tracee_thread(s->tr, child);
	ch->kind = TK_THREAD;
	ch->num = s->life.threads_seen = 1;
	ch->state = TH_STOPPED;
	ch->held_status = 0;
	s->pid = child;
	s->hk.borrow_tid = child;
	s->rep.pid = child;
	s->rep.ppid = parent;
	target_mem_close(&s->tm);
	target_mem_open(&s->tm, child);
	if (s->cfg->log_file && strstr(s->cfg->log_file, "%p")) {
		fclose(s->log); /* flushed: the parent's stays open in the parent */
		s->log = outfile_stream(s->cfg->log_file, 2, NULL, 0, child);
		if (!s->log)
			_exit(1);
	}
	s->life.exited = false;
	s->life.final_done = false;
	s->ev.last_thread = NULL;
	return 0;
}

/* A forked child is traced by a copy of leaktrace made with fork(), which
 * therefore starts with the shadow heap the child inherited (memcheck's
 * child report counts those blocks too).  With the fast path the child
 * first gets a ring of its own (its stubs would write into the parent's),
 * while it has not run an instruction.  The child waits on TRAP_PARK, in
 * its copy of our scratch page.  Returns true in the copy (which goes on
 * as the child's session). */
static bool hand_over_fork_child(struct session *s, struct thread *ch)
{
	struct user_regs_struct saved, parked;
	uint64_t park = bptab_trap(s->bt, TRAP_PARK);
	struct fp_ring_map ring = { .fd = -1 };

	if (!park || tracee_getregs(ch->tid, &saved))
		return false;
	if (s->fp.ring) {
		struct target_mem cm = { .memfd = -1 };
		int err = target_mem_open(&cm, ch->tid);
		if (!err)
			err = fastpatch_ring_for_child(s, ch, &cm, &ring);
		target_mem_close(&cm);
		if (err) {
			if (s->cfg->verbose)
				lt_error("note: cannot give child %d a ring of its own; it runs "
					 "untraced",
					 (int)ch->tid);
			return false; /* the caller lets it go */
		}
	}
	if (WIFSTOPPED(ch->held_status) && !(ch->held_status >> 16) &&
	    WSTOPSIG(ch->held_status) != SIGTRAP && !ch->pending_sig)
		ch->pending_sig = WSTOPSIG(ch->held_status);
	parked = saved;
	parked.rip = park;
	int r = tracee_setregs(ch->tid, &parked) ? -2 : fork_copy_for(s, ch);
	if (r) {
		fastpatch_ring_unmap(&ring); /* the parent's leaktrace needs no view of it */
		if (r == -2)
			tracee_setregs(ch->tid, &saved);
		return false;
	}
	/* the copy */
	tracee_setregs(ch->tid, &saved);
	session_hold_forget(s); /* see fastpatch_ring_for_child */
	if (ring.local)
		fastpatch_adopt_ring(s, &ring);
	else if (s->fp.ring)
		fastpatch_forget(s);
	unwind_free(s->uw);
	symbols_free(s->sym);
	s->sym = symbols_new(s->pid, &s->tm);
	s->rep.symbolize_ctx = s->sym;
	if (s->sym) {
		symbols_set_show_below_main(s->sym, s->cfg->show_below_main);
		symbols_refresh(s->sym);
	}
	s->uw = s->sym ? unwind_new(s->sym, &s->tm) : NULL;
	for (unsigned i = 0; i < s->hk.nfns && s->sym; i++)
		symbols_mark_entry(s->sym, s->hk.fns[i].addr, allocfn_table[s->hk.fns[i].afn].name);
	if (s->cfg->child_silent_after_fork) {
		/* memcheck writes nothing for a forked child unless it execs */
		s->silenced_log = s->log;
		s->silenced_xml = s->xml;
		s->log = fopen("/dev/null", "we");
		s->xml = s->xml ? fopen("/dev/null", "we") : NULL;
		if (!s->log)
			_exit(1);
	}
	ch = tracee_thread(s->tr, s->pid);
	int sig = ch->pending_sig;
	ch->pending_sig = 0;
	tracee_cont(ch, sig);
	return true;
}

/* --trace-children=yes and a vfork child's execve (posix_spawn, system):
 * the new program is traced by a copy of leaktrace, as memcheck gives it a
 * report of its own.  It is stepped out of execve and parked on a "jmp ."
 * written over its first instruction, which the copy puts back.  Returns
 * true in the copy. */
static bool hand_over_exec_child(struct session *s, struct thread *ch)
{
	static const uint8_t spin[2] = { 0xeb, 0xfe };
	struct target_mem cm = { .memfd = -1 };
	struct user_regs_struct r;
	uint8_t orig[2];

	if (tracee_finish_syscall(ch->tid, &ch->pending_sig) || tracee_getregs(ch->tid, &r) ||
	    target_mem_open(&cm, ch->tid))
		return false;
	bool parked = target_read(&cm, r.rip, orig, sizeof orig) == sizeof orig &&
		      !target_write(&cm, r.rip, spin, sizeof spin);
	int rc = parked ? fork_copy_for(s, ch) : -2;
	if (rc == -2 && parked)
		target_write(&cm, r.rip, orig, sizeof orig);
	target_mem_close(&cm);
	if (rc)
		return false;
	/* the copy: the child's first instruction back, then its own session */
	if (target_write(&s->tm, r.rip, orig, sizeof orig))
		_exit(1);
	ch = tracee_thread(s->tr, s->pid);
	if (forget_image(s, ch) || hooks_setup_image(s, ch->tid)) {
		lt_error("cannot trace child %d; it runs on untraced", (int)s->pid);
		ptrace(PTRACE_DETACH, s->pid, 0, (void *)(long)ch->pending_sig);
		_exit(1);
	}
	int sig = ch->pending_sig;
	ch->pending_sig = 0;
	tracee_cont(ch, sig);
	return true;
}
