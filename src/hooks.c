/* hooks: which allocator functions are hooked, and how.
 *
 * At the exec stop only the program and the dynamic loader are mapped: the
 * loader's r_debug notification is hooked, and at each consistent link map
 * every allocator name (allocfns.c) is bound again and hooked, by a stub of
 * the fast path where one fits, else by an int3.  exit, _exit and the
 * descriptor functions of --track-fds are hooked here too. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/fdfns.h"
#include "leaktrace/fdreport.h"

#include "session_int.h"

bool hooks_in_fn_range(const struct session *s, uint64_t pc, bool operators)
{
	for (unsigned i = 0; i < s->hk.nfns; i++) {
		const struct hooked_fn *f = &s->hk.fns[i];
		enum afn_kind k = allocfn_table[f->afn].kind;
		bool is_op = k == AFN_OP_NEW || k == AFN_OP_DELETE;
		if (is_op == operators && pc >= f->addr && pc < f->addr + (f->size ? f->size : 1))
			return true;
	}
	return false;
}

int hooks_add(struct session *s, uint64_t addr, int tag, const char *what)
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
uint64_t hooks_fn_addr(const struct session *s, const char *name)
{
	for (unsigned i = 0; i < s->hk.nfns; i++)
		if (!strcmp(allocfn_table[s->hk.fns[i].afn].name, name))
			return s->hk.fns[i].addr;
	return 0;
}

/* Where a call to name goes: the definition the dynamic linker binds.  A
 * static program links nothing at run time, so its own definition is the
 * one called even when it is a local symbol (a static-pie's glibc has
 * malloc, exit and _exit only as local aliases).  0 or -ENOENT. */
int hooks_bind(struct session *s, const char *name, uint64_t *addr, uint64_t *size)
{
	if (!symbols_bind(s->sym, name, addr, size, NULL))
		return 0;
	if (!s->hk.static_exe)
		return -ENOENT;
	return symbols_lookup_in_module_of(s->sym, s->hk.static_exe, name, addr, size);
}

/* Whether new blocks of allocator function i (at addr) are zeroed before
 * the program gets them.  memcheck sees a new block's bytes as undefined
 * until written, so stale pointers an earlier owner left there never keep
 * a block alive; leaktrace cannot track definedness, and zeroes them
 * instead.  No correct program reads what it did not write, so none can
 * tell.  Only glibc's malloc (known by its tcache_key, which needs glibc's
 * symbols), whose chunk header the fast path's stubs read to see how many
 * bytes to zero and whether the chunk is mmapped (zero already); not
 * calloc's (zeroed).  realloc's only past what the old chunk held, and not
 * with -p's fail-safe stubs, whose realloc is an unchecked plain call. */
static bool zeroes_new(struct session *s, unsigned i, uint64_t addr)
{
	uint64_t key, size;

	switch (allocfn_table[i].kind) {
	case AFN_MALLOC:
	case AFN_MEMALIGN:
	case AFN_VALLOC:
	case AFN_PVALLOC:
		return s->cfg->zero_new &&
		       !symbols_lookup_in_module_of(s->sym, addr, "tcache_key", &key, &size);
	case AFN_REALLOC:
		return s->cfg->zero_new && !s->fp.failsafe &&
		       !symbols_lookup_in_module_of(s->sym, addr, "tcache_key", &key, &size);
	default:
		return false;
	}
}

/* Whether function i at addr is glibc's free, whose freed chunks are held
 * back from reuse (fastpath.h's fp_ring_set_hold): known by its tcache_key,
 * as zeroes_new knows malloc; not with -p (with or without the fast path). */
static bool holds_freed(struct session *s, unsigned i, uint64_t addr)
{
	uint64_t key, size;

	return allocfn_table[i].kind == AFN_FREE && session_hold_slots(s, 0) && !s->rep.attached &&
	       !symbols_lookup_in_module_of(s->sym, addr, "tcache_key", &key, &size);
}

