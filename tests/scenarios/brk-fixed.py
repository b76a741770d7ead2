#!/usr/bin/env python3
"""brk-fixed: where the program break is not randomised (setarch -R, a program started by
gdb, randomize_va_space below 2) it starts right after the bss, and nothing is mapped there
until it grows.  leaktrace's scratch pages (the stubs of an operator new the program defines
itself, placed near its code) once went exactly there: the break could not grow and glibc
moved its heap to mmap'd memory.  brk-grow, run with setarch -R, must print what it prints
natively ("brk grew") and leak its 2,000 blocks, definitely lost.  Skipped where
personality(ADDR_NO_RANDOMIZE) is refused.
"""
import os
import re
import subprocess
import sys

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("brk-grow")
    native = subprocess.run(["setarch", "-R", prog], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    if native.returncode != 0 or native.stdout != "brk grew\n":
        print(f"SKIP: setarch -R cannot run the program here: {native.stderr.strip()}")
        sys.exit(77)
    log = os.path.join(tmp, "report.txt")
    for _ in range(2):
        r = subprocess.run(["setarch", "-R", LEAKTRACE, *LT_OPTIONS, f"--log-file={log}", prog],
                           capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL, cwd=tmp)
        check(r.returncode == 0 and r.stdout == native.stdout,
              f"traced with setarch -R the program printed {r.stdout!r} (exit "
              f"{r.returncode}), natively {native.stdout!r}")
        with open(log) as f:
            text = f.read()
        m = re.search(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
        check(m and m[2] == "2,000", f"2,000 blocks should be definitely lost:\n{text}")
    print("with setarch -R the break grows under leaktrace as natively, 2,000 blocks lost")


run(scenario)
