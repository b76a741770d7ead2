#!/usr/bin/env python3
"""attach-50: attach and detach 50 times in a row, with both CPUs loaded: the server is never
harmed.
"""
import os
import signal
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp)
    # other tracing going on meanwhile (leaktrace on threads-churn, over and over): a
    # thread then hits an int3 just as the detach stops it far more often (the SIGTRAP
    # left pending killed the program after the detach)
    load = subprocess.Popen(["/bin/sh", "-c", f"while :; do '{LEAKTRACE}' --log-file=/dev/null "
                             f"'{CHURN}' >/dev/null; done"], start_new_session=True)
    try:
        pages = code_pages(p.pid)
        for i in range(50):
            attach_once(tmp, p, out, i, duration="0.05")
        assert_unharmed(p, out, pages)
    finally:
        os.killpg(load.pid, signal.SIGKILL)
        load.wait()
        if p.poll() is None:
            finish_server(p, out)


run(scenario)
