#!/usr/bin/env python3
"""attach-fds: -p --track-fds=yes on a running service that keeps descriptors: the
descriptor it opened before the attach is listed as "<open before leaktrace attached>" (not
as inherited), each one it opened while traced with its stack (open, main), the count line
is the listing's, and the service runs on unharmed after the detach.
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403

FD_SERVER = program("fd-attach-server")


def kept(out):
    return int(re.search(r"kept (\d+)", wait_for_line(out, r"^iter \d+ kept \d+$")).group(1))


def scenario(tmp):
    out = os.path.join(tmp, "server.out")
    p = subprocess.Popen([FD_SERVER], stdout=open(out, "w"), stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    try:
        wait_for_line(out, r"^iter 6 ")
        pages = code_pages(p.pid)
        log = os.path.join(tmp, "attach.txt")
        lt = lt_popen(["-p", str(p.pid), "--track-fds=yes", "--duration=1.5",
                       f"--log-file={log}"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, text=True)
        wait_for_line(log, rf"attached to {p.pid} ", timeout=60)
        at_attach = kept(out)
        wait_for_line(log, rf"detached from {p.pid}; it keeps running", timeout=60)
        at_detach = kept(out)
        err = lt.communicate(timeout=60)[1]
        check(lt.returncode == 0, f"leaktrace exited {lt.returncode}: {err}")
        rep = read(log)
        pre = re.compile(r"==\d+== ")
        lines = [pre.sub("", ln, count=1) for ln in rep.splitlines()]
        text = "\n".join(lines)
        check("<inherited from parent>" not in text, f"-p says inherited:\n{rep}")
        check(re.search(r"^Open file descriptor 3: /dev/null\n   <open before leaktrace "
                        r"attached>$", text, re.M), f"fd 3 not listed as open before:\n{rep}")
        m = re.search(r"^FILE DESCRIPTORS: (\d+) open \((\d+) std\) at exit\.$", text, re.M)
        check(m, f"no FILE DESCRIPTORS line:\n{rep}")
        listed = re.findall(r"^Open file descriptor (\d+): (\S+)\n(   .*)$", text, re.M)
        check(int(m.group(1)) - int(m.group(2)) == len(listed),
              f"count line {m.group(0)!r} but {len(listed)} listed:\n{rep}")
        traced = [fd for fd, path, nxt in listed
                  if path == "/dev/zero" and re.match(r"   at 0x[0-9A-F]+: open ", nxt)]
        before = [fd for fd, path, nxt in listed if "<open before leaktrace attached>" in nxt]
        check(abs(len(traced) - (at_detach - at_attach)) <= 1,
              f"{len(traced)} /dev/zero with a stack, {at_detach - at_attach} opened while "
              f"attached:\n{rep}")
        check(abs(len(before) - (1 + at_attach)) <= 1,
              f"{len(before)} listed as open before the attach, {1 + at_attach} were:\n{rep}")
        check(traced and re.search(r"   at 0x[0-9A-F]+: open .*\n   by 0x[0-9A-F]+: main "
                                   r"\(fd-attach-server\.c:\d+\)", text),
              f"no stack through main for a descriptor made while attached:\n{rep}")
        st = proc_status(p.pid)
        check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
        n = kept(out)
        wait_for_line(out, rf"^iter \d+ kept {n + 1}$")  # it runs on and keeps opening
        after = code_pages(p.pid)
        check(pages.keys() == after.keys() and all(pages[k] == after[k] for k in pages),
              "code pages differ after the detach")
    finally:
        if p.poll() is None:
            p.send_signal(15)
            check(p.wait(timeout=30) == 0, f"the server exited {p.returncode}")


run(scenario)
