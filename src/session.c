/* session: one run of leaktrace over one target, from start to report.
 *
 * session_run checks the program, opens the logs, starts the program
 * stopped (or hands over to attached.c for -p), runs the wait loop to the
 * end and tears everything down.  Also the few helpers every file of the
 * tracer side uses: the error voice lt_error(), elapsed time, stacks by id.
 *
 * Data flows one way: stops -> heap map -> scan -> reports.  Reports are
 * written by the reporters (report_text.c, report_xml.c, fdreport.c);
 * leaktrace's own problems go through lt_error(); the few lines memcheck
 * prints of its own (the -p preamble, a lost ring record, an fd closed
 * twice, --interval's growth) are written to the log where they happen. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "leaktrace/fdreport.h"
#include "leaktrace/report_text.h"
#include "leaktrace/report_xml.h"
#include "leaktrace/session.h"

#include "leaktrace/heapprof.h"
#include "leaktrace/outfile.h"

#include "session_int.h"

void lt_error(const char *fmt, ...)
{
	va_list ap;

	fputs("leaktrace: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void session_say(struct session *s, const char *fmt, ...)
{
	va_list ap;

	report_text_prefix(s->log, &s->rep);
	va_start(ap, fmt);
	vfprintf(s->log, fmt, ap);
	va_end(ap);
	fputc('\n', s->log);
	fflush(s->log);
}

long session_us_between(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000000 + (to->tv_nsec - from->tv_nsec) / 1000;
}

long session_elapsed_ms(const struct session *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return session_us_between(&s->life.t0, &now) / 1000;
}

struct report_stack session_stack(struct session *s, uint32_t id)
{
	struct report_stack rs;

	rs.pcs = stacktab_get(s->stacks, id, &rs.n);
	return rs;
}

/* Stacks end at main, as memcheck prints them (--show-below-main=no). */
struct report_stack session_trim_below_main(struct session *s, struct report_stack st)
{
	if (s->cfg->show_below_main)
		return st;
	for (unsigned i = 0; i < st.n; i++)
		if (symbols_is_main(s->sym, i ? st.pcs[i] - 1 : st.pcs[i])) {
			st.n = i + 1;
			break;
		}
	return st;
}

static void session_free(struct session *s);

int session_open_reports(struct session *s)
{
	const struct config *cfg = s->cfg;
	char warn[512];

	s->rep.pid = s->pid; /* for the prefix of a warning, before the identity is filled */
	s->log = outfile_report_stream(cfg, false, s->pid, warn, sizeof warn);
	if (!s->log) {
		lt_error("cannot open log %s: %s",
			 cfg->log_socket ? cfg->log_socket
			 : cfg->log_file ? cfg->log_file
					 : "(fd)",
			 strerror(errno));
		return -1;
	}
	if (warn[0])
		session_say(s, "%s", warn);
	if (!cfg->xml)
		return 0;
	s->xml = outfile_report_stream(cfg, true, s->pid, warn, sizeof warn);
	if (!s->xml) {
		if (errno == EINVAL)
			lt_error(
			    "--xml=yes needs --xml-file=FILE, --xml-fd=N or --xml-socket=ADDR");
		else
			lt_error("cannot open the XML output: %s", strerror(errno));
		return -1;
	}
	if (warn[0])
		session_say(s, "%s", warn);
	return 0;
}

void session_fill_identity(struct session *s)
{
	const struct config *cfg = s->cfg;
	struct report *rep = &s->rep;

	rep->pid = s->pid;
	rep->ppid = getpid();
	rep->tool_name = "leaktrace";
	rep->tool_version = LEAKTRACE_VERSION;
	rep->tool_exe = cfg->self_exe;
	rep->tool_args = cfg->self_args;
	options_fill_report(cfg, rep);
	rep->symbolize = symbols_describe;
	rep->symbolize_all = symbols_describe_all;
	rep->symbolize_ctx = s->sym;
}

