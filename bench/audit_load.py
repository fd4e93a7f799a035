#!/usr/bin/env python3
"""Writes audit facts through the real server: outside SMTP sessions pipeline RCPTs that the policy refuses,
each one a relay-refused fact in the node's audit stream. Prints JSON with the client-side rate."""
import argparse, json, socket, threading, time

def session(host, port, count, source, out):
    s = socket.create_connection((host, port), source_address=(source, 0))
    f = s.makefile("rb")
    def reply():
        while True:
            line = f.readline()
            if not line: raise RuntimeError("server closed")
            if line[3:4] != b"-": return line
    reply()
    s.sendall(b"EHLO bench.test\r\nMAIL FROM:<spam@bench.test>\r\n")
    reply(); reply()
    refused, chunk, sent = 0, 500, 0
    while sent < count:
        n = min(chunk, count - sent)
        s.sendall(b"".join(b"RCPT TO:<victim%d@remote.test>\r\n" % (sent + i) for i in range(n)))
        for _ in range(n):
            if reply().startswith(b"554"): refused += 1
        sent += n
    s.sendall(b"QUIT\r\n"); reply(); s.close()
    out.append(refused)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--smtp", type=int, required=True)
    p.add_argument("--events", type=int, default=100_000)
    p.add_argument("--clients", type=int, default=4)
    a = p.parse_args()
    out, per = [], a.events // a.clients
    start = time.time()
    threads = [threading.Thread(target=session, args=("127.0.0.1", a.smtp, per, "127.0.0.2", out)) for _ in range(a.clients)]
    for t in threads: t.start()
    for t in threads: t.join()
    elapsed = time.time() - start
    print(json.dumps({"refused_rcpts": sum(out), "seconds": round(elapsed, 2), "per_second": round(sum(out) / elapsed)}))

if __name__ == "__main__":
    main()
