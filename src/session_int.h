/* session_int.h: what the files of the tracer side share.
 *
 * One session is one run of leaktrace over one target.  Its state is one
 * struct session, made of one part per job, and its code is one file per
 * job (the way libdwfl keeps libdwflP.h beside libdwfl.h):
 *
 *   session.c    session_run: start the program, run the loop, tear down
 *   attached.c   -p PID: attach, timers, the end of an attached session
 *   waitloop.c   the wait loop: every stop classified once, then dispatched
 *   threads.c    stopping, holding and resuming the target's threads
 *   hooks.c      which allocator functions are hooked, and how
 *   inject.c     running system calls inside the target
 *   bpevents.c   the breakpoint front end: stops -> the event API
 *   ringread.c   the fast-path front end: ring records -> the event API
 *   fastpatch.c  installing the fast path's stubs, and knowing their addresses
 *   events.c     the event API: allocator calls -> the shadow heap
 *   memerrors.c  InvalidFree, MismatchedFree and fatal-signal records
 *   glibcheap.c  every read of glibc's malloc internals
 *   fdevents.c   --track-fds: descriptor functions' entries and returns
 *   exitpath.c   exit(): the dead stack, the injected freeres calls
 *   leakcheck.c  the leak check and the reports, in steps
 *   children.c   fork, vfork, clone and exec of the target
 *   detach.c     leaving the target as if we had never been there
 *   ownsignals.c leaktrace's own signals
 *
 * Nothing here is seen outside src/: include/leaktrace/session.h is the
 * subsystem's public face. */
#ifndef LEAKTRACE_SESSION_INT_H
#define LEAKTRACE_SESSION_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/user.h>
#include <time.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/breakpoint.h"
#include "leaktrace/errlimit.h"
#include "leaktrace/fastpath.h"
#include "leaktrace/fdreport.h"
#include "leaktrace/freeq.h"
#include "leaktrace/heapmap.h"
#include "leaktrace/options.h"
#include "leaktrace/procmaps.h"
#include "leaktrace/report.h"
#include "leaktrace/scan.h"
#include "leaktrace/stacktab.h"
#include "leaktrace/suppress.h"
#include "leaktrace/symbols.h"
#include "leaktrace/target.h"
#include "leaktrace/tracee.h"
#include "leaktrace/unwind.h"

#define MAX_FNS		 64
#define RING_RECORDS	 4096 /* records in the fast path's ring */
#define RING_STACK	 4096 /* stack bytes each record carries for the unwinder */
#define SPIN_US		 200  /* how long the tracer polls for the next stop before sleeping */
#define YIELD_US	 20   /* quiet polling before it asks whether to yield its CPU */
#define WAIT_BUSY_US	 50   /* while it drains records, how often it looks for stops */
#define BATCH_RECORDS	 128  /* a drain of fewer records caught up with the program: */
#define BATCH_US	 5    /* the ring is looked at again after this long (waitloop.c) */
#define PROF_POLL_US	 1000 /* the heap profile's sampling: the ring is read this often */
#define POLL_US		 500  /* -p with fail-safe stubs: the ring is read this often */
#define CHILD_WAIT_MS	 20   /* detach: quiet time after which no forked child is expected */
#define CHILD_GIVE_UP_MS 2000 /* detach: how long an announced child is waited for */
#define QUIESCE_TRIES	 50   /* detach: 5 ms runs to let threads leave the stubs */
#define MAX_FRAMES	 512
#define STACK_MEMO_SLOTS 256  /* stacks ringread.c remembers */
#define STACK_MEMO_PCS	 16   /* their frames, at most (--num-callers=12 makes 12) */
#define HOLE_MS		 2    /* a ring stuck this long is checked for an abandoned record */
#define HOLE_HANDLER_MS	 1000 /* how long a handler on top of a stub may hold it */
#define RT_CONSISTENT	 0

/* Breakpoint tags beyond the indexes of the hooked-function table. */
enum { TAG_DLSTATE = 100000, TAG_EXIT, TAG_EXIT_CALL, TAG_MAIN, TAG_FD_BASE = 200000 };

