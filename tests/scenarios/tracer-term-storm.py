#!/usr/bin/env python3
"""tracer-term-storm: sIGTERM to leaktrace while test-programs/alloc-storm's six threads fill
the fast-path ring again and again (threads held at its ring-full trap or in a stub): the
program goes on untraced and finishes (a thread held at the trap used to get a SIGTRAP at
the detach and kill it).
"""
import os
import signal
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("alloc-storm")
    out = os.path.join(tmp, "storm.out")
    log = os.path.join(tmp, "lt.txt")
    for i in range(3):
        with open(out, "w") as o:
            lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, f"--log-file={log}", prog],
                                  stdout=o, stdin=subprocess.DEVNULL)
        wait_for_line(out, r"^alloc-storm: running$")
        time.sleep(0.5)
        lt.send_signal(signal.SIGTERM)
        check(lt.wait(timeout=60) == 128 + signal.SIGTERM, f"run {i}: leaktrace exited {lt.returncode}")
        wait_for_line(out, r"^alloc-storm: survived$")


run(scenario)
