/* Unit tests of heapprof.c: the four calls a session makes, on a made-up
 * run with a fake clock: a steady leak, bursts and a fixed table.  The
 * --interval reports name the leak as the only suspect with its rate, give
 * the memory-limit lines, and the files written at the end are read by
 * ms_print and xmllint. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/heapprof.h"

static const struct frame_info frames[] = {
	{ .ip = 0x1000, .fn = "malloc", .obj = "/lib/libc.so.6" },
	{ .ip = 0x1001, .fn = "malloc", .obj = "/lib/libc.so.6" },
	{ .ip = 0x2000, .fn = "cache_put", .file = "server.c", .line = 42 },
	{ .ip = 0x2100, .fn = "handle_burst", .file = "server.c", .line = 77 },
	{ .ip = 0x2200, .fn = "load_table", .file = "server.c", .line = 12 },
	{ .ip = 0x3000, .fn = "main", .file = "server.c", .line = 100 },
	{ .ip = 0x4000, .fn = "__libc_start_call_main", .obj = "/lib/libc.so.6" },
};

static int sym(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(frames, sizeof frames / sizeof frames[0], ip, out);
}

static double clock_s;
static double fake_clock(void *ctx)
{
	(void)ctx;
	return clock_s;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	if (f) {
		size_t n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

int main(void)
{
	struct stacktab *st = stacktab_new();
	uint64_t leak[] = { 0x1000, 0x2000, 0x3000, 0x4000 }, burst[] = { 0x1000, 0x2100, 0x3000 },
		 table[] = { 0x1000, 0x2200, 0x3000 };
	uint32_t il = stacktab_intern(st, leak, 4), ib = stacktab_intern(st, burst, 3),
		 it = stacktab_intern(st, table, 3);
	struct report rep = { .pid = getpid(), .symbolize = sym };
	struct heapprof_config c;
	char svg[] = "/tmp/lt-heapprof-XXXXXX.svg", mout[] = "/tmp/lt-heapprof-XXXXXX";

	close(mkstemps(svg, 4));
	close(mkstemp(mout));
	heapprof_config_default(&c);
	c.massif = true;
	c.mc.time_unit = MASSIF_TIME_MS;
	c.massif_out = mout;
	c.timeline_file = svg;
	struct heapprof *hp = heapprof_new(&c, st, &rep);
	CHECK(hp != NULL);
	heapprof_set_clock(hp, fake_clock, NULL);

	char *log = NULL;
	size_t loglen = 0;
	FILE *out = open_memstream(&log, &loglen);
	for (int i = 0; i < 50; i++)
		heapprof_alloc(hp, 1000, it);
	int live_burst = 0;
	for (int sec = 1; sec <= 12; sec++) {
		/* each second: 6 blocks of 1 KB kept; a burst of 10 blocks of
		 * 10 KB, freed down to a count that goes up and down */
		for (int k = 0; k < 10; k++) {
			clock_s += 0.1;
			if (k % 3 == 0 || k == 4 || k == 7)
				heapprof_alloc(hp, 1024, il);
			heapprof_alloc(hp, 10240, ib);
			live_burst++;
		}
		for (; live_burst > (sec * 7) % 5; live_burst--)
			heapprof_dealloc(hp, 10240, ib);
		heapprof_realloc(hp, 1000, it, 1000, it);
		heapprof_interval(hp, out, rep.pid, 1);
	}
	fclose(out);
	CHECK(heapprof_stack_bytes(hp, il) == 12 * 6 * 1024);
	CHECK(heapprof_stack_bytes(hp, it) == 50 * 1000);

	/* the last report: the leak is the only suspect, 6 KB/s for 12 s */
	const char *last = log, *p;
	while ((p = strstr(last + 1, "growth over the last 1 s")))
		last = p;
	CHECK(strstr(last,
		     "suspected leak: +6.0 KB/s for 11 s (10 looks, Mann-Kendall tau "
		     "1.00, R^2 1.00), now 73,728 bytes in 72 blocks, allocated at\n") != NULL);
	CHECK(strstr(last, "by 0x3000: main (server.c:100)") != NULL);
	CHECK(strstr(last, "__libc_start_call_main") == NULL);
	p = strstr(last, "suspected leak");
	CHECK(p && strstr(p, "cache_put") && !strstr(p, "handle_burst"));
	CHECK(strstr(last, "and 1 more") == NULL);
	CHECK(strstr(last, "==") && strstr(last, "memory limit: "));
	CHECK(strstr(last, "out of memory: at the suspected leaks' growth of 6.0 KB/s, the limit "
			   "is reached in about ") != NULL);
	CHECK(strstr(last, "the traced heap (") != NULL);
	/* the first reports: too few looks to judge */
	CHECK(strstr(log, "out of memory: not enough looks yet") != NULL);
	const char *first_suspect = strstr(log, "suspected leak");
	const char *fourth = strstr(log, "growth over the last 1 s");
	for (int k = 0; k < 3 && fourth; k++)
		fourth = strstr(fourth + 1, "growth over the last 1 s");
	CHECK(first_suspect && fourth && first_suspect > fourth);

	/* the same call site with another allocator frame is the same stack */
	uint64_t leak2[] = { 0x1001, 0x2000, 0x3000, 0x4000 };
	uint32_t il2 = stacktab_intern(st, leak2, 4);
	heapprof_alloc(hp, 500, il2);
	CHECK(heapprof_stack_bytes(hp, il) == 12 * 6 * 1024 + 500);
	CHECK(heapprof_stack_bytes(hp, il2) == 12 * 6 * 1024 + 500);
	heapprof_dealloc(hp, 1024, il2);
	CHECK(heapprof_stack_bytes(hp, il) == 12 * 6 * 1024 - 524);

	char err[256] = "";
	CHECK(heapprof_finish(hp, 7, "./server", err, sizeof err) == 0);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ms_print %s > %s.txt", mout, mout);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s.txt", mout);
	char *ms = slurp(cmd);
	CHECK(strstr(ms, "Command:            ./server") != NULL);
	CHECK(strstr(ms, "(peak)") != NULL);
	CHECK(strstr(ms, "0x2100: handle_burst (server.c:77)") != NULL);
	unlink(cmd);
	free(ms);
	snprintf(cmd, sizeof cmd, "xmllint --noout %s", svg);
	CHECK(system(cmd) == 0);
	char *s = slurp(svg);
	p = strstr(s, "class=\"band suspect\"");
	CHECK(p && strstr(p, "cache_put (server.c:42)"));
	CHECK(strstr(s, "Heap over time: ./server (pid 7)") != NULL);
	free(s);
	if (failures)
		fputs(log, stderr);
	free(log);
	unlink(svg);
	unlink(mout);
	heapprof_free(hp);
	stacktab_free(st);
	return check_summary("heapprof");
}
