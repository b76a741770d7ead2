#!/usr/bin/env python3
"""attach-usr1: sIGUSR1 to leaktrace in -p mode: a report now, the session goes on.
"""
import os
import signal
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp)
    try:
        log = os.path.join(tmp, "usr1.txt")
        lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, "-p", str(p.pid),
                               "--duration=3", f"--log-file={log}"], stdin=subprocess.DEVNULL)
        wait_for_line(log, rf"attached to {p.pid} ")
        time.sleep(0.5)
        lt.send_signal(signal.SIGUSR1)
        wait_for_line(log, r"HEAP SUMMARY")
        check(lt.poll() is None, "leaktrace ended at SIGUSR1")
        check(lt.wait(timeout=60) == 0, f"leaktrace exited {lt.returncode}")
        with open(log) as f:
            rep = f.read()
        check(rep.count("HEAP SUMMARY (blocks allocated since attach):") == 2,
              f"not two reports (SIGUSR1's and the final one):\n{rep}")
        check(rep.rstrip().endswith("it keeps running"), "the session did not end with a detach")
        n = last_leaks(out)
        wait_for_line(out, rf"^iter \d+ leaks {n + 2}$")
    finally:
        if p.poll() is None:
            finish_server(p, out)


run(scenario)
