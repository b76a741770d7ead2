/* Unit test of fdreport: the fd table, memcheck 3.19's text block (the
 * expected text is valgrind --track-fds=yes's own output for a program that
 * opens "rel.txt", unlinks it and dups it, run from a shell with fd 10 on
 * /dev/null and fd 251 on a pipe), the XML extension, and fdreport_describe
 * on this process's own fds, through pidfd_getfd and through /proc alone. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "fake_symbols.h"
#include "leaktrace/fdreport.h"

/* ---- the table ---- */

static void test_table(void)
{
	struct fdtab *t = fdtab_new();
	struct fd_entry l[8];
	char path[] = "/tmp/a";

	CHECK(t != NULL);
	CHECK(fdtab_inherit(t, 0, "/dev/null") == 0);
	CHECK(fdtab_inherit(t, 1, NULL) == 0);
	CHECK(fdtab_inherit(t, 2, NULL) == 0);
	CHECK(fdtab_open(t, 3, 7, path) == 0);
	path[1] = 'X'; /* the table keeps its own copy */
	CHECK(fdtab_open(t, 4, 8, NULL) == 0);
	CHECK(fdtab_open(t, 5000, 9, NULL) == 0); /* grows the index */
	CHECK(fdtab_count(t) == 6);
	CHECK(fdtab_open(t, -1, 1, NULL) == -EBADF);
	CHECK(fdtab_close(t, -1) == -EBADF);

	CHECK(fdtab_list(t, l, 8) == 6);
	CHECK(l[0].fd == 5000 && l[1].fd == 4 && l[2].fd == 3 && l[3].fd == 2 && l[4].fd == 1 &&
	      l[5].fd == 0);
	CHECK(strcmp(l[2].path, "/tmp/a") == 0 && l[2].stack_id == 7 && !l[2].inherited);
	CHECK(l[5].inherited && l[5].stack_id == STACKTAB_NONE &&
	      strcmp(l[5].path, "/dev/null") == 0);
	CHECK(l[1].path == NULL && strcmp(path, "/Xmp/a") == 0);

	/* close: once yes, twice no; an fd never opened: no */
	CHECK(fdtab_close(t, 4) == 1);
	CHECK(fdtab_close(t, 4) == 0);
	CHECK(fdtab_close(t, 77) == 0);
	CHECK(fdtab_close(t, 1 << 20) == 0);
	CHECK(!fdtab_is_open(t, 4) && fdtab_is_open(t, 3) && fdtab_is_open(t, 5000));

	/* dup2 onto the open fd 0 replaces it in place; a reused number is new */
	CHECK(fdtab_open(t, 0, 11, "/tmp/b") == 0);
	CHECK(fdtab_open(t, 4, 12, NULL) == 0);
	CHECK(fdtab_list(t, l, 8) == 6);
	CHECK(l[0].fd == 4 && l[0].stack_id == 12);
	CHECK(l[1].fd == 5000 && l[2].fd == 3 && l[3].fd == 2 && l[4].fd == 1 && l[5].fd == 0);
	CHECK(!l[5].inherited && l[5].stack_id == 11 && strcmp(l[5].path, "/tmp/b") == 0);

	/* a short buffer still gets the newest, and the full count */
	CHECK(fdtab_list(t, l, 2) == 6 && l[0].fd == 4 && l[1].fd == 5000);

	CHECK(fdtab_close_range(t, 3, ~0u) == 3);
	CHECK(fdtab_count(t) == 3 && fdtab_is_open(t, 2) && !fdtab_is_open(t, 3));
	CHECK(fdtab_close_range(t, 0, 2) == 3 && fdtab_count(t) == 0);
	CHECK(fdtab_list(t, l, 8) == 0);
	fdtab_free(t);
	fdtab_free(NULL);
}

static void test_table_many(void)
{
	struct fdtab *t = fdtab_new();
	struct fd_entry *l = calloc(1000, sizeof *l);

	for (int i = 0; i < 1000; i++)
		CHECK(fdtab_open(t, i, (uint32_t)i, NULL) == 0);
	for (int i = 0; i < 1000; i += 2)
		CHECK(fdtab_close(t, i) == 1);
	CHECK(fdtab_count(t) == 500);
	CHECK(fdtab_list(t, l, 1000) == 500);
	for (int i = 0; i < 500; i++)
		CHECK(l[i].fd == 999 - 2 * i && l[i].stack_id == (uint32_t)l[i].fd);
	free(l);
	fdtab_free(t);
}

