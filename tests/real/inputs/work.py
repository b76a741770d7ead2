# json, re, sqlite3 and collections: the kind of work that merges CPython's
# arenas with glibc's mmap'd chunks (issue 13, item 1).
import collections, json, re, sqlite3
data = json.load(open("data.json"))
words = collections.Counter()
for line in open("data.txt"):
    for w in re.findall(r"[a-z]+", line):
        words[w] += 1
db = sqlite3.connect(":memory:")
db.execute("create table t (a integer, b text)")
db.executemany("insert into t values (?, ?)", [(d["a"], d["b"]) for d in data])
print(db.execute("select b, count(*), sum(a) from t group by b order by b limit 3").fetchall())
print(sorted(words.items())[:5])
print(len(json.dumps(data)), re.sub(r"(\d+)", r"<\1>", "a1b22c333"))
