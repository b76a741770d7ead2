/* memlimit: the memory limit that stops a growing process, and the time
 * left at a given growth (see memlimit.h for the order of the limits).  The
 * cgroup limit is looked up from the process's own /proc/PID/cgroup line
 * (the v2 "0::" line, else the v1 "memory" controller), walking up to the
 * root because a parent's limit binds its children too. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "leaktrace/memlimit.h"

double memlimit_eta(double rate, uint64_t used, uint64_t limit)
{
	if (used >= limit)
		return 0;
	if (rate <= 0)
		return -1;
	return (double)(limit - used) / rate;
}

const char *memlimit_kind_name(enum memlimit_kind k)
{
	switch (k) {
	case MEMLIMIT_CGROUP:
		return "cgroup memory.max";
	case MEMLIMIT_AS:
		return "RLIMIT_AS";
	case MEMLIMIT_DATA:
		return "RLIMIT_DATA";
	case MEMLIMIT_AVAILABLE:
		return "available memory";
	default:
		return "no limit";
	}
}

/* The first number in file path (its "max" is UINT64_MAX); -1 if none. */
static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	char buf[64];

	if (!f)
		return -1;
	char *s = fgets(buf, sizeof buf, f);
	fclose(f);
	if (!s)
		return -1;
	if (!strncmp(buf, "max", 3)) {
		*v = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 10);
	if (end == buf || errno)
		return -1;
	*v = x;
	return 0;
}

/* The value of "key:" in a /proc file of "key: N kB" lines, in bytes. */
static int read_kb(const char *path, const char *key, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t kl = strlen(key);
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			*v = strtoull(line + kl + 1, NULL, 10) * 1024;
			rc = 0;
			break;
		}
	fclose(f);
	return rc;
}

/* The cgroup limit of pid, the smallest on the way to the root. */
static int cgroup_limit(const char *proc, const char *cgroupfs, pid_t pid, struct memlimit *out)
{
	char path[1200], line[512], v2[512] = "", v1[512] = "";
	bool have_v2 = false, have_v1 = false;

	snprintf(path, sizeof path, "%s/%d/cgroup", proc, (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "0::", 3)) {
			snprintf(v2, sizeof v2, "%s", line + 3);
			have_v2 = true;
		} else {
			char *c = strchr(line, ':'), *p = c ? strchr(c + 1, ':') : NULL;
			if (c && p) {
				*p = 0;
				for (char *tok = strtok(c + 1, ","); tok; tok = strtok(NULL, ","))
					if (!strcmp(tok, "memory")) {
						snprintf(v1, sizeof v1, "%s", p + 1);
						have_v1 = true;
					}
			}
		}
	}
	fclose(f);

	for (int pass = 0; pass < 2; pass++) {
		bool is_v2 = pass == 0;
		if (is_v2 ? !have_v2 : !have_v1)
			continue;
		const char *base = is_v2 ? "" : "/memory";
		char cg[512];
		snprintf(cg, sizeof cg, "%s", is_v2 ? v2 : v1);
		uint64_t best = UINT64_MAX, best_used = 0;
		char best_cg[512] = "";
		for (;;) {
			uint64_t lim, used;
			snprintf(path, sizeof path, "%s%s%s/%s", cgroupfs, base,
				 strcmp(cg, "/") ? cg : "",
				 is_v2 ? "memory.max" : "memory.limit_in_bytes");
			/* v1 says "no limit" with a huge page-rounded number */
			if (!read_u64(path, &lim) && lim < (1ULL << 62) && lim < best) {
				snprintf(path, sizeof path, "%s%s%s/%s", cgroupfs, base,
					 strcmp(cg, "/") ? cg : "",
					 is_v2 ? "memory.current" : "memory.usage_in_bytes");
				if (!read_u64(path, &used)) {
					best = lim;
					best_used = used;
					snprintf(best_cg, sizeof best_cg, "%s", cg);
				}
			}
			char *slash = strrchr(cg, '/');
			if (!slash || !strcmp(cg, "/") || !cg[0])
				break;
			if (slash == cg)
				strcpy(cg, "/");
			else
				*slash = 0;
		}
		if (best != UINT64_MAX) {
			out->kind = MEMLIMIT_CGROUP;
			out->limit = best;
			out->used = best_used;
			snprintf(out->cgroup, sizeof out->cgroup, "%.255s", best_cg);
			return 0;
		}
	}
	return -1;
}

int memlimit_read(const char *proc, const char *cgroupfs, pid_t pid, struct memlimit *out)
{
	char status[256], meminfo[256];
	uint64_t vmsize = 0, vmdata = 0;

	memset(out, 0, sizeof *out);
	snprintf(status, sizeof status, "%s/%d/status", proc, (int)pid);
	if (read_kb(status, "VmRSS", &out->rss))
		return -ENOENT;
	read_kb(status, "VmSize", &vmsize);
	read_kb(status, "VmData", &vmdata);
	if (!cgroup_limit(proc, cgroupfs, pid, out))
		return 0;

	struct rlimit as, data;
	uint64_t best = UINT64_MAX;
	if (!prlimit(pid, RLIMIT_AS, NULL, &as) && as.rlim_cur != RLIM_INFINITY) {
		out->kind = MEMLIMIT_AS;
		out->limit = as.rlim_cur;
		out->used = vmsize;
		best = as.rlim_cur > vmsize ? as.rlim_cur - vmsize : 0;
	}
	if (!prlimit(pid, RLIMIT_DATA, NULL, &data) && data.rlim_cur != RLIM_INFINITY &&
	    (data.rlim_cur > vmdata ? data.rlim_cur - vmdata : 0) < best) {
		out->kind = MEMLIMIT_DATA;
		out->limit = data.rlim_cur;
		out->used = vmdata;
	}
	if (out->kind != MEMLIMIT_NONE)
		return 0;
	uint64_t avail;
	snprintf(meminfo, sizeof meminfo, "%s/meminfo", proc);
	if (!read_kb(meminfo, "MemAvailable", &avail)) {
		out->kind = MEMLIMIT_AVAILABLE;
		out->used = out->rss;
		out->limit = out->rss + avail;
	}
	return 0;
}

char *memlimit_fmt_bytes(char buf[32], double b)
{
	static const char *const unit[] = { "KB", "MB", "GB", "TB" };
	if (b < 0)
		b = -b;
	if (b < 1024) {
		snprintf(buf, 32, "%.0f bytes", b);
		return buf;
	}
	int u = -1;
	while (b >= 1024 && u < 3) {
		b /= 1024;
		u++;
	}
	snprintf(buf, 32, "%.1f %s", b, unit[u]);
	return buf;
}

char *memlimit_fmt_seconds(char buf[32], double s)
{
	if (s < 120)
		snprintf(buf, 32, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, 32, "%.0f min", s / 60);
	else if (s < 172800)
		snprintf(buf, 32, "%.1f h", s / 3600);
	else
		snprintf(buf, 32, "%.1f days", s / 86400);
	return buf;
}
