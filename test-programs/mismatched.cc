// mismatched: each allocator family released by another's deallocator: malloc/delete,
// new/free, new[]/delete. With trivially destructible types glibc takes all three natively,
// so the program's output and status are the native ones; memcheck reports MismatchedFree.
#include <cstdio>
#include <cstdlib>

struct Pair { long a, b; };

static void release_scalar(Pair *p) { delete p; }

int main()
{
	Pair *m = static_cast<Pair *>(std::malloc(sizeof(Pair)));
	release_scalar(m);
	Pair *n = new Pair{1, 2};
	std::free(n);
	int *arr = new int[6];
	delete arr;
	std::printf("mismatched: done\n");
	return 0;
}
