#!/usr/bin/env python3
"""refuse-early: what must fail before the program runs: a missing program exits 127 and a
directory 126 (as valgrind), an unwritable --flamegraph, --folded or --log-file exits 1 with
one line, and (as root) a symlink another user planted in a sticky world-writable directory
is not followed by --log-file, --xml-file, --flamegraph or --folded.
"""
import os

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("leak-simple")
    # a program that cannot be run: valgrind's exit statuses, one line
    for target, status, words in ((os.path.join(tmp, "missing"), 127, "No such file"),
                                  ("leaktrace-no-such-command", 127, "command not found"),
                                  (tmp, 126, "Is a directory")):
        r = run_lt([target])
        check(r.returncode == status and r.stderr.count("\n") == 1 and words in r.stderr,
              f"{target}: exit {r.returncode}, want {status}, stderr {r.stderr!r}")
    # an output file that cannot be written: refused before the program runs
    for opt in ("--flamegraph", "--folded", "--log-file"):
        bad = os.path.join(tmp, "no-such-dir", "out")
        r = run_lt(["--leak-check=full", f"{opt}={bad}", prog])
        check(r.returncode == 1 and "leak-simple:" not in r.stdout and
              f"cannot write {bad}" in r.stderr,
              f"{opt}: exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}")
    # a symlink another user planted in a sticky world-writable directory
    if os.geteuid() == 0:
        shared = os.path.join(tmp, "shared")
        os.mkdir(shared)
        os.chmod(shared, 0o1777)
        secret = os.path.join(tmp, "secret")
        with open(secret, "w") as f:
            f.write("root only\n")
        for opt in ("--log-file", "--xml-file", "--flamegraph", "--folded"):
            link = os.path.join(shared, opt.strip("-"))
            os.symlink(secret, link)
            os.lchown(link, 65534, 65534)
            extra = ["--xml=yes"] if opt == "--xml-file" else []
            r = run_lt([*extra, f"{opt}={link}", prog])
            check(r.returncode == 1 and "leak-simple:" not in r.stdout and
                  "never written" in r.stderr,
                  f"{opt} through a planted link: exit {r.returncode}, {r.stderr!r}")
            with open(secret) as f:
                check(f.read() == "root only\n", f"{opt} wrote through the planted link")


run(scenario)
