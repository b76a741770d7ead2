#!/usr/bin/env python3
"""stop-cont: sIGSTOP and SIGCONT sent to the program from outside: it stops (job control works
through the tracer), resumes, and ends as untraced.
"""
import os
import signal
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    out = os.path.join(tmp, "server.out")
    log = os.path.join(tmp, "lt.txt")
    lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, f"--log-file={log}", SERVER, "400"],
                          stdout=open(out, "w"), stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter 20 ")
    pid = int(subprocess.check_output(["pgrep", "-P", str(lt.pid)]).split()[0])
    os.kill(pid, signal.SIGSTOP)
    # stopped for good: the signal-delivery stop ("t") comes first, and the tracer then lets
    # the signal through to the group-stop, so one look at "t" may be followed by a moment
    # of "R": wait until the state has stayed stopped for 0.1 s
    deadline = time.time() + 5
    stopped_since = None
    while time.time() < deadline:
        if proc_status(pid).get("State", "").startswith(("T", "t")):
            stopped_since = stopped_since or time.time()
            if time.time() - stopped_since >= 0.1:
                break
        else:
            stopped_since = None
        time.sleep(0.01)
    state = proc_status(pid).get("State", "")
    check(state.startswith(("T", "t")), f"after SIGSTOP the program's state is {state!r}")
    n1 = last_leaks(out)
    time.sleep(0.3)
    check(last_leaks(out) == n1, "the program kept running while stopped")
    os.kill(pid, signal.SIGCONT)
    check(lt.wait(timeout=60) == 0, f"leaktrace exited {lt.returncode}")
    with open(out) as f:
        lines = f.read().splitlines()
    check(lines[-1] == "done" and "iter 400 leaks 80" in lines, "the program did not finish")
    with open(log) as f:
        rep = f.read()
    check(report_value(rep, "definitely lost") == (8000, 80), "80 leaks of 100 bytes expected")


run(scenario)