/* (Re)binds every allocator name; called at each consistent link map. */
void hooks_install(struct session *s)
{
	uint64_t addr, size;

	symbols_refresh(s->sym);
	for (unsigned i = 0; i < allocfn_count; i++) {
		if (hooks_bind(s, allocfn_table[i].name, &addr, &size))
			continue;
		bool known = false;
		for (unsigned j = 0; j < s->hk.nfns; j++)
			known |= s->hk.fns[j].afn == i && s->hk.fns[j].addr == addr;
		if (known || s->hk.nfns == MAX_FNS)
			continue;
		/* memalign and aligned_alloc share an address in glibc */
		const struct breakpoint *b = bptab_lookup(s->bt, addr);
		if ((b && b->tag >= 0 && b->tag < (int)s->hk.nfns) || fastpatch_patched(s, addr))
			continue;
		s->hk.fns[s->hk.nfns] = (struct hooked_fn){ i, addr, size, zeroes_new(s, i, addr),
							    holds_freed(s, i, addr) };
		enum fp_kind fk;
		bool fits = fastpatch_kind(allocfn_table[i].kind, s->fp.failsafe, &fk);
		if (s->fp.wanted && !s->fp.failed && fits &&
		    (s->hk.all_stopped || threads_live_count(s) == 1)) {
			if (!s->fp.ring && fastpatch_setup(s)) {
				s->fp.failed = true;
				if (s->fp.failsafe)
					lt_error("warning: the fast path cannot be set up in %d; "
						 "breakpoints are used, which a killed leaktrace "
						 "would leave behind",
						 s->pid);
				else if (s->cfg->verbose)
					lt_error("note: the fast path cannot be set up; "
						 "breakpoints only");
			}
			if (s->fp.ring && !fastpatch_hook(s, s->hk.nfns, fk)) {
				symbols_mark_entry(s->sym, addr, allocfn_table[i].name);
				s->hk.nfns++;
				continue;
			}
		}
		/* -p with the fast path: no int3 that would outlive us (posix_memalign
		 * is not followed; its frees are then those of unseen blocks), nor for
		 * a function no stub fits */
		if (s->fp.failsafe && s->fp.ring) {
			if (fits)
				lt_error("warning: %s is not followed in %d: no fail-safe hook "
					 "fits it",
					 allocfn_table[i].name, s->pid);
			continue;
		}
		if (!hooks_add(s, addr, (int)s->hk.nfns, allocfn_table[i].name))
			s->hk.nfns++;
	}
	/* nor exit's and _exit's: a service is not expected to end */
	bool exits = !(s->fp.failsafe && s->fp.ring);
	if (exits && !s->hk.exit_fn && !hooks_bind(s, "_exit", &addr, &size)) {
		if (!hooks_add(s, addr, TAG_EXIT, "_exit"))
			s->hk.exit_fn = addr;
	}
	if (exits && !s->hk.exit_call_fn && !hooks_bind(s, "exit", &addr, &size)) {
		if (!hooks_add(s, addr, TAG_EXIT_CALL, "exit"))
			s->hk.exit_call_fn = addr;
	}
	if (!s->hk.libc_freeres && !symbols_bind(s->sym, "__libc_freeres", &addr, &size, NULL))
		s->hk.libc_freeres = addr;
	if (!s->hk.cxx_freeres &&
	    !symbols_bind(s->sym, "_ZN9__gnu_cxx9__freeresEv", &addr, &size, NULL))
		s->hk.cxx_freeres = addr;
	int inner_fcntl = -1; /* the index of fcntl's body, once it is hooked */
	for (unsigned i = 0; s->cfg->track_fds && i < fdfn_count; i++) {
		/* fcntl and __fcntl64_nocancel call that body, hooked first: a
		 * second hook would record its descriptor again, with a shorter
		 * stack than valgrind's */
		if (fdfn_table[i].kind == FDF_FCNTL) {
			if (inner_fcntl >= 0 && s->hk.fd_hooked[inner_fcntl])
				continue;
			inner_fcntl = (int)i;
		}
		/* glibc's hidden functions (__openat64_nocancel) are local
		 * symbols of its symbol table (libc's debug file): looked up
		 * in the module that defines __libc_freeres */
		if (s->hk.fd_hooked[i] ||
		    (symbols_bind(s->sym, fdfn_table[i].name, &addr, &size, NULL) &&
		     (!s->hk.libc_freeres || strncmp(fdfn_table[i].name, "__", 2) ||
		      symbols_lookup_in_module_of(s->sym, s->hk.libc_freeres, fdfn_table[i].name,
						  &addr, &size))))
			continue;
		if (bptab_lookup(s->bt, addr))
			continue; /* an alias of one hooked already */
		if (!hooks_add(s, addr, TAG_FD_BASE + (int)i, fdfn_table[i].name)) {
			s->hk.fd_hooked[i] = addr;
			s->hk.fd_top[i] = fdevents_top_pc(s, addr, size);
		}
	}
	if (!s->hk.nfns && !s->hk.hooks_warned) {
		s->hk.hooks_warned = true;
		lt_error("warning: no allocator functions found (a stripped static program?); "
			 "nothing can be tracked");
	}
}

