#!/usr/bin/env python3
"""lost-check: --lost-check searches the whole process for words pointing into the blocks
the report calls lost.  lost-check (the program) leaks three blocks, all definitely lost
for memcheck and leaktrace: 100 bytes nothing points at; 48 bytes whose only pointer lies
in a freed block (dead memory, counted apart); 72 bytes whose only pointer lies in a
read-only anonymous mapping, which the scan does not take as a root and the check finds.
Run twice (where blocks land changes), the report itself unchanged by the option.
"""
import os
import re
import subprocess

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("lost-check")
    log = os.path.join(tmp, "report.txt")
    for _ in range(2):
        r = subprocess.run([LEAKTRACE, *LT_OPTIONS, "--leak-check=full", "--lost-check=yes",
                            f"--log-file={log}", prog], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL, cwd=tmp)
        check(r.returncode == 0 and r.stdout == "done\n", f"the program failed: {r}")
        with open(log) as f:
            text = f.read()
        check("definitely lost: 220 bytes in 3 blocks" in text,
              f"the three blocks should be definitely lost:\n{text}")
        summary = re.findall(r"lost-check: ([\d,]+) blocks lost; no word outside them points "
                             r"into ([\d,]+) \(([\d,]+) of them pointed at only from dead "
                             r"memory[^)]*\), ([\d,]+) are pointed at", text)
        check(summary == [("3", "2", "1", "1")], f"lost-check's summary is wrong:\n{text}")
        recs = re.findall(r"lost-check: loss record (\d+) \(definitely lost\): 1 of 1 blocks "
                          r"pointed at, e\.g\. 0x[0-9a-f]+\+0 \(of 72 bytes\) by the word at "
                          r"0x[0-9a-f]+ in an anonymous mapping, outside any block", text)
        check(recs == ["2"], f"the 72-byte block's pointer should be found:\n{text}")
        check(len(re.findall(r"lost-check: loss record", text)) == 1,
              f"only the 72-byte block is pointed at:\n{text}")
    print("lost-check: 1 of 3 lost blocks pointed at (a read-only mapping), 1 only from"
          " freed memory, 1 from nothing")


run(scenario)
