/* fork-clean: a forked child that leaktrace lets go (--child-silent-after-fork=yes) must run
 * as if never traced.  The child checks its own memory: no mapping of ours left (the fast
 * path's ring, a scratch page: anonymous executable memory, which the program never makes)
 * and the first bytes of malloc, calloc, realloc and free as in libc's file (no int3, no
 * jmp to a stub).  It prints what it found; natively that is "clean". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The mapping of addr: its start, file offset and path (empty: anonymous). */
static int mapping_of(uintptr_t addr, uintptr_t *start, unsigned long long *off, char *path)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	while (f && !found && fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, o;
		char perms[8];
		path[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %4095s", &lo, &hi, perms, &o, path) < 4)
			continue;
		if (addr >= lo && addr < hi) {
			*start = (uintptr_t)lo;
			*off = o;
			found = 1;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static int ours_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int n = 0;

	while (f && fgets(line, sizeof line, f)) {
		char perms[8], path[4096] = "";
		if (sscanf(line, "%*s %7s %*s %*s %*s %4095s", perms, path) < 1)
			continue;
		if (strstr(path, "leaktrace") || (perms[2] == 'x' && path[0] == '\0')) {
			printf("fork-clean: child: left mapped: %s", line);
			n++;
		}
	}
	if (f)
		fclose(f);
	return n;
}

static int changed(const char *name, void *fn)
{
	uintptr_t start;
	unsigned long long off;
	char path[4096];
	unsigned char disk[16];

	if (!mapping_of((uintptr_t)fn, &start, &off, path) || !path[0])
		return printf("fork-clean: child: %s not in a file mapping\n", name), 1;
	FILE *f = fopen(path, "rb");
	int bad = !f || fseek(f, (long)((uintptr_t)fn - start + off), SEEK_SET) ||
		  fread(disk, 1, sizeof disk, f) != sizeof disk || memcmp(disk, fn, sizeof disk);
	if (f)
		fclose(f);
	if (bad)
		printf("fork-clean: child: %s differs from %s\n", name, path);
	return bad;
}

int main(void)
{
	char *kept = malloc(11);
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		int bad = ours_mapped();
		bad += changed("malloc", (void *)malloc) + changed("calloc", (void *)calloc) +
		       changed("realloc", (void *)realloc) + changed("free", (void *)free);
		free(malloc(5));
		printf("fork-clean: child %s\n", bad ? "harmed" : "clean");
		fflush(stdout);
		_exit(bad ? 1 : 0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("fork-clean: child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	kept[0] = 0;
	return 0;
}
