#!/usr/bin/env python3
"""symbol-lookup: every function name a report gives is looked up in leaktrace's own symbol
index (symbols.c's function_name); LEAKTRACE_CHECK_SYMBOLS=1 asks libdwfl's whole-table
lookup for each too and says how many differ.  Run on a C++ test program and on real programs
with large symbol tables (python3, and cc1plus when installed), every leak kind shown, so that
every frame of every loss record is named.
"""
import os
import re
import shutil
import subprocess

from scenariolib import *  # noqa: F401,F403


def checked(tmp, argv, least=20):
    log = os.path.join(tmp, "report.txt")
    env = dict(os.environ, LEAKTRACE_CHECK_SYMBOLS="1")
    r = subprocess.run([LEAKTRACE, *LT_OPTIONS, "--leak-check=full", "--show-leak-kinds=all",
                        f"--log-file={log}", *argv], capture_output=True, text=True,
                       timeout=300, stdin=subprocess.DEVNULL, env=env, cwd=tmp)
    m = re.findall(r"leaktrace: symbol check: (\d+) names, (\d+) differ", r.stderr)
    check(m, f"{argv[0]}: no symbol check line:\n{r.stderr}")
    if not m:
        return
    names, differ = int(m[-1][0]), int(m[-1][1])
    check(names >= least, f"{argv[0]}: only {names} names checked")
    check(differ == 0, f"{argv[0]}: {differ} of {names} names differ from libdwfl's:\n"
          + "\n".join(l for l in r.stderr.splitlines() if " is " in l)[:4000])
    print(f"{argv[0]}: {names} names, {differ} differ")


def scenario(tmp):
    checked(tmp, [program("cxx-new")], least=1)  # its own frames are named by DWARF
    if os.path.exists("/usr/bin/python3"):
        checked(tmp, ["/usr/bin/python3", "-c", "import json, re; json.dumps([re.compile('a+')])"])
    cc1plus = subprocess.run(["gcc", "-print-prog-name=cc1plus"], capture_output=True,
                             text=True).stdout.strip()
    if cc1plus and os.path.isabs(cc1plus) and os.path.exists(cc1plus):
        src = os.path.join(tmp, "tu.cc")
        with open(src, "w") as f:
            f.write("#include <map>\n#include <string>\n"
                    "int main() { std::map<std::string, int> m; m[\"a\"] = 1; return m[\"a\"]; }\n")
        checked(tmp, [cc1plus, "-quiet", src, "-o", "/dev/null"], least=1000)


run(scenario)
