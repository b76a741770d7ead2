/* procmaps: the target's /proc/PID/maps, parsed, and fields of its
 * /proc/PID/status. */
#ifndef LEAKTRACE_PROCMAPS_H
#define LEAKTRACE_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct mapping {
	uint64_t start, end;
	uint64_t offset;
	uint64_t inode;
	bool r, w, x, shared;
	char *path; /* "" for anonymous, "[heap]", "[stack]", ... */
};

struct maps {
	struct mapping *v;
	size_t n;
};

/* 0 or a negative errno.  Free with procmaps_free. */
int procmaps_read(pid_t pid, struct maps *m);
void procmaps_free(struct maps *m);

/* The mapping containing addr, or NULL. */
const struct mapping *procmaps_find(const struct maps *m, uint64_t addr);

/* A page-aligned address for len bytes in a gap of the address space
 * within 1.5 GiB of near and outside [avoid_lo, avoid_hi), or 0 if none. */
uint64_t procmaps_free_near(const struct maps *m, uint64_t near, uint64_t len, uint64_t avoid_lo,
			    uint64_t avoid_hi);

/* Numeric field `field` of /proc/PID/stat, or of /proc/PID/task/TID/stat
 * when tid > 0, numbered as proc(5) numbers them (4 on: the ones after the
 * command name and the state), into *out.  0, or a negative errno
 * (-EINVAL: no such field, or not a number). */
int procmaps_stat_field(pid_t pid, pid_t tid, int field, uint64_t *out);

/* Where the program break started (start_brk of /proc/PID/stat), or 0. */
uint64_t procmaps_start_brk(pid_t pid);

/* The value of field key ("Tgid", "SigPnd", ...) in /proc/PID/status, the
 * leading blanks left out, into out.  0, -ENOENT, or a negative errno. */
int procmaps_status_field(pid_t pid, const char *key, char *out, size_t len);

/* The same field read as a number in base (10, or 16 for signal masks);
 * dflt when it cannot be read. */
unsigned long long procmaps_status_number(pid_t pid, const char *key, int base,
					  unsigned long long dflt);

#endif
