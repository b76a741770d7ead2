#!/usr/bin/env python3
"""sockets: --xml-socket and --log-socket deliver the reports to a listener on the
loopback, as valgrind's do (Qt Creator's live runs, valgrind-listener): the XML is
well-formed protocol 4 with the program's leak, the text report has its LEAK SUMMARY; a
listener that is not there leaves the report on stderr with a warning, as valgrind does.
"""
import socket
import threading
import xml.etree.ElementTree as ET

from scenariolib import *  # noqa: F401,F403


def listen():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    got = bytearray()

    def accept():
        conn, _ = srv.accept()
        with conn:
            while True:
                b = conn.recv(65536)
                if not b:
                    break
                got.extend(b)
    t = threading.Thread(target=accept, daemon=True)
    t.start()
    return srv, t, got


def scenario(tmp):
    prog = program("leak-simple")
    srv, t, got = listen()
    port = srv.getsockname()[1]
    r = run_lt(["--xml=yes", f"--xml-socket=127.0.0.1:{port}", "--leak-check=full", prog])
    check(r.returncode == 0, f"--xml-socket: leaktrace exited {r.returncode}: {r.stderr}")
    t.join(timeout=30)
    srv.close()
    text = got.decode(errors="replace")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise Fail(f"--xml-socket: not well-formed XML ({e}):\n{text[:2000]}")
    check(root.findtext("protocolversion") == "4", "--xml-socket: not protocol 4")
    check(any(e.findtext("kind") == "Leak_DefinitelyLost" for e in root.iter("error")),
          f"--xml-socket: no definitely lost leak:\n{text[:2000]}")

    srv, t, got = listen()
    port = srv.getsockname()[1]
    r = run_lt([f"--log-socket=127.0.0.1:{port}", "--leak-check=full", prog])
    check(r.returncode == 0, f"--log-socket: leaktrace exited {r.returncode}: {r.stderr}")
    t.join(timeout=30)
    srv.close()
    text = got.decode(errors="replace")
    check("LEAK SUMMARY:" in text and "definitely lost:" in text,
          f"--log-socket: no report received:\n{text[:2000]}")

    # nobody listening: the report goes to stderr, with valgrind's warning
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = run_lt([f"--log-socket=127.0.0.1:{port}", "--leak-check=full", prog])
    check(r.returncode == 0 and "LEAK SUMMARY:" in r.stderr,
          f"no listener: exit {r.returncode}, stderr {r.stderr[:2000]!r}")


run(scenario)