/* ---- the text and XML writers ---- */

static const struct frame_info syms[] = {
	{ 0x4955A77, "/usr/lib/x86_64-linux-gnu/libc.so.6", "dup", "dup", "./io/../sysdeps/unix",
	  "syscall-template.S", 120 },
	{ 0x10919A, "/tmp/fdx/rel", "main", "main", "/tmp/fdx", "rel.c", 3 },
	{ 0x4955011, "/usr/lib/x86_64-linux-gnu/libc.so.6", "open", "open",
	  "./io/../sysdeps/unix/sysv/linux", "open64.c", 41 },
	{ 0x10917E, "/tmp/fdx/rel", "main", "main", "/tmp/fdx", "rel.c", 3 },
	{ 0x7000, "/lib/<x&y>.so", NULL, NULL, NULL, NULL, 0 },
};

static int fake_symbolize(void *ctx, uint64_t ip, struct frame_info *out)
{
	(void)ctx;
	return fake_lookup(syms, sizeof syms / sizeof syms[0], ip, out);
}

static const uint64_t st_dup[] = { 0x4955A77, 0x10919A };
static const uint64_t st_open[] = { 0x4955011, 0x10917E };

static const struct fdreport_entry rel_entries[] = {
	{ 4,
	  false,
	  { st_dup, 2 },
	  "Open file descriptor 4: /tmp/fdx/rel.txt (deleted)",
	  "/tmp/fdx/rel.txt (deleted)" },
	{ 3, false, { st_open, 2 }, "Open file descriptor 3: rel.txt", "rel.txt" },
	{ 251, true, { NULL, 0 }, "Open file descriptor 251:", NULL },
	{ 10, true, { NULL, 0 }, "Open file descriptor 10: /dev/null", "/dev/null" },
	{ 2, true, { NULL, 0 }, "Open file descriptor 2:", NULL },
	{ 1, true, { NULL, 0 }, "Open file descriptor 1: /dev/null", "/dev/null" },
	{ 0, true, { NULL, 0 }, "Open file descriptor 0: /dev/null", "/dev/null" },
};

/* valgrind --track-fds=yes ./rel, from the exit line to HEAP SUMMARY */
static const char rel_yes[] = "==7324== \n"
			      "==7324== FILE DESCRIPTORS: 7 open (3 std) at exit.\n"
			      "==7324== Open file descriptor 4: /tmp/fdx/rel.txt (deleted)\n"
			      "==7324==    at 0x4955A77: dup (syscall-template.S:120)\n"
			      "==7324==    by 0x10919A: main (rel.c:3)\n"
			      "==7324== \n"
			      "==7324== Open file descriptor 3: rel.txt\n"
			      "==7324==    at 0x4955011: open (open64.c:41)\n"
			      "==7324==    by 0x10917E: main (rel.c:3)\n"
			      "==7324== \n"
			      "==7324== Open file descriptor 251:\n"
			      "==7324==    <inherited from parent>\n"
			      "==7324== \n"
			      "==7324== Open file descriptor 10: /dev/null\n"
			      "==7324==    <inherited from parent>\n"
			      "==7324== \n"
			      "==7324== \n";

/* the tail --track-fds=all adds before the final empty line */
static const char rel_all_tail[] = "==7324== Open file descriptor 10: /dev/null\n"
				   "==7324==    <inherited from parent>\n"
				   "==7324== \n"
				   "==7324== Open file descriptor 2:\n"
				   "==7324==    <inherited from parent>\n"
				   "==7324== \n"
				   "==7324== Open file descriptor 1: /dev/null\n"
				   "==7324==    <inherited from parent>\n"
				   "==7324== \n"
				   "==7324== Open file descriptor 0: /dev/null\n"
				   "==7324==    <inherited from parent>\n"
				   "==7324== \n"
				   "==7324== \n";

static char *render_text(const struct fdreport *fr)
{
	struct report r = { .pid = 7324, .symbolize = fake_symbolize };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	fdreport_write_text(f, &r, fr);
	fclose(f);
	return buf;
}

