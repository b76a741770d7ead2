#!/usr/bin/env python3
"""stack-top: test-programs/stack-top (allocations straight from main) with an empty
environment and no address randomisation, so that main's frame is within 4 KiB of the end of
the stack: every allocation is recorded on the fast path with no stop (-v counts none for a
stack copy running off the stack), and the report equals valgrind's.
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("stack-top")
    _, expected = norm.read_expect(os.path.join(EXPECT_DIR, "stack-top.expect"))
    log = os.path.join(tmp, "report.txt")
    r = subprocess.run(["env", "-i", "setarch", "-R", LEAKTRACE, *norm.LEAKTRACE_OPTIONS,
                        *norm.BASE_OPTIONS, "-v", f"--log-file={log}", prog],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    check(r.returncode == 0, f"leaktrace exited {r.returncode}: {r.stderr}")
    check(r.stdout == "stack-top: done\n", f"program output {r.stdout!r}")
    with open(log) as f:
        report = f.read()
    m = re.search(r"(\d+) fast-path records, stacks walked in \d+ \(unwound live for \d+\) and copied in \d+; "
                  r"(\d+) stops, "
                  r"of which (\d+) ring full and (\d+) stack-copy faults", report)
    check(m, f"no event statistics in the -v report:\n{report}")
    records, faults = int(m.group(1)), int(m.group(4))
    if "--mode=breakpoint" not in norm.LEAKTRACE_OPTIONS:
        # one record per malloc (entry and result) and one per free
        check(records >= 10000, f"only {records} fast-path records for 5,001 pairs")
    check(faults == 0, f"{faults} stack copies ran off the end of the stack")
    got = norm.normalize(re.sub(r"(?m)^--\d+-- .*\n", "", report))
    check(got == expected, f"the report differs from the expectation:\n{got}")


run(scenario)
