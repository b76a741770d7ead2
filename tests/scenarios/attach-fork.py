#!/usr/bin/env python3
"""attach-fork: -p attached and detached ten times to test-programs/fork-server, whose
three threads fork continuously (children forked during the attach, while traced, and
during the detach): no child is harmed (each must exit with its own status 7), the server
is left untraced and unstopped, and ends with status 0.
"""

from scenariolib import *  # noqa: F401,F403


def scenario(tmp):
    p, out = start_server(tmp, prog=program("fork-server"))
    for i in range(10):
        log = os.path.join(tmp, f"attach{i}.txt")
        r = run_lt(["-p", str(p.pid), "--duration=0.3", f"--log-file={log}"], timeout=60)
        check(r.returncode == 0, f"attach {i}: leaktrace exited {r.returncode}: {r.stderr}"
              f"\n{read(log)}")
        check(p.poll() is None, f"attach {i}: the server died ({p.returncode})")
        check(fork_server_harmed(out) == 0, f"attach {i}: a child was harmed:\n{read(out)[-500:]}")
    st = proc_status(p.pid)
    check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
    time.sleep(0.2)
    check(fork_server_harmed(out) == 0, "a child was harmed after the last detach")
    finish_fork_server(p, out)


run(scenario)
