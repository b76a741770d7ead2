/* fd-setlocale: setlocale (locale files opened, mapped and closed inside glibc),
 * then open left open. */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	int fd = open("/dev/null", O_RDONLY);
	printf("fd-setlocale: %d\n", fd >= 0);
	return 0;
}
