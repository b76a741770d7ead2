#!/usr/bin/env python3
"""attach-errors: no such PID, a zombie, a kernel thread, a process already traced, -p 0,
-p without a PID: one clear line and exit status 1 each, and the traced process is left
alone.
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
    # a kernel thread: said so, not blamed on ptrace_scope (none in some containers)
    kthreads = []
    for d in os.listdir("/proc"):
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if d.isdigit() and int(fields[6]) & 0x00200000:
                kthreads.append(d)
        except (OSError, IndexError, ValueError):
            pass
    if kthreads:
        r = run_lt(["-p", kthreads[0]])
        check(r.returncode == 1 and "kernel thread" in r.stderr and "ptrace_scope" not in r.stderr
              and len(r.stderr.strip().splitlines()) == 1,
              f"kernel thread {kthreads[0]}: {r.returncode} {r.stderr!r}")
    # bad -p values: one line each, naming -p
    for args, words in ((["-p", "0"], "-p takes a process ID, not '0'"),
                        (["-p"], "-p needs a value")):
        r = run_lt(args)
        check(r.returncode == 1 and r.stderr.count("\n") == 1 and words in r.stderr,
              f"{' '.join(args)}: {r.returncode} {r.stderr!r}")
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
