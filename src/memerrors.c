/* memerrors: memcheck's error records.
 *
 * InvalidFree and MismatchedFree (judged here, described as memcheck
 * describes the address: a live block, a freed one, a stack frame or a data
 * symbol) and the fatal signal that ends a program.  Errors are counted by
 * kind and stack, matched against suppressions, and printed as they
 * happen. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "leaktrace/procmaps.h"
#include "leaktrace/report_text.h"
#include "leaktrace/report_xml.h"
#include "leaktrace/util.h"

#include "leaktrace/errlimit.h"

#include "session_int.h"

/* The suppression matching a loss record or error stack, counted. */
const char *memerrors_suppression(struct session *s, const struct report_stack *st, int leak_kind,
				  int err_kind, uint64_t bytes, uint64_t blocks)
{
	unsigned n;
	const char *name;

	if (!s->supp || !suppress_count(s->supp))
		return NULL;
	struct frame_info *f = util_symbolize_stack(&s->rep, st, &n);
	if (leak_kind >= 0)
		name = suppress_match_leak(s->supp, (enum leak_kind)leak_kind, f, n, bytes, blocks);
	else
		name = suppress_match_error(s->supp, (enum mem_error_kind)err_kind, f, n);
	free(f);
	return name;
}

void memerrors_add(struct session *s, struct thread *th, struct mem_error *e, uint32_t stack_id)
{
	unsigned frames;
	enum errlimit_notice say;

	/* memcheck's rules for many errors (errlimit.h) */
	if (!errlimit_admit(&s->err.limit, &frames, &say))
		return;
	if (say != ERRLIMIT_SAY_NOTHING && (!s->cfg->xml || s->cfg->log_file))
		report_text_error_limit(s->log, &s->rep, &s->err.limit, say);
	unsigned occurrence = s->err.occurrences++;

	e->stack = session_trim_below_main(s, e->stack);
	e->alloc_stack = session_trim_below_main(s, e->alloc_stack);
	e->free_stack = session_trim_below_main(s, e->free_stack);
	for (size_t i = 0; i < s->err.n; i++) {
		struct mem_error *k = &s->err.v[i];
		if (k->kind == e->kind &&
		    (s->err.stacks[i] == stack_id ||
		     (frames && errlimit_same_stack(k->stack.pcs, k->stack.n, e->stack.pcs,
						    e->stack.n, frames)))) {
			k->count++;
			if (k->suppressed_by)
				memerrors_suppression(s, &k->stack, -1, e->kind, 0, 0);
			errlimit_count(&s->err.limit, false, k->suppressed_by != NULL);
			return;
		}
	}
	if (s->err.n == s->err.cap) {
		size_t nc = s->err.cap ? s->err.cap * 2 : 16;
		struct mem_error *ne = realloc(s->err.v, nc * sizeof *ne);
		uint32_t *ns = realloc(s->err.stacks, nc * sizeof *ns);
		if (ne)
			s->err.v = ne;
		if (ns)
			s->err.stacks = ns;
		if (!ne || !ns)
			return;
		s->err.cap = nc;
	}
	e->tid = th->num;
	e->unique = occurrence;
	e->count = 1;
	e->suppressed_by = memerrors_suppression(s, &e->stack, -1, e->kind, 0, 0);
	s->err.stacks[s->err.n] = stack_id;
	s->err.v[s->err.n++] = *e;
	s->rep.errors = s->err.v;
	s->rep.nerrors = s->err.n;
	if (!s->cfg->xml || s->cfg->log_file) {
		report_text_error(s->log, &s->rep, e);
		fflush(s->log);
	}
	if (s->xml) {
		report_xml_error(s->xml, &s->rep, e);
		fflush(s->xml);
	}
	errlimit_count(&s->err.limit, true, e->suppressed_by != NULL);
	/* --exit-on-first-error: the program goes no further */
	if (s->cfg->exit_on_first_error && !e->suppressed_by && !s->err.exit_now) {
		s->err.exit_now = true;
		kill(s->pid, SIGKILL);
	}
}

/* An address that is no heap block: on the calling thread's stack (which
 * frame), or inside a data symbol, as memcheck says. */
