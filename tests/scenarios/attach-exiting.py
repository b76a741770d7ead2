#!/usr/bin/env python3
"""attach-exiting: attach to a process that exits during the attach: no hang, no crash.
"""
import os
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    for i in range(10):
        out = os.path.join(tmp, f"short{i}.out")
        p = subprocess.Popen([SERVER, str(3 + i)], stdout=open(out, "w"),
                             stdin=subprocess.DEVNULL)
        time.sleep(0.002 * i)
        r = run_lt(["-p", str(p.pid), "--duration=5"], timeout=30)
        check(r.returncode in (0, 1), f"leaktrace exited {r.returncode}: {r.stderr}")
        check(p.wait(timeout=30) == 0, f"the program exited {p.returncode}")
        wait_for_line(out, r"^done$")


run(scenario)
