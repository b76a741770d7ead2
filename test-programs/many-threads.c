/* many-threads: 4,200 threads alive at exit, more than any fixed-size thread array of
 * 4,096 holds.  Each holds the only pointer to its block in register r12 while it sleeps
 * in pause() (a raw syscall loop, after zeroing the stack its malloc used), so each block
 * is still reachable only if every thread's registers are roots: every thread must have
 * been seen, stopped and read. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4200

volatile int parked;
void park_forever(void *p);

__asm__(".text\n"
	".globl park_forever\n"
	".type park_forever, @function\n"
	"park_forever:\n"
	"	.cfi_startproc\n"
	"	mov %rdi, %r12\n"
	"	sub $1024, %rsp\n"
	"	.cfi_adjust_cfa_offset 1024\n"
	"	mov %rsp, %rdi\n"
	"	mov $128, %ecx\n"
	"	xor %eax, %eax\n"
	"	rep stosq\n"
	"	xor %edx, %edx\n"
	"	xor %esi, %esi\n"
	"	xor %edi, %edi\n"
	"	xor %r8d, %r8d\n"
	"	xor %r9d, %r9d\n"
	"	xor %r10d, %r10d\n"
	"	lock incl parked(%rip)\n"
	"1:	mov $34, %eax\n" /* pause() */
	"	syscall\n"
	"	jmp 1b\n"
	"	.cfi_endproc\n"
	".size park_forever, .-park_forever\n");

static void *worker(void *arg)
{
	(void)arg;
	park_forever(malloc(88));
	return NULL;
}

int main(void)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (int i = 0; i < NTHREADS; i++)
		if (pthread_create(&t, &attr, worker, NULL) != 0) {
			fprintf(stderr, "many-threads: thread %d not created\n", i);
			return 2;
		}
	while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < NTHREADS)
		sched_yield();
	printf("many-threads: %d parked\n", NTHREADS);
	return 0;
}