static void describe_non_heap(struct session *s, struct mem_error *e)
{
	struct maps m;

	if (s->ev.last_nsps && e->addr >= events_last_sp(s, 0) && !procmaps_read(s->tm.pid, &m)) {
		const struct mapping *a = procmaps_find(&m, e->addr);
		const struct mapping *b = procmaps_find(&m, events_last_sp(s, 0));
		if (a && a == b) {
			e->desc = ADDR_STACK;
			e->stack_tid = s->ev.last_thread ? s->ev.last_thread->num : 1;
			for (unsigned k = s->ev.last_nsps; k-- > 0;) {
				uint64_t sp = events_last_sp(s, k);
				if (sp && sp <= e->addr) {
					uint64_t lo, hi;
					const char *path;
					uint64_t pc =
					    e->stack.pcs && k < e->stack.n ? e->stack.pcs[k] : 0;
					uint64_t entry =
					    pc ? symbols_function_entry(s->sym, k ? pc - 1 : pc)
					       : 0;
					if (entry &&
					    symbols_module_of(s->sym, entry, &lo, &hi, &path)) {
						e->stack_frame_known = true;
						e->stack_frame_no = k;
						/* described as a return address would be: entry + 1 */
						e->stack_frame_ip = entry + 1;
					}
					break;
				}
			}
		}
		procmaps_free(&m);
		if (e->desc == ADDR_STACK)
			return;
	}
	uint64_t start;
	const char *name = symbols_data_symbol(s->sym, e->addr, &start);
	if (name) {
		e->desc = ADDR_DATA_SYMBOL;
		e->data_symbol = name;
		e->block_addr = start;
	}
}

/* Live blocks first: the freed queue keeps blocks whose memory the
 * allocator has since handed out again (freeq.h), and an address inside a
 * live block is described by that block, as memcheck (whose allocator does
 * not reuse queued memory) would describe it. */
static void describe_bad_addr(struct session *s, struct mem_error *e)
{
	size_t n;
	struct block *all = heapmap_sorted(s->heap, &n);
	for (size_t i = 0; all && i < n; i++) {
		if (e->addr >= all[i].addr && e->addr < all[i].addr + all[i].size) {
			e->desc = ADDR_ALLOCD;
			e->block_addr = all[i].addr;
			e->block_size = all[i].size;
			e->alloc_stack = session_stack(s, all[i].stack_id);
			break;
		}
	}
	free(all);
	if (e->desc != ADDR_UNKNOWN)
		return;
	const struct freed_block *fb = freeq_find(s->freed, e->addr);
	if (fb) {
		e->desc = ADDR_FREED;
		e->block_addr = fb->addr;
		e->block_size = fb->size;
		e->alloc_stack = session_stack(s, fb->alloc_stack);
		e->free_stack = session_stack(s, fb->free_stack);
		return;
	}
	describe_non_heap(s, e);
}

/* Judges a free (or the old pointer of a realloc) of a block that is not
 * live in the heap map: an error that must not reach the allocator, or a
 * block we did not see allocated, which must.
 *
 * A pointer we saw freed a moment ago is only a double free if glibc
 * agrees the chunk is free: glibc allocates some memory internally (a
 * thread's tcache, with _int_malloc) and may hand out a chunk we saw
 * freed; its free at thread exit is no error.  glibc holds a chunk free
 * when its neighbour's PREV_INUSE bit is clear or it sits in the tcache. */
enum free_verdict memerrors_judge_free(struct session *s, struct mem_error *e, uint64_t caller)
{
	/* the allocator's own bookkeeping (glibc's tcache_thread_shutdown
	 * hands the chunks of a dying thread's tcache back): never the
	 * program's error, and never seen under memcheck */
	uint64_t free_addr = hooks_fn_addr(s, "free");
	if (caller && free_addr && symbols_in_local_function(s->sym, caller - 1, free_addr))
		return FREE_UNSEEN;
	describe_bad_addr(s, e);
	if (e->desc == ADDR_FREED && e->addr == e->block_addr &&
	    glibcheap_chunk_in_use(s, e->addr) && !glibcheap_in_tcache(s, e->addr)) {
		freeq_forget(s->freed, e->block_addr, e->block_size ? e->block_size : 1);
		return FREE_UNSEEN;
	}
	if (e->desc != ADDR_UNKNOWN)
		return FREE_BAD;
	/* -p: an address never seen allocated was allocated before the attach,
	 * whatever the allocator (glibc's bookkeeping says nothing of jemalloc's
	 * or tcmalloc's blocks) */
	if (s->rep.attached)
		return FREE_UNSEEN;
	return glibcheap_chunk_in_use(s, e->addr) ? FREE_UNSEEN : FREE_BAD;
}

