/* fdevents: --track-fds, the descriptor functions' entries and returns.
 *
 * A hooked descriptor function (fdfns.c) is followed like an allocator:
 * its stack at the entry, its result at a return trap, and the descriptor
 * table (fdreport.c) updated from it.  A call of syscall() is followed as
 * the function that does its system call, or let go at once. */
#include <capstone/capstone.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/fdfns.h"
#include "leaktrace/fdreport.h"
#include "leaktrace/report_text.h"

#include "session_int.h"

uint64_t fdevents_top_pc(struct session *s, uint64_t addr, uint64_t size)
{
	uint8_t code[1024];
	uint64_t top = 0;
	cs_insn *insn;
	csh cs;

	if (!size || size > sizeof code || target_read(&s->tm, addr, code, size) != (ssize_t)size ||
	    cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return 0;
	size_t n = cs_disasm(cs, code, size, addr, 0, &insn);
	for (size_t i = 0; i < n && !top; i++)
		if (insn[i].id == X86_INS_SYSCALL)
			top = insn[i].address + insn[i].size;
	if (n)
		cs_free(insn, n);
	cs_close(&cs);
	return top;
}

/* The stack of the thread at a descriptor function's entry, as printed
 * (the fd report resolves its frames itself); top, when known, stands for
 * the entry as the first frame (fdevents_top_pc). */
static uint32_t entry_stack(struct session *s, struct thread *th, const struct user_regs_struct *r,
			    uint64_t top)
{
	struct alloc_request req = { .kind = AFN_FREE };
	uint32_t stack_id = bpevents_capture(s, th, r, NULL, &req);
	struct report_stack st = session_trim_below_main(s, session_stack(s, stack_id));
	uint64_t pcs[MAX_FRAMES];

	if (!top || st.n == 0 || st.n > MAX_FRAMES)
		return events_intern(s, st.pcs, st.n);
	memcpy(pcs, st.pcs, st.n * sizeof *pcs);
	pcs[0] = top;
	return events_intern(s, pcs, st.n);
}

/* Protocol 5's FdBadClose, written when it happens, once per stack (later
 * ones only counted), numbered by memcheck's error counter. */
static void bad_close_xml(struct session *s, struct thread *th, int fd, uint32_t stack_id,
			  const struct report_stack *st)
{
	struct errors_part *e = &s->err;

	for (size_t i = 0; i < e->ncore; i++)
		if (e->core_stacks[i] == stack_id) {
			e->core[i].count++;
			e->occurrences++;
			return;
		}
	if (e->ncore == e->core_cap) {
		size_t cap = e->core_cap ? e->core_cap * 2 : 8;
		struct core_error_count *c = realloc(e->core, cap * sizeof *c);
		if (c)
			e->core = c;
		uint32_t *ids = realloc(e->core_stacks, cap * sizeof *ids);
		if (ids)
			e->core_stacks = ids;
		if (!c || !ids)
			return;
		e->core_cap = cap;
	}
	unsigned unique = e->occurrences++;
	e->core[e->ncore] = (struct core_error_count){ unique, 1 };
	e->core_stacks[e->ncore++] = stack_id;
	s->rep.core_errors = e->core;
	s->rep.ncore_errors = e->ncore;
	fdreport_write_bad_close_xml(s->xml, &s->rep, unique, th->num, fd, st);
	fflush(s->xml);
}

/* close(fd), decided at its entry: one stop instead of two, and no stack
 * unless the close is a bad one.  Linux releases the number whatever close
 * returns, unless it was not open (EBADF); whether it was is the kernel's
 * word (/proc/PID/fd), since a number opened out of our sight (an inline
 * system call) is open without being in the table. */
static void close_at_entry(struct session *s, struct thread *th, const struct user_regs_struct *r,
			   int fd, uint64_t top)
{
	if (!s->fds || fdtab_close(s->fds, fd) == 1 || fdreport_kernel_has(s->tm.pid, fd))
		return;
	/* not open: say it as memcheck 3.22 does */
	uint32_t stack_id = entry_stack(s, th, r, top);
	struct report_stack st = session_stack(s, stack_id);
	if (!s->cfg->xml || s->cfg->log_file) {
		session_say(s, "File descriptor %d was closed already", fd);
		report_text_stack(s->log, &s->rep, &st);
		session_say(s, "%s", "");
	}
	if (s->xml)
		bad_close_xml(s, th, fd, stack_id, &st);
}

/* Whether the msghdr at addr has room for an SCM_RIGHTS message. */
static bool wants_control(struct session *s, uint64_t addr)
{
	struct msghdr mh = { 0 };

	return target_read(&s->tm, addr, &mh, sizeof mh) == sizeof mh && mh.msg_control &&
	       mh.msg_controllen >= CMSG_LEN(sizeof(int));
}

/* The descriptors a recvmsg received (SCM_RIGHTS control messages), named
 * as a dup's are (memcheck records them so too). */
static void received_fds(struct session *s, const struct pending_call *pc)
{
	struct msghdr mh = { 0 };
	unsigned char ctl[4096];
	char path[4096];

	if (target_read(&s->tm, pc->args[1], &mh, sizeof mh) != sizeof mh || !mh.msg_control)
		return;
	size_t len = mh.msg_controllen < sizeof ctl ? mh.msg_controllen : sizeof ctl;
	if (target_read(&s->tm, (uint64_t)(uintptr_t)mh.msg_control, ctl, len) != (ssize_t)len)
		return;
	/* walk our copy: the CMSG macros on a header that points at it */
	mh.msg_control = ctl;
	mh.msg_controllen = len;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0) || (unsigned char *)c + c->cmsg_len > ctl + len)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
			if (fdreport_resolve_path(s->tm.pid, fd, path, sizeof path) < 0)
				path[0] = '\0';
			fdtab_open(s->fds, fd, pc->stack_id, path[0] ? path : NULL);
			fdreport_remember(s->fds, s->tm.pid, fd);
		}
	}
}