/* A function entry the fast path patched with a jmp to its stub. */
struct fast_patch {
	uint64_t func;
	uint8_t orig[16]; /* the bytes the patch and the moved instructions replaced */
	uint8_t len;
	uint64_t trap_full[2];			/* the stub's ring-full int3s */
	uint64_t copy_insn, copy_resume;	/* its stack copy's fault fixup */
	uint64_t walk_loads[2], walk_resume[2]; /* its walk's loads, and where a fault goes */
	uint64_t learn_trap, learn_resume; /* FP_FLAG_LEARN's int3, and where the stub goes on */
	uint64_t call_return;		   /* FP_ALLOC: where the original returns into the stub */
	bool one_call;			   /* FP_ALLOC: one record per call, claimed across it */
	uint64_t check_trap;		   /* FP_FREE_CHECKED: the int3 of a suspect free */
	uint64_t check_loads[3];	   /* and its loads that may fault on a wild pointer */
	uint64_t stub, stub_len;	   /* the stub's code */
	unsigned fn;			   /* index into the session's function table */
};

struct hooked_fn {
	unsigned afn; /* index into allocfn_table */
	uint64_t addr, size;
	bool zero_new; /* glibc's malloc family: each new block is zeroed */
	bool hold;     /* glibc's free: freed chunks are held back (--hold-freed) */
};

/* hooks.c and inject.c: what is hooked, and how leaktrace runs code there. */
struct hooks_part {
	struct hooked_fn fns[MAX_FNS];
	unsigned nfns;
	uint64_t fd_hooked[64]; /* entry address of each fdfn_table entry, or 0 */
	uint64_t fd_top[64];	/* where its system call returns to, or 0 (fdevents_top_pc) */
	uint64_t rdebug, exit_fn, exit_call_fn, libc_freeres, cxx_freeres;
	uint64_t static_exe;  /* an address in a static program, else 0 */
	uint64_t trap_return; /* bptab_trap(TRAP_RETURN), kept for the event path */
	bool hooks_warned;
	bool all_stopped; /* -p: every thread is held, code may be patched */
	uint64_t syscall_insn;
	pid_t borrow_tid; /* a stopped thread for injected syscalls */
	/* --mode=breakpoint's hold-back of freed chunks (the fast path's is in
	 * the ring), per tier: hold[t][head[t]++ % slots], malloc'd when first
	 * needed */
	uint64_t *hold[2];
	uint64_t hold_head[2];
};

/* fastpatch.c and ringread.c: stubs record allocations in a ring shared
 * with us, without a stop. */
struct fast_part {
	bool wanted, failed;
	/* -p: stubs that never trap and give up by themselves when we are gone
	 * (FP_FLAG_FAILSAFE), no check traps, no int3 anywhere else */
	bool failsafe;
	bool gave_up_seen;	  /* the stubs disabled the ring themselves: said once */
	struct fp_ring_hdr *ring; /* our view of the shared ring */
	size_t ring_size;
	uint64_t ring_addr; /* the target's view */
	int ring_fd;
	struct fp_consumer cons; /* over ring, with done */
	/* -v statistics: what the event path cost */
	uint64_t nrecords, nwalked, ncopied, nlearned, nfull, nfaults;
	/* the TSC's ticks spent reading records, and a TSC reading at a
	 * monotonic-clock time (tsc0, mono0: setup) to turn them into time */
	uint64_t drain_ticks, tsc0;
	struct timespec mono0;
	/* a record claimed and never published (see fastpath.h) */
	uint64_t hole;		      /* the index the ring has been stuck at, + 1 */
	struct timespec hole_since;   /* since when */
	bool hole_check;	      /* checking: not again from a held thread */
	uint64_t nlost;		      /* records given up */
	struct user_regs_struct regs; /* ringread.c's, for events_entry; zeroed with the session */
	bool regs_saved;	      /* regs holds a copied record's callee-saved registers */
	/* waitloop.c: whether the program's main thread last ran on our CPU,
	 * and when that was asked */
	struct timespec cpu_asked;
	int cpu_shared;
	/* stacks of walked records seen before (ringread.c), by a hash of the
	 * frames, so that a known one costs a compare instead of the copy of its
	 * frames and the stack table's hash and probe */
	struct stack_memo {
		uint64_t pcs[STACK_MEMO_PCS];
		uint32_t id;
		uint16_t op, n; /* n = 0: empty */
	} memo[STACK_MEMO_SLOTS];
	uint64_t
	    done[RING_RECORDS]; /* the consumer's: per slot, index + 1 of the record consumed */
	int32_t tid_offset;
	/* the functions with FP_CALL records: a bound on their code */
	uint64_t one_call_lo, one_call_hi;
	struct fast_patch patch[MAX_FNS];
	unsigned npatch;
};

