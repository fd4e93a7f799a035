#!/usr/bin/env python3
"""Outbound delivery throughput (issue 5): queue -> SMTP sinks, messages/s.

Fills the outbound queue of a stopped node straight in SQLite (N one-recipient messages spread over D
destination domains), starts the node, and times the sinks receiving them: from the first message accepted
to the last. Each destination domain d<i>.bench is routed (relay.routes) to its own sink port on 127.0.0.1;
with one destination the sink is the smarthost. The sinks are asyncio SMTP servers in this process that
accept everything (EHLO offers PIPELINING, as real MTAs do).
"""
import argparse, asyncio, json, os, socket, sqlite3, subprocess, sys, threading, time, uuid, datetime


class Sinks:
    def __init__(self, count):
        self.count = count
        self.received = 0
        self.first = None
        self.last = None
        self.ports = []
        self.connections = 0
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._start())
        self._ready.set()
        self.loop.run_forever()

    async def _start(self):
        for _ in range(self.count):
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=512, limit=64 * 1024 * 1024)
            self.ports.append(server.sockets[0].getsockname()[1])

    async def _serve(self, reader, writer):
        with self._lock:
            self.connections += 1
        w = writer.write
        w(b"220 sink.bench ESMTP\r\n")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b"EHLO":
                    w(b"250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n")
                elif verb == b"DATA":
                    w(b"354 go ahead\r\n")
                    await writer.drain()
                    await reader.readuntil(b"\r\n.\r\n")
                    now = time.monotonic()
                    with self._lock:
                        self.received += 1
                        self.first = self.first or now
                        self.last = now
                    w(b"250 2.0.0 accepted\r\n")
                elif verb == b"QUIT":
                    w(b"221 2.0.0 bye\r\n")
                    await writer.drain()
                    break
                else:
                    w(b"250 2.0.0 ok\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--destinations", type=int, default=1)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--per-destination", type=int, default=5, help="relay.connections-per-destination")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    sinks = Sinks(args.destinations)
    data = os.path.join(args.out, "data")
    conf = os.path.join(args.out, "bench.conf")
    if args.destinations == 1:
        routing = f'smarthost = "127.0.0.1:{sinks.ports[0]}"'
    else:
        routing = 'smarthost = "", routes { ' + ", ".join(
            f'"d{i}.bench" = "127.0.0.1:{p}"' for i, p in enumerate(sinks.ports)) + " }"
    with open(conf, "w") as f:
        f.write(f"""mailactors {{
  hostname = "localhost", data-dir = "{data}", local-domains = ["example.test"], bind-address = "127.0.0.1"
  listeners {{ pop3.enabled = off, pop3s.enabled = off, apop.enabled = off, submission.enabled = off, smtp.enabled = off }}
  admin.http = ""
  relay {{
    {routing}
    connections-per-destination = {args.per_destination}
    poll-interval = 100ms
  }}
}}
akka.loglevel = WARNING
""")
    cli = ["dotnet", os.path.join(args.build, "mailactors.dll"), "--config", conf]
    # Creates (migrates) the database; the account is the bounce target, never used here.
    subprocess.run(cli + ["user", "add", "bench", "--password-stdin"], input=b"secret\n", check=True, stdout=subprocess.DEVNULL)

    body = (b"From: bench@example.test\r\nTo: someone@remote\r\nSubject: bench\r\n\r\n"
            + (b"x" * 76 + b"\r\n") * max(1, args.size // 78))
    now = utc(time.time())
    db = sqlite3.connect(os.path.join(data, "mailactors.db"))
    with db:
        for n in range(args.messages):
            qid = uuid.uuid4().hex[:12].upper()
            cur = db.execute("INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, created_utc, body) "
                             "VALUES (?, ?, 'bench@example.test', '127.0.0.1', ?, ?)", (qid, f"<{qid}@bench>", now, body))
            db.execute("INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) VALUES (?, ?, ?)",
                       (cur.lastrowid, f"r{n}@d{n % args.destinations}.bench", now))
    db.close()

    log = open(os.path.join(args.out, "server.log"), "w")
    server = subprocess.Popen(cli + ["serve"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while sinks.received < args.messages and time.monotonic() < deadline and server.poll() is None:
            time.sleep(0.05)
        db = sqlite3.connect(os.path.join(data, "mailactors.db"))
        empty_deadline = time.monotonic() + 30
        while db.execute("SELECT COUNT(*) FROM outbound_recipients").fetchone()[0] > 0 and time.monotonic() < empty_deadline:
            time.sleep(0.05)
        left = db.execute("SELECT COUNT(*) FROM outbound_recipients").fetchone()[0]
        db.close()
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    span = (sinks.last - sinks.first) if sinks.received > 1 else float("nan")
    rate = (sinks.received - 1) / span if sinks.received > 1 and span > 0 else 0.0
    result = {"destinations": args.destinations, "messages": args.messages, "size": args.size,
              "per_destination": args.per_destination, "received": sinks.received, "left_in_queue": left,
              "seconds": round(span, 3), "msg_per_s": round(rate, 1), "sink_connections": sinks.connections}
    print(json.dumps(result))
    ok = sinks.received == args.messages and left == 0
    print(f"delivery: {args.destinations} destination(s), {args.messages} x {args.size} B: "
          f"{rate:,.0f} msg/s ({sinks.received} received in {span:.2f} s, {sinks.connections} connections, {left} left in queue)"
          + ("" if ok else "  << INCOMPLETE"), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
