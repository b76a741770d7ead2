/* session: one run of leaktrace over one target.
 *
 * The wait loop and everything that happens at a stop: the dynamic
 * loader's notification (new modules: hook their allocator functions), an
 * allocator entry (read the request, unwind, redirect the return address to
 * our return trap), the return trap (read the result, update the shadow
 * heap, send the thread on to the real return address), the exit-time
 * freeres calls, and at the very end, with every thread stopped and memory
 * still mapped, the leak scan and the reports.
 *
 * Data flows one way: stops -> heap map -> scan -> reports.  Nothing here
 * prints except through the reporters and one error voice, lt_error(). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kcmp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/attach.h"
#include "leaktrace/breakpoint.h"
#include "leaktrace/fastpath.h"
#include "leaktrace/fdfns.h"
#include "leaktrace/fdreport.h"
#include "leaktrace/flamegraph.h"
#include "leaktrace/freeq.h"
#include "leaktrace/heapmap.h"
#include "leaktrace/lossrec.h"
#include "leaktrace/procmaps.h"
#include "leaktrace/report.h"
#include "leaktrace/report_text.h"
#include "leaktrace/report_xml.h"
#include "leaktrace/roots.h"
#include "leaktrace/scan.h"
#include "leaktrace/session.h"
#include "leaktrace/stacktab.h"
#include "leaktrace/suppress.h"
#include "leaktrace/symbols.h"
#include "leaktrace/target.h"
#include "leaktrace/tracee.h"
#include "leaktrace/unwind.h"
#include "leaktrace/util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define MAX_FNS		64
#define RING_RECORDS	4096 /* records in the fast path's ring */
#define RING_STACK	4096 /* stack bytes each record carries for the unwinder */
#define SPIN_US		200  /* how long the tracer polls for the next stop before sleeping */
#define MAX_FRAMES	512
#define HOLE_MS		50   /* a ring stuck this long is checked for an abandoned record */
#define HOLE_HANDLER_MS 1000 /* how long a handler on top of a stub may hold it */
#define RT_CONSISTENT	0

enum { TAG_DLSTATE = 100000, TAG_EXIT, TAG_EXIT_CALL, TAG_FD_BASE = 200000 };

/* A function entry the fast path patched with a jmp to its stub. */
struct fast_patch {
	uint64_t func;
	uint8_t orig[16]; /* the bytes the patch and the moved instructions replaced */
	uint8_t len;
	uint64_t trap_full[2];			/* the stub's ring-full int3s */
	uint64_t copy_insn, copy_resume;	/* its stack copy's fault fixup */
	uint64_t walk_loads[2], walk_resume[2]; /* its walk's loads, and where a fault goes */
	uint64_t call_return;	 /* FP_ALLOC: where the original returns into the stub */
	uint64_t check_trap;	 /* FP_FREE_CHECKED: the int3 of a suspect free */
	uint64_t check_loads[3]; /* and its loads that may fault on a wild pointer */
	uint64_t stub, stub_len; /* the stub's code */
	unsigned fn;		 /* index into the session's function table */
};

struct hooked_fn {
	unsigned afn; /* index into allocfn_table */
	uint64_t addr, size;
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

	/* the fast path (src/fastpath.c): stubs record allocations in a ring
	 * shared with us, without a stop */
	bool fast_wanted, fast_failed;
	struct fp_ring_hdr *ring; /* our view of the shared ring */
	size_t ring_size;
	uint64_t ring_addr; /* the target's view */
	int ring_fd;
	uint64_t ring_next; /* first record not yet consumed */
	/* -v statistics: what the event path cost */
	uint64_t nrecords, nwalked, ncopied, nstops, nfull, nfaults;
	/* a record claimed and never published (see fastpath.h) */
	uint64_t hole;			  /* the index the ring has been stuck at, + 1 */
	struct timespec hole_since;	  /* since when */
	bool hole_check;		  /* checking: not again from a held thread */
	uint64_t nlost;			  /* records given up */
	uint64_t ring_done[RING_RECORDS]; /* per slot: index + 1 of the record consumed there */
	int32_t tid_offset;
	struct fast_patch fast[MAX_FNS];
	unsigned nfast;
	uint64_t fd_hooked[64]; /* entry address of each fdfn_table entry, or 0 */
	struct suppression_use *supp_used;
	FILE *log, *xml;

	struct hooked_fn fns[MAX_FNS];
	unsigned nfns;
	uint64_t rdebug, exit_fn, exit_call_fn, libc_freeres, cxx_freeres;
	uint64_t syscall_insn;
	pid_t borrow_tid; /* a stopped thread for injected syscalls */

	uint64_t allocs, frees, bytes;
	uint64_t unseen_frees;	  /* frees of blocks allocated out of our sight */
	uint64_t tcache_key_addr; /* libc's tcache_key, to tell a tcache'd chunk */
	bool tcache_key_missing;
	double scan_seconds;
	size_t heap_bytes;    /* the shadow heap's size at the last report */
	int64_t *growth_prev; /* --interval: live bytes per stack at the last look */
	double next_interval;
	size_t growth_n;
	uint64_t last_sps[MAX_FRAMES]; /* stack pointer of each frame of the last capture */
	unsigned last_nsps;
	struct thread *last_thread;

	struct mem_error *errors;
	uint32_t *error_stacks; /* stacktab id of each error's call */
	size_t nerrors, errcap;
	unsigned error_occurrences; /* memcheck numbers errors by occurrence */

	bool exec_seen, group_exiting, final_done, hooks_warned, detached, detaching;
	bool is_fork_copy;     /* this leaktrace traces a forked child */
	unsigned threads_seen; /* memcheck thread numbers handed out */
	int stopped_by;	       /* a signal that ended leaktrace early */
	int exit_status;       /* wait status of the leader */
	bool exited;
	struct timespec t0;
	int exec_err_fd;
	char **cmdline;	   /* -p: the target's, argv[0] owns the strings */
	struct report rep; /* identity fields, filled once */
};

static void lt_error(const char *fmt, ...)
{
	va_list ap;

	fputs("leaktrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long us_between(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000000 + (to->tv_nsec - from->tv_nsec) / 1000;
}

static long elapsed_ms(const struct session *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return us_between(&s->t0, &now) / 1000;
}

/* ---- running code in the target ------------------------------------ */

/* Any "syscall" (0f 05) bytes in executable memory will do: the thread is
 * stopped again at the syscall's exit before it executes anything after. */
static uint64_t find_syscall_insn(struct session *s)
{
	struct maps m;
	static const uint8_t pat[2] = { 0x0f, 0x05 };
	uint8_t buf[65536];

	if (s->syscall_insn)
		return s->syscall_insn;
	if (procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m))
		return 0;
	for (int pass = 0; pass < 2 && !s->syscall_insn; pass++) {
		for (size_t i = 0; i < m.n && !s->syscall_insn; i++) {
			const struct mapping *mp = &m.v[i];
			bool preferred =
			    strstr(mp->path, "ld-linux") || !strcmp(mp->path, "[vdso]");
			if (!mp->x || !mp->r || (pass == 0) != preferred)
				continue;
			for (uint64_t a = mp->start; a < mp->end && !s->syscall_insn;
			     a += sizeof buf - 1) {
				size_t len = mp->end - a < sizeof buf ? mp->end - a : sizeof buf;
				ssize_t n = target_read(&s->tm, a, buf, len);
				if (n < 2)
					break;
				uint8_t *hit = memmem(buf, (size_t)n, pat, 2);
				if (hit)
					s->syscall_insn = a + (uint64_t)(hit - buf);
			}
		}
	}
	procmaps_free(&m);
	return s->syscall_insn;
}

static uint64_t map_scratch(void *ctx, uint64_t near, uint64_t len, int *err)
{
	struct session *s = ctx;
	struct maps m;
	uint64_t hint = 0;
	long ret = 0;

	uint64_t insn = find_syscall_insn(s);
	if (!insn) {
		*err = -ENOEXEC;
		return 0;
	}
	if (near && !procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m)) {
		hint = procmaps_free_near(&m, near, len);
		procmaps_free(&m);
	}
	long args[6] = { (long)hint,
			 (long)len,
			 PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED_NOREPLACE : 0),
			 -1,
			 0 };
	struct thread *th = tracee_thread(s->tr, s->borrow_tid);
	int e = tracee_inject_syscall(s->borrow_tid, insn, SYS_mmap, args, &ret,
				      th ? &th->pending_sig : NULL);
	if (e) {
		*err = e;
		return 0;
	}
	if (ret < 0 && ret > -4096) {
		*err = (int)ret;
		return 0;
	}
	return (uint64_t)ret;
}

/* ---- hooking the allocator --------------------------------------------- */

static bool in_fn_range(const struct session *s, uint64_t pc, bool operators)
{
	for (unsigned i = 0; i < s->nfns; i++) {
		const struct hooked_fn *f = &s->fns[i];
		enum afn_kind k = allocfn_table[f->afn].kind;
		bool is_op = k == AFN_OP_NEW || k == AFN_OP_DELETE;
		if (is_op == operators && pc >= f->addr && pc < f->addr + (f->size ? f->size : 1))
			return true;
	}
	return false;
}

static int hook_addr(struct session *s, uint64_t addr, int tag, const char *what)
{
	int err = bptab_insert(s->bt, addr, tag);

	if (err == -EEXIST)
		return 0;
	if (err) {
		lt_error("warning: %s is not traced: %s", what, bptab_errmsg(s->bt));
		return err;
	}
	symbols_mark_entry(s->sym, addr, what);
	return 0;
}

/* The entry address of the hooked function of kind k, or 0. */
static uint64_t fn_addr_of(const struct session *s, const char *name)
{
	for (unsigned i = 0; i < s->nfns; i++)
		if (!strcmp(allocfn_table[s->fns[i].afn].name, name))
			return s->fns[i].addr;
	return 0;
}

static size_t live_threads(struct session *s, struct thread **out, size_t max);

/* ---- the fast path ------------------------------------------------------ */

/* The ring is a memfd that the target maps and we map too: records are
 * read straight from our mapping, and "drained" is an atomic store the
 * target's stubs see at once.  The target's descriptor is closed again, so
 * it ends with one more mapping and no more file descriptors. */