/* events.c: what the allocator did. */
struct events_part {
	/* a static program until main: glibc's own start-up, which a dynamic
	 * program's loader does out of memcheck's sight, is not tracked */
	bool before_main;
	uint64_t allocs, frees, bytes;
	uint64_t unseen_frees; /* frees of blocks allocated out of our sight */
	/* the stack pointer of each frame of the last capture: last_sps[0],
	 * then last_sps[k], or, when last_walk is set, the sp of the k-th
	 * (pc, sp) pair at last_walk (a ring record's walked frames, read only
	 * when an error asks: events_last_sp) */
	uint64_t last_sps[MAX_FRAMES];
	const uint8_t *last_walk;
	unsigned last_nsps;
	struct thread *last_thread;
};

/* glibcheap.c */
struct glibc_part {
	uint64_t tcache_key_addr; /* libc's tcache_key, to tell a tcache'd chunk */
	uint64_t tcache_key;	  /* its value once glibc has set it (it never changes) */
	bool tcache_key_missing;
};

/* memerrors.c */
struct errors_part {
	struct mem_error *v;
	uint32_t *stacks; /* stacktab id of each error's call */
	size_t n, cap;
	unsigned occurrences; /* memcheck numbers errors by occurrence */
	/* --track-fds' bad closes (protocol 5's FdBadClose), one per stack */
	struct core_error_count *core;
	uint32_t *core_stacks;
	size_t ncore, core_cap;
	struct errlimit limit; /* --error-limit and memcheck's coarser matching */
	bool exit_now;	       /* --exit-on-first-error: the program was killed */
};

/* leakcheck.c */
struct leakcheck_part {
	double scan_seconds;
	size_t heap_bytes; /* the shadow heap's size at the last report */
	double next_interval;
};

/* The life of the target, as the wait loop sees it. */
struct life_part {
	bool exec_seen, group_exiting, final_done, detached, detaching;
	bool children_held;    /* a child's first stop held, for children_take_held */
	pid_t exit_tid;	       /* the thread that called _exit, once one has */
	unsigned threads_seen; /* memcheck thread numbers handed out */
	int stopped_by;	       /* a signal that ended leaktrace early */
	int exit_status;       /* wait status of the leader */
	bool exited;
	uint64_t nstops;
	struct timespec t0;
	int exec_err_fd;
	char **cmdline; /* -p: the target's, argv[0] owns the strings */
};

struct session {
	const struct config *cfg;
	pid_t pid;
	struct tracee *tr;
	struct target_mem tm;
	struct symbols *sym;
	struct unwinder *uw;
	struct bptab *bt;
	struct heapmap *heap;
	struct stacktab *stacks;
	struct freeq *freed;
	struct suppress *supp;
	struct fdtab *fds; /* --track-fds */
	struct suppression_use *supp_used;
	struct heapprof *prof; /* --tool=massif, --interval, --timeline; or NULL */
	FILE *log, *xml;
	FILE *silenced_log, *silenced_xml; /* --child-silent-after-fork: until an exec */
	struct report rep;		   /* identity fields, filled once */

	struct hooks_part hk;
	struct fast_part fp;
	struct events_part ev;
	struct glibc_part gl;
	struct errors_part err;
	struct leakcheck_part lc;
	struct life_part life;
};

/* ---- session.c ---- */

