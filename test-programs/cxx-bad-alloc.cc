// cxx-bad-alloc: operator new fails (a request larger than the address space) and
// throws std::bad_alloc through our hooks; the program catches it and goes on, and
// the leak of an ordinary new is still reported.  Valgrind cannot be the oracle here:
// it cannot throw from its operator new and aborts the program instead, so
// tests/scenarios/cxx-bad-alloc.py checks this one against the native run.
#include <cstdio>
#include <new>

int main()
{
	int caught = 0;
	for (int i = 0; i < 3; i++) {
		try {
			char *p = new char[(size_t)1 << 62];
			p[0] = 1;
		} catch (const std::bad_alloc &) {
			caught++;
		}
	}
	int *leak = new int[5];
	leak[0] = caught;
	std::printf("cxx-bad-alloc: caught %d\n", caught);
	leak = nullptr;
	return 0;
}
