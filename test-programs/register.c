/* register: at exit the only pointer to a block is in callee-saved register r12.
 * park_and_exit (assembly) moves its argument into r12, lowers %rsp and zeroes the 1 KiB
 * it skipped (where malloc's dead frames were), clears the scratch registers and calls
 * libc's _exit, which never touches r12.  memcheck does not count the registers of the
 * thread that ends the process as roots: the block is definitely lost. */
#include <stdio.h>
#include <stdlib.h>

void park_and_exit(void *p);

__asm__(".text\n"
	".globl park_and_exit\n"
	".type park_and_exit, @function\n"
	"park_and_exit:\n"
	"	.cfi_startproc\n"
	"	mov %rdi, %r12\n"
	"	sub $1024, %rsp\n"
	"	.cfi_adjust_cfa_offset 1024\n"
	"	mov %rsp, %rdi\n"
	"	mov $128, %ecx\n"
	"	xor %eax, %eax\n"
	"	rep stosq\n"
	"	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n"
	"	xor %esi, %esi\n"
	"	xor %edi, %edi\n"
	"	xor %r8d, %r8d\n"
	"	xor %r9d, %r9d\n"
	"	xor %r10d, %r10d\n"
	"	xor %r11d, %r11d\n"
	"	sub $8, %rsp\n"	/* the ABI's alignment at the call */
	"	call _exit@PLT\n"	/* _exit(0) */
	"	hlt\n"
	"	.cfi_endproc\n"
	".size park_and_exit, .-park_and_exit\n");

int main(void)
{
	printf("register: exiting\n");
	fflush(stdout);
	park_and_exit(malloc(66));
	return 1;
}