/* The one voice of leaktrace's own messages: "leaktrace: ..." on stderr. */
void lt_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line of leaktrace's own in the text report: the "==PID== " prefix
 * (with --time-stamp's time), the line, flushed. */
void session_say(struct session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long session_us_between(const struct timespec *from, const struct timespec *to);
long session_elapsed_ms(const struct session *s);
struct report_stack session_stack(struct session *s, uint32_t id);
/* Stacks end at main, as memcheck prints them (--show-below-main=no). */
struct report_stack session_trim_below_main(struct session *s, struct report_stack st);
/* The text report's stream and, with --xml=yes, the XML's (outfile.c:
 * sockets, files opened safely, descriptors).  0, or -1 said. */
int session_open_reports(struct session *s);
void session_fill_identity(struct session *s);
/* /proc/PID/cmdline as an argv; argv[0] owns the strings. */
char **session_read_cmdline(pid_t pid);

/* ---- inject.c ---- */
uint64_t inject_syscall_insn(struct session *s);
/* bptab's scratch mapper: an mmap run in the target. */
uint64_t inject_map_scratch(void *ctx, uint64_t near, uint64_t len, int *err);

/* ---- hooks.c ---- */
/* Whether pc lies in a hooked allocator function (operators: in operator
 * new or delete instead). */
bool hooks_in_fn_range(const struct session *s, uint64_t pc, bool operators);
int hooks_add(struct session *s, uint64_t addr, int tag, const char *what);
/* The entry address of the hooked function of that name, or 0. */
uint64_t hooks_fn_addr(const struct session *s, const char *name);
void hooks_install(struct session *s);
/* Where a call to name goes (a static program: its own local definitions too). */
int hooks_bind(struct session *s, const char *name, uint64_t *addr, uint64_t *size);
int hooks_setup_after_exec(struct session *s, pid_t tid);
int hooks_setup_image(struct session *s, pid_t tid);
/* AT_BASE of the target's auxiliary vector (the dynamic loader), or 0. */
uint64_t hooks_at_base(pid_t pid);
int hooks_loader(struct session *s, uint64_t at_base);

/* ---- fastpatch.c ---- */
int fastpatch_setup(struct session *s);
/* A ring's two views: ours (local, size bytes, through fd) and the
 * target's address. */
struct fp_ring_map {
	struct fp_ring_hdr *local;
	size_t size;
	int fd;
	uint64_t addr;
};
/* A forked child (memory cm), stopped before it ran anything, gets a ring
 * of its own at the parent's ring address.  0, or -1: it still shares the
 * parent's. */
int fastpatch_ring_for_child(struct session *s, struct thread *ch, const struct target_mem *cm,
			     struct fp_ring_map *out);
void fastpatch_ring_unmap(struct fp_ring_map *rm);
/* The ring and the stubs forgotten: an exec replaced them. */
void fastpatch_forget(struct session *s);
/* In a copy of leaktrace that traces a forked child: its ring (taken from
 * rm) instead of the parent's. */
void fastpatch_adopt_ring(struct session *s, struct fp_ring_map *rm);
int fastpatch_hook(struct session *s, unsigned idx, enum fp_kind kind);
bool fastpatch_patched(const struct session *s, uint64_t addr);
bool fastpatch_kind(enum afn_kind k, bool failsafe, enum fp_kind *out);
/* Where a stub goes on after its stack copy or walk faulted at rip (ran
 * off the end of the stack), or 0 if rip is no such load. */
uint64_t fastpatch_fault_resume(const struct session *s, uint64_t rip);
const struct fast_patch *fastpatch_free_check(const struct session *s, uint64_t rip, bool fault);
bool fastpatch_ring_full_trap(const struct session *s, uint64_t at);
/* The stub whose FP_FLAG_LEARN int3 is at, or NULL. */
const struct fast_patch *fastpatch_learn_trap(const struct session *s, uint64_t at);
bool fastpatch_in_stub(const struct session *s, uint64_t rip);
/* Whether ret is where a stub's call to its original returns. */
bool fastpatch_is_call_return(const struct session *s, uint64_t ret);
bool fastpatch_stub_interrupted(struct session *s, struct thread *t,
				const struct user_regs_struct *r);
/* Whether a call made at return address ret is nested in an FP_ALLOC call
 * under way: ret lies in such a function, or is where its stub's call to it
 * returns (a tail call).  That call's record, published at its return, comes
 * after this one: events_nested cannot see it pending. */
bool fastpatch_in_one_call(const struct session *s, uint64_t ret);
/* Whether thread t (registers r) is inside an FP_ALLOC call whose record,
 * claimed at its entry, has index `index` and is published at its return. */
bool fastpatch_call_holds(struct session *s, struct thread *t, const struct user_regs_struct *r,
			  uint64_t index);
bool fastpatch_stubs_idle(struct session *s, struct thread **ths, size_t n);
/* A thread ended or forked with the stubs in place: put the code back. */
void fastpatch_restore_into(const struct session *s, const struct target_mem *tm);

/* ---- ringread.c ---- */
uint64_t ringread_drain(struct session *s);
/* A ring stuck behind a record claimed and never published: checked (every
 * thread stopped and read) once it has been stuck HOLE_MS, and given up if
 * nobody holds it.  th: the thread waiting at its ring-full trap, or NULL
 * (the fail-safe stubs wait without a trap); want: an index a writer waits
 * for. */
void ringread_check_hole(struct session *s, struct thread *th, uint64_t want);
/* STOP_LEARN: fills the record the stub holds (r10) with the live stack's
 * frames, teaches their rules, and sends the stub on to publish it. */
int ringread_learn(struct session *s, struct thread *th, const struct fast_patch *fp,
		   struct user_regs_struct *regs);

/* ---- events.c: the event API both front ends call ---- */

/* How a front end gives the frames of an entry: unwound live at a stop, or
 * from what a ring record carries.  get fills up to max return addresses
 * (pcs[0] the entry) and the stack pointer of each frame (0 where unknown),
 * and returns the count. */
struct frames_source {
	unsigned (*get)(struct session *s, void *ctx, const struct user_regs_struct *r,
			uint64_t *pcs, uint64_t *sps, unsigned max);
	void *ctx;
	/* Optional, a front end's memory of stacks: whether these frames' first
	 * n pcs were seen before, and their stack id then (events_stack's,
	 * without an operator marker and with the frames' first pc first); if
	 * so it also sets s->ev's last_sps (or last_walk) and last_nsps as
	 * events_stack would.
	 * learn is told the id events_stack made when known said no. */
	bool (*known)(struct session *s, void *ctx, unsigned n, uint32_t *id);
	void (*learn)(struct session *s, void *ctx, uint32_t id);
};

struct frames {
	const uint64_t *pcs, *sps;
	unsigned n;
};

/* An allocator call's entry, as either front end saw it. */
struct call_entry {
	unsigned fn;			     /* index into s->hk.fns */
	const struct user_regs_struct *regs; /* at the entry: rip = the function's */
	uint64_t ret;			     /* the call's return address */
	struct frames_source frames;
	/* the front end sees this call's return even when it is nested (a
	 * stub records every return); a breakpoint sees only those it trapped */
	bool returns_seen;
	/* the call has not happened yet: a bad free can still be kept from the
	 * allocator (at a breakpoint, not from a record) */
	bool can_reject;
};

enum entry_verdict {
	ENTRY_MARKER,  /* operator new/delete: noted for the malloc/free it leads to */
	ENTRY_NESTED,  /* part of an enclosing allocator call: not counted */
	ENTRY_FULL,    /* MAX_NEST calls pending: not traced */
	ENTRY_DONE,    /* a free, accounted */
	ENTRY_REJECT,  /* a bad free: must not reach the allocator */
	ENTRY_PENDING, /* th->calls' top waits for the return */
};

/* Whether a call entered with return address ret is part of an allocator
 * call already under way in th: called from inside one (its range), or
 * tail-called from one (it finds our return trap, or a stub's return point,
 * where its return address should be). */
bool events_nested(const struct session *s, const struct thread *th, uint64_t ret);
enum entry_verdict events_entry(struct session *s, struct thread *th, const struct call_entry *e);
/* The pending call's result: from a return trap or a return record. */
void events_return(struct session *s, struct thread *th, const struct pending_call *pc,
		   uint64_t res);
uint32_t events_intern(struct session *s, const uint64_t *pcs, unsigned n);
/* The stack of an allocator entry from the frames just unwound, as memcheck
 * would show it. */
uint32_t events_stack(struct session *s, const struct frames *f, unsigned max,
		      const struct user_regs_struct *r, const struct op_marker *mk,
		      const struct alloc_request *req);
/* A common record's whole event (events.c: events_plain_applies says which
 * are; the front end knew its stack): the same effect as events_entry and,
 * for a malloc or calloc, events_return, in fewer steps. */
struct plain_call {
	unsigned fn;	   /* index into s->hk.fns */
	uint64_t rdi, rsi; /* the arguments */
	uint64_t ret;	   /* the call's return address */
	uint64_t res;	   /* malloc, calloc: the result */
	uint32_t stack_id;
};
/* The common record, the fast path's bulk: a free, or a malloc or calloc
 * seen with its result, from a thread with no allocator call under way and
 * no operator marker, after main, not called from inside an allocator.
 * For these events_entry takes none of its other branches (no call is
 * abandoned, none is nested, the stack is plain), and for a malloc the call
 * it would push is at once the one events_return takes, in its default
 * case: events_plain does the same in fewer steps (a million pairs' tracer
 * time went a fifth to events_entry's generic checks and the pending call's
 * round trip). */
static inline bool events_plain_applies(const struct session *s, const struct thread *th,
					unsigned fn, uint64_t ret, bool returned)
{
	enum afn_kind k = allocfn_table[s->hk.fns[fn].afn].kind;

	return (k == AFN_FREE || ((k == AFN_MALLOC || k == AFN_CALLOC) && returned)) &&
	       !th->ncalls && !th->marker.valid && !s->ev.before_main &&
	       /* fastpatch_in_one_call, asked only in its range */
	       !(ret - 1 >= s->fp.one_call_lo && ret - 1 < s->fp.one_call_hi &&
		 fastpatch_in_one_call(s, ret));
}
void events_plain(struct session *s, struct thread *th, const struct plain_call *c);
/* Takes back the pending call events_entry just pushed (the front end
 * could not redirect its return). */
void events_cancel(struct session *s, struct thread *th);
/* The hold-back of freed blocks (fastpath.h's fp_ring_set_hold): --hold-freed
 * slots (a power of two) for chunks of up to 4 KiB, a quarter of that for
 * chunks of up to 32 KiB, so at most 4 + 8 MiB held by default (memcheck
 * holds 20 MB); mmapped chunks never; none with -p (a detach must leave no
 * block held).  cc1plus's 8 KiB token buffers needed the second tier: with
 * 64 slots a stale pointer still met a reused one in 2 of 16 runs. */
static inline uint64_t session_hold_cap(unsigned tier)
{
	return tier ? 32768 : 4096;
}
static inline uint64_t session_hold_slots(const struct session *s, unsigned tier)
{
	uint64_t n = 1;

	if (!s->cfg->hold_freed)
		return 0;
	while (n < s->cfg->hold_freed)
		n <<= 1;
	if (n > FP_HOLD_MAX)
		n = FP_HOLD_MAX;
	return tier ? (n >= 4 ? n / 4 : 1) : n;
}
/* --mode=breakpoint's held chunks, forgotten: an exec's new image has none,
 * and a forked child's copies are not ours to free (the parent may have
 * held some of them after the fork): they stay allocated there. */
static inline void session_hold_forget(struct session *s)
{
	for (unsigned t = 0; t < 2; t++) {
		free(s->hk.hold[t]);
		s->hk.hold[t] = NULL;
		s->hk.hold_head[t] = 0;
	}
}
/* The frame limit of an entry's unwind. */
static inline unsigned events_max_frames(const struct session *s)
{
	unsigned max = s->cfg->num_callers + 3;

	return max < MAX_FRAMES ? max : MAX_FRAMES;
}
/* How many first frames a front end's memory of stacks (frames_source.known)
 * is asked to match: those events_stack keeps of a plain stack, within the
 * frame limit. */
static inline unsigned events_known_frames(const struct session *s)
{
	unsigned keep = s->cfg->num_callers ? s->cfg->num_callers : 1;
	unsigned max = events_max_frames(s);

	return keep < max ? keep : max;
}
/* The stack pointer of frame k (< s->ev.last_nsps) of the last capture. */
static inline uint64_t events_last_sp(const struct session *s, unsigned k)
{
	uint64_t sp;

	if (!k || !s->ev.last_walk)
		return s->ev.last_sps[k];
	__builtin_memcpy(&sp, s->ev.last_walk + 16 * (size_t)k + 8, 8);
	return sp;
}

/* ---- bpevents.c ---- */
int bpevents_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		   struct user_regs_struct *r);
int bpevents_suspect_free(struct session *s, struct thread *th, const struct fast_patch *fp,
			  struct user_regs_struct *r);
int bpevents_return(struct session *s, struct thread *th, struct user_regs_struct *r);
/* The stack of a thread stopped at addr's entry, live. */
uint32_t bpevents_capture(struct session *s, struct thread *th, const struct user_regs_struct *r,
			  const struct op_marker *mk, const struct alloc_request *req);

/* ---- memerrors.c ---- */
enum free_verdict { FREE_OK, FREE_UNSEEN, FREE_BAD };
const char *memerrors_suppression(struct session *s, const struct report_stack *st, int leak_kind,
				  int err_kind, uint64_t bytes, uint64_t blocks);
void memerrors_add(struct session *s, struct thread *th, struct mem_error *e, uint32_t stack_id);
enum free_verdict memerrors_judge_free(struct session *s, struct mem_error *e, uint64_t caller);
void memerrors_mismatch(struct session *s, struct thread *th, const struct block *b, uint64_t ptr,
			uint8_t family, uint32_t stack_id);
void memerrors_fatal_signal(struct session *s, struct thread *th, int sig);
unsigned long memerrors_count(const struct session *s);

/* ---- glibcheap.c ---- */
bool glibcheap_chunk_in_use(const struct session *s, uint64_t ptr);
bool glibcheap_in_tcache(struct session *s, uint64_t ptr);
uint64_t glibcheap_tcache_key(struct session *s);
void glibcheap_walk_main(struct session *s, const uint8_t *buf, uint64_t start, size_t len,
			 void (*cb)(void *ctx, uint64_t user, uint64_t n, bool freed), void *ctx);
void glibcheap_unseen_chunks(struct session *s, const struct maps *m, struct scan_range **roots,
			     size_t *nroots);
/* Adds glibc's main_arena (its bin pointers point into free chunks) to ex. */
void glibcheap_exclusions(struct session *s, struct scan_range *ex, size_t *nex);

/* ---- fdevents.c ---- */
int fdevents_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		   struct user_regs_struct *r);
void fdevents_return(struct session *s, const struct pending_call *pc, int64_t res);
/* The address after the first syscall instruction of the function at addr
 * (size bytes), or 0: the first frame of the descriptors it makes, as
 * valgrind, which stops at the system call, shows it (with the functions
 * inlined there: recvmsg's __recvmsg_syscall). */
