// brk-grow: the program break is free to grow under leaktrace, also where it
// is not randomised (setarch -R, a program started by gdb) and starts right
// after the bss.  A program that defines its own operator new (as gdb does)
// has its stubs placed near its own code, and leaktrace once put them in the
// first page past the bss: the break could not grow, glibc moved its main
// heap to mmap'd memory, and a conservative scan of that memory as roots hid
// leaks (gdb -batch under setarch -R: 183 blocks definitely lost instead of
// 1,180).  Leaks 2,000 blocks from a heap that must grow to hold them, and
// says whether the break grew.
#include <cstdio>
#include <cstdlib>
#include <new>
#include <unistd.h>

void *operator new(std::size_t n)
{
	void *p = std::malloc(n ? n : 1);
	if (!p)
		throw std::bad_alloc();
	return p;
}

void operator delete(void *p) noexcept
{
	std::free(p);
}

void operator delete(void *p, std::size_t) noexcept
{
	std::free(p);
}

static void leak_one(int i)
{
	char *p = new char[200];
	p[0] = (char)i;
}

int main()
{
	char *start = (char *)sbrk(0);

	for (int i = 0; i < 2000; i++)
		leak_one(i);
	char *end = (char *)sbrk(0);
	std::printf("brk %s\n", end >= start + 200 * 2000 ? "grew" : "did not grow");
	return 0;
}