static int fast_setup(struct session *s)
{
	struct thread *th = tracee_thread(s->tr, s->borrow_tid);
	struct user_regs_struct r;
	uint64_t insn = find_syscall_insn(s);
	long fd = -1, addr = -1, ret;
	static const char name[] = "leaktrace-ring";
	uint32_t tid = 0;

	if (!insn || !th || tracee_getregs(th->tid, &r))
		return -1;
	/* glibc keeps the kernel tid in its TCB: confirm the offset the stubs use */
	if (target_read(&s->tm, r.fs_base + FP_TID_OFFSET_GLIBC, &tid, 4) != 4 ||
	    tid != (uint32_t)th->tid)
		return -1;
	s->tid_offset = FP_TID_OFFSET_GLIBC;
	uint64_t name_at = (r.rsp - 512) & ~(uint64_t)15; /* dead stack, below the red zone */
	if (target_write(&s->tm, name_at, name, sizeof name))
		return -1;
	long a1[6] = { (long)name_at, MFD_CLOEXEC, 0, 0, 0, 0 };
	if (tracee_inject_syscall(th->tid, insn, SYS_memfd_create, a1, &fd, &th->pending_sig) ||
	    fd < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%ld", (int)s->pid, fd);
	s->ring_size = fp_ring_size(RING_RECORDS, RING_STACK);
	s->ring_fd = open(path, O_RDWR | O_CLOEXEC);
	void *local = MAP_FAILED;
	if (s->ring_fd >= 0 && !ftruncate(s->ring_fd, (off_t)s->ring_size))
		local = mmap(NULL, s->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, s->ring_fd, 0);
	if (local != MAP_FAILED && !fp_ring_init_zeroed(local, RING_RECORDS, RING_STACK)) {
		long a2[6] = { 0, (long)s->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0 };
		if (tracee_inject_syscall(th->tid, insn, SYS_mmap, a2, &addr, &th->pending_sig) ||
		    (addr < 0 && addr > -4096))
			addr = -1;
	}
	long a3[6] = { fd, 0, 0, 0, 0, 0 };
	tracee_inject_syscall(th->tid, insn, SYS_close, a3, &ret, &th->pending_sig);
	if (addr == -1) {
		if (local != MAP_FAILED)
			munmap(local, s->ring_size);
		return -1;
	}
	s->ring = local;
	s->ring_addr = (uint64_t)addr;
	unsigned frames =
	    s->cfg->num_callers + 3 < MAX_FRAMES ? s->cfg->num_callers + 3 : MAX_FRAMES;
	fp_ring_set_walk(s->ring, frames);
	/* stack copies from main()'s frames would run off the end of the
	 * main stack, a fault and a stop each: the stubs stop there instead */
	struct maps maps;
	if (th->tid == s->pid && !procmaps_read(s->pid, &maps)) {
		const struct mapping *m = procmaps_find(&maps, r.rsp);
		if (m)
			__atomic_store_n(&s->ring->stack_end, m->end, __ATOMIC_RELEASE);
		procmaps_free(&maps);
	}
	return 0;
}

/* Patches the entry of s->fns[idx] with a jmp to a stub of the given kind.
 * 0, or -1 to fall back to a breakpoint. */
static int fast_hook(struct session *s, unsigned idx, enum fp_kind kind)
{
	const struct hooked_fn *f = &s->fns[idx];
	uint8_t code[32];
	struct fp_stub st;

	if (s->nfast == MAX_FNS || target_read(&s->tm, f->addr, code, sizeof code) != sizeof code)
		return -1;
	uint64_t stub = bptab_scratch_alloc(s->bt, f->addr, FP_STUB_MAX);
	if (!stub)
		return -1;
	uint64_t key = 0, size;
	if ((kind == FP_FREE_CHECKED || kind == FP_REALLOC_CHECKED) &&
	    symbols_lookup_in_module_of(s->sym, f->addr, "tcache_key", &key, &size))
		return -1; /* no glibc symbols: free stays on a breakpoint */
	struct fp_stub_req req = { f->addr, code,	   sizeof code,	  stub, s->ring_addr,
				   kind,    (uint16_t)idx, s->tid_offset, key };
	if (fp_stub_build(&req, &st)) {
		if (s->cfg->verbose)
			lt_error("note: %s stays on a breakpoint: %s", allocfn_table[f->afn].name,
				 st.why);
		return -1;
	}
	if (target_write(&s->tm, stub, st.code, st.code_len))
		return -1;
	struct fast_patch *fp = &s->fast[s->nfast];
	fp->func = f->addr;
	fp->len = st.displaced < sizeof fp->orig ? st.displaced : sizeof fp->orig;
	memcpy(fp->orig, code, fp->len);
	memcpy(fp->trap_full, st.trap_full, sizeof fp->trap_full);
	fp->copy_insn = st.copy_insn;
	fp->copy_resume = st.copy_resume;
	memcpy(fp->walk_loads, st.walk_loads, sizeof fp->walk_loads);
	memcpy(fp->walk_resume, st.walk_resume, sizeof fp->walk_resume);
	fp->call_return = st.call_return;
	fp->check_trap = st.check_trap;
	memcpy(fp->check_loads, st.check_loads, sizeof fp->check_loads);
	fp->fn = idx;
	fp->stub = stub;
	fp->stub_len = st.code_len;
	if (target_write(&s->tm, f->addr, st.entry_patch, sizeof st.entry_patch))
		return -1;
	s->nfast++;
	return 0;
}

static bool fast_patched(const struct session *s, uint64_t addr)
{
	for (unsigned i = 0; i < s->nfast; i++)
		if (s->fast[i].func == addr)
			return true;
	return false;
}

/* Whether the fast path takes this function: the allocating ones, the
 * operator markers, and free and realloc through stubs that trap on the old
 * blocks glibc might abort on, so that those are judged before they reach
 * glibc.  posix_memalign stays on a breakpoint (its result lies in the
 * caller's memory, which may have changed by the time a record is read), and
 * so does reallocarray (its third argument is in rdx, the checks' scratch). */
static bool fast_kind(enum afn_kind k, enum fp_kind *out)
{
	switch (k) {
	case AFN_FREE:
		*out = FP_FREE_CHECKED;
		return true;
	case AFN_REALLOC:
		*out = FP_REALLOC_CHECKED;
		return true;
	case AFN_MALLOC:
	case AFN_CALLOC:
	case AFN_MEMALIGN:
	case AFN_VALLOC:
	case AFN_PVALLOC:
		*out = FP_ALLOC;
		return true;
	case AFN_OP_NEW:
	case AFN_OP_DELETE:
		*out = FP_MARKER;
		return true;
	default:
		return false;
	}
}

/* (Re)binds every allocator name; called at each consistent link map. */
static void install_hooks(struct session *s)
{
	uint64_t addr, size;

	symbols_refresh(s->sym);
	for (unsigned i = 0; i < allocfn_count; i++) {
		if (symbols_bind(s->sym, allocfn_table[i].name, &addr, &size, NULL))
			continue;
		bool known = false;
		for (unsigned j = 0; j < s->nfns; j++)
			known |= s->fns[j].afn == i && s->fns[j].addr == addr;
		if (known || s->nfns == MAX_FNS)
			continue;
		/* memalign and aligned_alloc share an address in glibc */
		const struct breakpoint *b = bptab_lookup(s->bt, addr);
		if ((b && b->tag >= 0 && b->tag < (int)s->nfns) || fast_patched(s, addr))
			continue;
		s->fns[s->nfns] = (struct hooked_fn){ i, addr, size };
		enum fp_kind fk;
		struct thread *one[2];
		if (s->fast_wanted && !s->fast_failed && fast_kind(allocfn_table[i].kind, &fk) &&
		    live_threads(s, one, 2) == 1) {
			if (!s->ring && fast_setup(s)) {
				s->fast_failed = true;
				if (s->cfg->verbose)
					lt_error("note: the fast path cannot be set up; "
						 "breakpoints only");
			}
			if (s->ring && !fast_hook(s, s->nfns, fk)) {
				symbols_mark_entry(s->sym, addr, allocfn_table[i].name);
				s->nfns++;
				continue;
			}
		}
		if (!hook_addr(s, addr, (int)s->nfns, allocfn_table[i].name))
			s->nfns++;
	}
	if (!s->exit_fn && !symbols_bind(s->sym, "_exit", &addr, &size, NULL)) {
		if (!hook_addr(s, addr, TAG_EXIT, "_exit"))
			s->exit_fn = addr;
	}
	if (!s->exit_call_fn && !symbols_bind(s->sym, "exit", &addr, &size, NULL)) {
		if (!hook_addr(s, addr, TAG_EXIT_CALL, "exit"))
			s->exit_call_fn = addr;
	}
	if (!s->libc_freeres && !symbols_bind(s->sym, "__libc_freeres", &addr, &size, NULL))
		s->libc_freeres = addr;
	if (!s->cxx_freeres &&
	    !symbols_bind(s->sym, "_ZN9__gnu_cxx9__freeresEv", &addr, &size, NULL))
		s->cxx_freeres = addr;
	for (unsigned i = 0; s->cfg->track_fds && i < fdfn_count; i++) {
		if (s->fd_hooked[i] || symbols_bind(s->sym, fdfn_table[i].name, &addr, &size, NULL))
			continue;
		if (bptab_lookup(s->bt, addr))
			continue; /* an alias of one hooked already */
		if (!hook_addr(s, addr, TAG_FD_BASE + (int)i, fdfn_table[i].name))
			s->fd_hooked[i] = addr;
	}
	if (!s->nfns && !s->hooks_warned) {
		s->hooks_warned = true;
		lt_error("warning: no allocator functions found (a stripped static program?); "
			 "nothing can be tracked");
	}
}

/* At the exec stop: the program and the dynamic loader are mapped, nothing
 * else.  Hook the loader's r_debug notification; at its first consistent
 * state every DT_NEEDED library is mapped and relocated and no constructor
 * has run yet, which is when the allocator hooks go in. */
static int setup_after_exec(struct session *s, pid_t tid)
{
	uint64_t auxv[2 * 64], at_base = 0;
	char fn[64];
	int fd, err;

	s->borrow_tid = tid;
	struct thread *th = tracee_thread(s->tr, tid);
	if ((err = tracee_finish_syscall(tid, th ? &th->pending_sig : NULL))) {
		lt_error("cannot step the program out of execve: %s", strerror(-err));
		return err;
	}
	target_mem_close(&s->tm);
	if ((err = target_mem_open(&s->tm, s->pid))) {
		lt_error("cannot open /proc/%d/mem: %s", s->pid, strerror(-err));
		return err;
	}
	snprintf(fn, sizeof fn, "/proc/%d/auxv", s->pid);
	fd = open(fn, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, auxv, sizeof auxv);
		for (ssize_t i = 0; i + 1 < n / 8; i += 2)
			if (auxv[i] == AT_BASE)
				at_base = auxv[i + 1];
		close(fd);
	}
	if ((err = symbols_refresh(s->sym)))
		lt_error("warning: cannot read the modules of %d", s->pid);
	if (!s->uw && !(s->uw = unwind_new(s->sym, &s->tm)))
		return -ENOMEM;
	if (s->cfg->track_fds) {
		fdtab_free(s->fds);
		if ((s->fds = fdtab_new()))
			fdreport_scan_inherited(s->fds, s->pid);
	}
	uint64_t near = at_base;
	if (!near) {
		uint64_t lo, hi;
		const char *path;
		struct user_regs_struct r;
		if (!tracee_getregs(tid, &r) && symbols_module_of(s->sym, r.rip, &lo, &hi, &path))
			near = lo;
	}
	if ((err = bptab_ensure_traps(s->bt, near))) {
		lt_error("%s", bptab_errmsg(s->bt));
		return err;
	}
	if (at_base) {
		Dwfl_Module *ld = dwfl_addrmodule(symbols_dwfl(s->sym), at_base);
		uint64_t addr, size;
		if (!ld || symbols_module_lookup(ld, "_dl_debug_state", &addr, &size)) {
			lt_error("cannot find _dl_debug_state in the dynamic loader");
			return -ENOENT;
		}
		symbols_module_lookup(ld, "_r_debug", &s->rdebug, &size);
		if ((err = hook_addr(s, addr, TAG_DLSTATE, "_dl_debug_state")))
			return err;
	} else {
		install_hooks(s); /* static: the allocator is in the program */
	}
	return 0;
}

/* ---- allocator events ------------------------------------------------- */

static uint32_t intern(struct session *s, const uint64_t *pcs, unsigned n)
{
	uint32_t id = stacktab_intern(s->stacks, pcs, n);
	return id == STACKTAB_NONE ? 0 : id;
}

/* The allocation or free stack of a call stopped at its entry.  With a valid
 * operator marker, the stack starts at the operator the program called (as
 * memcheck's replacement of it would) instead of the malloc inside it. */
static uint32_t capture_from(struct session *s, uint64_t *pcs, unsigned max,
			     const struct user_regs_struct *r, const struct op_marker *mk,
			     const struct alloc_request *req);

static uint32_t capture(struct session *s, struct thread *th, const struct user_regs_struct *r,
			const struct op_marker *mk, const struct alloc_request *req)
{
	uint64_t pcs[MAX_FRAMES];
	unsigned max = s->cfg->num_callers + 3;

	if (max > MAX_FRAMES)
		max = MAX_FRAMES;
	unwind_capture(s->uw, th->tid, r, pcs, max);
	return capture_from(s, pcs, max, r, mk, req);
}

/* The stack of an allocator entry from the frames just unwound (pcs, with
 * unwind_last_sps), as memcheck would show it. */
static uint32_t capture_from(struct session *s, uint64_t *pcs, unsigned max,
			     const struct user_regs_struct *r, const struct op_marker *mk,
			     const struct alloc_request *req)
{
	uint64_t out[MAX_FRAMES];
	unsigned n, k = 0, i = 1, nsps;
	const uint64_t *sps = unwind_last_sps(s->uw, &nsps);

	n = nsps < max ? nsps : max;
	s->last_sps[0] = r->rsp;
	if (mk) {
		out[k++] = mk->op_addr;
		while (i < n && in_fn_range(s, pcs[i] - 1, true))
			i++;
	} else {
		/* The first frames as memcheck's replacements nest: its
		 * realloc(NULL, n) is its malloc, its aligned_alloc and valloc
		 * are its memalign, and its posix_memalign calls its memalign.
		 * Suppression files written against memcheck name these. */
		uint64_t first = pcs[0], a;
		if ((req->kind == AFN_REALLOC || req->kind == AFN_REALLOCARRAY) && !req->old_ptr &&
		    (a = fn_addr_of(s, "malloc")))
			first = a;
		else if ((req->kind == AFN_MEMALIGN || req->kind == AFN_VALLOC ||
			  req->kind == AFN_POSIX_MEMALIGN) &&
			 (a = fn_addr_of(s, "memalign")))
			first = a;
		out[k++] = first;
		if (req->kind == AFN_POSIX_MEMALIGN && first != pcs[0] && k < s->cfg->num_callers)
			out[k++] = pcs[0];
	}
	for (; i < n && k < s->cfg->num_callers; i++) {
		s->last_sps[k] = i < nsps ? sps[i] : 0;
		out[k++] = pcs[i];
	}
	s->last_nsps = k;
	return intern(s, out, k);
}

static bool marker_applies(const struct session *s, const struct op_marker *mk,
			   const struct user_regs_struct *r, uint64_t ret)
{
	if (!mk->valid)
		return false;
	if (r->rsp == mk->sp && ret == mk->ret)
		return true; /* reached by tail calls from the operator */
	return in_fn_range(s, ret - 1, true) && mk->sp > r->rsp && mk->sp - r->rsp <= 512;
}

static struct report_stack trim_below_main(struct session *s, struct report_stack st);

/* The suppression matching a loss record or error stack, counted. */
static const char *match_suppression(struct session *s, const struct report_stack *st,
				     int leak_kind, int err_kind, uint64_t bytes, uint64_t blocks)
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

static void add_error(struct session *s, struct thread *th, struct mem_error *e, uint32_t stack_id)
{
	unsigned occurrence = s->error_occurrences++;

	e->stack = trim_below_main(s, e->stack);
	e->alloc_stack = trim_below_main(s, e->alloc_stack);
	e->free_stack = trim_below_main(s, e->free_stack);
	for (size_t i = 0; i < s->nerrors; i++) {
		if (s->errors[i].kind == e->kind && s->error_stacks[i] == stack_id) {
			s->errors[i].count++;
			if (s->errors[i].suppressed_by)
				match_suppression(s, &s->errors[i].stack, -1, e->kind, 0, 0);
			return;
		}
	}
	if (s->nerrors == s->errcap) {
		size_t nc = s->errcap ? s->errcap * 2 : 16;
		struct mem_error *ne = realloc(s->errors, nc * sizeof *ne);
		uint32_t *ns = realloc(s->error_stacks, nc * sizeof *ns);
		if (ne)
			s->errors = ne;
		if (ns)
			s->error_stacks = ns;
		if (!ne || !ns)
			return;
		s->errcap = nc;
	}
	e->tid = th->num;
	e->unique = occurrence;
	e->count = 1;
	e->suppressed_by = match_suppression(s, &e->stack, -1, e->kind, 0, 0);
	s->error_stacks[s->nerrors] = stack_id;
	s->errors[s->nerrors++] = *e;
	s->rep.errors = s->errors;
	s->rep.nerrors = s->nerrors;
	if (!s->cfg->xml || s->cfg->log_file) {
		report_text_error(s->log, &s->rep, e);
		fflush(s->log);
	}
	if (s->xml) {
		report_xml_error(s->xml, &s->rep, e);
		fflush(s->xml);
	}
}

static struct report_stack stack_of(struct session *s, uint32_t id)
{
	struct report_stack rs;

	rs.pcs = stacktab_get(s->stacks, id, &rs.n);
	return rs;
}

/* An address that is no heap block: on the calling thread's stack (which
 * frame), or inside a data symbol, as memcheck says. */