uint64_t fdevents_top_pc(struct session *s, uint64_t addr, uint64_t size);

/* ---- exitpath.c ---- */
void exitpath_clear_dead_stack(struct session *s, uint64_t sp);
int exitpath_on_exit(struct session *s, struct thread *th, const struct breakpoint *bp,
		     struct user_regs_struct *r);
int exitpath_inject_done(struct session *s, struct thread *th);
/* Where a thread inside an injected call must be put back at a detach. */
void exitpath_abandon(struct thread *th, struct user_regs_struct *r);

/* ---- threads.c ---- */
/* The live threads of the process (not children, not exited): a malloc'd
 * array the caller frees, NULL with *n = 0 if there is none or no memory. */
struct thread **threads_live(struct session *s, size_t *n);
size_t threads_live_count(struct session *s);
void threads_resume_held(struct session *s, struct thread *except);
void threads_stop_all(struct session *s, struct thread *except);
pid_t threads_tgid(pid_t tid);
void threads_switch_memory(struct session *s, struct thread *gone);
void threads_take_pending_trap(struct thread *th);

/* ---- leakcheck.c ---- */
void leakcheck_final(struct session *s, struct thread *exiting);
void leakcheck_report(struct session *s, struct thread *exiting, bool last);
void leakcheck_growth(struct session *s, double seconds);

