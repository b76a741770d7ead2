/* no-leak: everything freed; report must say "All heap blocks were freed". */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *p[5];
	for (int i = 0; i < 5; i++)
		p[i] = malloc((size_t)(i + 1) * 10);
	for (int i = 0; i < 5; i++)
		free(p[i]);
	printf("no-leak: ok\n");
	return 0;
}