static void describe_non_heap(struct session *s, struct mem_error *e)
{
	struct maps m;

	if (s->last_nsps && e->addr >= s->last_sps[0] && !procmaps_read(s->tm.pid, &m)) {
		const struct mapping *a = procmaps_find(&m, e->addr);
		const struct mapping *b = procmaps_find(&m, s->last_sps[0]);
		if (a && a == b) {
			e->desc = ADDR_STACK;
			e->stack_tid = s->last_thread ? s->last_thread->num : 1;
			for (unsigned k = s->last_nsps; k-- > 0;) {
				if (s->last_sps[k] && s->last_sps[k] <= e->addr) {
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
			e->alloc_stack = stack_of(s, all[i].stack_id);
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
		e->alloc_stack = stack_of(s, fb->alloc_stack);
		e->free_stack = stack_of(s, fb->free_stack);
		return;
	}
	describe_non_heap(s, e);
}

/* Whether ptr is an in-use chunk by glibc's own bookkeeping: a size field
 * in the header before it and, for a heap chunk, the next chunk's
 * PREV_INUSE bit set.  Such a block was allocated where we could not see
 * it (inside libc, e.g. the per-thread tcache, or before an attach), so
 * freeing it is the program's business, not an error. */
static bool glibc_chunk_in_use(const struct session *s, uint64_t ptr)
{
	uint64_t hdr[2], next; /* prev_size, size */

	if (ptr % 16 || ptr < 4096 || target_read(&s->tm, ptr - 16, hdr, 16) != 16)
		return false;
	uint64_t size = hdr[1], csize = size & ~(uint64_t)7;
	if (csize < 32 || csize % 16)
		return false;
	if (size & 2) /* IS_MMAPPED: its own mapping, prev_size = front padding */
		return (ptr - 16 - hdr[0]) % 4096 == 0;
	if (target_read(&s->tm, ptr - 16 + csize + 8, &next, 8) != 8)
		return false;
	return next & 1;
}

/* Whether the freed chunk at ptr sits in glibc's tcache: tcache_put()
 * stores libc's random tcache_key in the chunk's second word, and
 * tcache_get() clears it. */
static bool glibc_in_tcache(struct session *s, uint64_t ptr)
{
	uint64_t key = 0, word = 0, size;

	if (!s->tcache_key_addr && !s->tcache_key_missing) {
		uint64_t free_addr = fn_addr_of(s, "free");
		if (!free_addr || symbols_lookup_in_module_of(s->sym, free_addr, "tcache_key",
							      &s->tcache_key_addr, &size))
			s->tcache_key_missing = true;
	}
	if (!s->tcache_key_addr || target_read(&s->tm, s->tcache_key_addr, &key, 8) != 8 ||
	    target_read(&s->tm, ptr + 8, &word, 8) != 8)
		return false;
	return key && word == key;
}

enum free_verdict { FREE_OK, FREE_UNSEEN, FREE_BAD };

/* Judges a free (or the old pointer of a realloc) of a block that is not
 * live in the heap map: an error that must not reach the allocator, or a
 * block we did not see allocated, which must.
 *
 * A pointer we saw freed a moment ago is only a double free if glibc
 * agrees the chunk is free: glibc allocates some memory internally (a
 * thread's tcache, with _int_malloc) and may hand out a chunk we saw
 * freed; its free at thread exit is no error.  glibc holds a chunk free
 * when its neighbour's PREV_INUSE bit is clear or it sits in the tcache. */
static enum free_verdict judge_unknown(struct session *s, struct mem_error *e, uint64_t caller)
{
	/* the allocator's own bookkeeping (glibc's tcache_thread_shutdown
	 * hands the chunks of a dying thread's tcache back): never the
	 * program's error, and never seen under memcheck */
	uint64_t free_addr = fn_addr_of(s, "free");
	if (caller && free_addr && symbols_in_local_function(s->sym, caller - 1, free_addr))
		return FREE_UNSEEN;
	describe_bad_addr(s, e);
	if (e->desc == ADDR_FREED && e->addr == e->block_addr && glibc_chunk_in_use(s, e->addr) &&
	    !glibc_in_tcache(s, e->addr)) {
		freeq_forget(s->freed, e->block_addr, e->block_size ? e->block_size : 1);
		return FREE_UNSEEN;
	}
	if (e->desc != ADDR_UNKNOWN)
		return FREE_BAD;
	return glibc_chunk_in_use(s, e->addr) ? FREE_UNSEEN : FREE_BAD;
}

/* A block freed by a function of another family than the one that
 * allocated it: memcheck's MismatchedFree. */
static void mismatch_check(struct session *s, struct thread *th, const struct block *b,
			   uint64_t ptr, uint8_t family, uint32_t stack_id)
{
	if (b->family == family)
		return;
	struct mem_error e = { .kind = ERR_MISMATCHED_FREE,
			       .addr = ptr,
			       .stack = stack_of(s, stack_id),
			       .desc = ADDR_ALLOCD,
			       .block_addr = b->addr,
			       .block_size = b->size,
			       .alloc_stack = stack_of(s, b->stack_id) };
	add_error(s, th, &e, stack_id);
}

/* Returns true when the call must not reach the allocator (a bad free). */
static bool on_free(struct session *s, struct thread *th, uint64_t ptr, uint8_t family,
		    uint32_t stack_id, uint64_t caller)
{
	struct block b;

	if (!ptr)
		return false;
	if (!heapmap_remove(s->heap, ptr, &b)) {
		s->frees++;
		mismatch_check(s, th, &b, ptr, family, stack_id);
		struct freed_block fb = { b.addr, b.size, b.stack_id, stack_id, b.family };
		freeq_push(s->freed, &fb);
		return false;
	}
	struct mem_error e = { .kind = ERR_INVALID_FREE,
			       .addr = ptr,
			       .stack = stack_of(s, stack_id) };
	if (judge_unknown(s, &e, caller) == FREE_UNSEEN) {
		s->unseen_frees++;
		return false;
	}
	s->frees++;
	add_error(s, th, &e, stack_id);
	return true;
}

static void on_alloc(struct session *s, struct thread *th, uint64_t addr, uint64_t size,
		     uint32_t stack_id, uint8_t family)
{
	struct block b = { .addr = addr,
			   .size = size,
			   .stack_id = stack_id,
			   .family = family,
			   .tid_index = (uint8_t)(th->num > 255 ? 255 : th->num) };

	s->allocs++;
	s->bytes += size;
	if (heapmap_insert(s->heap, &b) == -EEXIST) {
		/* a block we missed the free of: the allocator reused it */
		heapmap_remove(s->heap, addr, NULL);
		heapmap_insert(s->heap, &b);
	}
}

/* Sends the thread back to its caller as if the function had returned. */
static int return_now(struct thread *th, struct user_regs_struct *r, uint64_t ret)
{
	r->rip = ret;
	r->rsp += 8;
	r->rax = 0;
	return tracee_setregs(th->tid, r);
}

static int take_old_block(struct session *s, struct pending_call *pc);

/* A realloc whose old pointer is no block of ours, judged as a free of it
 * would be: true for memcheck's InvalidFree (counted and reported), false
 * for a block allocated out of our sight (its realloc is then a fresh
 * allocation). */
static bool realloc_unknown_old(struct session *s, struct thread *th, uint64_t old,
				uint32_t stack_id, uint64_t ret)
{
	struct mem_error e = { .kind = ERR_INVALID_FREE,
			       .addr = old,
			       .stack = stack_of(s, stack_id) };

	if (judge_unknown(s, &e, ret) == FREE_UNSEEN) {
		s->unseen_frees++;
		return false;
	}
	s->frees++;
	add_error(s, th, &e, stack_id);
	return true;
}

/* --track-fds: an fd function's entry.  Its return is caught like an
 * allocator's; a tail call from another hooked function is part of it. */
static int on_fd_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		       struct user_regs_struct *r)
{
	int idx = bp->tag - TAG_FD_BASE;
	uint64_t ret = 0, trap = bptab_trap(s->bt, TRAP_RETURN);

	r->rip = bp->resume;
	if (target_read(&s->tm, r->rsp, &ret, 8) != 8 || ret == trap || th->ncalls == MAX_NEST ||
	    (th->ncalls && in_fn_range(s, ret - 1, false)))
		return tracee_setregs(th->tid, r);
	struct user_regs_struct at_entry = *r;
	at_entry.rip = bp->addr;
	struct alloc_request req = { .kind = AFN_FREE };
	uint32_t stack_id = capture(s, th, &at_entry, NULL, &req);
	/* stacks are kept as printed: the fd report resolves them itself */
	struct report_stack st = trim_below_main(s, stack_of(s, stack_id));
	stack_id = intern(s, st.pcs, st.n);
	if (target_write(&s->tm, r->rsp, &trap, 8))
		return tracee_setregs(th->tid, r);
	th->calls[th->ncalls++] =
	    (struct pending_call){ .req = req,
				   .sp = r->rsp,
				   .ret = ret,
				   .stack_id = stack_id,
				   .fn = -1,
				   .fdfn = idx,
				   .args = { r->rdi, r->rsi, r->rdx, r->rcx } };
	return tracee_setregs(th->tid, r);
}

static void on_fd_return(struct session *s, const struct pending_call *pc, int64_t res)
{
	const struct fdfn *f = &fdfn_table[pc->fdfn];
	char path[4096];
	int fds[2];

	if (!s->fds)
		return;
	switch (f->kind) {
	case FDF_RET:
		if (res < 0)
			return;
		path[0] = '\0';
		if (f->path_arg >= 0) {
			ssize_t n =
			    target_read(&s->tm, pc->args[f->path_arg], path, sizeof path - 1);
			path[n > 0 ? n : 0] = '\0';
			path[strnlen(path, sizeof path - 1)] = '\0';
		} else if (!strncmp(f->name, "dup", 3) &&
			   fdreport_resolve_path(s->tm.pid, (int)res, path, sizeof path) < 0) {
			path[0] = '\0'; /* (it returns the length on success) */
		}
		fdtab_open(s->fds, (int)res, pc->stack_id, path[0] ? path : NULL);
		return;
	case FDF_PAIR:
		if (res == 0 &&
		    target_read(&s->tm, pc->args[f->pair_arg], fds, sizeof fds) == sizeof fds) {
			fdtab_open(s->fds, fds[0], pc->stack_id, NULL);
			fdtab_open(s->fds, fds[1], pc->stack_id, NULL);
		}
		return;
	case FDF_FCNTL:
		if (res >= 0 && (pc->args[1] == F_DUPFD || pc->args[1] == F_DUPFD_CLOEXEC)) {
			if (fdreport_resolve_path(s->tm.pid, (int)res, path, sizeof path) < 0)
				path[0] = '\0';
			fdtab_open(s->fds, (int)res, pc->stack_id, path[0] ? path : NULL);
		}
		return;
	case FDF_CLOSE:
		if (res == 0) {
			fdtab_close(s->fds, (int)pc->args[0]);
		} else if (!fdtab_is_open(s->fds, (int)pc->args[0])) {
			/* the kernel said EBADF or the like: say it as memcheck 3.22 does */
			struct report_stack st = stack_of(s, pc->stack_id);
			fprintf(s->log, "==%d== File descriptor %d was closed already\n", s->pid,
				(int)pc->args[0]);
			report_text_stack(s->log, &s->rep, &st);
			fprintf(s->log, "==%d== \n", s->pid);
		}
		return;
	}
}

static int on_fn_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		       struct user_regs_struct *r)
{
	const struct hooked_fn *f = &s->fns[bp->tag];
	const struct allocfn *a = &allocfn_table[f->afn];
	uint64_t ret = 0;

	r->rip = bp->resume;
	if (target_read(&s->tm, r->rsp, &ret, 8) != 8)
		return tracee_setregs(th->tid, r);

	if (a->kind == AFN_OP_NEW || a->kind == AFN_OP_DELETE) {
		struct op_marker *mk = &th->marker;
		/* in a tail-call chain (new[] -> new) the outermost operator wins */
		if (!(mk->valid && mk->sp == r->rsp && mk->ret == ret))
			*mk = (struct op_marker){ true, a->family, r->rsp, ret, bp->addr };
		return tracee_setregs(th->tid, r);
	}
	/* a call from inside another allocator function is part of it; so is
	 * a tail call from one (realloc(NULL, n) jumps to malloc), which finds
	 * our return trap where its return address should be */
	if (th->ncalls && (in_fn_range(s, ret - 1, false) || ret == bptab_trap(s->bt, TRAP_RETURN)))
		return tracee_setregs(th->tid, r);

	struct alloc_request req;
	allocfn_read_args(a->kind, r, &req);
	struct user_regs_struct at_entry = *r;
	at_entry.rip = bp->addr;
	bool marked = marker_applies(s, &th->marker, r, ret);
	uint8_t family = marked ? th->marker.family : FAMILY_MALLOC;
	uint32_t stack_id = capture(s, th, &at_entry, marked ? &th->marker : NULL, &req);
	s->last_thread = th;
	th->marker.valid = false;

	if (a->kind == AFN_FREE) {
		if (on_free(s, th, req.old_ptr, family, stack_id, ret))
			return return_now(th, r, ret);
		return tracee_setregs(th->tid, r);
	}
	if ((a->kind == AFN_REALLOC || a->kind == AFN_REALLOCARRAY) && req.old_ptr &&
	    !heapmap_lookup(s->heap, req.old_ptr)) {
		/* an InvalidFree returns NULL without reaching the allocator;
		 * memcheck counts any realloc of a non-NULL pointer as an
		 * allocation of the size asked and a free, before it checks */
		if (realloc_unknown_old(s, th, req.old_ptr, stack_id, ret)) {
			s->allocs++;
			s->bytes += req.size;
			return return_now(th, r, ret);
		}
		req.old_ptr = 0; /* a fresh allocation */
	}
	if (th->ncalls == MAX_NEST)
		return tracee_setregs(th->tid, r);
	uint64_t trap = bptab_trap(s->bt, TRAP_RETURN);
	if (target_write(&s->tm, r->rsp, &trap, 8))
		return tracee_setregs(th->tid, r);
	struct pending_call *pc = &th->calls[th->ncalls++];
	*pc = (struct pending_call){ .req = req,
				     .sp = r->rsp,
				     .ret = ret,
				     .stack_id = stack_id,
				     .family = family,
				     .fn = bp->tag,
				     .fdfn = -1 };
	if ((a->kind == AFN_REALLOC || a->kind == AFN_REALLOCARRAY) && req.old_ptr)
		take_old_block(s, pc); /* live: checked above */
	return tracee_setregs(th->tid, r);
}

/* A realloc's old block leaves the heap map at the call's entry, not at its
 * return: glibc releases the old chunk inside the call, and another thread
 * may be handed that memory and have its allocation seen first (its return
 * trap, or its record, before ours); removed at our return, the old block's
 * removal would take the other thread's block with it.  realloc_returned
 * puts the block back if the call fails.  0, or -1 if old_ptr is no block. */
static int take_old_block(struct session *s, struct pending_call *pc)
{
	if (heapmap_remove(s->heap, pc->req.old_ptr, &pc->old))
		return -1;
	pc->old_taken = true;
	s->frees++;
	struct freed_block fb = { pc->old.addr, pc->old.size, pc->old.stack_id, pc->stack_id,
				  pc->old.family };
	freeq_push(s->freed, &fb);
	return 0;
}

/* A fast-path realloc's entry record.  An old pointer that is no block of
 * ours is judged as at a breakpoint, but the call has gone on (glibc took it
 * for a chunk of its own), so its result counts as a fresh block. */
static void realloc_entered(struct session *s, struct thread *th, struct pending_call *pc)
{
	if (!take_old_block(s, pc))
		return;
	realloc_unknown_old(s, th, pc->req.old_ptr, pc->stack_id, pc->ret);
	pc->req.old_ptr = 0;
}

static void mismatch_check(struct session *s, struct thread *th, const struct block *b,
			   uint64_t ptr, uint8_t family, uint32_t stack_id);

/* A realloc that failed (NULL for a size > 0) left its old block alone;
 * memcheck still counts the call as one allocation of the size asked for and
 * one free, as it counts every realloc of a block before trying it. */
static void realloc_failed(struct session *s, const struct pending_call *pc)
{
	s->allocs++;
	s->bytes += pc->req.size;
	if (!pc->old_taken)
		s->frees++; /* the fast path counted it at the entry */
}

/* Its return record: the new block, or the old one back if the call failed;
 * realloc(p, 0) freed it, as free(p) would have. */
static void realloc_returned(struct session *s, struct thread *th, const struct pending_call *pc,
			     uint64_t res)
{
	if (res) {
		on_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family);
	} else if (pc->req.size || pc->req.overflow) {
		if (pc->req.overflow)
			s->frees--; /* reallocarray failed before any realloc: nothing to count */
		else
			realloc_failed(s, pc);
		freeq_forget(s->freed, pc->old.addr, pc->old.size ? pc->old.size : 1);
		heapmap_insert(s->heap, &pc->old);
	} else {
		mismatch_check(s, th, &pc->old, pc->req.old_ptr, FAMILY_MALLOC, pc->stack_id);
	}
}

/* An allocator call's result, from a return trap or a fast-path record. */
static void apply_return(struct session *s, struct thread *th, const struct pending_call *pc,
			 uint64_t res)
{
	uint64_t ptr = 0;

	switch (pc->req.kind) {
	case AFN_POSIX_MEMALIGN:
		if (res == 0 && target_read(&s->tm, pc->req.out_ptr, &ptr, 8) == 8)
			on_alloc(s, th, ptr, pc->req.size, pc->stack_id, pc->family);
		break;
	case AFN_REALLOC:
	case AFN_REALLOCARRAY:
		if (pc->old_taken) {
			realloc_returned(s, th, pc, res);
		} else if (!pc->req.old_ptr) {
			if (res)
				on_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family);
		} else if (res) {
			struct block b;
			s->frees++;
			if (!heapmap_remove(s->heap, pc->req.old_ptr, &b)) {
				struct freed_block fb = { b.addr, b.size, b.stack_id, pc->stack_id,
							  b.family };
				freeq_push(s->freed, &fb);
			}
			on_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family);
		} else if (pc->req.size == 0 && !pc->req.overflow) {
			on_free(s, th, pc->req.old_ptr, FAMILY_MALLOC, pc->stack_id, pc->ret);
		} else {
			realloc_failed(s, pc);
		}
		break;
	default:
		if (res)
			on_alloc(s, th, res, pc->req.size, pc->stack_id, pc->family);
		break;
	}
}

