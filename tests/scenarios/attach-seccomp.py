#!/usr/bin/env python3
"""attach-seccomp: -p on test-programs/seccomp-server, whose seccomp filter kills the
process on mmap (which an attach injects): leaktrace refuses with one line naming the
filter and the call, exits 1, changes nothing, and the service runs on to its end.
"""
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    out = os.path.join(tmp, "server.out")
    p = subprocess.Popen([program("seccomp-server"), "200"], stdout=open(out, "w"),
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter 2$")
    pages = code_pages(p.pid)
    r = run_lt(["-p", str(p.pid), "--duration=1"])
    check(r.returncode == 1, f"leaktrace exited {r.returncode}: {r.stderr!r}")
    check(len(r.stderr.strip().splitlines()) == 1 and "seccomp" in r.stderr and
          "mmap" in r.stderr, f"not one line naming the filter and the call: {r.stderr!r}")
    check(p.poll() is None, f"the service died: {read(out)}")
    check(code_pages(p.pid) == pages, "the service's code changed")
    check(proc_status(p.pid).get("TracerPid") == "0", "the service is still traced")
    check(p.wait(timeout=60) == 0, f"the service exited {p.returncode}: {read(out)}")
    check(read(out).rstrip().endswith("done"), f"the service did not finish: {read(out)}")


run(scenario)
