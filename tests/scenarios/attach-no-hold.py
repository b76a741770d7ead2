#!/usr/bin/env python3
"""attach-no-hold: leaktrace -p never holds freed blocks back (--hold-freed is for programs
it starts): free-reuse, attached for a second of its three, sees glibc hand every freed
16-byte block straight back, as natively ("0 of 6000 not reused"), in both modes; the
same program started under leaktrace sees none handed back.
"""
import subprocess
import time

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("free-reuse")
    p = subprocess.Popen([prog], stdout=subprocess.PIPE, text=True, cwd=tmp,
                         stdin=subprocess.DEVNULL)
    time.sleep(0.5)
    r = subprocess.run([LEAKTRACE, *LT_OPTIONS, "-p", str(p.pid), "--duration=1",
                        "--log-file=/dev/null"], capture_output=True, text=True, timeout=60)
    out, _ = p.communicate(timeout=60)
    if r.returncode != 0 and "ptrace" in r.stderr:
        print(f"SKIP: {r.stderr.strip()}")
        raise SystemExit(77)
    check(r.returncode == 0, f"leaktrace -p failed: {r.stderr}")
    check(out == "0 of 6000 not reused\n", f"attached, blocks were held back: {out!r}")
    r = subprocess.run([LEAKTRACE, *LT_OPTIONS, "--log-file=/dev/null", prog],
                       capture_output=True, text=True, timeout=60, cwd=tmp)
    check(r.stdout == "6000 of 6000 not reused\n",
          f"started under leaktrace, freed blocks should be held back: {r.stdout!r}")
    print("attached: every freed block reused at once; started: none")


run(scenario)
