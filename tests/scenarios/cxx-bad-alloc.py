#!/usr/bin/env python3
"""cxx-bad-alloc: std::bad_alloc thrown out of operator new through our hooks is caught by the
program as natively, and the one real leak is reported.
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("cxx-bad-alloc")
    log = os.path.join(tmp, "log.txt")
    native = subprocess.run([prog], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    r = run_lt(norm.BASE_OPTIONS + [f"--log-file={log}", prog])
    check(native.stdout == "cxx-bad-alloc: caught 3\n" and native.returncode == 0,
          f"the native run changed: {native.returncode} {native.stdout!r}")
    check(r.stdout == native.stdout and r.returncode == native.returncode,
          f"traced: {r.returncode} {r.stdout!r}, native: {native.returncode} {native.stdout!r}")
    with open(log) as f:
        rep = f.read()
    # new int[5]: 20 bytes, the only block left; the three exception objects are freed
    check(report_value(rep, "definitely lost") == (20, 1), f"the leak is not 20 bytes:\n{rep}")
    check(re.search(r"20 bytes in 1 blocks are definitely lost in loss record 1 of 1\n"
                    r".*operator new\[\]\(unsigned long\).*\n.*main \(cxx-bad-alloc\.cc:20\)",
                    rep), f"the leak's stack is wrong:\n{rep}")


run(scenario)