static void test_text(void)
{
	struct fdreport fr = { rel_entries, 7, false, false, false, false };
	const size_t n = sizeof rel_entries / sizeof rel_entries[0];
	char *s;

	fr.n = n;
	s = render_text(&fr);
	CHECK_STR(s, rel_yes);
	free(s);

	/* before report_text_final: its opening empty line ends the block */
	fr.summary_follows = true;
	s = render_text(&fr);
	CHECK(strlen(s) == strlen(rel_yes) - strlen("==7324== \n") &&
	      strncmp(s, rel_yes, strlen(s)) == 0);
	free(s);

	fr.summary_follows = false;
	fr.all = true;
	s = render_text(&fr);
	CHECK(strlen(s) > strlen(rel_all_tail) &&
	      strcmp(s + strlen(s) - strlen(rel_all_tail), rel_all_tail) == 0);
	CHECK(strstr(s, "FILE DESCRIPTORS: 7 open (3 std) at exit.\n") != NULL);
	free(s);

	/* -q: no exit line; nothing at all with only the std fds */
	fr.all = false;
	fr.quiet = true;
	s = render_text(&fr);
	CHECK_STR(s, rel_yes + strlen("==7324== \n"));
	free(s);
	fr.entries = rel_entries + 4;
	fr.n = 3;
	s = render_text(&fr);
	CHECK_STR(s, "");
	free(s);
	fr.all = true;
	s = render_text(&fr);
	CHECK(strncmp(s, "==7324== FILE DESCRIPTORS: 3 open (3 std) at exit.\n",
		      strlen("==7324== FILE DESCRIPTORS: 3 open (3 std) at exit.\n")) == 0);
	free(s);
	fr.n = 0;
	s = render_text(&fr);
	CHECK_STR(s, "");
	free(s);

	/* not quiet: the header even with no fd open (memcheck at -v 1) */
	fr.quiet = false;
	fr.all = false;
	s = render_text(&fr);
	CHECK_STR(s, "==7324== \n==7324== FILE DESCRIPTORS: 0 open (0 std) at exit.\n==7324== \n");
	free(s);
	fr.n = 3;
	s = render_text(&fr);
	CHECK_STR(s, "==7324== \n==7324== FILE DESCRIPTORS: 3 open (3 std) at exit.\n==7324== \n");
	free(s);

	/* -p: what was open before the attach is said so, not "inherited" */
	fr.entries = rel_entries;
	fr.n = n;
	fr.attached = true;
	s = render_text(&fr);
	CHECK(strstr(s, "<inherited from parent>") == NULL);
	CHECK(strstr(s, "Open file descriptor 10: /dev/null\n==7324==    <open before leaktrace "
			"attached>\n") != NULL);
	free(s);
}

static void test_xml(void)
{
	static const uint64_t st_odd[] = { 0x7000, 0x9999 };
	const struct fdreport_entry e[] = {
		rel_entries[1],
		{ 5, false, { st_odd, 2 }, "Open AF_UNIX socket 5: /tmp/<s&>", NULL },
		rel_entries[3],
		rel_entries[4],
	};
	struct fdreport fr = { e, 4, false, false, false, false };
	struct report r = { .pid = 1, .symbolize = fake_symbolize };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned next;

	fputs("<valgrindoutput>\n", f);
	next = fdreport_write_xml(f, &r, &fr, 5);
	fputs("</valgrindoutput>\n", f);
	fclose(f);
	CHECK(next == 8); /* fd 2 not shown without all */
	CHECK(strstr(
		  buf,
		  "<error>\n  <unique>0x5</unique>\n  <tid>1</tid>\n  <kind>FdNotClosed</kind>\n"
		  "  <fd>3</fd>\n  <path>rel.txt</path>\n"
		  "  <what>Open file descriptor 3: rel.txt</what>\n  <stack>\n    <frame>\n"
		  "      <ip>0x4955011</ip>\n      <obj>/usr/lib/x86_64-linux-gnu/libc.so.6</obj>\n"
		  "      <fn>open</fn>\n      <dir>./io/../sysdeps/unix/sysv/linux</dir>\n"
		  "      <file>open64.c</file>\n      <line>41</line>\n    </frame>\n") != NULL);
	CHECK(strstr(buf, "<what>Open AF_UNIX socket 5: /tmp/&lt;s&amp;&gt;</what>") != NULL);
	CHECK(strstr(buf, "<obj>/lib/&lt;x&amp;y&gt;.so</obj>") != NULL);
	CHECK(strstr(buf, "<fd>10</fd>\n  <path>/dev/null</path>\n"
			  "  <what>Open file descriptor 10: /dev/null</what>\n"
			  "</error>\n\n") != NULL); /* valgrind 3.23: no stack, no auxwhat */
	CHECK(strstr(buf, "<fd>2</fd>") == NULL);
	if (check_tool("xmllint")) {
		FILE *p = popen("xmllint --noout - 2>&1", "w");

		CHECK(p != NULL);
		if (p) {
			fputs(buf, p);
			CHECK(pclose(p) == 0);
		}
	}
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	fr.all = true;
	CHECK(fdreport_write_xml(f, &r, &fr, 0) == 4);
	fclose(f);
	CHECK(strstr(buf, "<fd>2</fd>") != NULL);
	free(buf);
}

