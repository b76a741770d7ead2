/* fd-tmpfile: tmpfile + fclose, then a pipe left open. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	FILE *t = tmpfile();
	fputs("x", t);
	fclose(t);
	int p[2];
	int r = pipe(p);
	printf("fd-tmpfile: %d\n", r == 0);
	return 0;
}