/* Teaches the stubs the unwinding rules of the frames just unwound from a
 * stack copy, so that they walk such stacks themselves from now on. */
static void teach_rules(struct session *s, const uint64_t *pcs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct unwind_rule ur;
		uint64_t key = i ? pcs[i] - 1 : pcs[i];
		if (!unwind_rule(s->uw, key, &ur) || ur.rbp_off < INT16_MIN ||
		    ur.rbp_off > INT16_MAX)
			return; /* the stubs stop walking at this frame anyway */
		struct fp_rule fr = { .key = key,
				      .cfa_off = ur.cfa_off,
				      .rbp_off = (int16_t)ur.rbp_off,
				      .flags = (uint8_t)((ur.cfa_rbp ? FP_RULE_CFA_RBP : 0) |
							 (ur.rbp_saved ? FP_RULE_RBP_AT : 0) |
							 (ur.outermost ? FP_RULE_END : 0)) };
		if (!fp_rule_teach(s->ring, &fr))
			return;
	}
}

/* The frames of an entry record: walked by its stub, or unwound here from
 * the stack copy it carries. */
static void record_frames(struct session *s, struct thread *th, const struct fp_rec *rec,
			  uint64_t index, const struct user_regs_struct *r, uint64_t *pcs,
			  unsigned max)
{
	if (rec->nframes) {
		unsigned n = rec->nframes < FP_MAX_WALK ? rec->nframes : FP_MAX_WALK;
		unwind_capture_walked(s->uw, rec->frames, n, pcs, max);
		s->nwalked++;
		return;
	}
	unsigned n = unwind_capture_copy(s->uw, th->tid, r, fp_ring_copy(s->ring, index),
					 rec->stack_len, pcs, max);
	s->ncopied++;
	if (s->ring->max_frames)
		teach_rules(s, pcs, n);
}

/* One fast-path record, handled as the stops of the breakpoint path would
 * be: the same nesting, marker and stack rules, the stack unwound from the
 * copy the record carries. */
static int on_record(const struct fp_rec *rec, uint64_t index, void *ctx)
{
	struct session *s = ctx;
	struct thread *th = tracee_thread(s->tr, (pid_t)rec->tid);

	if (!th || th->kind != TK_THREAD || rec->op >= s->nfns)
		return 0; /* a vfork child on our memory: not ours to count */
	const struct hooked_fn *f = &s->fns[rec->op];
	const struct allocfn *a = &allocfn_table[f->afn];
	struct user_regs_struct r = { .rip = f->addr,
				      .rsp = rec->rsp,
				      .rbx = rec->rbx,
				      .rbp = rec->rbp,
				      .r12 = rec->r12,
				      .r13 = rec->r13,
				      .r14 = rec->r14,
				      .r15 = rec->r15,
				      .rdi = rec->rdi,
				      .rsi = rec->rsi,
				      .rdx = rec->rdx };

	if (rec->phase == FP_RETURN) {
		while (th->ncalls && th->calls[th->ncalls - 1].sp < rec->rsp)
			th->ncalls--; /* abandoned by a longjmp */
		if (!th->ncalls || th->calls[th->ncalls - 1].sp != rec->rsp)
			return 0;
		struct pending_call pc = th->calls[--th->ncalls];
		if (!pc.ignore)
			apply_return(s, th, &pc, rec->rax);
		return 0;
	}
	if (a->kind == AFN_OP_NEW || a->kind == AFN_OP_DELETE) {
		struct op_marker *mk = &th->marker;
		if (!(mk->valid && mk->sp == rec->rsp && mk->ret == rec->ret))
			*mk = (struct op_marker){ true, a->family, rec->rsp, rec->ret, f->addr };
		return 0;
	}
	if (a->kind == AFN_FREE) {
		/* recorded frees passed the stub's checks and have happened: they
		 * are accounted here, reported if bad, but cannot be stopped */
		if (th->ncalls && (in_fn_range(s, rec->ret - 1, false) ||
				   rec->ret == bptab_trap(s->bt, TRAP_RETURN)))
			return 0;
		struct alloc_request req;
		allocfn_read_args(a->kind, &r, &req);
		bool marked = marker_applies(s, &th->marker, &r, rec->ret);
		uint64_t pcs[MAX_FRAMES];
		unsigned max =
		    s->cfg->num_callers + 3 < MAX_FRAMES ? s->cfg->num_callers + 3 : MAX_FRAMES;
		record_frames(s, th, rec, index, &r, pcs, max);
		uint32_t stack_id =
		    capture_from(s, pcs, max, &r, marked ? &th->marker : NULL, &req);
		uint8_t family = marked ? th->marker.family : FAMILY_MALLOC;
		th->marker.valid = false;
		s->last_thread = th;
		on_free(s, th, req.old_ptr, family, stack_id, rec->ret);
		return 0;
	}
	if (th->ncalls == MAX_NEST)
		return 0;
	bool nested = th->ncalls && (in_fn_range(s, rec->ret - 1, false) ||
				     rec->ret == bptab_trap(s->bt, TRAP_RETURN));
	for (unsigned i = 0; i < s->nfast && th->ncalls && !nested; i++)
		nested =
		    rec->ret == s->fast[i].call_return; /* a tail call from another stub's call */
	struct pending_call pc = {
		.sp = rec->rsp, .ret = rec->ret, .fn = rec->op, .fdfn = -1, .ignore = nested
	};
	if (!nested) {
		allocfn_read_args(a->kind, &r, &pc.req);
		bool marked = marker_applies(s, &th->marker, &r, rec->ret);
		pc.family = marked ? th->marker.family : FAMILY_MALLOC;
		uint64_t pcs[MAX_FRAMES];
		unsigned max =
		    s->cfg->num_callers + 3 < MAX_FRAMES ? s->cfg->num_callers + 3 : MAX_FRAMES;
		record_frames(s, th, rec, index, &r, pcs, max);
		pc.stack_id = capture_from(s, pcs, max, &r, marked ? &th->marker : NULL, &pc.req);
		th->marker.valid = false;
		if (a->kind == AFN_REALLOC && pc.req.old_ptr)
			realloc_entered(s, th, &pc);
	}
	th->calls[th->ncalls++] = pc;
	return 0;
}

/* Consumes every record published so far.  Called at every stop, so that
 * the heap map is current before a free or a scan looks at it.
 *
 * Records are taken as soon as they are published, even past an earlier
 * index that another thread has claimed and not yet published (it is in the
 * middle of its stub): waiting for it would leave this thread's own earlier
 * malloc unseen by its free.  Out of index order is safe: one thread's
 * records are in its own order, and no thread can act on a block before the
 * record of its allocation is published.  "drained" only moves over the
 * consumed prefix. */
/* Moves "drained" over the records consumed (or given up), in index order. */
static void ring_advance(struct session *s, uint64_t head)
{
	struct fp_ring_hdr *h = s->ring;

	while (s->ring_next < head && s->ring_done[s->ring_next & h->mask] == s->ring_next + 1)
		s->ring_next++;
	__atomic_store_n(&h->drained, s->ring_next, __ATOMIC_RELEASE);
}

static uint64_t drain_ring(struct session *s)
{
	struct fp_ring_hdr *h = s->ring;
	uint64_t before = s->nrecords;

	if (!h)
		return 0;
	uint64_t head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	for (uint64_t i = s->ring_next; i < head && i < s->ring_next + h->capacity; i++) {
		uint64_t slot = i & h->mask;
		if (s->ring_done[slot] == i + 1)
			continue;
		const struct fp_rec *rec = fp_ring_rec(h, i);
		if (__atomic_load_n(&rec->seq, __ATOMIC_ACQUIRE) != i + 1)
			continue; /* claimed, not yet published */
		on_record(rec, i, s);
		s->nrecords++;
		s->ring_done[slot] = i + 1;
	}
	ring_advance(s, head);
	return s->nrecords - before;
}

/* A thread that faulted copying the top of its stack into a record ran
 * off the end of its stack mapping: the stub takes what it has. */
static bool fast_fault_fixup(struct session *s, struct thread *th)
{
	struct user_regs_struct r;

	if (!s->nfast || tracee_getregs(th->tid, &r))
		return false;
	for (unsigned i = 0; i < s->nfast; i++) {
		const struct fast_patch *fp = &s->fast[i];
		uint64_t to = 0;
		if (fp->copy_insn && r.rip == fp->copy_insn)
			to = fp->copy_resume;
		for (int k = 0; k < 2; k++)
			if (fp->walk_loads[k] && r.rip == fp->walk_loads[k])
				to = fp->walk_resume[k];
		if (to) {
			s->nfaults++;
			r.rip = to;
			return !tracee_setregs(th->tid, &r);
		}
	}
	return false;
}

/* A suspect free that trapped in its stub (at the int3, or faulting on a
 * wild pointer in one of the stub's loads): the breakpoint path's entry,
 * with "resume" after the int3, where the stub goes on into glibc's free. */
static const struct fast_patch *fast_free_check(const struct session *s, uint64_t rip, bool fault)
{
	for (unsigned i = 0; i < s->nfast; i++) {
		const struct fast_patch *fp = &s->fast[i];
		if (!fp->check_trap)
			continue;
		if (fault ? (rip == fp->check_loads[0] || rip == fp->check_loads[1] ||
			     rip == fp->check_loads[2])
			  : rip == fp->check_trap)
			return fp;
	}
	return NULL;
}

static int on_fn_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		       struct user_regs_struct *r);

static int on_suspect_free(struct session *s, struct thread *th, const struct fast_patch *fp,
			   struct user_regs_struct *r)
{
	struct breakpoint bp = { .addr = fp->func,
				 .resume = fp->check_trap + 1,
				 .tag = (int)fp->fn };

	return on_fn_entry(s, th, &bp, r);
}

static bool fast_ring_full_trap(const struct session *s, uint64_t at)
{
	for (unsigned i = 0; i < s->nfast; i++)
		if (at && (s->fast[i].trap_full[0] == at || s->fast[i].trap_full[1] == at))
			return true;
	return false;
}

static int on_return(struct session *s, struct thread *th, struct user_regs_struct *r)
{
	/* after the ret, rsp is one slot above the entry's: drop calls that a
	 * longjmp abandoned (their slots lie below) */
	while (th->ncalls && th->calls[th->ncalls - 1].sp + 8 < r->rsp)
		th->ncalls--;
	if (!th->ncalls || th->calls[th->ncalls - 1].sp + 8 != r->rsp) {
		lt_error("internal error: thread %d returned to the trap from an unknown call; "
			 "killing it to avoid running on at a wrong address",
			 th->tid);
		return -EFAULT;
	}
	struct pending_call pc = th->calls[--th->ncalls];
	uint64_t res = r->rax;

	if (pc.fdfn >= 0) {
		on_fd_return(s, &pc, (int64_t)res);
		r->rip = pc.ret;
		return tracee_setregs(th->tid, r);
	}

	apply_return(s, th, &pc, res);
	r->rip = pc.ret;
	return tracee_setregs(th->tid, r);
}

/* ---- exit-time freeres -------------------------------------------------- */

/* Calls the next freeres function in the target, or returns false when
 * none is left.  The thread runs it like any code: its frees are counted. */
static bool inject_next_call(struct session *s, struct thread *th)
{
	uint64_t fns[2];
	unsigned n = 0;

	if (s->cfg->run_cxx_freeres && s->cxx_freeres)
		fns[n++] = s->cxx_freeres;
	if (s->cfg->run_libc_freeres && s->libc_freeres)
		fns[n++] = s->libc_freeres;
	if (th->inject_next >= n)
		return false;
	struct user_regs_struct r = th->inject_saved;
	uint64_t trap = bptab_trap(s->bt, TRAP_INJECT);
	r.rsp = ((r.rsp - 256) & ~(uint64_t)15) - 8; /* below the red zone, ABI-aligned */
	if (target_write(&s->tm, r.rsp, &trap, 8))
		return false;
	r.rip = fns[th->inject_next++];
	r.rax = 0;
	r.orig_rax = (unsigned long long)-1;
	if (tracee_setregs(th->tid, &r))
		return false;
	return true;
}

/* At exit() everything below the stack pointer is dead.  memcheck sees the
 * frames the exit path then builds there as undefined except what they
 * write, so the stale pointers of earlier, deeper calls that linger in
 * those frames never count.  Clearing the dead stack now gives the scan
 * the same view; no correct program can tell, as it never reads stack it
 * did not write. */
static void clear_dead_stack(struct session *s, uint64_t sp)
{
	static const uint8_t zero[16384];
	struct maps m;

	if (procmaps_read(s->tm.pid, &m))
		return;
	const struct mapping *mp = procmaps_find(&m, sp);
	if (mp && mp->w) {
		uint64_t from = mp->start;
		for (uint64_t a = from; a < sp; a += sizeof zero) {
			size_t len = sp - a < sizeof zero ? (size_t)(sp - a) : sizeof zero;
			if (target_write(&s->tm, a, zero, len))
				break;
		}
	}
	procmaps_free(&m);
}

static int on_exit_fn(struct session *s, struct thread *th, const struct breakpoint *bp,
		      struct user_regs_struct *r)
{
	s->group_exiting = true;
	th->inject_saved = *r;
	th->inject_resume = bp->resume;
	th->inject_next = 0;
	th->in_inject = true;
	if (inject_next_call(s, th))
		return 0;
	th->in_inject = false;
	r->rip = bp->resume;
	return tracee_setregs(th->tid, r);
}

static int on_inject_done(struct session *s, struct thread *th)
{
	if (!th->in_inject)
		return -EFAULT;
	if (inject_next_call(s, th))
		return 0;
	th->in_inject = false;
	struct user_regs_struct r = th->inject_saved;
	r.rip = th->inject_resume;
	return tracee_setregs(th->tid, &r);
}

/* ---- the final report ---------------------------------------------------- */

static bool is_thread(const struct thread *th)
{
	return th->kind == TK_THREAD && !th->dead;
}

/* The live threads of the process (not children, not exited). */
static size_t live_threads(struct session *s, struct thread **out, size_t max)
{
	struct thread *all[4096];
	size_t n = tracee_threads(s->tr, all, 4096), k = 0;

	for (size_t i = 0; i < n && i < 4096; i++)
		if (is_thread(all[i]) && k < max)
			out[k++] = all[i];
	return k;
}

static int handle_trap(struct session *s, struct thread *th);

/* Lets go every thread stop_all_threads() held.  One that was held at an
 * int3 of ours is handled as that stop would have been. */
static void resume_held_threads(struct session *s, struct thread *except)
{
	struct thread *ths[4096];
	size_t n = live_threads(s, ths, 4096);

	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		if (th == except || th->state == TH_RUNNING)
			continue;
		int st = th->held_status;
		th->held_status = 0;
		if (WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == SIGTRAP) {
			handle_trap(s, th);
			continue;
		}
		int sig = th->pending_sig;
		th->pending_sig = 0;
		tracee_cont(th, sig);
	}
}

/* Stops every running thread and remembers the stop each one reports
 * first: an interrupt, a signal, an int3 already hit, or its exit. */
