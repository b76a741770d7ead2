#!/usr/bin/env python3
"""below-main: the main thread's stacks end at libc's start-up.  By default every report
stops at main (or at the libc function that calls it), so the unwinder and the fast path's
walks stop at that function instead of reading the frames below it; with
--show-below-main=yes the stacks go on to _start as before.  leak-loop's one loss record is
checked both ways, twice in one session each (the second after the walk's rules are
taught).
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403


def frames(tmp, extra):
    log = os.path.join(tmp, "report.txt")
    subprocess.run([LEAKTRACE, *LT_OPTIONS, "--leak-check=full", f"--log-file={log}", *extra,
                    program("leak-loop")], capture_output=True, text=True, timeout=120,
                   stdin=subprocess.DEVNULL, cwd=tmp)
    with open(log) as f:
        text = f.read()
    m = re.search(r"are definitely lost in loss record 1 of 1\n((?:==\d+==    (?:at|by) .*\n)+)",
                  text)
    check(m, f"no loss record in:\n{text}")
    return [re.sub(r"^==\d+==\s+(at|by) 0x[0-9A-F]+: ", "", l) for l in m[1].splitlines()] \
        if m else []


def scenario(tmp):
    for _ in range(2):
        st = frames(tmp, [])
        check(len(st) == 3 and st[-1].startswith("main (leak-loop.c:"),
              f"default: the stack should end at main: {st}")
        st = frames(tmp, ["--show-below-main=yes"])
        names = [f.split(" ", 1)[0] for f in st]
        check(names[:3] == ["malloc", "node", "main"] and "__libc_start_call_main" in names
              and "_start" in names,
              f"--show-below-main=yes: the stack should go on below main to _start: {st}")
    print("stacks end at main by default, and go on to _start with --show-below-main=yes")


run(scenario)
