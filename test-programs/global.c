/* global: blocks reachable only through globals in .data and .bss (still reachable),
 * including a block reachable only through another heap block. */
#include <stdio.h>
#include <stdlib.h>

struct holder { void *child; };

struct holder *bss_holder;
void *data_ptr = (void *)1;

int main(void)
{
	bss_holder = malloc(sizeof *bss_holder);
	bss_holder->child = malloc(200);
	data_ptr = malloc(8);
	printf("global: done\n");
	return 0;
}