static void stop_all_threads(struct session *s, struct thread *except)
{
	struct thread *ths[4096];
	size_t n = live_threads(s, ths, 4096);

	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		int status;
		if (th == except || th->state != TH_RUNNING)
			continue;
		if (ptrace(PTRACE_INTERRUPT, th->tid, 0, 0)) {
			th->dead = true;
			continue;
		}
		for (;;) {
			pid_t r = waitpid(th->tid, &status, __WALL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 || !WIFSTOPPED(status)) {
				th->dead = true; /* gone: nothing to scan */
				th->state = TH_EXITING;
				break;
			}
			th->held_status = status;
			th->state = (status >> 16) == PTRACE_EVENT_EXIT ? TH_EXITING : TH_STOPPED;
			if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP &&
			    WSTOPSIG(status) != (SIGTRAP | 0x80))
				th->pending_sig = WSTOPSIG(status);
			break;
		}
	}
}

struct scan_ctx {
	const struct target_mem *tm;
	const struct maps *maps;
};

static ssize_t scan_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct scan_ctx *c = ctx;
	return target_read(c->tm, addr, buf, len);
}

static int scan_mapping(void *ctx, uint64_t addr, struct scan_mapping *out)
{
	const struct scan_ctx *c = ctx;
	const struct mapping *m = procmaps_find(c->maps, addr);

	if (!m)
		return -ENOENT;
	out->start = m->start;
	out->end = m->end;
	out->flags = (m->r ? SCAN_MAP_READ : 0) | (m->w ? SCAN_MAP_WRITE : 0) |
		     (m->x ? SCAN_MAP_EXEC : 0) | (m->path[0] == '/' ? SCAN_MAP_FILE : 0);
	return 0;
}

/* In -p mode the heap also holds blocks allocated before the attach, which
 * may point to ours: every in-use chunk of glibc's heaps that is not a
 * block we know is a root.  The main heap is walked chunk by chunk (size
 * fields, and the next chunk's PREV_INUSE bit); other arenas' heaps, whose
 * layout starts with arena headers, are taken whole (the scan skips the
 * words of known blocks in root ranges). */
static void add_unseen_chunks(struct session *s, const struct maps *m, struct scan_range **roots,
			      size_t *nroots)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mapping *mp = &m->v[i];
		bool main_heap = !strcmp(mp->path, "[heap]");
		bool arena = !mp->path[0] && mp->r && mp->w && mp->start % (64ull << 20) == 0 &&
			     i + 1 < m->n && m->v[i + 1].start == mp->end && !m->v[i + 1].r;
		if (!main_heap && !arena)
			continue;
		size_t len = (size_t)(mp->end - mp->start);
		uint8_t *buf = len <= (1ull << 30) ? malloc(len) : NULL;
		if (!buf || target_read(&s->tm, mp->start, buf, len) != (ssize_t)len) {
			free(buf);
			continue;
		}
		uint64_t from[2] = { 0, len }, cur = 0;
		size_t nfrom = arena ? 1 : 0;
		while (main_heap && cur + 16 <= len) {
			uint64_t size, next;
			memcpy(&size, buf + cur + 8, 8);
			size &= ~(uint64_t)7;
			if (size < 32 || cur + size + 16 > len)
				break; /* the top chunk */
			memcpy(&next, buf + cur + size + 8, 8);
			uint64_t user = mp->start + cur + 16;
			if ((next & 1) && !heapmap_lookup(s->heap, user)) {
				struct scan_range *nr = realloc(*roots, (*nroots + 1) * sizeof *nr);
				if (nr) {
					*roots = nr;
					nr[(*nroots)++] =
					    (struct scan_range){ user, user + size - 8 };
				}
			}
			cur += size;
		}
		if (nfrom) {
			struct scan_range *nr = realloc(*roots, (*nroots + 1) * sizeof *nr);
			if (nr) {
				*roots = nr;
				nr[(*nroots)++] =
				    (struct scan_range){ mp->start + from[0], mp->start + from[1] };
			}
		}
		free(buf);
	}
}

static void exclude_symbol(struct session *s, const char *name, struct scan_range *ex, size_t *nex)
{
	uint64_t addr, size;

	if (!symbols_find_object(s->sym, name, &addr, &size))
		ex[(*nex)++] = (struct scan_range){ addr, addr + size };
}

/* --flamegraph and --folded, from the final loss records. */
static void write_flamegraphs(struct session *s)
{
	const char *files[2] = { s->cfg->folded_file, s->cfg->flamegraph_file };

	for (int i = 0; i < 2; i++) {
		if (!files[i])
			continue;
		FILE *f = fopen(files[i], "we");
		int err = f ? (i ? flamegraph_write_svg(f, &s->rep, FLAMEGRAPH_KINDS_DEFAULT, NULL)
				 : flamegraph_write_folded(f, &s->rep, FLAMEGRAPH_KINDS_DEFAULT))
			    : -errno;
		if (f && fclose(f) && !err)
			err = -errno;
		if (err)
			lt_error("cannot write %s: %s", files[i], strerror(-err));
	}
}

/* -v: what the run cost leaktrace, for scripts/bench. */
static void print_stats(struct session *s, size_t nblocks)
{
	size_t hm = s->heap_bytes, sm = stacktab_memory(s->stacks);

	fprintf(s->log,
		"--%d-- leaktrace: %" PRIu64 " allocs, %" PRIu64 " frees traced; "
		"scan of %zu blocks took %.3f s\n",
		s->pid, s->allocs, s->frees, nblocks, s->scan_seconds);
	fprintf(s->log,
		"--%d-- leaktrace: shadow heap %zu bytes (%.1f per live block), "
		"%zu stacks interned in %zu bytes\n",
		s->pid, hm, nblocks ? (double)hm / (double)nblocks : 0.0, stacktab_count(s->stacks),
		sm);
	fprintf(s->log,
		"--%d-- leaktrace: %" PRIu64 " fast-path records, stacks walked in %" PRIu64
		" and copied in %" PRIu64 "; %" PRIu64 " stops, of which %" PRIu64
		" ring full and %" PRIu64 " stack-copy faults; %" PRIu64 " records abandoned\n",
		s->pid, s->nrecords, s->nwalked, s->ncopied, s->nstops, s->nfull, s->nfaults,
		s->nlost);
}

/* Stacks end at main, as memcheck prints them (--show-below-main=no). */
static struct report_stack trim_below_main(struct session *s, struct report_stack st)
{
	for (unsigned i = 0; i < st.n; i++)
		if (symbols_is_main(s->sym, i ? st.pcs[i] - 1 : st.pcs[i])) {
			st.n = i + 1;
			break;
		}
	return st;
}

static void heap_report(struct session *s, struct thread *exiting, bool last);

static void final_report(struct session *s, struct thread *exiting)
{
	heap_report(s, exiting, true);
}

/* The scan and the report, with every thread stopped.  last: the session
 * ends here (the process exits, or we detach); otherwise (a report asked
 * for with SIGUSR1 in -p mode) the threads run on afterwards. */
static void heap_report(struct session *s, struct thread *exiting, bool last)
{
	struct thread *ths[4096];
	uint64_t sps[4096], *words = NULL;
	size_t nthreads, nwords = 0;
	struct report *rep = &s->rep;

	if (last)
		s->final_done = true;
	stop_all_threads(s, exiting);
	drain_ring(s);
	nthreads = live_threads(s, ths, 4096);
	words = calloc(nthreads * 17 + 1, sizeof *words);
	size_t nsp = 0;
	for (size_t i = 0; i < nthreads && words; i++) {
		struct user_regs_struct r;
		if (tracee_getregs(ths[i]->tid, &r))
			continue;
		sps[nsp++] = r.rsp;
		/* the thread ending the process is no root, as in memcheck:
		 * its registers belong to the exit path */
		if (ths[i] == exiting)
			continue;
		uint64_t w[17] = { r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8,
				   r.r9,  r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip };
		memcpy(words + nwords, w, sizeof w);
		nwords += 17;
	}

	size_t nblocks = 0;
	struct block *blocks = heapmap_sorted(s->heap, &nblocks);
	s->heap_bytes = heapmap_memory(s->heap); /* for -v */
	struct heapmap *empty;
	if (last && blocks && (empty = heapmap_new())) {
		/* the sorted copy holds all the table did, and the process is
		 * ending: the table's memory goes before the scan needs its own */
		heapmap_free(s->heap);
		s->heap = empty;
	}
	struct scan_block *sb = calloc(nblocks + 1, sizeof *sb);
	for (size_t i = 0; sb && i < nblocks; i++) {
		sb[i].addr = blocks[i].addr;
		sb[i].size = blocks[i].size;
	}

	memset(rep->totals, 0, sizeof rep->totals);
	free(rep->records); /* a report asked for earlier (SIGUSR1 in -p mode) */
	rep->records = NULL;
	rep->nrecords = 0;
	if (s->cfg->leak_check != LEAK_CHECK_NO && nblocks && sb) {
		struct maps m;
		struct scan_range ex[64], *roots = NULL;
		size_t nex = 0, nroots = 0;
		uint64_t starts[32], lens[32];
		size_t nscr = bptab_scratch(s->bt, starts, lens, 32);
		for (size_t i = 0; i < nscr && i < 32; i++)
			ex[nex++] = (struct scan_range){ starts[i], starts[i] + lens[i] };
		if (s->ring) /* our records hold the pointers malloc returned */
			ex[nex++] =
			    (struct scan_range){ s->ring_addr, s->ring_addr + s->ring_size };
		exclude_symbol(s, "main_arena", ex, &nex);
		/* sorted exclusions for roots_collect */
		for (size_t i = 1; i < nex; i++)
			for (size_t j = i; j > 0 && ex[j].start < ex[j - 1].start; j--) {
				struct scan_range t = ex[j];
				ex[j] = ex[j - 1];
				ex[j - 1] = t;
			}
		if (procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m))
			m = (struct maps){ 0 };
		struct roots_input ri = { &m, blocks, nblocks, sps, nsp, ex, nex };
		if (roots_collect(&ri, &roots, &nroots))
			roots = NULL, nroots = 0;
		if (s->rep.attached)
			add_unseen_chunks(s, &m, &roots, &nroots);
		struct scan_ctx sc = { &s->tm, &m };
		struct scan_memory mem = { &sc, scan_read, scan_mapping };
		struct scan_input in = { sb,	nblocks, roots, nroots,
					 words, nwords,	 &mem,	s->cfg->heuristics };
		struct timespec t1, t2;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (scan_run(&in))
			lt_error(
			    "out of memory in the leak scan; every block is reported as reachable");
		clock_gettime(CLOCK_MONOTONIC, &t2);
		s->scan_seconds =
		    (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9;
		procmaps_free(&m);
		free(roots);
	} else if (sb) {
		for (size_t i = 0; i < nblocks; i++)
			sb[i].state = LEAK_REACHABLE;
	}
	if (nblocks && sb && blocks)
		lossrec_build(blocks, sb, nblocks, s->stacks, s->cfg->leak_resolution,
			      &rep->records, &rep->nrecords, rep->totals,
			      rep->reachable_via_heuristic);
	memset(&rep->suppressed, 0, sizeof rep->suppressed);
	for (size_t i = 0; i < rep->nrecords; i++) {
		struct loss_record *lr = &rep->records[i];
		lr->stack = trim_below_main(s, lr->stack);
		lr->suppressed_by = match_suppression(s, &lr->stack, lr->kind, 0,
						      lr->bytes + lr->indirect_bytes, lr->blocks);
		if (lr->suppressed_by) {
			/* LEAK SUMMARY moves them to "suppressed:" */
			rep->totals[lr->kind].bytes -= lr->bytes;
			rep->totals[lr->kind].blocks -= lr->blocks;
			rep->suppressed.bytes += lr->bytes;
			rep->suppressed.blocks += lr->blocks;
		}
	}
	if (s->supp) {
		free(s->supp_used);
		s->supp_used = NULL;
		long nu = suppress_used(s->supp, &s->supp_used);
		rep->supp_used = s->supp_used;
		rep->nsupp_used = nu > 0 ? (size_t)nu : 0;
	}

	rep->inuse_blocks = nblocks;
	rep->inuse_bytes = 0;
	for (size_t i = 0; i < nblocks; i++)
		rep->inuse_bytes += blocks[i].size;
	rep->total_allocs = s->allocs;
	rep->total_frees = s->frees;
	rep->total_bytes = s->bytes;
	rep->errors = s->errors;
	rep->nerrors = s->nerrors;

	struct fdreport_entry *fde = NULL;
	struct fdreport fr = { 0 };
	if (last && s->fds && !fdreport_collect(s->fds, s->stacks, s->tm.pid, 0, &fde, &fr.n)) {
		fr.entries = fde;
		fr.all = s->cfg->track_fds_all;
		fr.quiet = s->cfg->quiet;
		fr.summary_follows = true;
		if (!s->cfg->xml || s->cfg->log_file)
			fdreport_write_text(s->log, rep, &fr);
		if (s->xml)
			fdreport_write_xml(s->xml, rep, &fr,
					   (unsigned)(s->error_occurrences + rep->nrecords));
	}
	if (!s->cfg->xml || s->cfg->log_file)
		report_text_final(s->log, rep);
	fdreport_entries_free(fde, fr.n);
	if (s->cfg->verbose)
		print_stats(s, nblocks);
	if (last)
		write_flamegraphs(s);
	if (s->xml)
		report_xml_final(s->xml, rep, elapsed_ms(s));
	fflush(s->log);
	if (s->xml)
		fflush(s->xml);
	free(words);
	free(sb);
	free(blocks);
	if (!s->detaching)
		resume_held_threads(s, exiting);
}

/* Errors as memcheck's ERROR SUMMARY counts them, for --error-exitcode. */
static unsigned long count_errors(const struct session *s)
{
	struct report_counts c;

	report_text_count_errors(&s->rep, &c);
	return c.errors;
}

/* ---- the wait loop ----------------------------------------------------- */

static bool is_group_stop(int status)
{
	int sig = WSTOPSIG(status);
	return (status >> 16) == PTRACE_EVENT_STOP &&
	       (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU);
}

static bool in_stub(const struct session *s, uint64_t rip)
{
	for (unsigned i = 0; i < s->nfast; i++)
		if (rip >= s->fast[i].stub && rip - s->fast[i].stub < s->fast[i].stub_len)
			return true;
	return false;
}

/* Whether a signal handler runs on top of a stub in this thread: a frame
 * below the top one is in a stub, other than the return point of a stub's
 * call to its original (a thread inside malloc holds no claim).  Its claim,
 * if it made one, is in the signal frame's saved registers, out of sight:
 * assume it holds the hole. */
static bool stub_interrupted(struct session *s, struct thread *t, const struct user_regs_struct *r)
{
	uint64_t pcs[64];
	unsigned n = unwind_capture(s->uw, t->tid, r, pcs, 64);

	for (unsigned i = 1; i < n; i++) {
		if (!in_stub(s, pcs[i]))
			continue;
		bool call_return = false;
		for (unsigned k = 0; k < s->nfast; k++)
			call_return |= pcs[i] == s->fast[k].call_return;
		if (!call_return)
			return true;
	}
	return false;
}

