#!/usr/bin/env python3
"""tracer-term: sIGTERM to leaktrace: it writes the report it has, marked as interrupted, exits
128+15, and the program runs on untraced.
"""
import os
import signal
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    out = os.path.join(tmp, "server.out")
    log = os.path.join(tmp, "lt.txt")
    lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, "--leak-check=full", f"--log-file={log}", SERVER],
                          stdout=open(out, "w"), stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter 50 ")
    pid = int(subprocess.check_output(["pgrep", "-P", str(lt.pid)]).split()[0])
    lt.send_signal(signal.SIGTERM)
    check(lt.wait(timeout=60) == 128 + signal.SIGTERM, f"leaktrace exited {lt.returncode}")
    with open(log) as f:
        rep = f.read()
    check("interrupted by signal 15" in rep, f"no 'interrupted' note:\n{rep}")
    check("HEAP SUMMARY" in rep and "definitely lost" in rep, "no report")
    st = proc_status(pid)
    check(st.get("TracerPid") == "0", f"the program is still traced: {st.get('TracerPid')}")
    check(not st.get("State", "").startswith(("T", "t")), f"the program is stopped: {st['State']}")
    n = last_leaks(out)
    wait_for_line(out, rf"^iter \d+ leaks {n + 2}$")  # it runs on
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while time.time() < deadline and proc_status(pid).get("State", "Z").startswith(("S", "R")):
        time.sleep(0.02)
    wait_for_line(out, r"^done$")


run(scenario)
