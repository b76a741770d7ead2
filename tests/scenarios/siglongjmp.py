#!/usr/bin/env python3
"""siglongjmp: test-programs/siglongjmp-malloc, whose timer handler siglongjmps out of its
allocation loop thousands of times (with --mode=breakpoint also from a breakpoint's
out-of-line copy, i.e. from inside an allocator call as the tracer sees it): every
completed allocation is recorded (its free is then no error), no error is reported, and
the program's output is as untraced.
"""
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    args = [] if BREAKPOINT_MODE else ["program"]
    log = os.path.join(tmp, "report.txt")
    r = run_lt([f"--log-file={log}", program("siglongjmp-malloc"), *args])
    check(r.returncode == 0, f"leaktrace exited {r.returncode}: {r.stderr}")
    check(re.match(r"siglongjmp-malloc: 20000 completed", r.stdout), f"stdout: {r.stdout!r}")
    rep = read(log)
    m = re.search(r"total heap usage: ([\d,]+) allocs, ([\d,]+) frees", rep)
    check(m, f"no HEAP SUMMARY:\n{rep}")
    allocs, frees = (int(x.replace(",", "")) for x in m.groups())
    check(allocs >= 20000 and frees >= 20000,
          f"completed calls lost: {allocs} allocs, {frees} frees recorded:\n{rep}")
    check(re.search(r"ERROR SUMMARY: 0 errors", rep), f"errors reported:\n{rep}")


run(scenario)
