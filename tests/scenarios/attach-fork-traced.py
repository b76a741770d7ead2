#!/usr/bin/env python3
"""attach-fork-traced: -p --trace-children=yes on test-programs/fork-server, whose three
threads fork continuously, with SIGUSR1 reports every 50 ms (each stops every thread, and
may hold one at its fork event): every child is handed to a copy of leaktrace or let go,
none is harmed, children are reported on their own, and the server is left untraced.
"""
import os
import re
import signal
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp, prog=program("fork-server"))
    try:
        log = os.path.join(tmp, "traced.txt")
        lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, "-p", str(p.pid),
                               "--trace-children=yes", "--duration=2", f"--log-file={log}"],
                              stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_line(log, rf"attached to {p.pid} ")
        for _ in range(20):
            time.sleep(0.05)
            if lt.poll() is None:
                lt.send_signal(signal.SIGUSR1)
        _, err = lt.communicate(timeout=60)
        check(lt.returncode == 0, f"leaktrace exited {lt.returncode}: {err.decode()}")
        time.sleep(0.3)  # the copies' last children exit
        check(fork_server_harmed(out) == 0, f"a child was harmed:\n{read(out)[-800:]}")
        st = proc_status(p.pid)
        check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
        rep = read(log)
        pids = set(re.findall(r"^==(\d+)== HEAP SUMMARY", rep, re.M))
        check(len(pids - {str(p.pid)}) > 0, f"no child reported on its own:\n{rep[-800:]}")
        time.sleep(0.2)
        check(fork_server_harmed(out) == 0, "a child was harmed after the detach")
        finish_fork_server(p, out)
    finally:
        if p.poll() is None:
            p.kill()


run(scenario)