/* ---- describing this process's own fds ---- */

static void describe_both(int fd, const char *path, const char *want)
{
	char a[512], b[512];

	CHECK(fdreport_describe(getpid(), fd, path, 0, a, sizeof a) == (int)strlen(want));
	CHECK_STR(a, want);
	CHECK(fdreport_describe(getpid(), fd, path, FDREPORT_NO_PIDFD, b, sizeof b) ==
	      (int)strlen(want));
	CHECK_STR(b, want);
}

static unsigned port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return 0;
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

static void test_describe(void)
{
	char tmpl[] = "/tmp/test_fdreport.XXXXXX", sock_path[64], want[256], buf[256];
	int file = mkstemp(tmpl), pipefd[2], sp[2], efd, lst, cli, acc, udp, tcp_unbound, un,
	    dup_fd;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un ua = { .sun_family = AF_UNIX };
	socklen_t alen = sizeof a;
	unsigned lport, cport;

	CHECK(file >= 0);
	CHECK(pipe(pipefd) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK((efd = eventfd(0, 0)) >= 0);

	/* a listener, a client connected to it and the accepted end */
	lst = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(bind(lst, (struct sockaddr *)&a, sizeof a) == 0 && listen(lst, 1) == 0);
	CHECK(getsockname(lst, (struct sockaddr *)&a, &alen) == 0);
	cli = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(cli, (struct sockaddr *)&a, sizeof a) == 0);
	acc = accept(lst, NULL, NULL);
	CHECK(acc >= 0);
	lport = ntohs(a.sin_port);
	cport = port_of(cli);
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	tcp_unbound = socket(AF_INET, SOCK_STREAM, 0);
	snprintf(sock_path, sizeof sock_path, "/tmp/test_fdreport.%d.sock", (int)getpid());
	snprintf(ua.sun_path, sizeof ua.sun_path, "%s", sock_path);
	unlink(sock_path);
	un = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(un, (struct sockaddr *)&ua, sizeof ua) == 0 && listen(un, 1) == 0);
	dup_fd = dup(file);

	/* named by the tracer: printed as recorded */
	snprintf(want, sizeof want, "Open file descriptor %d: rel.txt", file);
	describe_both(file, "rel.txt", want);
	/* nameless */
	snprintf(want, sizeof want, "Open file descriptor %d:", pipefd[0]);
	describe_both(pipefd[0], NULL, want);
	snprintf(want, sizeof want, "Open file descriptor %d:", efd);
	describe_both(efd, NULL, want);
	snprintf(want, sizeof want, "Open file descriptor %d:", file);
	describe_both(file, NULL, want);
	/* ... unless resolved at exit: only names starting with '/' */
	CHECK(fdreport_describe(getpid(), file, NULL, FDREPORT_RESOLVE_AT_EXIT, buf, sizeof buf) >
	      0);
	snprintf(want, sizeof want, "Open file descriptor %d: %s", file, tmpl);
	CHECK_STR(buf, want);
	CHECK(fdreport_describe(getpid(), pipefd[1], NULL, FDREPORT_RESOLVE_AT_EXIT, buf,
				sizeof buf) > 0);
	snprintf(want, sizeof want, "Open file descriptor %d:", pipefd[1]);
	CHECK_STR(buf, want);

	/* sockets */
	snprintf(want, sizeof want, "Open AF_UNIX socket %d: <unknown>", sp[0]);
	describe_both(sp[0], NULL, want);
	snprintf(want, sizeof want, "Open AF_UNIX socket %d: %s", un, sock_path);
	describe_both(un, NULL, want);
	snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> unbound", lst, lport);
	describe_both(lst, NULL, want);
	snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> 127.0.0.1:%u", cli,
		 cport, lport);
	describe_both(cli, NULL, want);
	snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> 127.0.0.1:%u", acc,
		 lport, cport);
	describe_both(acc, NULL, want);
	snprintf(want, sizeof want, "Open AF_INET socket %d: <unbound> <-> unbound", udp);
	describe_both(udp, NULL, want);
	snprintf(want, sizeof want, "Open AF_INET socket %d: <unbound> <-> unbound", tcp_unbound);
	describe_both(tcp_unbound, NULL, want);

	/* bound but neither listening nor connected: the kernel's tables do
	 * not list it, so only the pidfd_getfd way sees its address */
	{
		int b = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in ba = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		int d = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, b, 0) : -1;

		CHECK(bind(b, (struct sockaddr *)&ba, sizeof ba) == 0);
		if (d >= 0) {
			snprintf(want, sizeof want,
				 "Open AF_INET socket %d: 127.0.0.1:%u <-> unbound", b, port_of(b));
			CHECK(fdreport_describe(getpid(), b, NULL, 0, buf, sizeof buf) > 0);
			CHECK_STR(buf, want);
			close(d);
		} else {
			fprintf(stderr, "test_fdreport: no pidfd_getfd, skipped\n");
		}
		snprintf(want, sizeof want, "Open AF_INET socket %d: <unbound> <-> unbound", b);
		CHECK(fdreport_describe(getpid(), b, NULL, FDREPORT_NO_PIDFD, buf, sizeof buf) > 0);
		CHECK_STR(buf, want);
		if (pidfd >= 0)
			close(pidfd);
		close(b);
	}

	/* a connected UDP socket has a peer; a bound one only its address */
	{
		int u2 = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in b = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

		CHECK(bind(udp, (struct sockaddr *)&b, sizeof b) == 0);
		CHECK(connect(u2, (struct sockaddr *)&a, sizeof a) == 0);
		snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> unbound", udp,
			 port_of(udp));
		describe_both(udp, NULL, want);
		snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> 127.0.0.1:%u",
			 u2, port_of(u2), lport);
		describe_both(u2, NULL, want);
		close(u2);
	}

	/* IPv6 loopback, where the kernel has it */
	{
		int l6 = socket(AF_INET6, SOCK_STREAM, 0);
		struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		socklen_t l6len = sizeof a6;

		if (l6 >= 0 && bind(l6, (struct sockaddr *)&a6, sizeof a6) == 0 &&
		    listen(l6, 1) == 0 && getsockname(l6, (struct sockaddr *)&a6, &l6len) == 0) {
			snprintf(want, sizeof want, "Open AF_INET6 socket %d: [::1]:%u <-> unbound",
				 l6, ntohs(a6.sin6_port));
			describe_both(l6, NULL, want);
		} else {
			fprintf(stderr, "test_fdreport: no IPv6 loopback, skipped\n");
		}
		if (l6 >= 0)
			close(l6);
	}

	/* truncation works like snprintf */
	snprintf(want, sizeof want, "Open AF_INET socket %d: 127.0.0.1:%u <-> unbound", lst, lport);
	CHECK(fdreport_describe(getpid(), lst, NULL, 0, buf, 10) == (int)strlen(want));
	CHECK(strlen(buf) == 9 && strncmp(buf, want, 9) == 0);
	CHECK(fdreport_describe(getpid(), lst, NULL, 0, buf, 0) < 0);

	/* an fd that is not open at all */
	CHECK(fdreport_describe(getpid(), 9999, NULL, 0, buf, sizeof buf) > 0);
	CHECK_STR(buf, "Open file descriptor 9999:");

	/* resolve_path and the inherited scan */
	CHECK(fdreport_resolve_path(getpid(), file, buf, sizeof buf) == (int)strlen(tmpl));
	CHECK_STR(buf, tmpl);
	CHECK(fdreport_resolve_path(getpid(), pipefd[0], buf, sizeof buf) == -ENOENT);
	CHECK(fdreport_resolve_path(getpid(), file, buf, 4) == -ERANGE);
	{
		struct fdtab *t = fdtab_new();
		struct fd_entry l[64];
		size_t n;
		bool saw_file = false, saw_pipe = false, ascending = true;

		CHECK(fdreport_scan_inherited(t, getpid()) == 0);
		n = fdtab_list(t, l, 64);
		CHECK(n >= 16 && n <= 64);
		for (size_t i = 0; i < n && i < 64; i++) {
			CHECK(l[i].inherited);
			if (i > 0 && l[i].fd > l[i - 1].fd)
				ascending = false;
			if (l[i].fd == file)
				saw_file = l[i].path && strcmp(l[i].path, tmpl) == 0;
			if (l[i].fd == pipefd[0])
				saw_pipe = l[i].path == NULL;
		}
		CHECK(saw_file && saw_pipe && ascending); /* listed newest, i.e. highest, first */
		fdtab_free(t);
	}

	/* collect: stacks from a stacktab, descriptions, the table's order */
	{
		struct fdtab *t = fdtab_new();
		struct stacktab *st = stacktab_new();
		uint32_t id = stacktab_intern(st, st_open, 2);
		struct fdreport_entry *e;
		size_t n;

		CHECK(fdtab_inherit(t, 0, NULL) == 0);
		CHECK(fdtab_open(t, file, id, "rel.txt") == 0);
		CHECK(fdtab_open(t, cli, id, NULL) == 0);
		CHECK(fdreport_collect(t, st, getpid(), 0, &e, &n) == 0);
		CHECK(n == 3);
		if (n == 3) {
			snprintf(want, sizeof want,
				 "Open AF_INET socket %d: 127.0.0.1:%u <-> 127.0.0.1:%u", cli,
				 cport, lport);
			CHECK_STR(e[0].what, want);
			CHECK(e[0].stack.n == 2 && e[0].stack.pcs[0] == st_open[0] &&
			      e[0].path == NULL);
			CHECK(e[1].fd == file && strcmp(e[1].path, "rel.txt") == 0);
			CHECK(e[2].fd == 0 && e[2].inherited && e[2].stack.n == 0);
		}
		fdreport_entries_free(e, n);
		fdtab_free(t);
		stacktab_free(st);
	}

	close(dup_fd);
	unlink(sock_path);
	unlink(tmpl);
	close(file);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sp[0]);
	close(sp[1]);
	close(efd);
	close(lst);
	close(cli);
	close(acc);
	close(udp);
	close(tcp_unbound);
	close(un);
}

