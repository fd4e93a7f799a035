#!/usr/bin/env python3
"""Times each step of one SMTP session's message cycle against a running server, one session at a time.

    python3 bench/smtp_steps.py PORT [MESSAGES]   (default 3000; medians and p90 over the second half)

Steps: connection and greeting, HELO, MAIL, RCPT, DATA, the message and its reply, QUIT. The message is 4 KiB, to
user1@example.test (the account bench/smtp_vs_postfix.sh creates). Each step is the time from sending the command
to reading its whole reply, so it shows where a message cycle waits (bench/README.md, "what bounds smtp-source -s 20").
"""
import socket
import statistics
import sys
import time

STEPS = ["connect+greeting", "HELO", "MAIL", "RCPT", "DATA", "message", "QUIT"]
BODY = b"Subject: steps\r\n\r\n" + (b"x" * 76 + b"\r\n") * 52 + b".\r\n"


def reply(f):
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return line


def main():
    port = int(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    times = {k: [] for k in STEPS}

    def step(s, f, data, key, expect):
        t = time.perf_counter()
        s.sendall(data)
        line = reply(f)
        times[key].append(time.perf_counter() - t)
        if not line.startswith(expect):
            sys.exit(f"{key}: {line!r}")

    for _ in range(n):
        t = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = s.makefile("rb")
        if not reply(f).startswith(b"220"):
            sys.exit("no greeting")
        times["connect+greeting"].append(time.perf_counter() - t)
        step(s, f, b"HELO client.example.test\r\n", "HELO", b"250")
        step(s, f, b"MAIL FROM:<sender@example.test>\r\n", "MAIL", b"250")
        step(s, f, b"RCPT TO:<user1@example.test>\r\n", "RCPT", b"250")
        step(s, f, b"DATA\r\n", "DATA", b"354")
        step(s, f, BODY, "message", b"250")
        step(s, f, b"QUIT\r\n", "QUIT", b"221")
        s.close()
    total = 0.0
    for key, values in times.items():
        v = sorted(values[n // 2:])
        median = statistics.median(v) * 1e6
        total += median
        print(f"{key:18s} p50 {median:7.0f} us   p90 {v[int(len(v) * 0.9)] * 1e6:7.0f} us")
    print(f"{'sum of p50':18s}     {total:7.0f} us")


if __name__ == "__main__":
    main()