/* ---- children.c ---- */
bool children_on_stop(struct session *s, struct thread *ch, int status);
bool children_on_fork(struct session *s, struct thread *parent, int event);
int children_restart_for_exec(struct session *s, struct thread *th);
/* A fork event held by threads_stop_all: the child announced, not yet
 * handled (threads_resume_held cannot let a copy of leaktrace take over). */
void children_note_fork(struct session *s, struct thread *parent, int event);
/* From the wait loop: the children noted so; true in a copy of leaktrace
 * that now traces one of them. */
bool children_take_held(struct session *s);
/* A forked child stopped with copies of our int3s and scratch: cleaned and
 * detached (its table entry is gone). */
void children_release(struct session *s, struct thread *ch);

/* ---- detach.c ---- */
void detach_all(struct session *s);
/* Before detach_all: the stubs disabled and the entries put back, and the
 * threads let run (a few ms at a time, at most QUIESCE_TRIES times) until
 * none is inside an allocator call made from a stub, so that the stubs can
 * be unmapped.  Every thread is held on return (unless the process ended:
 * false). */
bool detach_quiesce_stubs(struct session *s);
void detach_interrupted(struct session *s, int sig);

/* ---- waitloop.c ---- */

/* What a task is stopped at (or that it is gone): every wait status, and
 * every trap and fault of ours, is exactly one of these.  waitloop_classify
 * decides it once, for the wait loop, for the stops threads_stop_all holds
 * and for detach_all alike (strace's trace_event.h is the model). */