char **session_read_cmdline(pid_t pid)
{
	char fn[64], *buf = malloc(65536), **argv;
	size_t n = 0, count = 0;
	int fd;

	snprintf(fn, sizeof fn, "/proc/%d/cmdline", (int)pid);
	if (!buf || (fd = open(fn, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return NULL;
	}
	ssize_t r = read(fd, buf, 65535);
	close(fd);
	n = r > 0 ? (size_t)r : 0;
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		count += buf[i] == '\0';
	if (!(argv = calloc(count + 2, sizeof *argv))) {
		free(buf);
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1)
		argv[k++] = buf + i;
	if (!k)
		argv[k++] = buf;
	return argv; /* argv[0] owns buf */
}

/* The parts every session needs, whatever it traces: NULL when out of
 * memory or a suppression file is bad (said already). */
static struct session *session_new(const struct config *cfg)
{
	struct session *s = calloc(1, sizeof *s);
	char err[512];

	if (!s) {
		lt_error("out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->tm.memfd = -1;
	s->fp.ring_fd = -1;
	s->life.exec_err_fd = -1;
	s->err.limit = (struct errlimit){ .limit = cfg->error_limit, .xml = cfg->xml };
	clock_gettime(CLOCK_MONOTONIC, &s->life.t0);
	s->supp = suppress_new();
	s->tr = tracee_new();
	s->heap = heapmap_new();
	s->stacks = stacktab_new();
	s->freed = freeq_new(cfg->freelist_vol, 1u << 20);
	if (!s->supp || !s->tr || !s->heap || !s->stacks || !s->freed) {
		lt_error("out of memory");
		session_free(s);
		return NULL;
	}
	/* in -p mode massif's time starts here, at the attach */
	if (cfg->heap.tool == TOOL_MASSIF || cfg->heap.prof.timeline_file || cfg->interval) {
		s->prof = heapprof_new(&cfg->heap.prof, s->stacks, &s->rep);
		if (!s->prof) {
			lt_error("out of memory");
			session_free(s);
			return NULL;
		}
	}
	for (size_t i = 0; cfg->supp_files && cfg->supp_files[i]; i++) {
		if (suppress_load_file(s->supp, cfg->supp_files[i], err, sizeof err)) {
			lt_error("%s", err);
			session_free(s);
			return NULL;
		}
	}
	return s;
}

static void session_free(struct session *s)
{
	if (s->life.exec_err_fd >= 0)
		close(s->life.exec_err_fd);
	if (s->log)
		fclose(s->log);
	if (s->xml)
		fclose(s->xml);
	if (s->silenced_log)
		fclose(s->silenced_log);
	if (s->silenced_xml)
		fclose(s->silenced_xml);
	if (s->fp.ring)
		munmap(s->fp.ring, s->fp.ring_size);
	if (s->fp.ring_fd >= 0)
		close(s->fp.ring_fd);
	free(s->rep.records);
	free(s->supp_used);
	suppress_free(s->supp);
	fdtab_free(s->fds);
	free(s->err.v);
	free(s->err.stacks);
	free(s->err.core);
	free(s->err.core_stacks);
	heapprof_free(s->prof);
	if (s->life.cmdline)
		free(s->life.cmdline[0]);
	free(s->life.cmdline);
	unwind_free(s->uw);
	bptab_free(s->bt);
	symbols_free(s->sym);
	freeq_free(s->freed);
	session_hold_forget(s);
	stacktab_free(s->stacks);
	heapmap_free(s->heap);
	tracee_free(s->tr);
	target_mem_close(&s->tm);
	free(s);
}

/* Kills the program started for us before anything of it ran. */
static void kill_spawned(struct session *s)
{
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
}

/* The program leaktrace starts: stopped before its execve, the logs opened
 * (a bad --log-file fails before anything runs; %p needs the PID, so they
 * are opened after the fork but before the child is released), then the
 * wait loop to its end.  leaktrace's exit status. */
static int run_program(struct session *s)
{
	const struct config *cfg = s->cfg;
	char err[512];

	if (tracee_spawn(cfg->target_argv, &s->pid, &s->life.exec_err_fd, err, sizeof err)) {
		lt_error("%s", err);
		return 1;
	}
	if (session_open_reports(s)) {
		kill_spawned(s);
		return 1;
	}
	s->sym = symbols_new(s->pid, &s->tm);
	if (s->sym)
		symbols_set_show_below_main(s->sym, cfg->show_below_main);
	s->bt = bptab_new(&s->tm, inject_map_scratch, s);
	struct thread *main_thread = tracee_thread_add(s->tr, s->pid);
	if (!s->sym || !s->bt || !main_thread) {
		lt_error("out of memory");
		kill_spawned(s);
		return 1;
	}
	main_thread->kind = TK_THREAD;
	main_thread->num = ++s->life.threads_seen;

	struct report *rep = &s->rep;
	rep->target_exe = cfg->target_argv[0];
	rep->target_args = cfg->target_argv + 1;
	session_fill_identity(s);
	if (!cfg->quiet && (!cfg->xml || cfg->log_file))
		report_text_preamble(s->log, rep);
	if (s->xml)
		report_xml_preamble(s->xml, rep, 0);
	fflush(s->log);

	/* the fast path (-p sets up its fail-safe kind itself); a forked
	 * child is given a ring of its own (children.c) */
	s->fp.wanted = !cfg->breakpoint_mode;
	ownsignals_install(false);
	if (cfg->interval) { /* --interval: the loop wakes up for its reports */
		struct itimerval it = { { 0, 100000 }, { 0, 100000 } };
		setitimer(ITIMER_REAL, &it, NULL);
		s->lc.next_interval = cfg->interval;
	}
	tracee_release_spawned(s->pid);
	if (waitloop_run(s) < 0 && !s->life.exited) {
		kill(s->pid, SIGKILL);
		return 1;
	}
	if (!s->life.exec_seen) {
		int e = 0;
		if (read(s->life.exec_err_fd, &e, sizeof e) == sizeof e)
			lt_error("cannot run '%s': %s", cfg->target_argv[0], strerror(e));
		else
			lt_error("'%s' ended before it started", cfg->target_argv[0]);
		return 1;
	}
	if (cfg->error_exitcode && (memerrors_count(s) || s->err.exit_now))
		return cfg->error_exitcode;
	if (s->life.stopped_by)
		return 128 + s->life.stopped_by;
	if (WIFSIGNALED(s->life.exit_status))
		return 128 + WTERMSIG(s->life.exit_status);
	return WEXITSTATUS(s->life.exit_status);
}

int session_run(const struct config *cfg)
{
	char *path = NULL;
	int rc = 1;

	struct session *s = session_new(cfg);
	if (!s)
		return 1;
	char err[512];
	if (cfg->attach_pid)
		rc = attached_run(s);
	else if ((rc = tracee_check_program(cfg->target_argv[0], &path, err, sizeof err)))
		lt_error("%s", err);
	else
		rc = run_program(s);
	free(path);
	session_free(s);
	return rc;
}
