/* fd-kinds: one descriptor left open from each libc function that makes one and no
 * other test uses: creat, openat, pipe2, dup2, fcntl(F_DUPFD_CLOEXEC), accept,
 * accept4, eventfd, epoll_create1, memfd_create, timerfd_create, signalfd,
 * inotify_init1. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
	int c = creat("/dev/null", 0600);
	int o = openat(AT_FDCWD, "/dev/null", O_RDONLY);
	int p[2];
	pipe2(p, O_CLOEXEC);
	int d2 = dup2(o, 20);
	int dc = fcntl(o, F_DUPFD_CLOEXEC, 30);

	/* an abstract AF_UNIX name, unique to this run: described "<unknown>" */
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "fd-kinds.%d", (int)getpid());
	socklen_t sl =
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&sa, sl);
	listen(l, 4);
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c1, (struct sockaddr *)&sa, sl);
	connect(c2, (struct sockaddr *)&sa, sl);
	int a1 = accept(l, NULL, NULL);
	int a2 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(c1);
	close(c2);
	close(l);

	int e = eventfd(0, 0);
	int ep = epoll_create1(0);
	int m = memfd_create("fd-kinds", 0);
	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	int sg = signalfd(-1, &set, 0);
	int in = inotify_init1(0);
	printf("fd-kinds: %d\n", c >= 0 && o >= 0 && d2 == 20 && dc >= 30 && a1 >= 0 && a2 >= 0 &&
				     e >= 0 && ep >= 0 && m >= 0 && t >= 0 && sg >= 0 && in >= 0);
	return 0;
}