/* A ring-full trap that cannot end by itself: the oldest unconsumed record
 * was claimed by a writer that will never publish it (it left its stub by a
 * longjmp from a signal handler, or died in it), so "drained" cannot pass
 * it and every writer a lap further on waits for good.  Once the ring has
 * been stuck at the same index for HOLE_MS of such traps, all threads are
 * stopped, the ring drained once more (the writer may just have been slow),
 * and their registers read: a writer between its claim and its publish
 * holds its index in rax or r8 (r8 is index + 1 for the last instruction),
 * and a writer a signal handler interrupted has a stub frame under it (it
 * is given HOLE_HANDLER_MS: a handler that blocks for longer, e.g. until
 * another thread's allocations, would otherwise hang the program).  If
 * none holds this one, the record is given up (counted, and reported once)
 * and the ring goes on.  The trapping thread itself is not asked: if it is a
 * handler on top of its own claim, it waits for itself, and giving the
 * record up is the only way on (its stub, resumed later, then writes into a
 * slot of a later lap: see ARCHITECTURE.md). */
static void ring_check_hole(struct session *s, struct thread *th, const struct user_regs_struct *r)
{
	struct fp_ring_hdr *h = s->ring;
	struct timespec now;

	/* in the trap loop rax is the writer's own claimed index */
	if (s->hole_check || r->rax - h->drained < h->capacity || s->ring_next >= r->rax)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (s->hole != s->ring_next + 1) {
		s->hole = s->ring_next + 1;
		s->hole_since = now;
		return;
	}
	long stuck_ms = us_between(&s->hole_since, &now) / 1000;
	if (stuck_ms < HOLE_MS)
		return;
	s->hole_check = true;
	stop_all_threads(s, th);
	/* the writer may have published since the last drain: then there is
	 * no hole, and its record must be read, not given up */
	drain_ring(s);
	uint64_t hole = s->ring_next;
	bool held = hole + 1 != s->hole || hole >= __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
	struct thread *ths[4096];
	size_t n = live_threads(s, ths, 4096);
	for (size_t i = 0; i < n && !held; i++) {
		struct user_regs_struct tr;
		if (ths[i] != th && !ths[i]->dead && !tracee_getregs(ths[i]->tid, &tr))
			held = (in_stub(s, tr.rip) &&
				(tr.rax == hole || tr.r8 == hole || tr.r8 == hole + 1)) ||
			       (stuck_ms < HOLE_HANDLER_MS && stub_interrupted(s, ths[i], &tr));
	}
	if (!held) {
		s->ring_done[hole & h->mask] = hole + 1;
		ring_advance(s, __atomic_load_n(&h->head, __ATOMIC_ACQUIRE));
		if (!s->nlost++)
			fprintf(
			    s->log,
			    "==%d== Warning: an allocator call was left in the middle of its "
			    "record (longjmp out of a signal handler, or a thread killed in it);"
			    " its event is lost\n",
			    s->pid);
		s->hole = 0;
	}
	resume_held_threads(s, th);
	s->hole_check = false;
}

static int handle_trap(struct session *s, struct thread *th)
{
	struct user_regs_struct r;
	siginfo_t si;
	int err;

	if ((err = tracee_getregs(th->tid, &r)))
		return err;
	s->borrow_tid = th->tid;
	/* the ring was drained when this stop was reaped (wait_loop), or by the
	 * report that held the thread: the heap map is current */
	uint64_t at = r.rip - 1;
	if (fast_ring_full_trap(s, at)) {
		s->nfull++;
		ring_check_hole(s, th, &r);
		return tracee_cont(th, 0); /* drained: the stub claims its slot again */
	}
	const struct fast_patch *suspect = fast_free_check(s, at, false);
	if (suspect) {
		if (on_suspect_free(s, th, suspect, &r) == -EFAULT)
			kill(th->tid, SIGKILL);
		return tracee_cont(th, 0);
	}
	const struct breakpoint *bp = bptab_lookup(s->bt, at);
	int trap = bp ? -1 : bptab_which_trap(s->bt, at);

	if (bp || trap >= 0) {
		if (trap == TRAP_RETURN)
			err = on_return(s, th, &r);
		else if (trap == TRAP_INJECT)
			err = on_inject_done(s, th);
		else if (bp->tag == TAG_DLSTATE) {
			int32_t state = -1;
			if (s->rdebug)
				target_read(&s->tm, s->rdebug + 24, &state, 4);
			if (state == RT_CONSISTENT)
				install_hooks(s);
			r.rip = bp->resume;
			err = tracee_setregs(th->tid, &r);
		} else if (bp->tag == TAG_EXIT) {
			err = on_exit_fn(s, th, bp, &r);
		} else if (bp->tag >= TAG_FD_BASE) {
			err = on_fd_entry(s, th, bp, &r);
		} else if (bp->tag == TAG_EXIT_CALL) {
			clear_dead_stack(s, r.rsp);
			r.rip = bp->resume;
			err = tracee_setregs(th->tid, &r);
		} else {
			err = on_fn_entry(s, th, bp, &r);
		}
		if (err == -EFAULT) {
			kill(th->tid, SIGKILL);
			return 0;
		}
		return tracee_cont(th, 0);
	}
	/* not ours: a SIGTRAP the program raised or was sent */
	if (!ptrace(PTRACE_GETSIGINFO, th->tid, 0, &si) && si.si_code == SI_KERNEL && !bp)
		return tracee_cont(th, SIGTRAP);
	return tracee_cont(th, SIGTRAP);
}

static pid_t tgid_of(pid_t tid)
{
	return (pid_t)procmaps_status_number(tid, "Tgid", 10, (unsigned long long)-1);
}

/* Memory is read through a live thread: once the leader has gone (main
 * called pthread_exit) /proc/PID/mem of the leader reads nothing. */
static void switch_memory_thread(struct session *s, struct thread *gone)
{
	struct thread *ths[4096];
	size_t n = live_threads(s, ths, 4096);

	if (s->tm.pid != gone->tid)
		return;
	for (size_t i = 0; i < n; i++) {
		if (ths[i] == gone)
			continue;
		target_mem_close(&s->tm);
		if (!target_mem_open(&s->tm, ths[i]->tid))
			return;
	}
}

/* ---- children ------------------------------------------------------------ */

/* A forked child has copies of our int3s and scratch mapping: put the
 * original bytes back, unmap the scratch, and let it go untraced. */
static void release_fork_child(struct session *s, struct thread *ch)
{
	struct target_mem cm = { .memfd = -1 };
	uint64_t starts[32], lens[32];
	int sig = 0;

	if (!target_mem_open(&cm, ch->tid)) {
		bptab_restore_into(s->bt, &cm);
		for (unsigned i = 0; i < s->nfast; i++)
			target_write(&cm, s->fast[i].func, s->fast[i].orig, s->fast[i].len);
		target_mem_close(&cm);
	}
	if (s->ring && s->syscall_insn) {
		long ret, args[6] = { (long)s->ring_addr, (long)s->ring_size, 0, 0, 0, 0 };
		tracee_inject_syscall(ch->tid, s->syscall_insn, SYS_munmap, args, &ret, &sig);
	}
	size_t n = bptab_scratch(s->bt, starts, lens, 32);
	for (size_t i = 0; i < n && i < 32 && s->syscall_insn; i++) {
		long ret, args[6] = { (long)starts[i], (long)lens[i], 0, 0, 0, 0 };
		tracee_inject_syscall(ch->tid, s->syscall_insn, SYS_munmap, args, &ret, &sig);
	}
	if (WIFSTOPPED(ch->held_status) && !(ch->held_status >> 16) &&
	    WSTOPSIG(ch->held_status) != SIGTRAP)
		sig = WSTOPSIG(ch->held_status);
	ptrace(PTRACE_DETACH, ch->tid, 0, (void *)(long)sig);
	tracee_thread_del(s->tr, ch->tid);
}

static bool hand_over_fork_child(struct session *s, struct thread *ch);
static bool fast_fault_fixup(struct session *s, struct thread *th);

/* A stop of a task that is not one of our threads. */
static void on_child_stop(struct session *s, struct thread *ch, int status)
{
	int event = status >> 16, sig = WSTOPSIG(status);

	ch->state = TH_STOPPED;
	ch->held_status = status;
	switch (ch->kind) {
	case TK_UNKNOWN:
		return; /* held until the parent's fork event says what it is */
	case TK_FORK_CHILD: {
		pid_t tid = ch->tid; /* a handed-over child's entry is gone */
		if (s->cfg->trace_children && hand_over_fork_child(s, ch))
			return;
		if ((ch = tracee_thread(s->tr, tid)))
			release_fork_child(s, ch);
		return;
	}
	case TK_VFORK_CHILD:
		/* it runs on our memory, int3s included, until exec or exit */
		if (event == PTRACE_EVENT_EXEC) {
			ptrace(PTRACE_DETACH, ch->tid, 0, 0);
			tracee_thread_del(s->tr, ch->tid);
			return;
		}
		if (!event && sig == SIGTRAP) {
			struct user_regs_struct r;
			const struct breakpoint *bp;
			if (!tracee_getregs(ch->tid, &r) && (bp = bptab_lookup(s->bt, r.rip - 1))) {
				r.rip = bp->resume;
				tracee_setregs(ch->tid, &r);
				tracee_cont(ch, 0);
				return;
			}
		}
		if (!event && sig == SIGSEGV && fast_fault_fixup(s, ch)) {
			tracee_cont(ch, 0); /* our stub's stack copy, on our memory */
			return;
		}
		tracee_cont(ch, event || sig == (SIGTRAP | 0x80) ? 0 : sig);
		return;
	case TK_THREAD:
		return;
	}
}

static void on_fork_event(struct session *s, struct thread *parent, int event)
{
	unsigned long msg = 0;

	ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg);
	if (!msg)
		return;
	pid_t child = (pid_t)msg;
	struct thread *ch = tracee_thread(s->tr, child);
	if (event == PTRACE_EVENT_CLONE && tgid_of(child) == s->pid) {
		if (!ch && (ch = tracee_thread_add(s->tr, child))) {
			ch->kind = TK_THREAD;
			ch->num = ++s->threads_seen;
			ch->state = TH_RUNNING;
		}
		if (ch)
			ch->announced = true;
		return;
	}
	bool was_waiting = ch && ch->kind == TK_UNKNOWN && ch->state == TH_STOPPED;
	if (!ch && !(ch = tracee_thread_add(s->tr, child)))
		return;
	/* a child made with CLONE_VM shares our memory like a vfork child:
	 * cleaning "its" copy of our int3s would remove the parent's */
	bool shares_vm = event == PTRACE_EVENT_VFORK ||
			 syscall(SYS_kcmp, (long)s->pid, (long)child, KCMP_VM, 0L, 0L) == 0;
	ch->kind = shares_vm ? TK_VFORK_CHILD : TK_FORK_CHILD;
	ch->announced = true;
	if (was_waiting)
		on_child_stop(s, ch, ch->held_status);
	else
		ch->state = TH_RUNNING;
}

/* ---- detaching ------------------------------------------------------------ */

/* A thread can hit an int3 of ours just as PTRACE_INTERRUPT stops it: the
 * interrupt is reported first and the SIGTRAP stays pending, to kill the
 * thread as soon as we detach (memleax's issue #39, delve's PR #1772).  So
 * a pending SIGTRAP is let in now: the thread stops again at once to
 * deliver it, which becomes its held stop, handled like any trap of ours. */
static void take_pending_trap(struct thread *th)
{
	unsigned long long pending = procmaps_status_number(th->tid, "SigPnd", 16, 0);
	int status;

	if (!(pending & (1ull << (SIGTRAP - 1))))
		return;
	int st = th->held_status;
	if (WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == SIGTRAP)
		return; /* that trap is the stop we hold */
	if (ptrace(PTRACE_CONT, th->tid, 0, 0))
		return;
	for (;;) {
		pid_t r = waitpid(th->tid, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == th->tid && WIFSTOPPED(status)) {
			th->held_status = status;
			if (!(status >> 16) && WSTOPSIG(status) != SIGTRAP)
				th->pending_sig = WSTOPSIG(status);
		} else {
			th->dead = true;
		}
		return;
	}
}

/* Leaves the process as if we had never been there: every thread stopped
 * and moved off our traps and out-of-line copies, the return addresses we
 * redirected put back, the int3s removed, the scratch unmapped, then
 * PTRACE_DETACH with the signal each thread had pending.  A thread held at
 * an int3 it has just hit is rewound to the breakpoint address, so that
 * after the original byte is back it runs the real instruction. */
static void detach_all(struct session *s)
{
	struct thread *ths[4096];
	uint64_t starts[32], lens[32];

	stop_all_threads(s, NULL);
	size_t n = live_threads(s, ths, 4096);
	for (size_t i = 0; i < n; i++) {
		struct thread *th = ths[i];
		struct user_regs_struct r;
		const struct fast_patch *suspect;
		if (th->state == TH_RUNNING)
			continue;
		take_pending_trap(th);
		if (tracee_getregs(th->tid, &r))
			continue;
		int st = th->held_status;
		if (WIFSTOPPED(st) && !(st >> 16) && WSTOPSIG(st) == SIGTRAP) {
			const struct breakpoint *bp = bptab_lookup(s->bt, r.rip - 1);
			int trap = bptab_which_trap(s->bt, r.rip - 1);
			if (bp) {
				r.rip = bp->addr;
			} else if (trap == TRAP_RETURN && th->ncalls) {
				/* the call whose slot held the trap: one slot below rsp */
				while (th->ncalls > 1 && th->calls[th->ncalls - 1].sp + 8 != r.rsp)
					th->ncalls--;
				r.rip = th->calls[--th->ncalls].ret;
			} else if (trap == TRAP_INJECT && th->in_inject) {
				r = th->inject_saved;
				r.rip = th->inject_resume;
				th->in_inject = false;
			} else if (fast_ring_full_trap(s, r.rip - 1)) {
				/* resumed after its int3, the claim loop finds the
				 * ring disabled and drops its record */
			} else if ((suspect = fast_free_check(s, r.rip - 1, false))) {
				r.rip = suspect->func; /* the call starts afresh */
			} else {
				th->pending_sig = SIGTRAP; /* the program's own */
			}
		}
		if (th->in_inject) { /* stopped inside an injected freeres call */
			uint64_t keep_rip = th->inject_saved.rip;
			r = th->inject_saved;
			r.rip = keep_rip;
			th->in_inject = false;
		}
		uint64_t orig;
		if (bptab_translate_ool(s->bt, r.rip, &orig))
			r.rip = orig;
		tracee_setregs(th->tid, &r);
		/* allocator calls still under way return to their real caller:
		 * only where our trap is in the slot (a fast-path call never had
		 * its return address moved, and a call already returned has
		 * left a slot the thread may use for something else by now) */
		uint64_t trap = bptab_trap(s->bt, TRAP_RETURN);
		while (th->ncalls) {
			struct pending_call *pc = &th->calls[--th->ncalls];
			uint64_t cur = 0;
			if (target_read(&s->tm, pc->sp, &cur, 8) == 8 && cur == trap)
				target_write(&s->tm, pc->sp, &pc->ret, 8);
		}
	}
	bptab_remove_all(s->bt);
	if (s->ring) {
		/* stubs record nothing from now on; a thread inside malloc still
		 * returns into its stub, so stubs and ring stay mapped */
		drain_ring(s);
		__atomic_or_fetch(&s->ring->flags, FP_FLAG_DISABLED, __ATOMIC_RELEASE);
		for (unsigned i = 0; i < s->nfast; i++)
			target_write(&s->tm, s->fast[i].func, s->fast[i].orig, s->fast[i].len);
	}
	size_t ns = s->ring ? 0 : bptab_scratch(s->bt, starts, lens, 32);
	for (size_t i = 0; i < ns && i < 32 && n && s->syscall_insn; i++) {
		long ret, args[6] = { (long)starts[i], (long)lens[i], 0, 0, 0, 0 };
		tracee_inject_syscall(ths[0]->tid, s->syscall_insn, SYS_munmap, args, &ret,
				      &ths[0]->pending_sig);
	}
	for (size_t i = 0; i < n; i++) {
		int sig = ths[i]->pending_sig;
		ptrace(PTRACE_DETACH, ths[i]->tid, 0, (void *)(long)sig);
		ths[i]->state = TH_RUNNING;
	}
	s->detached = true;
}

