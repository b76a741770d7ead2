#!/usr/bin/env python3
"""default-supp: test-programs/dlopen-tls (a dlopen'ed library's __thread block, kept by
glibc): suppressed by the default.supp found next to leaktrace and named in -s, reported as
still reachable with --default-suppressions=no.
"""
import os
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    prog = program("dlopen-tls")
    log = os.path.join(tmp, "report.txt")
    opts = ["--leak-check=full", "--show-leak-kinds=all", "-s", f"--log-file={log}"]
    reports = {}
    for dflt in ("yes", "no"):
        r = run_lt([*opts, f"--default-suppressions={dflt}", prog])
        check(r.returncode == 0, f"leaktrace exited {r.returncode}: {r.stderr}")
        with open(log) as f:
            reports[dflt] = f.read()
    supp = report_value(reports["yes"], "suppressed")
    check(supp[0] >= 4096, f"the dynamic TLS block is not suppressed:\n{reports['yes']}")
    used = re.search(r"used_suppression: +\d+ leaktrace-dynamic-tls-block (\S+default\.supp):\d+",
                     reports["yes"])
    check(used, f"no used_suppression line from default.supp:\n{reports['yes']}")
    check(os.path.isfile(used.group(1)), f"{used.group(1)} is not the file read")
    check(report_value(reports["no"], "suppressed")[0] == 0,
          f"--default-suppressions=no still suppresses:\n{reports['no']}")
    reach = [report_value(reports[d], "still reachable")[0] for d in ("yes", "no")]
    check(reach[1] - reach[0] == supp[0],
          f"the bytes suppressed ({supp[0]}) are not the reachable ones ({reach})")


run(scenario)
