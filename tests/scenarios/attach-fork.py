#!/usr/bin/env python3
"""attach-fork: -p attached and detached ten times to test-programs/fork-server, whose
three threads fork continuously (children forked during the attach, while traced, and
during the detach): no child is harmed (each must exit with its own status 7), the server
is left untraced and unstopped, and ends with status 0.
"""
import re
import signal
import subprocess

from scenariolib import *  # noqa: F401,F403


def harmed(out):
    m = re.search(r"harmed (\d+)", wait_for_line(out, r"^iter \d+ harmed \d+"))
    return int(m.group(1))


def scenario(tmp):
    out = os.path.join(tmp, "server.out")
    p = subprocess.Popen([program("fork-server")], stdout=open(out, "w"),
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter ")
    for i in range(10):
        log = os.path.join(tmp, f"attach{i}.txt")
        r = run_lt(["-p", str(p.pid), "--duration=0.3", f"--log-file={log}"], timeout=60)
        check(r.returncode == 0, f"attach {i}: leaktrace exited {r.returncode}: {r.stderr}"
              f"\n{read(log)}")
        check(p.poll() is None, f"attach {i}: the server died ({p.returncode})")
        check(harmed(out) == 0, f"attach {i}: a child was harmed:\n{read(out)[-500:]}")
    st = proc_status(p.pid)
    check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
    time.sleep(0.2)
    check(harmed(out) == 0, "a child was harmed after the last detach")
    p.send_signal(signal.SIGTERM)
    check(p.wait(timeout=30) == 0, f"the server exited {p.returncode}")
    last = read(out).rstrip().splitlines()[-1]
    check(last == "done harmed 0", f"the server's last line: {last!r}")


run(scenario)
