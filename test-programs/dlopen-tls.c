// dlopen()s libdlopen-tls-lib.so (next to this program) and touches its
// __thread array: glibc mallocs the array's block and keeps it until the
// thread ends, a still-reachable block no program can free.  leaktrace's
// default.supp suppresses it (scenario default-supp).
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof path - 40);
	if (n <= 0)
		return 1;
	path[n] = '\0';
	strcpy(strrchr(path, '/') + 1, "libdlopen-tls-lib.so");
	void *h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	char *(*touch)(void) = (char *(*)(void))dlsym(h, "tls_touch");
	return touch && touch()[0] == 1 ? 0 : 1;
}
