/* inject: running a system call inside the target.
 *
 * Any "syscall" instruction in the target's executable memory will do: a
 * stopped thread's registers are saved, pointed at it with the call's
 * arguments, run to the syscall's exit and restored.  The scratch pages of
 * the breakpoint table and the fast path's ring are mapped this way. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "leaktrace/procmaps.h"

#include "session_int.h"

/* Any "syscall" (0f 05) bytes in executable memory will do: the thread is
 * stopped again at the syscall's exit before it executes anything after. */
uint64_t inject_syscall_insn(struct session *s)
{
	struct maps m;
	static const uint8_t pat[2] = { 0x0f, 0x05 };
	const size_t chunk = 65536;

	if (s->hk.syscall_insn)
		return s->hk.syscall_insn;
	uint8_t *buf = malloc(chunk);
	if (!buf || procmaps_read(s->tm.pid > 0 ? s->tm.pid : s->pid, &m)) {
		free(buf);
		return 0;
	}
	for (int pass = 0; pass < 2 && !s->hk.syscall_insn; pass++) {
		for (size_t i = 0; i < m.n && !s->hk.syscall_insn; i++) {
			const struct mapping *mp = &m.v[i];
			bool preferred =
			    strstr(mp->path, "ld-linux") || !strcmp(mp->path, "[vdso]");
			if (!mp->x || !mp->r || (pass == 0) != preferred)
				continue;
			for (uint64_t a = mp->start; a < mp->end && !s->hk.syscall_insn;
			     a += chunk - 1) {
				size_t len = mp->end - a < chunk ? mp->end - a : chunk;
				ssize_t n = target_read(&s->tm, a, buf, len);
				if (n < 2)
					break;
				uint8_t *hit = memmem(buf, (size_t)n, pat, 2);
				if (hit)
					s->hk.syscall_insn = a + (uint64_t)(hit - buf);
			}
		}
	}
	procmaps_free(&m);
	free(buf);
	return s->hk.syscall_insn;
}

/* Address space kept free above the brk heap (start_brk before it grows), for
 * it to grow into. */
#define BRK_ROOM (1ull << 30)

uint64_t inject_map_scratch(void *ctx, uint64_t near, uint64_t len, int *err)
{
	struct session *s = ctx;
	struct maps m;
	uint64_t hint = 0;
	long ret = 0;

	uint64_t insn = inject_syscall_insn(s);
	if (!insn) {
		*err = -ENOEXEC;
		return 0;
	}
	pid_t pid = s->tm.pid > 0 ? s->tm.pid : s->pid;
	if (near && !procmaps_read(pid, &m)) {
		/* the brk heap grows up from start_brk with nothing mapped there
		 * yet; where it is not randomised (setarch -R, a program run by
		 * gdb, randomize_va_space < 2) that is right after the bss, the
		 * hole nearest the executable's code: a scratch page there stops
		 * it, glibc moves its main arena to mmap'd memory, and that memory
		 * would be scanned as roots */
		uint64_t brk = procmaps_start_brk(pid), top = brk;
		for (size_t i = 0; i < m.n; i++)
			if (!strcmp(m.v[i].path, "[heap]") && m.v[i].end > top)
				top = m.v[i].end;
		hint = procmaps_free_near(&m, near, len, brk, brk ? top + BRK_ROOM : 0);
		procmaps_free(&m);
	}
	long args[6] = { (long)hint,
			 (long)len,
			 PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | (hint ? MAP_FIXED_NOREPLACE : 0),
			 -1,
			 0 };
	struct thread *th = tracee_thread(s->tr, s->hk.borrow_tid);
	int e = tracee_inject_syscall(s->hk.borrow_tid, insn, SYS_mmap, args, &ret,
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
