#!/usr/bin/env python3
"""What one exchange costs a server in code: instructions, and the cache lines they lie in.

    python3 benches/footprint.py KIND SERVER [ARGS...]

KIND is the exchange the benchmarks make (benches/perf/load.rs), over one connection:

    http        GET / HTTP/1.1 with a Host field, kept alive
    tcp         "ping", answered by at least 5 bytes ("hello")
    ws32        a handshake, then 32-byte masked binary frames, each echoed
    ws64k       the same with 64 KiB frames

SERVER runs under valgrind's callgrind twice, for N and 3N exchanges, and must print its
port in its first line of output ("127.0.0.1:PORT" or "listen port PORT"). For example:

    python3 benches/footprint.py http target/release/http-server --port 0 --quiet
    python3 benches/footprint.py http target/release/deps/perf-HASH --baseline http

Printed: instructions per exchange (the difference of the two runs, divided by 2N, so that
starting and stopping cancel out), and the code an exchange runs through — the distinct
instructions run in nearly every exchange of the longer run, the 64-byte lines of code they
lie in, and the functions with most of them. A server thread is woken cold for each
exchange: the kernel's work in between has pushed its code out of the first-level cache, so
each of those lines is fetched again (benches/perf/baseline.rs calibrates what that costs).
Needs valgrind (callgrind_annotate comes with it).
"""

import collections
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time

N = 1000


def drive(kind, port, n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buf = b""

    def until(done):
        nonlocal buf
        while not done():
            more = s.recv(1 << 20)
            if not more:
                raise SystemExit("the server closed the connection")
            buf += more

    if kind == "http":
        for _ in range(n):
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            until(lambda: b"0\r\n\r\n" in buf)
            buf = buf[buf.index(b"0\r\n\r\n") + 5 :]
    elif kind == "tcp":
        for _ in range(n):
            s.sendall(b"ping")
            until(lambda: len(buf) >= 5)
            buf = b""
    else:
        size = 32 if kind == "ws32" else 64 * 1024
        s.sendall(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        until(lambda: b"\r\n\r\n" in buf)
        buf = buf[buf.index(b"\r\n\r\n") + 4 :]
        key = b"\x01\x02\x03\x04"
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(b"x" * size))
        length = bytes([0x80 | size]) if size < 126 else bytes([0x80 | 127]) + struct.pack(">Q", size)
        frame = b"\x82" + length + key + masked
        reply = (2 if size < 126 else 10) + size
        for _ in range(n):
            s.sendall(frame)
            until(lambda: len(buf) >= reply)
            buf = buf[reply:]
    s.close()


def run(kind, server, n, out):
    log = open(out + ".log", "w+")
    child = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--dump-instr=yes", f"--callgrind-out-file={out}"]
        + server,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    port = None
    for _ in range(100):
        time.sleep(0.1)
        log.seek(0)
        found = re.search(r"127\.0\.0\.1:(\d+)|listen port (\d+)", log.read())
        if found:
            port = int(found.group(1) or found.group(2))
            break
    if port is None:
        child.kill()
        raise SystemExit("the server printed no port")
    drive(kind, port, n)
    time.sleep(0.2)
    child.terminate()
    child.wait()


def total(out):
    text = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True).stdout
    line = next(l for l in text.splitlines() if "PROGRAM TOTALS" in l)
    return int(line.split()[0].replace(",", ""))


def hot_code(out, at_least):
    """Each instruction's count over the run, and the function it is in."""
    counts = collections.Counter()
    function_of = {}
    names = {}
    address = 0
    function = None
    skip = False
    for line in open(out, errors="replace"):
        if skip:  # the inclusive cost of a call: a position, not the caller's own cost
            skip = False
            address = position(line.split()[0], address)
            continue
        if line.startswith("calls="):
            skip = True
            continue
        if line.startswith(("fn=", "cfn=")):
            name = line.split("=", 1)[1].strip()
            if name.startswith("("):
                ref, _, rest = name.partition(")")
                if rest.strip():
                    names[ref] = rest.strip()
                name = names.get(ref, ref)
            if line.startswith("fn="):
                function = name
            continue
        if not line[:1] or line[0] not in "0123456789+-*":
            continue
        parts = line.split()
        address = position(parts[0], address)
        counts[address] += int(parts[-1])
        function_of[address] = function
    hot = [a for a, c in counts.items() if c >= at_least]
    by_function = collections.Counter(function_of[a] for a in hot)
    return hot, by_function


def position(token, address):
    if token.startswith("0x"):
        return int(token, 16)
    if token[0] in "+-":
        return address + int(token)
    return address


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("http", "tcp", "ws32", "ws64k"):
        raise SystemExit(__doc__)
    kind, server = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory() as dir:
        short, long = os.path.join(dir, "short"), os.path.join(dir, "long")
        run(kind, server, N, short)
        run(kind, server, 3 * N, long)
        per_exchange = (total(long) - total(short)) / (2 * N)
        hot, by_function = hot_code(long, int(3 * N * 0.97))
    lines = {a // 64 for a in hot}
    print(f"{per_exchange:,.0f} instructions per exchange")
    print(f"{len(hot):,} distinct instructions in {len(lines)} lines of 64 bytes "
          f"({len(lines) * 64:,} bytes of code) run in nearly every exchange")
    for function, n in by_function.most_common(12):
        print(f"  {n:5}  {function}")


if __name__ == "__main__":
    main()
