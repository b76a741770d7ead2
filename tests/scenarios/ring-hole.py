#!/usr/bin/env python3
"""ring-hole: test-programs/ring-hole claims a slot of the fast-path ring and never publishes
it, then allocates five rings' worth: leaktrace gives the slot up (one warning, -v counts 1
record abandoned), the program finishes, and its one leak is reported.
"""
import os
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("ring-hole")
    log = os.path.join(tmp, "report.txt")
    r = run_lt(norm.BASE_OPTIONS + ["-v", f"--log-file={log}", prog], timeout=60)
    check(r.returncode == 0, f"leaktrace exited {r.returncode}: {r.stderr}")
    with open(log) as f:
        report = f.read()
    fast = "--mode=breakpoint" not in norm.LEAKTRACE_OPTIONS
    check(r.stdout == ("ring-hole: slot claimed\n" if fast else "ring-hole: no ring\n"),
          f"program output {r.stdout!r}")
    m = re.search(r"(\d+) records abandoned", report)
    check(m, f"no event statistics in the -v report:\n{report}")
    check(int(m.group(1)) == (1 if fast else 0), f"{m.group(1)} records abandoned")
    warned = report.count("Warning: an allocator call was left in the middle of its record")
    check(warned == (1 if fast else 0), f"the warning was printed {warned} times")
    check(report_value(report, "definitely lost") == (33, 1), f"wrong leaks:\n{report}")
    # as valgrind counts them (fopen's FILE and buffer, stdout's buffer): no real event
    # was lost, the abandoned record never held one
    check("total heap usage: 20,004 allocs, 20,003 frees, 1,315,625 bytes allocated" in report,
          f"wrong totals:\n{report}")


run(scenario)
