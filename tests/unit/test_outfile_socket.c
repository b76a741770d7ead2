/* Unit test of outfile_report_stream's sockets against valgrind's own
 * listener: --log-socket=127.0.0.1:PORT delivers the report to
 * valgrind-listener, and with nobody listening the report goes to stderr
 * with a warning, as valgrind does.  Skipped (77) without valgrind-listener. */
#include "check.h"
#include "leaktrace/outfile.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A TCP port nobody listens on right now. */
static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	int s = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (s >= 0 && !bind(s, (struct sockaddr *)&sa, len) &&
	    !getsockname(s, (struct sockaddr *)&sa, &len))
		port = ntohs(sa.sin_port);
	if (s >= 0)
		close(s);
	return port;
}

int main(void)
{
	char spec[64], warn[256], out[4096];
	struct config cfg = { .log_fd = 2, .xml_fd = -1 };
	int port = free_port(), pipefd[2];

	if (access("/usr/bin/valgrind-listener", X_OK) || port < 1024) {
		printf("SKIP: no valgrind-listener\n");
		return 77;
	}
	snprintf(spec, sizeof spec, "127.0.0.1:%d", port);
	cfg.log_socket = spec;

	/* nobody listening: stderr, and a warning saying so */
	FILE *f = outfile_report_stream(&cfg, false, 1, warn, sizeof warn);
	CHECK(f != NULL && strstr(warn, "Failed to connect to logging server") &&
	      strstr(warn, spec));
	if (f)
		fclose(f);

	/* valgrind-listener, which exits when its one connection closes */
	CHECK(pipe(pipefd) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		char p[16];
		snprintf(p, sizeof p, "%d", port);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execl("/usr/bin/valgrind-listener", "valgrind-listener", "-e", p, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	f = NULL;
	for (int tries = 0; tries < 500 && !f; tries++) {
		f = outfile_report_stream(&cfg, false, 1, warn, sizeof warn);
		if (f && warn[0]) { /* not listening yet */
			fclose(f);
			f = NULL;
			nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
	}
	CHECK(f != NULL);
	if (f) {
		fputs("==4242== 40 bytes in 1 blocks are definitely lost\n", f);
		fclose(f);
	}
	size_t n = 0;
	for (ssize_t r;
	     n < sizeof out - 1 && (r = read(pipefd[0], out + n, sizeof out - 1 - n)) > 0;)
		n += (size_t)r;
	out[n] = '\0';
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (!strstr(out, "==4242== 40 bytes in 1 blocks are definitely lost"))
		fprintf(stderr, "listener printed:\n%s\n", out);
	CHECK(strstr(out, "==4242== 40 bytes in 1 blocks are definitely lost") != NULL);

	/* XML without a destination is an error; a bad spec cannot connect */
	cfg.log_socket = NULL;
	errno = 0;
	CHECK(outfile_report_stream(&cfg, true, 1, warn, sizeof warn) == NULL && errno == EINVAL);
	return check_summary("outfile_socket");
}
