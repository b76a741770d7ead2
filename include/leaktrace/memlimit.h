/* memlimit: how much memory a process may still take, and when it runs out
 * at its current growth.
 *
 * The limit that kills a growing process first is, in this order: its
 * cgroup's memory limit (cgroup v2 memory.max, or v1
 * memory.limit_in_bytes, the smallest over the cgroup and its ancestors,
 * against the cgroup's memory.current / memory.usage_in_bytes), else
 * RLIMIT_AS (against VmSize) or RLIMIT_DATA (against VmData), the one with
 * less headroom, read with prlimit(2) on the process, else the machine's
 * MemAvailable (the headroom itself).  The cgroup's usage counts every
 * process in it and its page cache: that is what its OOM killer counts. */
#ifndef LEAKTRACE_MEMLIMIT_H
#define LEAKTRACE_MEMLIMIT_H

#include <stdint.h>
#include <sys/types.h>

enum memlimit_kind {
	MEMLIMIT_NONE,
	MEMLIMIT_CGROUP,    /* cgroup memory.max / memory.limit_in_bytes */
	MEMLIMIT_AS,	    /* RLIMIT_AS */
	MEMLIMIT_DATA,	    /* RLIMIT_DATA */
	MEMLIMIT_AVAILABLE, /* MemAvailable of /proc/meminfo */
};

struct memlimit {
	enum memlimit_kind kind;
	uint64_t limit;	  /* bytes */
	uint64_t used;	  /* bytes counted against it now */
	uint64_t rss;	  /* the process's VmRSS, bytes (0 if unknown) */
	char cgroup[256]; /* MEMLIMIT_CGROUP: the cgroup holding the limit */
};

/* Seconds until used reaches limit at rate bytes/s: 0 when it already
 * has, a negative value when it never will (rate <= 0). */
double memlimit_eta(double rate, uint64_t used, uint64_t limit);

/* "cgroup memory.max", "RLIMIT_AS", "RLIMIT_DATA", "available memory". */
const char *memlimit_kind_name(enum memlimit_kind k);

/* The limit of process pid.  proc and cgroupfs are the mount points
 * ("/proc", "/sys/fs/cgroup"; other roots for tests).  0, or a negative
 * errno when even /proc/PID/status cannot be read. */
int memlimit_read(const char *proc, const char *cgroupfs, pid_t pid, struct memlimit *out);

/* "12.3 MB", "512 bytes", "3.0 GB": bytes for people (1 MB = 2^20). */
char *memlimit_fmt_bytes(char buf[32], double bytes);
/* "45 s", "12 min", "3.5 h", "2.1 days". */
char *memlimit_fmt_seconds(char buf[32], double s);

#endif
