"""scenariolib: what every scenario test (tests/scenarios/NAME.py) shares.

A scenario is a behaviour that a single run compared with valgrind cannot show: signals from
outside, leaktrace's own SIGTERM, -p attach and detach on a running server, the same run
many times.  Each scenario file says what it checks in its docstring, imports this module,
defines scenario(tmp) that raises Fail (through check) on the first thing that is wrong,
and ends with `run(scenario)`.  Meson runs it as

    python3 tests/scenarios/NAME.py LEAKTRACE PROGDIR

with PROGDIR the build directory of test-programs/.  LEAKTRACE_TEST_OPTIONS (e.g.
--mode=breakpoint) is added to every leaktrace command (LT_OPTIONS).

Exit 0 pass, 1 fail, 77 skip (ptrace not permitted here), 2 usage.
"""
import importlib.machinery
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECT_DIR = os.path.join(ROOT, "test-programs")


def _load_normalize():
    sys.dont_write_bytecode = True
    loader = importlib.machinery.SourceFileLoader(
        "lt_normalize", os.path.join(ROOT, "scripts", "normalize"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


norm = _load_normalize()
LT_OPTIONS = norm.LEAKTRACE_OPTIONS
BREAKPOINT_MODE = "--mode=breakpoint" in LT_OPTIONS
NAME = os.path.splitext(os.path.basename(sys.argv[0]))[0]

if len(sys.argv) != 3:
    print(f"usage: {NAME}.py LEAKTRACE PROGDIR", file=sys.stderr)
    sys.exit(2)
LEAKTRACE = os.path.abspath(sys.argv[1])
PROGDIR = os.path.abspath(sys.argv[2])


def program(name):
    """The built test program NAME."""
    return os.path.join(PROGDIR, name)


SERVER = program("attach-server")  # a looping multi-threaded service
CHURN = program("threads-churn")  # 4 threads x 10,000 allocations


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def expected_report(name):
    """The normalized expectation test-programs/NAME.expect holds."""
    return norm.read_expect(os.path.join(EXPECT_DIR, name + ".expect"))[1]


def proc_status(pid):
    """The fields of /proc/PID/status, or {} when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return dict(ln.rstrip("\n").split(":\t", 1) for ln in f if ":\t" in ln)
    except OSError:
        return {}


def code_pages(pid):
    """Every executable mapping of pid and its bytes."""
    pages = {}
    with open(f"/proc/{pid}/maps") as f:
        maps = [ln.split() for ln in f]
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for m in maps:
            if "x" not in m[1] or (len(m) > 5 and m[5] == "[vsyscall]"):
                continue
            start, end = (int(x, 16) for x in m[0].split("-"))
            mem.seek(start)
            try:
                pages[(m[0], m[5] if len(m) > 5 else "")] = mem.read(end - start)
            except OSError:
                pages[(m[0], m[5] if len(m) > 5 else "")] = None
    return pages


def wait_for_line(path, pattern, timeout=10.0):
    """The last line of file path matching pattern, waiting until one appears."""
    deadline = time.time() + timeout
    rx = re.compile(pattern)
    while time.time() < deadline:
        try:
            with open(path) as f:
                hits = [ln for ln in f.read().splitlines() if rx.search(ln)]
            if hits:
                return hits[-1]
        except OSError:
            pass
        time.sleep(0.02)
    raise Fail(f"no line matching {pattern!r} in {path} after {timeout} s")


def child_pid(parent):
    """The pid of the (first) child of process parent: the program leaktrace runs."""
    return int(subprocess.check_output(["pgrep", "-P", str(parent)]).split()[0])


def lt_popen(args, **kw):
    """leaktrace [LT_OPTIONS] args, started in the background, stdin /dev/null."""
    return subprocess.Popen([LEAKTRACE, *LT_OPTIONS, *args], stdin=subprocess.DEVNULL, **kw)


def run_lt(args, timeout=120, **kw):
    """leaktrace [LT_OPTIONS] args, run to its end; text stdout and stderr captured."""
    return subprocess.run([LEAKTRACE, *LT_OPTIONS, *args], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, **kw)


def read(path):
    with open(path) as f:
        return f.read()


def report_value(report, label):
    """(bytes, blocks) of LEAK SUMMARY's line LABEL ("definitely lost", ...)."""
    m = re.search(rf"==\d+== +{label}: ([\d,]+) bytes in ([\d,]+) blocks", report)
    check(m, f"no '{label}' line in the report:\n{report}")
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


# attach-server: prints "iter N leaks M" lines, and "done" when it ends (SIGTERM or N
# iterations); it leaks 100 bytes every fifth iteration.

def last_leaks(path):
    m = re.search(r"leaks (\d+)", wait_for_line(path, r"^iter \d+ leaks \d+$"))
    return int(m.group(1))


def start_server(tmp, name="server", args=(), prog=SERVER):
    out = os.path.join(tmp, f"{name}.out")
    p = subprocess.Popen([prog, *args], stdout=open(out, "w"), stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    wait_for_line(out, r"^iter ")
    return p, out


def fork_server_harmed(out):
    """test-programs/fork-server's count of children that did not exit as they should."""
    m = re.search(r"harmed (\d+)", wait_for_line(out, r"^iter \d+ harmed \d+"))
    return int(m.group(1))


def finish_fork_server(p, out):
    """Ends fork-server, which must exit 0 with no child harmed."""
    p.send_signal(signal.SIGTERM)
    check(p.wait(timeout=30) == 0, f"the server exited {p.returncode}")
    last = read(out).rstrip().splitlines()[-1]
    check(last == "done harmed 0", f"the server's last line: {last!r}")


def finish_server(p, out):
    p.send_signal(signal.SIGTERM)
    check(p.wait(timeout=30) == 0, f"the server exited {p.returncode}")
    wait_for_line(out, r"^done$")


def attach_once(tmp, p, out, i=0, duration="1"):
    """One -p session.  Returns the report and the server's leak counter read
    just after leaktrace said "attached" and just after it said "detached":
    the leaks it reports were made between those two moments, give or take
    the leaks made while the lines were being read."""
    log = os.path.join(tmp, f"attach{i}.txt")
    lt = subprocess.Popen([LEAKTRACE, *norm.LEAKTRACE_OPTIONS, "-p", str(p.pid),
                           f"--duration={duration}", "--leak-check=full", f"--log-file={log}"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while True:
            try:
                wait_for_line(log, rf"attached to {p.pid} ", timeout=0.5)
                break
            except Fail:
                if p.poll() is not None:
                    raise Fail(f"attach {i}: the server died (status {p.returncode})")
                if lt.poll() is not None or time.time() > deadline:
                    raise
        at_attach = last_leaks(out)
        wait_for_line(log, rf"detached from {p.pid}; it keeps running", timeout=60)
        at_detach = last_leaks(out)
        err = lt.communicate(timeout=60)[1]
    finally:
        if lt.poll() is None:
            lt.kill()
    with open(log) as f:
        rep = f.read()
    if lt.returncode != 0:
        raise Fail(f"attach {i}: leaktrace exited {lt.returncode}: {err}\n{rep}")
    return rep, at_attach, at_detach


def assert_unharmed(p, out, pages_before):
    st = proc_status(p.pid)
    check(st.get("TracerPid") == "0", f"still traced by {st.get('TracerPid')}")
    check(not st.get("State", "").startswith(("T", "t")), f"left stopped: {st.get('State')}")
    n = last_leaks(out)
    wait_for_line(out, rf"^iter \d+ leaks {n + 2}$")  # it keeps running and printing
    pages_after = code_pages(p.pid)
    check(pages_before.keys() == pages_after.keys(),
          f"executable mappings changed: {sorted(set(pages_before) ^ set(pages_after))}")
    for k, v in pages_before.items():
        check(v == pages_after[k], f"code in {k} differs after the detach")


def _kill_children():
    """A failed scenario leaves no server running: every child of ours is killed."""
    me = str(os.getpid())
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if ppid == me:
            try:
                os.kill(int(d), signal.SIGKILL)
            except OSError:
                pass


def run(scenario):
    """Runs scenario(tmp) in a fresh temporary directory and exits with its verdict."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            if f.read().strip() == "3":
                print("SKIP: ptrace is disabled on this machine (yama ptrace_scope 3)")
                sys.exit(77)
    except OSError:
        pass
    with tempfile.TemporaryDirectory(prefix=f"leaktrace-{NAME}-") as tmp:
        try:
            scenario(tmp)
        except Fail as e:
            print(f"FAIL: {NAME}: {e}")
            _kill_children()
            sys.exit(1)
        except subprocess.TimeoutExpired as e:
            print(f"FAIL: {NAME}: timed out: {e}")
            _kill_children()
            sys.exit(1)
    print(f"PASS: {NAME}")
    sys.exit(0)