/* --track-fds: an fd function's entry.  Its return is caught like an
 * allocator's; a tail call from another hooked function is part of it. */
int fdevents_entry(struct session *s, struct thread *th, const struct breakpoint *bp,
		   struct user_regs_struct *r)
{
	int idx = bp->tag - TAG_FD_BASE;
	uint64_t top = s->hk.fd_top[idx]; /* of the function hooked, syscall() included */
	uint64_t ret = 0, trap = s->hk.trap_return;
	uint64_t args[4] = { r->rdi, r->rsi, r->rdx, r->rcx };

	r->rip = bp->resume;
	if (fdfn_table[idx].kind == FDF_SYSCALL) {
		/* syscall(NR, a, b, c, d): followed as the function doing NR */
		if ((idx = fdfn_for_syscall((long)r->rdi)) < 0)
			return tracee_setregs(th->tid, r);
		args[0] = r->rsi, args[1] = r->rdx, args[2] = r->rcx, args[3] = r->r8;
	}
	/* only F_DUPFD and F_DUPFD_CLOEXEC make a descriptor: any other
	 * fcntl (F_GETFL, F_SETFL, F_SETFD...) goes on at once */
	if (fdfn_table[idx].kind == FDF_FCNTL && args[1] != F_DUPFD && args[1] != F_DUPFD_CLOEXEC)
		return tracee_setregs(th->tid, r);
	/* a recvmsg without room for a control message receives no descriptor */
	if (fdfn_table[idx].kind == FDF_RECVMSG && !wants_control(s, args[1]))
		return tracee_setregs(th->tid, r);
	/* a trap in the slot already: the call is an allocator's tail call */
	if (target_read(&s->tm, r->rsp, &ret, 8) != 8 || ret == trap || th->ncalls == MAX_NEST ||
	    events_nested(s, th, ret))
		return tracee_setregs(th->tid, r);
	struct user_regs_struct at_entry = *r;
	at_entry.rip = bp->addr;
	if (fdfn_table[idx].kind == FDF_CLOSE) {
		close_at_entry(s, th, &at_entry, (int)args[0], top);
		return tracee_setregs(th->tid, r);
	}
	uint32_t stack_id = entry_stack(s, th, &at_entry, top);
	struct alloc_request req = { .kind = AFN_FREE };
	if (target_write(&s->tm, r->rsp, &trap, 8))
		return tracee_setregs(th->tid, r);
	th->calls[th->ncalls++] =
	    (struct pending_call){ .req = req,
				   .sp = r->rsp,
				   .ret = ret,
				   .stack_id = stack_id,
				   .fn = -1,
				   .fdfn = idx,
				   .args = { args[0], args[1], args[2], args[3] } };
	return tracee_setregs(th->tid, r);
}

void fdevents_return(struct session *s, const struct pending_call *pc, int64_t res)
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
		fdreport_remember(s->fds, s->tm.pid, (int)res);
		return;
	case FDF_PAIR:
		if (res == 0 &&
		    target_read(&s->tm, pc->args[f->pair_arg], fds, sizeof fds) == sizeof fds) {
			fdtab_open(s->fds, fds[0], pc->stack_id, NULL);
			fdtab_open(s->fds, fds[1], pc->stack_id, NULL);
			fdreport_remember(s->fds, s->tm.pid, fds[0]);
			fdreport_remember(s->fds, s->tm.pid, fds[1]);
		}
		return;
	case FDF_FCNTL:
		if (res >= 0 && (pc->args[1] == F_DUPFD || pc->args[1] == F_DUPFD_CLOEXEC)) {
			if (fdreport_resolve_path(s->tm.pid, (int)res, path, sizeof path) < 0)
				path[0] = '\0';
			fdtab_open(s->fds, (int)res, pc->stack_id, path[0] ? path : NULL);
			fdreport_remember(s->fds, s->tm.pid, (int)res);
		}
		return;
	case FDF_CLOSE_RANGE:
		/* with CLOSE_RANGE_CLOEXEC the descriptors stay open */
		if (res == 0 && !(pc->args[2] & CLOSE_RANGE_CLOEXEC))
			fdtab_close_range(s->fds, (unsigned)pc->args[0], (unsigned)pc->args[1]);
		return;
	case FDF_RECVMSG:
		if (res >= 0)
			received_fds(s, pc);
		return;
	case FDF_SYSCALL: /* mapped at the entry */
		return;
	case FDF_CLOSE: /* decided at the entry (close_at_entry) */
		return;
	}
}
