#!/usr/bin/env python3
"""Grant checks per second on one node: outside SMTP sessions asking RCPT for remote recipients.

Each accepted RCPT is one POP-before-SMTP decision: the session asks the grant ledger singleton and
compares the grant's expiry with the clock. The client first earns a grant with a POP3S login from the
same address, then C processes each loop MAIL / 90 x RCPT / RSET for D seconds. Prints JSON.
"""
import argparse, json, multiprocessing as mp, poplib, socket, ssl, time


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise EOFError("server closed")
        if line[3:4] != b"-":
            return line


def worker(args, duration, out):
    host, port = args.host, args.smtp
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    reply(f)
    s.sendall(b"EHLO bench.test\r\n"); reply(f)
    checks = refused = 0
    end = time.time() + duration
    while time.time() < end:
        s.sendall(b"MAIL FROM:<bench@example.test>\r\n"); reply(f)
        for i in range(90):
            s.sendall(b"RCPT TO:<friend%d@remote.test>\r\n" % i)
            r = reply(f)
            if r.startswith(b"250"): checks += 1
            else: refused += 1
        s.sendall(b"RSET\r\n"); reply(f)
    s.sendall(b"QUIT\r\n")
    s.close()
    out.put((checks, refused))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--smtp", type=int, required=True)
    p.add_argument("--pop3s", type=int, required=True)
    p.add_argument("--user", default="bench")
    p.add_argument("--password", default="secret")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--seconds", type=float, default=10)
    args = p.parse_args()

    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    pop = poplib.POP3_SSL(args.host, args.pop3s, context=ctx)
    pop.user(args.user); pop.pass_(args.password); pop.quit()

    out = mp.Queue()
    procs = [mp.Process(target=worker, args=(args, args.seconds, out)) for _ in range(args.clients)]
    start = time.time()
    for pr in procs: pr.start()
    results = [out.get() for _ in procs]
    for pr in procs: pr.join()
    elapsed = time.time() - start
    checks = sum(r[0] for r in results); refused = sum(r[1] for r in results)
    print(json.dumps({"clients": args.clients, "seconds": round(elapsed, 2), "granted_rcpt": checks,
                      "refused_rcpt": refused, "checks_per_s": round((checks + refused) / elapsed)}))


if __name__ == "__main__":
    main()