enum stop_kind {
	STOP_GONE,	   /* exited or killed: nothing to resume */
	STOP_EVENT,	   /* PTRACE_EVENT_EXEC, _FORK, _VFORK, _CLONE or _EXIT */
	STOP_GROUP,	   /* a group-stop (SIGSTOP & co.): PTRACE_LISTEN */
	STOP_INTERRUPT,	   /* PTRACE_EVENT_STOP of an interrupt or a seize: continue */
	STOP_SYSCALL,	   /* SIGTRAP | 0x80 (an injected syscall's leftover): continue */
	STOP_SIGNAL,	   /* a signal for the program: deliver it unchanged */
	STOP_FOREIGN_TRAP, /* a SIGTRAP that is the program's own: deliver it */
	STOP_ENTRY,	   /* an int3 of the breakpoint table (stop->bp) */
	STOP_RETURN,	   /* the return trap: an allocator call returns */
	STOP_INJECTED,	   /* the trap an injected call (freeres) returns to */
	STOP_RING_FULL,	   /* a stub waits for room in the ring */
	STOP_LEARN,	   /* a stub's walk met a pc without a rule (stop->patch) */
	STOP_FREE_CHECK,   /* a stub's int3 for a suspect free (stop->patch) */
	STOP_FREE_FAULT,   /* a stub's free check faulted on a wild pointer (stop->patch) */
	STOP_STUB_FAULT,   /* a stub's stack copy or walk ran off the stack (stop->resume) */
};