/* leaktrace itself was asked to stop: report what we have, leave the
 * program running untouched. */
static void interrupt_session(struct session *s, int sig)
{
	if (!s->final_done && s->exec_seen) {
		s->rep.incomplete = true;
		fprintf(s->log,
			"==%d== leaktrace: interrupted by signal %d (%s); the report covers "
			"what ran until now, and the program runs on untraced\n",
			s->pid, sig, strsignal(sig));
		s->detaching = true;
		final_report(s, NULL);
	}
	if (!s->detached)
		detach_all(s);
}

/* --interval: which stacks' live bytes grew most since the last look. */
static void growth_report(struct session *s, double seconds)
{
	size_t nstacks = stacktab_count(s->stacks), n;
	int64_t *now = calloc(nstacks + 1, sizeof *now);
	int64_t *nblk = calloc(nstacks + 1, sizeof *nblk);
	bool *shown = calloc(nstacks + 1, sizeof *shown);
	struct block *blocks = heapmap_sorted(s->heap, &n);
	uint64_t total = 0;

	if (!now || !nblk || !shown || (!blocks && n))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (blocks[i].stack_id < nstacks) {
			now[blocks[i].stack_id] += (int64_t)blocks[i].size;
			nblk[blocks[i].stack_id]++;
		}
		total += blocks[i].size;
	}
	fprintf(s->log,
		"==%d== growth over the last %.0f s (live now: %" PRIu64 " bytes in %zu blocks):\n",
		s->pid, seconds, total, n);
	for (int k = 0; k < 5; k++) {
		size_t best = SIZE_MAX;
		int64_t bestd = 0;
		for (size_t i = 0; i < nstacks; i++) {
			int64_t d = now[i] - (i < s->growth_n ? s->growth_prev[i] : 0);
			if (!shown[i] && d > bestd) {
				bestd = d;
				best = i;
			}
		}
		if (best == SIZE_MAX)
			break;
		shown[best] = true;
		fprintf(s->log,
			"==%d== +%" PRId64 " bytes, now %" PRId64 " bytes in %" PRId64
			" blocks, allocated at\n",
			s->pid, bestd, now[best], nblk[best]);
		struct report_stack st = trim_below_main(s, stack_of(s, (uint32_t)best));
		report_text_stack(s->log, &s->rep, &st);
	}
	fflush(s->log);
	free(s->growth_prev);
	s->growth_prev = now;
	s->growth_n = nstacks;
	now = NULL;
out:
	free(now);
	free(nblk);
	free(shown);
	free(blocks);
}

static FILE *open_log(const char *pattern, int fd, pid_t pid);
static char **read_cmdline(pid_t pid);

/* --trace-children=yes and an execve: the old image is gone with its heap,
 * breakpoints and scratch; the new program is traced from its start, under
 * the same PID, with a preamble of its own.  0, or -1 to let it go. */
static int restart_for_exec(struct session *s, struct thread *th)
{
	char exe[4096];
	struct thread *all[4096];

	heapmap_free(s->heap);
	freeq_free(s->freed);
	bptab_free(s->bt);
	unwind_free(s->uw);
	symbols_free(s->sym);
	s->uw = NULL;
	s->heap = heapmap_new();
	s->freed = freeq_new(s->cfg->freelist_vol, 1u << 20);
	s->sym = symbols_new(s->pid, &s->tm);
	s->bt = bptab_new(&s->tm, map_scratch, s);
	if (!s->heap || !s->freed || !s->sym || !s->bt)
		return -1;
	s->rep.symbolize_ctx = s->sym;
	s->nfns = 0;
	memset(s->fd_hooked, 0, sizeof s->fd_hooked);
	s->rdebug = s->exit_fn = s->exit_call_fn = s->libc_freeres = s->cxx_freeres = 0;
	s->syscall_insn = 0;
	s->tcache_key_addr = 0;
	s->tcache_key_missing = false;
	s->allocs = s->frees = s->bytes = s->unseen_frees = 0;
	s->group_exiting = false;
	size_t n = tracee_threads(s->tr, all, 4096);
	for (size_t i = 0; i < n && i < 4096; i++)
		if (all[i]->kind == TK_THREAD && all[i] != th)
			all[i]->dead = true; /* execve ended them */
	th->ncalls = 0;
	th->marker.valid = false;
	th->in_inject = false;
	char **argv = read_cmdline(s->pid);
	size_t o = 0;
	exe[0] = '\0';
	for (size_t i = 0; argv && argv[i] && o + 2 < sizeof exe; i++)
		o += (size_t)snprintf(exe + o, sizeof exe - o, "%s%s", i ? " " : "", argv[i]);
	if (argv)
		free(argv[0]);
	free(argv);
	if (!s->cfg->quiet && (!s->cfg->xml || s->cfg->log_file)) {
		fprintf(s->log, "==%d== \n==%d== Command: %s\n==%d== \n", s->pid, s->pid, exe,
			s->pid);
		fflush(s->log);
	}
	return setup_after_exec(s, th->tid) ? -1 : 0;
}

/* --trace-children=yes and a fork: the child is traced by a copy of
 * leaktrace made with fork(), which therefore starts with the shadow heap
 * the child inherited (memcheck's child report counts those blocks too).
 * A tracee can change tracers only through a detach, so the child is first
 * parked on a "jmp ." in its copy of our scratch page, detached, seized by
 * the copy and put back where it was: no signal, nothing it can observe.
 * Returns true in the copy (which goes on as the child's session). */
static bool hand_over_fork_child(struct session *s, struct thread *ch)
{
	struct user_regs_struct saved, parked;
	uint64_t park = bptab_trap(s->bt, TRAP_PARK);

	if (!park || tracee_getregs(ch->tid, &saved))
		return false;
	parked = saved;
	parked.rip = park;
	if (tracee_setregs(ch->tid, &parked))
		return false;
	fflush(s->log);
	if (s->xml)
		fflush(s->xml);
	pid_t copy = fork();
	if (copy < 0) {
		tracee_setregs(ch->tid, &saved);
		return false;
	}
	if (copy > 0) {
		ptrace(PTRACE_DETACH, ch->tid, 0, 0);
		tracee_thread_del(s->tr, ch->tid);
		return false;
	}
	/* the copy: wait until the parent has let the child go, then take it */
	pid_t child = ch->tid;
	for (int tries = 0; ptrace(PTRACE_SEIZE, child, 0, (void *)tracee_options(true)); tries++) {
		if (errno != EPERM || tries > 100000)
			_exit(1);
		sched_yield();
	}
	int status;
	if (ptrace(PTRACE_INTERRUPT, child, 0, 0) || waitpid(child, &status, __WALL) != child)
		_exit(1);
	tracee_setregs(child, &saved);

	struct thread *all[4096];
	size_t n = tracee_threads(s->tr, all, 4096);
	for (size_t i = 0; i < n && i < 4096; i++)
		if (all[i]->tid != child)
			tracee_thread_del(s->tr, all[i]->tid);
	ch = tracee_thread(s->tr, child);
	ch->kind = TK_THREAD;
	ch->num = s->threads_seen = 1;
	ch->state = TH_STOPPED;
	ch->held_status = 0;
	s->pid = child;
	s->rep.pid = child;
	s->rep.ppid = getppid();
	target_mem_close(&s->tm);
	target_mem_open(&s->tm, child);
	unwind_free(s->uw);
	s->sym = symbols_new(child, &s->tm); /* the parent's stays with the copy-on-write image */
	s->rep.symbolize_ctx = s->sym;
	if (s->sym)
		symbols_refresh(s->sym);
	s->uw = s->sym ? unwind_new(s->sym, &s->tm) : NULL;
	for (unsigned i = 0; i < s->nfns && s->sym; i++)
		symbols_mark_entry(s->sym, s->fns[i].addr, allocfn_table[s->fns[i].afn].name);
	if (s->cfg->log_file && strstr(s->cfg->log_file, "%p")) {
		s->log = open_log(s->cfg->log_file, 2, child);
		if (!s->log)
			_exit(1);
	}
	s->exited = false;
	s->is_fork_copy = true;
	tracee_cont(ch, 0);
	return true;
}

/* ---- the wait loop ----------------------------------------------------- */

static int handle_event(struct session *s, struct thread *th, int status)
{
	int event = status >> 16;
	unsigned long msg = 0;

	switch (event) {
	case PTRACE_EVENT_EXEC:
		if (!s->exec_seen) {
			s->exec_seen = true;
			if (setup_after_exec(s, th->tid)) {
				lt_error("cannot trace %s; it runs on untraced",
					 s->cfg->target_argv[0]);
				ptrace(PTRACE_DETACH, th->tid, 0, 0);
				s->detached = true;
				return -1;
			}
			return tracee_cont(th, 0);
		}
		/* a new program: as memcheck, no report is written for the old
		 * one; without --trace-children=yes it runs untraced */
		if (s->cfg->trace_children && !restart_for_exec(s, th))
			return tracee_cont(th, 0);
		s->final_done = true;
		ptrace(PTRACE_DETACH, th->tid, 0, 0);
		s->detached = true;
		return 0;
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		on_fork_event(s, th, event);
		return tracee_cont(th, 0);
	case PTRACE_EVENT_EXIT: {
		ptrace(PTRACE_GETEVENTMSG, th->tid, 0, &msg);
		struct thread *all[2];
		size_t live = live_threads(s, all, 2);
		bool killed = WIFSIGNALED((int)msg);
		if (!s->final_done && (s->group_exiting || killed || live <= 1)) {
			th->state = TH_EXITING;
			final_report(s, th);
		} else {
			/* one thread leaves (pthread_exit): the process runs on */
			switch_memory_thread(s, th);
			th->dead = true;
		}
		return tracee_cont(th, 0);
	}
	case PTRACE_EVENT_STOP:
		if (is_group_stop(status)) {
			th->state = TH_RUNNING;
			return ptrace(PTRACE_LISTEN, th->tid, 0, 0) ? -errno : 0;
		}
		return tracee_cont(th, 0);
	default:
		return tracee_cont(th, 0);
	}
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
static void note_fatal_signal(struct session *s, struct thread *th, int sig)
{
	struct fatal_signal *f = &s->rep.fatal;
	struct user_regs_struct r;
	siginfo_t si;
	uint64_t pcs[MAX_FRAMES];

	if (f->present || s->final_done || !signal_is_fatal(th->tid, sig) ||
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
	/* the interrupted instruction itself, not a return address */
	symbols_mark_entry(s->sym, r.rip, NULL);
	unsigned n =
	    unwind_capture(s->uw, th->tid, &r, pcs,
			   s->cfg->num_callers < MAX_FRAMES ? s->cfg->num_callers : MAX_FRAMES);
	f->stack = trim_below_main(s, stack_of(s, intern(s, pcs, n)));
	if (!s->cfg->xml || s->cfg->log_file) {
		report_text_fatal(s->log, &s->rep);
		fflush(s->log);
	}
	if (s->xml) {
		report_xml_fatal(s->xml, &s->rep);
		fflush(s->xml);
	}
}

static volatile sig_atomic_t stop_signal, report_signal, tty_signals_are_the_programs;

static void on_stop_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGUSR1) {
		report_signal = 1;
		return;
	}
	if (sig == SIGALRM)
		return; /* only wakes waitpid up */
	/* Ctrl-C and Ctrl-\ in the terminal of a program we started reach
	 * the program too; it decides, and we report when it ends */
	if (tty_signals_are_the_programs && (sig == SIGINT || sig == SIGQUIT) && si &&
	    si->si_code == SI_KERNEL)
		return;
	stop_signal = sig;
}

static void install_signal_handlers(bool attached)
{
	struct sigaction sa;

	tty_signals_are_the_programs = !attached;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_stop_signal;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: waitpid returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (attached) {
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGALRM, &sa, NULL);
	}
}

/* -p: frees of blocks allocated before the attach are no errors; they are
 * counted apart. */
static void note_unseen_frees(struct session *s)
{
	if (s->rep.attached && (!s->cfg->xml || s->cfg->log_file)) {
		fprintf(s->log,
			"==%d== frees of blocks allocated before the attach: %" PRIu64
			" (not errors)\n",
			s->pid, s->unseen_frees);
		fflush(s->log);
	}
}

/* -p mode: the session is over (duration, or a signal to leaktrace).
 * Report on the blocks allocated since the attach, then leave. */
static void end_attached(struct session *s)
{
	s->detaching = true;
	final_report(s, NULL);
	note_unseen_frees(s);
	detach_all(s);
	fprintf(s->log, "==%d== detached from %d; it keeps running\n", s->pid, s->pid);
	fflush(s->log);
}

/* -p mode, between two stops: a report on demand, an interval's growth,
 * the end of --duration.  Returns true when the session has ended. */
static bool attached_timers(struct session *s)
{
	double now = (double)elapsed_ms(s) / 1000.0;

	if (report_signal) {
		report_signal = 0;
		heap_report(s, NULL, false);
	}
	if (s->cfg->interval && now >= s->next_interval) {
		growth_report(s, s->cfg->interval);
		while (s->next_interval <= now)
			s->next_interval += s->cfg->interval;
	}
	if (s->cfg->duration && now >= s->cfg->duration) {
		end_attached(s);
		return true;
	}
	return false;
}

/* The next stop of any tracee.  Events come in bursts (an allocator call
 * is an entry stop and a return stop microseconds apart), and a sleeping
 * tracer costs each stop a wake-up of its CPU, the bulk of a stop's price in
 * a VM (FACTS.md: ~50 us asleep, ~15 us spinning).  So the tracer polls for a
 * short while before it sleeps, and consumes the fast path's records
 * meanwhile; when the program computes for longer, it sleeps as before and
 * costs nothing.  A poll that finds nothing yields the CPU: a program thread
 * the scheduler put on the same CPU then runs at once instead of waiting for
 * the end of our time slice (1,000,000 malloc/free pairs with tracer and
 * program pinned to one CPU: 0.9 s -> 0.6 s). */
static pid_t wait_next(struct session *s, int *status)
{
	struct timespec t0, now;
	pid_t r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = waitpid(-1, status, __WALL | WNOHANG);
		if (r != 0)
			return r;
		/* the ring is shared memory: consume it while the program runs,
		 * so that it seldom fills and stops the program */
		if (s->ring && __atomic_load_n(&s->ring->head, __ATOMIC_ACQUIRE) > s->ring_next &&
		    drain_ring(s)) {
			clock_gettime(CLOCK_MONOTONIC, &t0); /* busy: keep polling */
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (us_between(&t0, &now) > SPIN_US)
			break;
		sched_yield();
	}
	return waitpid(-1, status, __WALL);
}

