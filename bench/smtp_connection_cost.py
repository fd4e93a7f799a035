#!/usr/bin/env python3
"""What a new SMTP connection costs a running server, apart from any message (bench/README.md, "what bounds
smtp-source -s 20").

    python3 bench/smtp_connection_cost.py PORT PID [CONNECTIONS] [CONCURRENCY]   (defaults 20000, 20)

1. CPU: CONCURRENCY clients each loop connect, read the 220 greeting, QUIT, read the 221, close, until CONNECTIONS are
   done; prints connections/s and the server's CPU (utime + stime of PID, from /proc) per connection. Run it twice
   or more: the first run includes the JIT's work.
2. Latency, one client at a time with 2 ms between connections: connect to the greeting read, against a NOOP's round
   trip on a session kept open beside it (medians and p90 of 400). A connection that costs several command round
   trips is time every smtp-source session waits per message.
"""
import asyncio
import socket
import statistics
import sys
import time


def server_cpu_s(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0


async def connections(port, total, concurrency):
    left = total

    async def client():
        nonlocal left
        while left > 0:
            left -= 1
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            if not (await reader.readline()).startswith(b"220"):
                raise SystemExit("no 220 greeting")
            writer.write(b"QUIT\r\n")
            await writer.drain()
            await reader.readline()
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(client() for _ in range(concurrency)))


def reply(f):
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    return line


def latencies(port, n=400):
    def connect():
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return s, s.makefile("rb")

    kept, kept_f = connect()
    reply(kept_f)
    greeting, noop = [], []
    for _ in range(n):
        t = time.perf_counter()
        s, f = connect()
        reply(f)
        greeting.append(time.perf_counter() - t)
        t = time.perf_counter()
        kept.sendall(b"NOOP\r\n")
        reply(kept_f)
        noop.append(time.perf_counter() - t)
        s.sendall(b"QUIT\r\n")
        reply(f)
        s.close()
        time.sleep(0.002)
    kept.sendall(b"QUIT\r\n")
    kept.close()
    for name, values in (("connect to greeting", greeting), ("NOOP on an open session", noop)):
        v = sorted(values)
        print(f"{name:24s} p50 {statistics.median(v) * 1e6:6.0f} us   p90 {v[int(len(v) * 0.9)] * 1e6:6.0f} us")


def main():
    port, pid = int(sys.argv[1]), int(sys.argv[2])
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    cpu0, t0 = server_cpu_s(pid), time.perf_counter()
    asyncio.run(connections(port, total, concurrency))
    elapsed, cpu = time.perf_counter() - t0, server_cpu_s(pid) - cpu0
    print(f"{total / elapsed:,.0f} connections/s, {concurrency} at a time; server CPU {cpu / total * 1e6:.0f} us per connection")
    latencies(port)


if __name__ == "__main__":
    main()
