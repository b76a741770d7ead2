#!/usr/bin/env python3
"""Unit test of scripts/normalize: each rule removes what it says and nothing more.

Reports are built line by line below; each case says what must stay different (a wrong
address, another object, an extra line) or become equal (PIDs, code addresses, the
allocator's frames).  Exit 0 pass, 1 fail.
"""
import importlib.machinery
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True
_loader = importlib.machinery.SourceFileLoader("lt_normalize",
                                               os.path.join(ROOT, "scripts", "normalize"))
norm = importlib.util.module_from_spec(importlib.util.spec_from_loader(_loader.name, _loader))
_loader.exec_module(norm)

failed = 0
checks = 0


def report(pre, frames=(), pid=4242):
    """A report: lines before HEAP SUMMARY, then one leak record with frames."""
    body = list(pre) + ["", "HEAP SUMMARY:", "    in use at exit: 8 bytes in 1 blocks", "",
                        "8 bytes in 1 blocks are definitely lost in loss record 1 of 1"]
    body += list(frames) + [""]
    return "".join(f"=={pid}== {ln}\n" for ln in body)


def same(a, b, what):
    global failed, checks
    checks += 1
    if norm.normalize(a) != norm.normalize(b):
        failed += 1
        print(f"FAIL: should normalize equal: {what}\n{norm.normalize(a)}---\n{norm.normalize(b)}")


def differ(a, b, what):
    global failed, checks
    checks += 1
    if norm.normalize(a) == norm.normalize(b):
        failed += 1
        print(f"FAIL: should stay different: {what}\n{norm.normalize(a)}")


VG_BANNER = ["Memcheck, a memory error detector",
             "Copyright (C) 2002-2022, and GNU GPL'd, by Julian Seward et al.",
             "Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info",
             "Command: /tmp/build/prog a\\ b", "Parent PID: 17", ""]
LT_BANNER = ["leaktrace-0.1, a ptrace-based leak analyzer", "Command: /tmp/build/prog a b", ""]
MAIN = "   by 0x10919A: main (prog.c:5)"

# Rule 1 and 2: pid prefixes, the banners and command lines.
same(report(VG_BANNER, ["   at 0x4848899: malloc (in /usr/libexec/valgrind/vgpreload_memcheck"
                        "-amd64-linux.so)", MAIN], pid=1),
     report(LT_BANNER, ["   at 0x7F0012345678: malloc (in /usr/lib/x86_64-linux-gnu/libc.so.6)",
                        "   by 0x55555555519A: main (prog.c:5)"], pid=2),
     "banner, pid, code addresses, the allocator's object")
# Rule 2: any other line before HEAP SUMMARY is compared.
differ(report(LT_BANNER), report(LT_BANNER + ["Warning: something", ""]),
       "an extra line before HEAP SUMMARY")
TERM = ["Process terminating with default action of signal 11 (SIGSEGV)",
        " Bad permissions for mapped region at address 0x4852000",
        "   at 0x1091F5: main (sigsegv.c:17)", ""]
differ(report(LT_BANNER), report(LT_BANNER + TERM), "a Process terminating block")
same(report(VG_BANNER + TERM),
     report(LT_BANNER + [TERM[0], " Bad permissions for mapped region at address 0x7fab9f710000",
                         "   at 0x55D7B418C1F5: main (sigsegv.c:17)", ""]),
     "a fatal signal: its page offset and its first frame")
differ(report(LT_BANNER + TERM),
       report(LT_BANNER + [TERM[0], TERM[1], "   at 0x1091F5: main (sigsegv.c:18)", ""]),
       "the first frame of a fatal signal's stack is compared with its line")
differ(report(LT_BANNER + TERM),
       report(LT_BANNER + [TERM[0], " Bad permissions for mapped region at address 0x4852008",
                           TERM[2], ""]),
       "a faulting address at another offset in its page")

# Rule 4: data addresses keep their offset within 16 bytes or a page.
BAD = ["Invalid free() / delete / delete[] / realloc()", "   at 0x484B27F: free",
       "   by 0x1091B2: main (invalid-free.c:18)"]


def bad_free(address_line):
    return report(LT_BANNER + BAD + [address_line, ""])


same(bad_free(" Address 0x4a42048 is 8 bytes inside a block of size 40 alloc'd"),
     bad_free(" Address 0x556f373b22a8 is 8 bytes inside a block of size 40 alloc'd"),
     "a heap address, the same offset within 16 bytes")
differ(bad_free(" Address 0x4a42048 is 8 bytes inside a block of size 40 alloc'd"),
       bad_free(" Address 0x556f373b22a0 is 8 bytes inside a block of size 40 alloc'd"),
       "a heap address at another offset within 16 bytes")
same(bad_free(" Address 0x4853000 is not stack'd, malloc'd or (recently) free'd"),
     bad_free(" Address 0x7fb48b164000 is not stack'd, malloc'd or (recently) free'd"),
     "an unknown address, the same page offset")
differ(bad_free(" Address 0x4853000 is not stack'd, malloc'd or (recently) free'd"),
       bad_free(" Address 0x7fb48b164010 is not stack'd, malloc'd or (recently) free'd"),
       "an unknown address at another page offset")
differ(bad_free(" Address 0x10c02c is 0 bytes inside data symbol \"global_int\""),
       bad_free(" Address 0x556f2a18003c is 0 bytes inside data symbol \"global_int\""),
       "a global at another page offset")
same(bad_free(" Address 0x1fff0002d4 is on thread 1's stack"),
     bad_free(" Address 0x7ffef29e5c34 is on thread 1's stack"),
     "a stack address, the same offset within 16 bytes")
differ(report(LT_BANNER + ["Odd 0x1234", ""]), report(LT_BANNER + ["Odd 0x1235", ""]),
       "a hex number outside frames and error descriptions")

# Rule 5: only the allocator's frames lose their object and position.
same(report(LT_BANNER, ["   at 0x4848899: memalign (in /usr/libexec/valgrind/vgpreload_memc"
                        "heck-amd64-linux.so)", "   by 0x484C0C4: posix_memalign (in /usr/libex"
                        "ec/valgrind/vgpreload_memcheck-amd64-linux.so)", MAIN]),
     report(LT_BANNER, ["   at 0x7F00AA: memalign (in /usr/lib/x86_64-linux-gnu/libc.so.6)",
                        "   by 0x7F00BB: posix_memalign (in /usr/lib/x86_64-linux-gnu/libc.so.6)",
                        MAIN]),
     "posix_memalign under memalign")
differ(report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: ??? (in /usr/lib/libfoo.so)", MAIN]),
       report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: ??? (in /usr/lib/libbar.so)", MAIN]),
       "the object of a frame below the allocator")
differ(report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: calloc (rtld-malloc.h:44)", MAIN]),
       report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: calloc (rtld-malloc.h:45)", MAIN]),
       "the position of an allocator-named frame that is the program's (ld.so's calloc)")
differ(report(LT_BANNER, ["   at 0x1: malloc", MAIN]),
       report(LT_BANNER, ["   at 0x1: malloc", "   by 0x10919A: main (prog.c:6)"]),
       "the line of a program frame")

# Rule 8: clone3 and clone.
same(report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: clone (clone.S:100)"]),
     report(LT_BANNER, ["   at 0x1: malloc", "   by 0x2: clone3 (clone3.S:81)"]),
     "clone and clone3")

print(f"test_normalize: {checks} checks, {failed} failed")
sys.exit(1 if failed else 0)
