/* fd-iconv: iconv_open/iconv_close (gconv modules and their cache opened and
 * closed inside glibc), then open left open. */
#include <fcntl.h>
#include <iconv.h>
#include <stdio.h>

int main(void)
{
	iconv_t cd = iconv_open("UTF-16", "ISO-8859-1");
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	int fd = open("/dev/null", O_RDONLY);
	printf("fd-iconv: %d %d\n", cd != (iconv_t)-1, fd >= 0);
	return 0;
}
