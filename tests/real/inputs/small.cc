// A small C++ translation unit for cc1plus: templates, the standard library, lambdas.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

template <typename T> struct Stack {
	std::vector<T> items;
	void push(const T &v) { items.push_back(v); }
	T pop() { T v = items.back(); items.pop_back(); return v; }
};

int count_words(const std::string &s)
{
	std::map<std::string, int> seen;
	std::string w;
	for (char c : s) {
		if (c == ' ') { if (!w.empty()) seen[w]++; w.clear(); }
		else w += c;
	}
	Stack<int> st;
	for (auto &kv : seen) st.push(kv.second);
	return (int)std::count_if(st.items.begin(), st.items.end(), [](int n) { return n > 1; });
}
