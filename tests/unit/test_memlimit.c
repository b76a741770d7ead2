/* Unit tests of memlimit.c: the time left, and the limit read from a made-up
 * /proc and cgroup tree (v2, v1, a parent's limit, none), then from
 * prlimit on this process and MemAvailable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "leaktrace/memlimit.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[256], cmd[300];
	snprintf(path, sizeof path, "%s/%s", root, rel);
	snprintf(cmd, sizeof cmd, "mkdir -p $(dirname %s)", path);
	CHECK(system(cmd) == 0);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void test_eta(void)
{
	CHECK(memlimit_eta(1000, 0, 3600000) == 3600);
	CHECK(memlimit_eta(1000, 5000, 4000) == 0);
	CHECK(memlimit_eta(0, 0, 100) < 0);
	CHECK(memlimit_eta(-5, 0, 100) < 0);
	char b[32];
	CHECK_STR(memlimit_fmt_bytes(b, 512), "512 bytes");
	CHECK_STR(memlimit_fmt_bytes(b, 3 * 1048576.0 / 2), "1.5 MB");
	CHECK_STR(memlimit_fmt_seconds(b, 45), "45 s");
	CHECK_STR(memlimit_fmt_seconds(b, 3 * 3600), "3.0 h");
}

static void test_read(void)
{
	char proc[128], cg[128];
	struct memlimit m;
	pid_t me = getpid();
	char rel[64];

	snprintf(root, sizeof root, "/tmp/lt-memlimit-%d", (int)me);
	snprintf(proc, sizeof proc, "%s/proc", root);
	snprintf(cg, sizeof cg, "%s/cg", root);
	snprintf(rel, sizeof rel, "proc/%d/status", (int)me);
	put(rel, "Name:\tx\nVmSize:\t  200000 kB\nVmData:\t  100000 kB\nVmRSS:\t    5000 kB\n");
	put("proc/meminfo", "MemTotal: 8000000 kB\nMemAvailable:  4000000 kB\n");

	/* cgroup v2: the limit is on the parent */
	snprintf(rel, sizeof rel, "proc/%d/cgroup", (int)me);
	put(rel, "0::/app/worker\n");
	put("cg/app/worker/memory.max", "max\n");
	put("cg/app/worker/memory.current", "1000\n");
	put("cg/app/memory.max", "1073741824\n");
	put("cg/app/memory.current", "536870912\n");
	CHECK(memlimit_read(proc, cg, me, &m) == 0);
	CHECK(m.kind == MEMLIMIT_CGROUP);
	CHECK(m.limit == 1073741824 && m.used == 536870912);
	CHECK_STR(m.cgroup, "/app");
	CHECK(m.rss == 5000 * 1024);

	/* cgroup v1 memory controller, its no-limit value ignored at the leaf */
	put(rel, "4:memory:/svc\n1:cpu,cpuacct:/\n");
	put("cg/memory/svc/memory.limit_in_bytes", "9223372036854771712\n");
	put("cg/memory/memory.limit_in_bytes", "2147483648\n");
	put("cg/memory/memory.usage_in_bytes", "1024\n");
	CHECK(memlimit_read(proc, cg, me, &m) == 0);
	CHECK(m.kind == MEMLIMIT_CGROUP && m.limit == 2147483648u && m.used == 1024);

	/* no cgroup limit: RLIMIT_DATA of this very process, against VmData */
	put(rel, "0::/\n");
	struct rlimit old, data = { 64ULL << 30, RLIM_INFINITY };
	getrlimit(RLIMIT_DATA, &old);
	struct rlimit as;
	getrlimit(RLIMIT_AS, &as);
	if (as.rlim_cur == RLIM_INFINITY && !setrlimit(RLIMIT_DATA, &data)) {
		CHECK(memlimit_read(proc, cg, me, &m) == 0);
		CHECK(m.kind == MEMLIMIT_DATA);
		CHECK(m.limit == 64ULL << 30 && m.used == 100000 * 1024ULL);
		setrlimit(RLIMIT_DATA, &old);
	}
	/* nothing set: MemAvailable is the headroom */
	if (as.rlim_cur == RLIM_INFINITY && old.rlim_cur == RLIM_INFINITY) {
		CHECK(memlimit_read(proc, cg, me, &m) == 0);
		CHECK(m.kind == MEMLIMIT_AVAILABLE);
		CHECK(m.limit - m.used == 4000000 * 1024ULL);
	}
	CHECK(memlimit_read(proc, cg, 999999999, &m) < 0);

	/* the real thing: this process has a status and some limit */
	CHECK(memlimit_read("/proc", "/sys/fs/cgroup", me, &m) == 0);
	CHECK(m.rss > 0 && m.kind != MEMLIMIT_NONE && m.limit > 0);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	test_eta();
	test_read();
	return check_summary("memlimit");
}
