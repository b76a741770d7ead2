#!/usr/bin/env python3
"""attach-kill9: kill -9 of `leaktrace -p` in the middle of its session: the service is
no longer traced, is not left stopped, and keeps running and allocating (the fast path's
stubs, with no tracer left, stop recording by themselves and let every call through);
it finishes with status 0.  Not with --mode=breakpoint, whose int3s cannot outlive
leaktrace (the man page says so): skipped there.
"""
import signal
import sys
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    if BREAKPOINT_MODE:
        print(f"SKIP: {NAME}: --mode=breakpoint leaves int3s that need leaktrace")
        sys.exit(77)
    p, out = start_server(tmp)
    log = os.path.join(tmp, "report.txt")
    lt = subprocess.Popen([LEAKTRACE, *LT_OPTIONS, "-p", str(p.pid), "--duration=60",
                           f"--log-file={log}"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_line(log, rf"attached to {p.pid} ", timeout=30)
    n = last_leaks(out)
    wait_for_line(out, rf"^iter \d+ leaks {n + 2}$", timeout=30)  # it runs while attached
    lt.send_signal(signal.SIGKILL)
    lt.wait(timeout=30)
    time.sleep(0.2)
    check(p.poll() is None, f"the service died with leaktrace (status {p.returncode})")
    st = proc_status(p.pid)
    check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
    n = last_leaks(out)
    wait_for_line(out, rf"^iter \d+ leaks {n + 3}$", timeout=30)  # and keeps allocating
    finish_server(p, out)


run(scenario)
