// cxx-heuristics: leaked C++ containers and arrays of objects with destructors.
// new[] of a type with a destructor stores a length cookie before the objects, so the
// only pointer is 8 bytes inside the block; memcheck's default heuristics
// (stdstring, length64, newarray, multipleinheritance) decide what such pointers mean.
#include <cstdio>
#include <string>
#include <vector>

struct Obj {
	long v = 0;
	~Obj() { v = -1; }
};

struct A { virtual ~A() {} long a = 1; };
struct B { virtual ~B() {} long b = 2; };
struct C : A, B { long c = 3; };

Obj *objs;                     // interior pointer past the new[] cookie
std::string *str;              // heap std::string whose buffer is on the heap
std::vector<int> *vec;
B *second_base;                // interior pointer to the B subobject of a C

int main()
{
	objs = new Obj[4];
	str = new std::string(100, 'x');
	vec = new std::vector<int>(50, 1);
	second_base = new C;
	std::string *lost = new std::string("a string long enough to allocate");
	std::printf("cxx-heuristics: %zu %zu %zu\n", str->size(), vec->size(), lost->size());
	lost = nullptr;
	return 0;
}
