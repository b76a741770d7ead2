#!/usr/bin/env python3
"""fd-bad-close: --track-fds: closing a descriptor that is not open is reported.
"""
import os
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("fd-bad-close")
    log = os.path.join(tmp, "log.txt")
    r = run_lt(["--track-fds=yes", f"--log-file={log}", prog])
    check(r.returncode == 0 and r.stdout == "fd-bad-close: second close failed\n",
          f"the program's run changed: {r.returncode} {r.stdout!r}")
    with open(log) as f:
        rep = f.read()
    check(re.search(r"File descriptor \d+ was closed already\n==\d+==    at 0x[0-9A-F]+: close "
                    r".*\n==\d+==    by 0x[0-9A-F]+: main \(fd-bad-close\.c:12\)", rep),
          f"the bad close is not reported with its stack:\n{rep}")
    check(rep.count("was closed already") == 1, "the good close was reported too")


run(scenario)
