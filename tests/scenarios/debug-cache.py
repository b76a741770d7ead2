#!/usr/bin/env python3
"""debug-cache: test-programs/strdup-getline-asprintf (libc frames with file:line from
libc6-dbg's compressed DWARF) three times with LEAKTRACE_CACHE_DIR set to an empty
directory: the first run leaves an uncompressed copy of libc's debug file there named by its
build id, the second reads it, the third finds it damaged, removes it and uses the original;
every report equals valgrind's; with LEAKTRACE_CACHE_DIR empty nothing is written.
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("strdup-getline-asprintf")
    _, expected = norm.read_expect(os.path.join(EXPECT_DIR, "strdup-getline-asprintf.expect"))
    cache = os.path.join(tmp, "cache")
    os.mkdir(cache)

    def run(what, cache_dir):
        log = os.path.join(tmp, "report.txt")
        env = dict(os.environ, LEAKTRACE_CACHE_DIR=cache_dir)
        r = run_lt(norm.BASE_OPTIONS + [f"--log-file={log}", prog], env=env)
        check(r.returncode == 0, f"{what}: leaktrace exited {r.returncode}: {r.stderr}")
        with open(log) as f:
            got = norm.normalize(f.read())
        check(got == expected, f"{what}: the report differs from the expectation:\n{got}")

    def copies():
        return sorted(f for f in os.listdir(cache) if f.endswith(".debug"))

    run("run with the cache off", "")
    check(copies() == [], f"files written with the cache off: {copies()}")
    run("first run", cache)
    made = copies()
    check(made and all(re.fullmatch(r"[0-9a-f]{40}\.debug", f) for f in made),
          f"no copy named by a build id in the cache: {os.listdir(cache)}")
    out = subprocess.run(["readelf", "-S", "-W", os.path.join(cache, made[-1])],
                         capture_output=True, text=True).stdout
    flags = [line.split()[-4] for line in out.splitlines() if ".debug_info" in line]
    check(flags and "C" not in flags[0], f"the copy is still compressed:\n{out}")
    run("second run", cache)
    check(copies() == made, f"the cache changed on the second run: {copies()}")
    for f in made:  # damaged: a copy cut short
        with open(os.path.join(cache, f), "r+b") as fh:
            fh.truncate(4096)
    run("run with damaged copies", cache)
    for f in made:
        p = os.path.join(cache, f)
        check(not os.path.exists(p) or os.path.getsize(p) > 4096, f"{f} is still damaged")
    check(not [f for f in os.listdir(cache) if not f.endswith(".debug")],
          f"temporary files left: {os.listdir(cache)}")


run(scenario)