uint64_t hooks_at_base(pid_t pid)
{
	uint64_t auxv[2 * 64], at_base = 0;
	char fn[64];
	int fd;

	snprintf(fn, sizeof fn, "/proc/%d/auxv", (int)pid);
	if ((fd = open(fn, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	ssize_t n = read(fd, auxv, sizeof auxv);
	for (ssize_t i = 0; i + 1 < n / 8; i += 2)
		if (auxv[i] == AT_BASE)
			at_base = auxv[i + 1];
	close(fd);
	return at_base;
}

/* Hooks the dynamic loader's notification of link-map changes (mapped at
 * at_base): its _dl_debug_state, and _r_debug to read the state from. */
int hooks_loader(struct session *s, uint64_t at_base)
{
	Dwfl_Module *ld = dwfl_addrmodule(symbols_dwfl(s->sym), at_base);
	uint64_t addr, size;

	if (!ld || symbols_module_lookup(ld, "_dl_debug_state", &addr, &size))
		return -ENOENT;
	symbols_module_lookup(ld, "_r_debug", &s->hk.rdebug, &size);
	return hooks_add(s, addr, TAG_DLSTATE, "_dl_debug_state");
}

/* At the exec stop: the program and the dynamic loader are mapped, nothing
 * else.  Hook the loader's r_debug notification; at its first consistent
 * state every DT_NEEDED library is mapped and relocated and no constructor
 * has run yet, which is when the allocator hooks go in. */
int hooks_setup_after_exec(struct session *s, pid_t tid)
{
	int err;

	struct thread *th = tracee_thread(s->tr, tid);
	if ((err = tracee_finish_syscall(tid, th ? &th->pending_sig : NULL))) {
		lt_error("cannot step the program out of execve: %s", strerror(-err));
		return err;
	}
	return hooks_setup_image(s, tid);
}

/* The same for a thread already out of execve, at the new program's first
 * instruction (an exec'd child handed to a copy of leaktrace). */
int hooks_setup_image(struct session *s, pid_t tid)
{
	int err;

	s->hk.borrow_tid = tid;
	target_mem_close(&s->tm);
	if ((err = target_mem_open(&s->tm, s->pid))) {
		lt_error("cannot open /proc/%d/mem: %s", s->pid, strerror(-err));
		return err;
	}
	uint64_t at_base = hooks_at_base(s->pid);
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
	s->hk.trap_return = bptab_trap(s->bt, TRAP_RETURN);
	s->hk.static_exe = at_base ? 0 : near;
	if (!at_base) {
		/* static: the allocator is in the program, and what glibc
		 * allocates before main is the start-up a dynamic program's
		 * loader does unseen: tracked from main on */
		uint64_t addr, size;
		hooks_install(s);
		if (s->hk.nfns && !hooks_bind(s, "main", &addr, &size) &&
		    !hooks_add(s, addr, TAG_MAIN, "main"))
			s->ev.before_main = true;
		return 0;
	}
	if ((err = hooks_loader(s, at_base)))
		lt_error("cannot find _dl_debug_state in the dynamic loader");
	return err;
}
