/* tracee: the traced process and its threads, and the wait loop. */
#ifndef LEAKTRACE_TRACEE_H
#define LEAKTRACE_TRACEE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "leaktrace/allocfns.h"
#include "leaktrace/heapmap.h"

#define MAX_NEST 16

/* An allocator call whose return we wait for. */
struct pending_call {
	struct alloc_request req;
	uint64_t sp;  /* rsp at entry: the return address slot */
	uint64_t ret; /* the real return address */
	uint32_t stack_id;
	uint8_t family;
	int fn;		/* index into the session's function table */
	int fdfn;	/* --track-fds: index into fdfn_table, or -1 */
	bool ignore;	/* a fast-path call inside another: its return is dropped */
	bool old_taken; /* fast-path realloc: old left the heap map at the entry */
	bool zero;	/* zero the new block's bytes from zero_from on (breakpoints) */
	uint64_t zero_from;
	struct block old;
	uint64_t args[4]; /* the fd function's arguments */
};

/* Left at an operator new/delete entry for the malloc or free it leads to. */
struct op_marker {
	bool valid;
	uint8_t family;
	uint64_t sp, ret; /* rsp and return address at the operator's entry */
	uint64_t op_addr; /* the operator's entry: the stack's first frame */
};

/* What a traced task is to us. */
enum task_kind {
	TK_THREAD,	/* a thread of the traced process */
	TK_UNKNOWN,	/* reported before its parent's fork/clone event */
	TK_FORK_CHILD,	/* a forked child: own memory, released once clean */
	TK_VFORK_CHILD, /* shares our memory until it execs or exits */
};

enum thread_state {
	TH_RUNNING,
	TH_STOPPED, /* held in a stop by us */
	TH_EXITING, /* held at PTRACE_EVENT_EXIT */
};

struct thread {
	pid_t tid;
	unsigned num; /* memcheck's thread number: 1 = main */
	enum task_kind kind;
	enum thread_state state;
	bool dead;	 /* passed PTRACE_EVENT_EXIT: not a root, not stopped */
	int pending_sig; /* a signal to deliver at the next resume */
	int held_status; /* wait status of the stop it is held in */

	struct pending_call calls[MAX_NEST];
	unsigned ncalls;
	struct op_marker marker;

	/* a call leaktrace makes inside the target (exit-time freeres) */
	bool in_inject;
	unsigned inject_next;
	struct user_regs_struct inject_saved;
	uint64_t inject_resume;
};

struct tracee;

/* Thread table. */
struct thread *tracee_thread(struct tracee *t, pid_t tid);
struct thread *tracee_thread_add(struct tracee *t, pid_t tid);
void tracee_thread_del(struct tracee *t, pid_t tid);
size_t tracee_threads(struct tracee *t, struct thread **out, size_t max);
/* Every task in the table, however many: a malloc'd array the caller
 * frees (NULL with *n = 0 when out of memory). */
struct thread **tracee_list(struct tracee *t, size_t *n);

/* Process-wide. */
struct tracee *tracee_new(void);
void tracee_free(struct tracee *t);

/* Starts argv[0] (searched in PATH) stopped and seized, with options set.
 * The child stops itself before execve; the caller releases it with
 * tracee_release_spawned() after printing whatever must come first.  If the
 * execve fails, the child exits 127 and its errno can be read from
 * *exec_err_fd (close-on-exec pipe; the caller closes it).  On failure
 * returns a negative errno and writes a message to err. */
int tracee_spawn(char *const argv[], pid_t *pid, int *exec_err_fd, char *err, size_t errlen);
int tracee_release_spawned(pid_t pid);

/* Resolves a program name as execvp would; a malloc'd path or NULL with
 * errno set. */
char *tracee_find_program(const char *name);

/* Whether name can be run and traced (found, executable, an x86-64 ELF or a
 * #! script).  Returns 0, or the exit status valgrind gives for it (127: not
 * found, 126: found but cannot run) with a one-line message in err.  *path
 * is the resolved path (malloc'd, the caller frees it) or NULL. */
int tracee_check_program(const char *name, char **path, char *err, size_t errlen);

/* The ptrace options leaktrace uses: PTRACE_O_EXITKILL only for a program
 * it started, never for one it attached to. */
unsigned long tracee_options(bool attached);

/* The CPU thread tid of process pid last ran on (field 39 of
 * /proc/PID/task/TID/stat), or -1.  The tracer's polling loop asks it
 * before giving its CPU away with sched_yield: that helps only a program
 * thread waiting for this very CPU, and hands the CPU to any other process
 * that shares it for a whole time slice, while the ring fills. */
int tracee_thread_cpu(pid_t pid, pid_t tid);

/* Moves the calling thread (the tracer) off CPU cpu, onto another its CPU
 * mask allows, and leaves the mask as it was: a move, not a pin.  Whether
 * it now runs elsewhere; false when no other CPU is allowed. */
bool tracee_leave_cpu(int cpu);

int tracee_getregs(pid_t tid, struct user_regs_struct *r);
int tracee_setregs(pid_t tid, const struct user_regs_struct *r);

/* Continues a stopped thread, delivering sig (0 = none). */
int tracee_cont(struct thread *th, int sig);

/* Runs a thread stopped inside a syscall (at the exec event) to that
 * syscall's exit, where registers can be changed safely.  0 or -errno. */
int tracee_finish_syscall(pid_t tid, int *pending_sig);

/* Runs syscall nr with args in stopped thread tid, at the syscall
 * instruction syscall_insn; the thread's registers are restored.  A signal
 * that arrives meanwhile is kept in *pending_sig.  0 or a negative errno;
 * the syscall's own result is in *ret. */
int tracee_inject_syscall(pid_t tid, uint64_t syscall_insn, long nr, const long args[6], long *ret,
			  int *pending_sig);

#endif
