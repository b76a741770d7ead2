/* pie: the same leak built twice, as a PIE (-fPIE -pie) and not (-fno-pie -no-pie),
 * so symbolisation must handle both load biases. */
#include <stdio.h>
#include <stdlib.h>

static void *leak_it(size_t n)
{
	return malloc(n);
}

int main(void)
{
	void *p = leak_it(70);
	printf("pie: %d\n", p != NULL);
	return 0;
}