/* A block freed by a function of another family than the one that
 * allocated it: memcheck's MismatchedFree. */
void memerrors_mismatch(struct session *s, struct thread *th, const struct block *b, uint64_t ptr,
			uint8_t family, uint32_t stack_id)
{
	if (b->family == family || !s->cfg->show_mismatched_frees)
		return;
	struct mem_error e = { .kind = ERR_MISMATCHED_FREE,
			       .addr = ptr,
			       .stack = session_stack(s, stack_id),
			       .desc = ADDR_ALLOCD,
			       .block_addr = b->addr,
			       .block_size = b->size,
			       .alloc_stack = session_stack(s, b->stack_id) };
	memerrors_add(s, th, &e, stack_id);
}

/* Whether sig, delivered now, ends the process: its action is the
 * default, and the default is to terminate. */
static bool signal_is_fatal(pid_t tid, int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGCONT:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
	case SIGURG:
	case SIGWINCH:
		return false;
	}
	unsigned long long all = ~0ull, bit = 1ull << (sig - 1);
	unsigned long long caught = procmaps_status_number(tid, "SigCgt", 16, all);
	unsigned long long ignored = procmaps_status_number(tid, "SigIgn", 16, all);
	return !(caught & bit) && !(ignored & bit);
}

/* memcheck's words for the si_code of a fault. */
static const char *fault_event(int sig, int code)
{
	static const char *const segv[] = { NULL, "Access not within mapped region",
					    "Bad permissions for mapped region" };
	static const char *const bus[] = { NULL, "Invalid address alignment",
					   "Non-existent physical address", "Hardware error" };
	static const char *const ill[] = { NULL,
					   "Illegal opcode",
					   "Illegal operand",
					   "Illegal addressing mode",
					   "Illegal trap",
					   "Privileged opcode",
					   "Privileged register",
					   "Coprocessor error",
					   "Internal stack error" };
	static const char *const fpe[] = { NULL,
					   "Integer divide by zero",
					   "Integer overflow",
					   "FP divide by zero",
					   "FP overflow",
					   "FP underflow",
					   "FP inexact",
					   "FP invalid operation",
					   "FP subscript out of range" };

	if (sig == SIGSEGV && code == SI_KERNEL)
		return "General Protection Fault";
	if (code <= 0)
		return NULL;
	if (sig == SIGSEGV && code < 3)
		return segv[code];
	if (sig == SIGBUS && code < 4)
		return bus[code];
	if (sig == SIGILL && code < 9)
		return ill[code];
	if (sig == SIGFPE && code < 9)
		return fpe[code];
	return NULL;
}

/* A signal about to end the process: say so as memcheck does, where it
 * happened, before the leak report. */
void memerrors_fatal_signal(struct session *s, struct thread *th, int sig)
{
	struct fatal_signal *f = &s->rep.fatal;
	struct user_regs_struct r;
	siginfo_t si;
	uint64_t pcs[MAX_FRAMES];

	if (f->present || s->life.final_done || !signal_is_fatal(th->tid, sig) ||
	    tracee_getregs(th->tid, &r))
		return;
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, th->tid, 0, &si);
	f->present = true;
	f->signo = sig;
	f->sicode = si.si_code;
	f->siaddr = (uint64_t)(uintptr_t)si.si_addr;
	f->event = fault_event(sig, si.si_code);
	f->tid = th->num;
	/* the process dies here: below the stack pointer everything is dead, as
	 * at exit(), and memcheck no longer counts it (a stale pointer in the
	 * red zone kept a block lost before the crash reachable) */
	exitpath_clear_dead_stack(s, r.rsp);
	/* the interrupted instruction itself, not a return address */
	symbols_mark_entry(s->sym, r.rip, NULL);
	unsigned n =
	    unwind_capture(s->uw, th->tid, &r, pcs,
			   s->cfg->num_callers < MAX_FRAMES ? s->cfg->num_callers : MAX_FRAMES);
	f->stack = session_trim_below_main(s, session_stack(s, events_intern(s, pcs, n)));
	if (!s->cfg->xml || s->cfg->log_file) {
		report_text_fatal(s->log, &s->rep);
		fflush(s->log);
	}
	if (s->xml) {
		report_xml_fatal(s->xml, &s->rep);
		fflush(s->xml);
	}
}
