/* target: reading and writing the memory of the traced process. */
#ifndef LEAKTRACE_TARGET_H
#define LEAKTRACE_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct target_mem {
	pid_t pid;
	int memfd; /* /proc/PID/mem, opened read-write */
};

/* 0 or a negative errno. */
int target_mem_open(struct target_mem *tm, pid_t pid);
void target_mem_close(struct target_mem *tm);

/* Bytes read from the start of [addr, addr+len): short at the first
 * unreadable page; -1 with errno if nothing could be read. */
ssize_t target_read(const struct target_mem *tm, uint64_t addr, void *buf, size_t len);

/* Writes through /proc/PID/mem, which may write read-only code pages (the
 * kernel forces the write as it does for ptrace).  0 or a negative errno. */
int target_write(const struct target_mem *tm, uint64_t addr, const void *buf, size_t len);

/* --malloc-fill / --free-fill: [addr, addr+len) set to byte, through
 * target_write.  The thread that owns the block must be stopped (on the fast
 * path the program may already have written into a new block when its record
 * is read: options.c turns the fast path off with these options).  0 or a
 * negative errno. */
int target_fill(const struct target_mem *tm, uint64_t addr, uint64_t len, int byte);

#endif
