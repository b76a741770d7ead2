// cxx-new: leaks from operator new and operator new[]; one of each deleted.
#include <cstdio>

struct Pair { long a, b; };

static Pair *make_pair_obj() { return new Pair{1, 2}; }

int main()
{
	Pair *p = make_pair_obj();
	int *arr = new int[25];
	delete new Pair{3, 4};
	delete[] new char[9];
	std::printf("cxx-new: %ld %d\n", p->a, arr[0] = 7);
	p = nullptr;
	arr = nullptr;
	return 0;
}
