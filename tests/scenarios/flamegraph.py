#!/usr/bin/env python3
"""flamegraph: --flamegraph and --folded on a program with several leak stacks (and C++ names
full of <>&): the SVG is well-formed, its widths add up to the lost bytes of LEAK SUMMARY,
kind by kind, and so do the folded lines.
"""
import os

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    import xml.etree.ElementTree as ET
    prog = program("xml-kinds")
    svg, folded, log = (os.path.join(tmp, n) for n in ("f.svg", "f.folded", "log.txt"))
    r = run_lt(["--leak-check=full", f"--flamegraph={svg}", f"--folded={folded}",
                f"--log-file={log}", prog])
    with open(log) as f:
        rep = f.read()
    kinds = {"definitely lost": report_value(rep, "definitely lost")[0],
             "indirectly lost": report_value(rep, "indirectly lost")[0],
             "possibly lost": report_value(rep, "possibly lost")[0]}
    total = sum(kinds.values())
    check(total > 0 and all(kinds.values()), f"the program should lose bytes of each kind:\n{rep}")
    sums = {}
    with open(folded) as f:
        for ln in f.read().splitlines():
            stack, count = ln.rsplit(" ", 1)
            sums[stack.split(";")[0]] = sums.get(stack.split(";")[0], 0) + int(count)
    check(sums == kinds, f"folded totals {sums} differ from LEAK SUMMARY {kinds}")
    root = ET.parse(svg).getroot()  # raises on a malformed file
    nodes = [g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-d") is not None]
    top = [g for g in nodes if g.get("data-d") == "0"]
    check(len(top) == 1 and int(top[0].get("data-v")) == total,
          f"the root holds {[g.get('data-v') for g in top]} bytes, not {total}")
    level1 = {g.get("data-n"): int(g.get("data-v")) for g in nodes if g.get("data-d") == "1"}
    check(level1 == kinds, f"the kinds in the SVG {level1} differ from LEAK SUMMARY {kinds}")
    width = sum(float(g.get("data-w")) for g in nodes if g.get("data-d") == "1")
    check(abs(width - 1.0) < 1e-6, f"the kinds' widths add up to {width}, not the whole")
    check(any("operator new[]" in (g.get("data-n") or "") for g in nodes), "C++ names missing")


run(scenario)
