#!/usr/bin/env python3
"""repeat-20: threads-churn 20 times: every report identical, and equal to its valgrind
expectation.
"""
import os

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    expect = os.path.join(EXPECT_DIR, "threads-churn.expect")
    _, expected = norm.read_expect(expect)
    for i in range(20):
        log = os.path.join(tmp, f"r{i}.txt")
        r = run_lt(norm.BASE_OPTIONS + [f"--log-file={log}", CHURN])
        check(r.returncode == 0, f"run {i}: leaktrace exited {r.returncode}: {r.stderr}")
        check(r.stdout == "threads-churn: done\n", f"run {i}: program output {r.stdout!r}")
        with open(log) as f:
            got = norm.normalize(f.read())
        check(got == expected, f"run {i} differs from the expectation:\n{got}")


run(scenario)