static int wait_loop(struct session *s)
{
	for (;;) {
		int status;

		if (stop_signal && !s->detached) {
			if (s->rep.attached) {
				end_attached(s);
				return 0;
			}
			interrupt_session(s, stop_signal);
			s->stopped_by = stop_signal;
			return 0;
		}
		if (s->rep.attached && !s->final_done && attached_timers(s))
			return 0;
		pid_t tid = wait_next(s, &status);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return -errno;
		}
		/* a thread's records are all published before it can stop or
		 * exit: take them while it is still known.  Every stop is handled
		 * after this, so this is where they see a current heap map. */
		drain_ring(s);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			tracee_thread_del(s->tr, tid);
			if (tid == s->pid) {
				s->exit_status = status;
				s->exited = true;
				return 0;
			}
			continue;
		}
		s->nstops++;
		struct thread *th = tracee_thread(s->tr, tid);
		if (!th) {
			/* a thread or a child reporting before it was announced */
			th = tracee_thread_add(s->tr, tid);
			if (!th) {
				ptrace(PTRACE_CONT, tid, 0, 0);
				continue;
			}
			if (tgid_of(tid) == s->pid) {
				th->kind = TK_THREAD;
				th->num = ++s->threads_seen;
			} else {
				th->kind = TK_UNKNOWN;
			}
		}
		if (th->kind != TK_THREAD) {
			on_child_stop(s, th, status);
			continue;
		}
		th->state = TH_STOPPED;
		int sig = WSTOPSIG(status);
		if (status >> 16) {
			if (handle_event(s, th, status) < 0 && !s->exec_seen)
				return -1;
		} else if (sig == SIGTRAP) {
			handle_trap(s, th);
		} else if (sig == (SIGTRAP | 0x80)) {
			tracee_cont(th, 0);
		} else {
			/* a signal for the program: deliver it unchanged */
			if (sig == SIGSEGV && fast_fault_fixup(s, th)) {
				tracee_cont(th, 0);
				continue;
			}
			struct user_regs_struct fr;
			const struct fast_patch *suspect;
			if (sig == SIGSEGV && s->nfast && !tracee_getregs(th->tid, &fr) &&
			    (suspect = fast_free_check(s, fr.rip, true))) {
				on_suspect_free(s, th, suspect, &fr);
				tracee_cont(th, 0); /* the fault was ours to take */
				continue;
			}
			if (s->exec_seen)
				note_fatal_signal(s, th, sig);
			tracee_cont(th, sig);
		}
	}
}

/* ---- setup ------------------------------------------------------------- */

static int check_program(const char *name, char **path)
{
	unsigned char hdr[20];

	*path = tracee_find_program(name);
	if (!*path) {
		lt_error("cannot run '%s': %s", name, strerror(errno));
		return -1;
	}
	if (access(*path, X_OK)) {
		lt_error("cannot run '%s': %s", name, strerror(errno));
		return -1;
	}
	int fd = open(*path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lt_error("cannot open '%s': %s", *path, strerror(errno));
		return -1;
	}
	ssize_t n = read(fd, hdr, sizeof hdr);
	close(fd);
	if (n >= 2 && hdr[0] == '#' && hdr[1] == '!')
		return 0; /* a script: its interpreter is what gets traced */
	if (n < 20 || memcmp(hdr, ELFMAG, SELFMAG)) {
		lt_error("'%s' is not an executable program (not ELF)", *path);
		return -1;
	}
	if (hdr[EI_CLASS] != ELFCLASS64 || (hdr[18] | hdr[19] << 8) != EM_X86_64) {
		lt_error("'%s' is not an x86-64 program; leaktrace traces x86-64 only", *path);
		return -1;
	}
	return 0;
}

static FILE *open_log(const char *pattern, int fd, pid_t pid)
{
	if (!pattern) {
		int d = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		return d < 0 ? NULL : fdopen(d, "w");
	}
	char name[4096];
	size_t o = 0;
	for (const char *p = pattern; *p && o + 16 < sizeof name; p++) {
		if (p[0] == '%' && p[1] == 'p') {
			o += (size_t)snprintf(name + o, sizeof name - o, "%d", (int)pid);
			p++;
		} else {
			name[o++] = *p;
		}
	}
	name[o] = '\0';
	int d = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	return d < 0 ? NULL : fdopen(d, "w");
}

static void fill_report_identity(struct session *s)
{
	const struct config *cfg = s->cfg;
	struct report *rep = &s->rep;

	rep->pid = s->pid;
	rep->ppid = getpid();
	rep->tool_name = "leaktrace";
	rep->tool_version = LEAKTRACE_VERSION;
	rep->tool_exe = cfg->self_exe;
	rep->tool_args = cfg->self_args;
	rep->leak_check = cfg->leak_check;
	rep->show_kinds = cfg->show_kinds;
	rep->errors_for_kinds = cfg->errors_for_kinds;
	rep->gen_suppressions = cfg->gen_suppressions;
	rep->show_error_list = cfg->show_error_list;
	rep->symbolize = symbols_describe;
	rep->symbolize_all = symbols_describe_all;
	rep->symbolize_ctx = s->sym;
}

static char **read_cmdline(pid_t pid)
{
	char fn[64], *buf = malloc(65536), **argv;
	size_t n = 0, count = 0;
	int fd;

	snprintf(fn, sizeof fn, "/proc/%d/cmdline", (int)pid);
	if (!buf || (fd = open(fn, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return NULL;
	}
	ssize_t r = read(fd, buf, 65535);
	close(fd);
	n = r > 0 ? (size_t)r : 0;
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		count += buf[i] == '\0';
	if (!(argv = calloc(count + 2, sizeof *argv))) {
		free(buf);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	if (!k)
		argv[k++] = buf;
	return argv; /* argv[0] owns buf */
}

/* leaktrace -p PID: take hold of every thread, hook the allocator, let it
 * run, and report on what it allocates from now on. */
static int run_attached(struct session *s)
{
	const struct config *cfg = s->cfg;
	char err[512], comm[64];
	uint64_t auxv[2 * 64], at_base = 0;

	s->pid = cfg->attach_pid;
	if (attach_check(s->pid, err, sizeof err)) {
		lt_error("%s", err);
		return 1;
	}
	s->log = open_log(cfg->log_file, cfg->log_fd, s->pid);
	if (!s->log) {
		lt_error("cannot open log file '%s': %s", cfg->log_file ? cfg->log_file : "(fd)",
			 strerror(errno));
		return 1;
	}
	if (cfg->xml && !(s->xml = cfg->xml_file      ? open_log(cfg->xml_file, 2, s->pid)
				   : cfg->xml_fd >= 0 ? open_log(NULL, cfg->xml_fd, s->pid)
						      : NULL)) {
		lt_error("--xml=yes needs --xml-file=FILE or --xml-fd=N that can be written");
		return 1;
	}
	s->sym = symbols_new(s->pid, &s->tm);
	s->bt = bptab_new(&s->tm, map_scratch, s);
	s->cmdline = read_cmdline(s->pid);
	if (!s->sym || !s->bt) {
		lt_error("out of memory");
		return 1;
	}
	/* from here on the process is stopped: every failure must let it go */
	if (attach_seize_all(s->tr, s->pid, tracee_options(false), &s->threads_seen, err,
			     sizeof err)) {
		lt_error("%s", err);
		return 1;
	}
	s->exec_seen = true;
	s->borrow_tid = s->pid;
	int e = target_mem_open(&s->tm, s->pid);
	int fd;
	char fn[64];
	snprintf(fn, sizeof fn, "/proc/%d/auxv", (int)s->pid);
	if (!e && (fd = open(fn, O_RDONLY | O_CLOEXEC)) >= 0) {
		ssize_t n = read(fd, auxv, sizeof auxv);
		for (ssize_t i = 0; i + 1 < n / 8; i += 2)
			if (auxv[i] == AT_BASE)
				at_base = auxv[i + 1];
		close(fd);
	}
	if (!e)
		e = symbols_refresh(s->sym);
	if (!e && !(s->uw = unwind_new(s->sym, &s->tm)))
		e = -ENOMEM;
	if (!e && (e = bptab_ensure_traps(s->bt, at_base)))
		lt_error("%s", bptab_errmsg(s->bt));
	if (e) {
		lt_error("cannot set up tracing of %d: %s; detached, it runs on", s->pid,
			 strerror(-e));
		detach_all(s);
		return 1;
	}
	if (at_base) {
		Dwfl_Module *ld = dwfl_addrmodule(symbols_dwfl(s->sym), at_base);
		uint64_t addr, size;
		if (ld && !symbols_module_lookup(ld, "_dl_debug_state", &addr, &size)) {
			symbols_module_lookup(ld, "_r_debug", &s->rdebug, &size);
			hook_addr(s, addr, TAG_DLSTATE, "_dl_debug_state");
		}
	}
	if (cfg->track_fds && (s->fds = fdtab_new()))
		fdreport_scan_inherited(s->fds, s->pid);
	install_hooks(s);

	struct report *rep = &s->rep;
	struct thread *ths[4096];
	attach_comm(s->pid, comm, sizeof comm);
	rep->attached = true;
	rep->target_exe = s->cmdline ? s->cmdline[0] : comm;
	rep->target_args = s->cmdline ? s->cmdline + 1 : NULL;
	fill_report_identity(s);
	if (!cfg->quiet && (!cfg->xml || cfg->log_file)) {
		fprintf(s->log, "==%d== leaktrace-%s, a ptrace-based leak analyzer\n", s->pid,
			LEAKTRACE_VERSION);
		fprintf(s->log, "==%d== attached to %d (%s), %zu threads\n==%d== \n", s->pid,
			s->pid, comm, live_threads(s, ths, 4096), s->pid);
		fflush(s->log);
	}
	if (s->xml)
		report_xml_preamble(s->xml, rep, 0);
	install_signal_handlers(true);
	if (cfg->duration || cfg->interval) {
		struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		s->next_interval = cfg->interval;
	}
	resume_held_threads(s, NULL);
	wait_loop(s);
	if (s->exited && !s->detached) {
		note_unseen_frees(s);
		fprintf(s->log, "==%d== %d exited during the session (%s %d)\n", s->pid, s->pid,
			WIFSIGNALED(s->exit_status) ? "killed by signal" : "status",
			WIFSIGNALED(s->exit_status) ? WTERMSIG(s->exit_status)
						    : WEXITSTATUS(s->exit_status));
		fflush(s->log);
	}
	if (cfg->error_exitcode && count_errors(s))
		return cfg->error_exitcode;
	return 0;
}

int session_run(const struct config *cfg)
{
	struct session s = { .cfg = cfg, .exec_err_fd = -1 };
	char err[512], *path = NULL;
	int rc = 1;

	s.tm.memfd = -1;
	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	s.supp = suppress_new();
	if (!s.supp) {
		lt_error("out of memory");
		return 1;
	}
	for (size_t i = 0; cfg->supp_files && cfg->supp_files[i]; i++) {
		if (suppress_load_file(s.supp, cfg->supp_files[i], err, sizeof err)) {
			lt_error("%s", err);
			suppress_free(s.supp);
			return 1;
		}
	}
	if (!cfg->attach_pid && check_program(cfg->target_argv[0], &path)) {
		suppress_free(s.supp);
		return 1;
	}
	s.tr = tracee_new();
	s.heap = heapmap_new();
	s.stacks = stacktab_new();
	s.freed = freeq_new(cfg->freelist_vol, 1u << 20);
	if (!s.tr || !s.heap || !s.stacks || !s.freed) {
		lt_error("out of memory");
		goto out;
	}
	if (cfg->attach_pid) {
		rc = run_attached(&s);
		goto out;
	}
	/* the log must be open before the child exists, so a bad --log-file
	 * fails before anything runs; %p needs the PID, so it is opened after
	 * the fork but before the child is released */
	if (tracee_spawn(cfg->target_argv, &s.pid, &s.exec_err_fd, err, sizeof err)) {
		lt_error("%s", err);
		goto out;
	}
	s.log = open_log(cfg->log_file, cfg->log_fd, s.pid);
	if (!s.log) {
		lt_error("cannot open log file '%s': %s", cfg->log_file ? cfg->log_file : "(fd)",
			 strerror(errno));
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
		goto out;
	}
	if (cfg->xml) {
		if (cfg->xml_file)
			s.xml = open_log(cfg->xml_file, 2, s.pid);
		else if (cfg->xml_fd >= 0)
			s.xml = open_log(NULL, cfg->xml_fd, s.pid);
		if (!s.xml) {
			lt_error(
			    "--xml=yes needs --xml-file=FILE or --xml-fd=N that can be written");
			kill(s.pid, SIGKILL);
			waitpid(s.pid, NULL, 0);
			goto out;
		}
	}
	s.sym = symbols_new(s.pid, &s.tm);
	s.bt = bptab_new(&s.tm, map_scratch, &s);
	struct thread *main_thread = tracee_thread_add(s.tr, s.pid);
	if (main_thread) {
		main_thread->kind = TK_THREAD;
		main_thread->num = ++s.threads_seen;
	}
	if (!s.sym || !s.bt || !main_thread) {
		lt_error("out of memory");
		kill(s.pid, SIGKILL);
		goto out;
	}

	struct report *rep = &s.rep;
	rep->target_exe = cfg->target_argv[0];
	rep->target_args = cfg->target_argv + 1;
	fill_report_identity(&s);
	if (!cfg->quiet && (!cfg->xml || cfg->log_file))
		report_text_preamble(s.log, rep);
	if (s.xml)
		report_xml_preamble(s.xml, rep, 0);
	fflush(s.log);

	/* the fast path: run mode only; -p detaches and --trace-children forks
	 * sessions, and both want every hook to be a plain int3 */
	s.fast_wanted = !cfg->breakpoint_mode && !cfg->trace_children;
	s.ring_fd = -1;
	install_signal_handlers(false);
	tracee_release_spawned(s.pid);
	if (wait_loop(&s) < 0 && !s.exited) {
		kill(s.pid, SIGKILL);
		goto out;
	}
	if (!s.exec_seen) {
		int e = 0;
		if (read(s.exec_err_fd, &e, sizeof e) == sizeof e)
			lt_error("cannot run '%s': %s", cfg->target_argv[0], strerror(e));
		else
			lt_error("'%s' ended before it started", cfg->target_argv[0]);
		goto out;
	}
	if (s.stopped_by)
		rc = 128 + s.stopped_by;
	else if (WIFSIGNALED(s.exit_status))
		rc = 128 + WTERMSIG(s.exit_status);
	else
		rc = WEXITSTATUS(s.exit_status);
	if (cfg->error_exitcode && count_errors(&s))
		rc = cfg->error_exitcode;
out:
	if (s.exec_err_fd >= 0)
		close(s.exec_err_fd);
	if (s.log)
		fclose(s.log);
	if (s.xml)
		fclose(s.xml);
	if (s.ring)
		munmap(s.ring, s.ring_size);
	if (s.ring_fd >= 0)
		close(s.ring_fd);
	free(s.rep.records);
	free(s.supp_used);
	suppress_free(s.supp);
	fdtab_free(s.fds);
	free(s.errors);
	free(s.error_stacks);
	free(s.growth_prev);
	if (s.cmdline)
		free(s.cmdline[0]);
	free(s.cmdline);
	unwind_free(s.uw);
	bptab_free(s.bt);
	symbols_free(s.sym);
	freeq_free(s.freed);
	stacktab_free(s.stacks);
	heapmap_free(s.heap);
	tracee_free(s.tr);
	target_mem_close(&s.tm);
	free(path);
	return rc;
}
