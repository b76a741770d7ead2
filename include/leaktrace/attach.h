/* attach: taking hold of a running process, every thread of it. */
#ifndef LEAKTRACE_ATTACH_H
#define LEAKTRACE_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "leaktrace/tracee.h"

/* Whether pid is a kernel thread (PF_KTHREAD in /proc/PID/stat): nothing
 * to trace, and ptrace refuses it with an EPERM that would blame the Yama
 * setting. */
bool attach_is_kernel_thread(pid_t pid);

/* Checks that pid can be attached to: it exists, is not a zombie, not
 * leaktrace itself, is an x86-64 process, and is not traced already.
 * 0, or -1 with a one-line reason in err. */
int attach_check(pid_t pid, char *err, size_t errlen);

/* Seizes every thread of pid with the given ptrace options and stops them
 * all (threads born meanwhile included: the task list is read until it no
 * longer changes).  Each thread is added to t as TK_THREAD, numbered from
 * *numbered (the thread group leader first), held stopped with its stop
 * in held_status.  On failure, threads already seized are let go as they
 * were, and -1 is returned with a reason in err. */
int attach_seize_all(struct tracee *t, pid_t pid, unsigned long options, unsigned *numbered,
		     char *err, size_t errlen);

/* The process's name (/proc/PID/comm) into buf. */
void attach_comm(pid_t pid, char *buf, size_t len);

#endif
