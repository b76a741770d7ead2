// xml-kinds: one run with every kind of record memcheck's XML can hold: the four leak kinds,
// an InvalidFree (double free), a MismatchedFree (new[] / delete), and a leak whose stack
// holds a C++ template function over std::map<std::string, int>, whose demangled name has
// '<', '>' and '&' that the XML must escape. scripts/check-xml runs it from a directory
// whose name has a space.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

struct Node { Node *next; long payload; };

void *reachable;          // still reachable: a pointer to the start of a block
char *possible;           // possibly lost: a pointer into the middle of a block only

template <typename M> int *counts_for(const M &m)
{
	return new int[m.size() + 1];
}

static void lose_chain()
{
	Node *tail = static_cast<Node *>(std::malloc(sizeof(Node)));   // indirectly lost
	Node *head = static_cast<Node *>(std::malloc(sizeof(Node)));   // definitely lost
	tail->next = nullptr;
	head->next = tail;
}

int main()
{
	reachable = std::malloc(32);
	possible = static_cast<char *>(std::malloc(40)) + 11;
	lose_chain();

	std::map<std::string, int> m;
	m["one"] = 1;
	m["two"] = 2;
	int *c = counts_for(m);   // definitely lost
	c[0] = 0;
	c = nullptr;

	char *d = static_cast<char *>(std::malloc(8));
	std::free(d);
	std::free(d);             // InvalidFree

	long *arr = new long[3];
	delete arr;               // MismatchedFree

	std::printf("xml-kinds: done\n");
	return 0;
}
