#!/usr/bin/env python3
"""attach-allocators: -p on the server running on jemalloc and on tcmalloc (Debian's
libjemalloc2 and libtcmalloc-minimal4, preloaded): no error is reported (frees of blocks
allocated before the attach are counted apart, whatever the allocator), every such free
reaches the allocator, and the server runs on unharmed and finishes.
"""
import re
import subprocess

from scenariolib import *  # noqa: F401,F403

LIBS = ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
        "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"]


def scenario(tmp):
    missing = [lib for lib in LIBS if not os.path.exists(lib)]
    check(not missing, f"not installed (scripts/setup installs them): {' '.join(missing)}")
    for n, lib in enumerate(LIBS):
        out = os.path.join(tmp, f"server{n}.out")
        p = subprocess.Popen([SERVER], stdout=open(out, "w"), stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env={**os.environ, "LD_PRELOAD": lib})
        wait_for_line(out, r"^iter ")
        pages = code_pages(p.pid)
        rep, _, _ = attach_once(tmp, p, out, n)
        name = os.path.basename(lib)
        check(not re.search(r"Invalid free|Mismatched free", rep),
              f"{name}: a bad free reported:\n{rep}")
        m = re.search(r"frees of blocks allocated before the attach: (\d+)", rep)
        check(m and int(m.group(1)) > 0, f"{name}: no free of an earlier block seen:\n{rep}")
        assert_unharmed(p, out, pages)
        finish_server(p, out)


run(scenario)
