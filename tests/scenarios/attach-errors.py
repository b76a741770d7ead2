#!/usr/bin/env python3
"""attach-errors: no such PID, a zombie, a process already traced: one clear line and exit
status 1 each, and the traced process is left alone.
"""
import os
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    r = run_lt(["-p", "999999999"])
    check(r.returncode == 1 and "no such process" in r.stderr and
          len(r.stderr.strip().splitlines()) == 1, f"no such PID: {r.returncode} {r.stderr!r}")
    z = subprocess.Popen(["true"])
    time.sleep(0.2)  # not waited for: a zombie
    r = run_lt(["-p", str(z.pid)])
    check(r.returncode == 1 and "zombie" in r.stderr, f"zombie: {r.returncode} {r.stderr!r}")
    z.wait()
    out = os.path.join(tmp, "traced.out")
    lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, "--log-file=/dev/null", SERVER, "300"],
                          stdout=open(out, "w"), stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter 5 ")
    pid = int(subprocess.check_output(["pgrep", "-P", str(lt.pid)]).split()[0])
    r = run_lt(["-p", str(pid)])
    check(r.returncode == 1 and "already traced" in r.stderr,
          f"traced: {r.returncode} {r.stderr!r}")
    check(lt.wait(timeout=60) == 0, f"the first leaktrace exited {lt.returncode}")
    wait_for_line(out, r"^done$")


run(scenario)