struct stop {
	enum stop_kind kind;
	int status;
	int event; /* status >> 16 */
	int sig;   /* WSTOPSIG */
	bool have_regs;
	struct user_regs_struct regs; /* with have_regs: read at the stop */
	const struct breakpoint *bp;  /* STOP_ENTRY */
	const struct fast_patch *patch;
	uint64_t resume; /* STOP_STUB_FAULT: where the stub goes on */
};

void waitloop_classify(struct session *s, pid_t tid, int status, struct stop *st);
/* Handles a stop of one of the process's threads and resumes it. */
int waitloop_dispatch(struct session *s, struct thread *th, int status);
int waitloop_run(struct session *s);
/* Runs the loop for ms milliseconds, the threads running as they were:
 * false when the process has ended meanwhile. */
bool waitloop_run_for(struct session *s, long ms);

/* ---- ownsignals.c ---- */
void ownsignals_install(bool attached);
/* The signal that asked leaktrace to stop, or 0. */
int ownsignals_stop_requested(void);
/* Whether SIGUSR1 asked for a report since the last call. */
bool ownsignals_take_report_request(void);

/* ---- attached.c ---- */
void attached_end(struct session *s);
/* Between two stops: a report asked with SIGUSR1 (-p), an interval's
 * growth report (-p, or --interval of a program leaktrace runs), the end
 * of --duration.  True when the session has ended. */
bool attached_timers(struct session *s);
int attached_run(struct session *s);

#endif
