/* thread-register: a second thread holds the only pointer to a block in register r12 and
 * sleeps in pause() (a raw syscall loop in assembly, after zeroing the stack its malloc
 * used) while main exits. A live thread's registers are roots for memcheck. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

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
	"	movl $1, parked(%rip)\n"
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
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 2;
	while (!parked)
		sched_yield();
	printf("thread-register: parked\n");
	return 0;
}
