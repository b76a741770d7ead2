/* fd-scm-rights: a descriptor passed over a socketpair (SCM_RIGHTS) and received by
 * recvmsg; the socketpair and the original are closed, the received copy is left
 * open and listed with recvmsg's stack. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
	int sv[2], fd = open("/dev/null", O_RDONLY);
	char byte = 'x', ctl[CMSG_SPACE(sizeof(int))];
	struct iovec io = { &byte, 1 };
	struct msghdr m;

	memset(ctl, 0, sizeof ctl); /* the padding too: valgrind checks what sendmsg reads */
	memset(&m, 0, sizeof m);
	m.msg_iov = &io;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	sendmsg(sv[0], &m, 0);
	close(fd);

	memset(ctl, 0, sizeof ctl);
	m.msg_controllen = sizeof ctl;
	ssize_t got = recvmsg(sv[1], &m, 0);
	int received = -1;
	c = CMSG_FIRSTHDR(&m);
	if (got == 1 && c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&received, CMSG_DATA(c), sizeof received);
	close(sv[0]);
	close(sv[1]);
	printf("fd-scm-rights: %d\n", received >= 0);
	return 0;
}
