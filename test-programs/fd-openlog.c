/* fd-openlog: openlog/syslog/closelog (the /dev/log socket made and closed inside
 * glibc), then open left open. */
#include <fcntl.h>
#include <stdio.h>
#include <syslog.h>

int main(void)
{
	openlog("fd-openlog", LOG_NDELAY, LOG_USER);
	syslog(LOG_DEBUG, "fd-openlog test");
	closelog();
	int fd = open("/dev/null", O_RDONLY);
	printf("fd-openlog: %d\n", fd >= 0);
	return 0;
}