/* fdreport_sync on this process: the kernel's list wins; a number closed and
 * made again out of sight (another device/inode than fdreport_remember noted)
 * loses the stack recorded for the first one. */
static void test_sync(void)
{
	struct fdtab *t = fdtab_new();
	int same = open("/dev/null", O_RDONLY), reused = open("/dev/null", O_RDONLY);
	int gone = open("/dev/null", O_RDONLY);
	pid_t me = getpid();
	struct fd_entry l[64];
	size_t n;

	CHECK(t && same >= 0 && reused >= 0 && gone >= 0);
	if (!t || same < 0 || reused < 0 || gone < 0)
		return;
	CHECK(fdtab_open(t, same, 5, "/dev/null") == 0 && fdreport_remember(t, me, same) == 0);
	CHECK(fdtab_open(t, reused, 6, "/dev/null") == 0 && fdreport_remember(t, me, reused) == 0);
	CHECK(fdtab_open(t, gone, 7, "/dev/null") == 0 && fdreport_remember(t, me, gone) == 0);
	CHECK(fdreport_remember(t, me, 4000) == -EBADF);
	int zero = open("/dev/zero", O_RDONLY);
	CHECK(zero >= 0 && dup2(zero, reused) == reused); /* out of the table's sight */
	close(zero);
	close(gone);
	CHECK(fdreport_kernel_has(me, same) && !fdreport_kernel_has(me, gone));
	CHECK(fdreport_sync(t, me) == 0);
	n = fdtab_list(t, l, 64);
	bool saw_same = false, saw_reused = false, saw_gone = false;
	for (size_t i = 0; i < n && i < 64; i++) {
		if (l[i].fd == same)
			saw_same = l[i].stack_id == 5;
		if (l[i].fd == reused)
			saw_reused = l[i].stack_id == STACKTAB_NONE && l[i].path &&
				     strcmp(l[i].path, "/dev/zero") == 0;
		if (l[i].fd == gone)
			saw_gone = true;
	}
	CHECK(saw_same);   /* the same file: its stack stays */
	CHECK(saw_reused); /* another file now: no stack, its own name */
	CHECK(!saw_gone);  /* closed out of sight: gone */
	close(same);
	close(reused);
	fdtab_free(t);
}

int main(void)
{
	test_sync();
	test_table();
	test_table_many();
	test_text();
	test_xml();
	test_describe();
	return check_summary("test_fdreport");
}
