#!/usr/bin/env python3
"""attach-interval: -p with --interval: growth reports name the leaking stack.
"""
import os
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp)
    try:
        log = os.path.join(tmp, "interval.txt")
        r = run_lt(["-p", str(p.pid), "--duration=1.7", "--interval=0.5", f"--log-file={log}"])
        check(r.returncode == 0, f"leaktrace exited {r.returncode}: {r.stderr}")
        with open(log) as f:
            rep = f.read()
        check(len(re.findall(r"growth over the last [0-9.]+ s", rep)) >= 2,
              f"fewer than two growth reports:\n{rep}")
        check(re.search(r"\+\d+ bytes, now \d+ bytes in \d+ blocks, allocated at\n.*malloc.*\n"
                        r".*leak_one", rep), f"the leaking stack is not named:\n{rep}")
    finally:
        if p.poll() is None:
            finish_server(p, out)


run(scenario)
