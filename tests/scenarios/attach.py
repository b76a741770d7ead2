#!/usr/bin/env python3
"""attach: -p on the running server for a while: the leaks found are those made since the
attach, the server keeps running and printing after the detach, carries no tracer, its code
pages are byte-identical to before the attach, and it exits 0 at the end.
"""
import re

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp)
    try:
        pages = code_pages(p.pid)
        rep, at_attach, at_detach = attach_once(tmp, p, out)
        bytes_, blocks = report_value(rep, "definitely lost")
        made = at_detach - at_attach
        check(abs(blocks - made) <= 2 and bytes_ == 100 * blocks,
              f"{blocks} blocks definitely lost, the server leaked {made} meanwhile:\n{rep}")
        check(re.search(r"are definitely lost in loss record \d+ of \d+\n.*malloc.*\n.*leak_one "
                        r"\(attach-server\.c:\d+\)", rep), f"the leak's stack is wrong:\n{rep}")
        check("HEAP SUMMARY (blocks allocated since attach):" in rep, "not the attach summary")
        assert_unharmed(p, out, pages)
    finally:
        if p.poll() is None:
            finish_server(p, out)


run(scenario)
