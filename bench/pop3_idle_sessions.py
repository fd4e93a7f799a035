#!/usr/bin/env python3
"""Many idle, logged-in POP3 sessions at once: how much memory does our server need?

Opens N (default 20000) concurrent POP3 sessions on one port, each logged in with
USER/PASS on its own account (idle1..idleN, password idleN-secret, so no two sessions
compete for the same maildrop lock), holds them all idle for --hold seconds, checks
that every one still answers (NOOP), then closes them cleanly (QUIT) and exits.

Prints progress, the number of sessions logged in, failures grouped by reply/error,
and the server's VmRSS (/proc/PID/status) before, with all sessions open (and the peak
while holding them), and after they are closed.  Target: RSS <= 1 GiB with 20000.

Client side: RLIMIT_NOFILE is raised as far as the hard limit allows; if one process
cannot hold all the sockets (e.g. a hard limit of 20000 without CAP_SYS_RESOURCE), the
sessions are split over several worker processes (fork), each one asyncio event loop
holding its share.  At most --concurrency connects+logins are in flight in total;
client sockets are spread over --sources loopback source addresses (127.0.0.1 ..
127.0.0.K) so no single address runs out of ephemeral ports.  The parent only
coordinates (progress, RSS sampling, the NOOP and QUIT phases).  Everything is bounded
by --deadline (seconds, whole run) and --step-timeout (seconds, per reply).  Traffic
goes to --host, which must be 127.x.

  pop3_idle_sessions.py --port 2110 --pid SERVER_PID [--sessions 20000] [--hold 15]

Exit status: 0 all sessions logged in and RSS within --target-mib; 1 some sessions
failed; 2 all logged in but RSS above the target; 3 deadline hit.
"""
import argparse
import asyncio
import collections
import json
import multiprocessing as mp
import os
import resource
import sys
import time

now = time.monotonic


def log(*a):
    print(f"[idle {time.strftime('%H:%M:%S')}]", *a, flush=True)


def proc_status(pid):
    """VmRSS kB, VmHWM kB, Threads, open fds of the server (None if unknown)."""
    out = {"rss_kb": None, "hwm_kb": None, "threads": None, "fds": None}
    if not pid:
        return out
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_kb"] = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    out["hwm_kb"] = int(line.split()[1])
                elif line.startswith("Threads:"):
                    out["threads"] = int(line.split()[1])
        out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        pass
    return out


def mib(kb):
    return "?" if kb is None else f"{kb / 1024:.1f} MiB"


def reason(stage, text):
    text = text.strip()
    if len(text) > 70:
        text = text[:70] + "..."
    return f"{stage}: {text}"


class Run:
    """One worker process's sessions (a slice of the accounts), on one asyncio loop."""

    def __init__(self, a, counters, wid, t_end):
        self.a = a
        self.sessions = []          # (reader, writer) of logged-in sessions
        self.failures = collections.Counter()
        self.login_lat = []
        self.t_end = t_end
        self.c = counters           # shared: [started, logged_in, failed, in_flight] per worker
        self.base = 4 * wid

    def bump(self, k, d=1):
        self.c[self.base + k] += d  # only this process writes its own slots

    def left(self):
        return max(0.0, self.t_end - now())

    async def readline(self, reader):
        line = await asyncio.wait_for(reader.readline(), timeout=min(self.a.step_timeout, max(0.1, self.left())))
        if not line:
            raise ConnectionError("connection closed by server")
        return line.decode("latin-1").rstrip("\r\n")

    async def open_one(self, i, sem):
        a = self.a
        src = a.source_list[i % len(a.source_list)]
        name = f"{a.prefix}{i + 1}"
        login = f"{name}@{a.domain}" if a.domain else name
        stage = "connect"
        writer = None
        async with sem:
            if self.left() <= 0:
                self.failures["not started: deadline"] += 1
                self.bump(2)
                return
            self.bump(0)
            self.bump(3)
            t0 = now()
            ok = False
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(a.host, a.port, local_addr=(src, 0)),
                    timeout=min(a.step_timeout, max(0.1, self.left())))
                stage = "greeting"
                line = await self.readline(reader)
                if not line.startswith("+OK"):
                    raise RuntimeError(line)
                stage = "USER"
                writer.write(f"USER {login}\r\n".encode())
                line = await self.readline(reader)
                if not line.startswith("+OK"):
                    raise RuntimeError(line)
                stage = "PASS"
                writer.write(f"PASS {name}{a.password_suffix}\r\n".encode())
                line = await self.readline(reader)
                if not line.startswith("+OK"):
                    raise RuntimeError(line)
                self.login_lat.append(now() - t0)
                if not self.sessions and self.base == 0:
                    log(f"first login reply: {line!r}")
                self.sessions.append((reader, writer))
                writer = None
                ok = True
            except RuntimeError as e:
                self.failures[reason(stage, str(e))] += 1
            except asyncio.TimeoutError:
                self.failures[reason(stage, "timeout")] += 1
            except asyncio.CancelledError:
                self.failures[reason(stage, "cancelled at the global deadline")] += 1
                raise
            except OSError as e:
                self.failures[reason(stage, f"{type(e).__name__} errno={e.errno} {e.strerror}")] += 1
            except Exception as e:  # noqa: BLE001 -- counted and reported
                self.failures[reason(stage, f"{type(e).__name__}: {e}")] += 1
            finally:
                self.bump(3, -1)
                self.bump(1 if ok else 2)
                if writer is not None:
                    writer.close()

    async def command_all(self, verb, expect_close):
        """Send verb to every open session, bounded concurrency; count +OK replies."""
        sem = asyncio.Semaphore(self.a.concurrency * 4)
        ok = 0
        bad = collections.Counter()

        async def one(reader, writer):
            nonlocal ok
            async with sem:
                try:
                    writer.write(f"{verb}\r\n".encode())
                    line = await self.readline(reader)
                    if line.startswith("+OK"):
                        ok += 1
                    else:
                        bad[reason(verb, line)] += 1
                except asyncio.TimeoutError:
                    bad[reason(verb, "timeout")] += 1
                except Exception as e:  # noqa: BLE001
                    bad[reason(verb, f"{type(e).__name__}: {e}")] += 1
                if expect_close:
                    writer.close()
                    try:
                        await asyncio.wait_for(writer.wait_closed(), timeout=5)
                    except Exception:  # noqa: BLE001 -- closing anyway
                        pass

        await asyncio.gather(*(one(r, w) for r, w in self.sessions))
        return ok, dict(bad)


async def worker_async(a, wid, indices, counters, conn, t_end):
    run = Run(a, counters, wid, t_end)
    sem = asyncio.Semaphore(a.worker_concurrency)
    tasks = [asyncio.create_task(run.open_one(i, sem)) for i in indices]
    _, pending = await asyncio.wait(tasks, timeout=run.left())
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    conn.send(("opened", {"logged_in": len(run.sessions), "failures": dict(run.failures),
                          "lat": run.login_lat, "deadline_hit": bool(pending)}))
    loop = asyncio.get_running_loop()
    while True:
        ready = await loop.run_in_executor(None, conn.poll, max(1.0, run.left() + 60))
        cmd = conn.recv() if ready else "quit"
        if cmd == "noop":
            conn.send(("noop",) + await run.command_all("NOOP", expect_close=False))
        else:
            conn.send(("quit",) + await run.command_all("QUIT", expect_close=True))
            return


def worker_main(a, wid, indices, counters, conn, t_end):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = min(hard, len(indices) + 256)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    asyncio.run(worker_async(a, wid, indices, counters, conn, t_end))


def raise_nofile(need):
    """Raise this process's RLIMIT_NOFILE towards need; return the soft limit reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        for lim in ((need, max(hard, need)), (min(need, hard), hard)):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, lim)
                break
            except (ValueError, OSError):
                continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def recv_all(conns, kind, t_end):
    """One reply of this kind from every worker (bounded by t_end + 60 s)."""
    out = {}
    while len(out) < len(conns) and now() < t_end + 60:
        for w, c in enumerate(conns):
            if w not in out and c.poll(0.05):
                msg = c.recv()
                if msg[0] == kind:
                    out[w] = msg
    return out


def main_run(a):
    t_end = now() + a.deadline
    pid = a.pid
    need = a.sessions + 1024
    soft, hard = raise_nofile(need)
    per_worker = max(1000, soft - 512)
    k = a.workers or max(1, -(-a.sessions // per_worker))
    if -(-a.sessions // k) + 256 > soft:
        sys.exit(f"{a.sessions} sessions over {k} worker(s) need more than RLIMIT_NOFILE {soft}; use --workers")
    a.worker_concurrency = max(1, -(-a.concurrency // k))
    log(f"RLIMIT_NOFILE {soft}/{hard}: {k} client worker process(es), about {-(-a.sessions // k)} sessions each")

    before = proc_status(pid)
    log(f"server pid {pid}: RSS before {mib(before['rss_kb'])} (threads {before['threads']}, fds {before['fds']})")
    log(f"opening {a.sessions} sessions to {a.host}:{a.port} from {len(a.source_list)} source addresses "
        f"({a.source_list[0]}..{a.source_list[-1]}), concurrency {a.concurrency}, deadline {a.deadline:.0f} s")
    ctx = mp.get_context("fork")
    counters = ctx.Array("q", 4 * k, lock=False)
    conns, procs = [], []
    t0 = now()
    for w in range(k):
        parent_end, child_end = ctx.Pipe()
        indices = list(range(w, a.sessions, k))   # interleaved: every worker spans the accounts and sources
        p = ctx.Process(target=worker_main, args=(a, w, indices, counters, child_end, t_end), daemon=True)
        p.start()
        conns.append(parent_end)
        procs.append(p)

    opened = {}
    last_t, last_n = now(), 0
    next_print = now() + a.progress_every
    while len(opened) < k and now() < t_end + 60:
        for w, c in enumerate(conns):
            if w not in opened and c.poll(0.05):
                opened[w] = c.recv()[1]
        if now() >= next_print or len(opened) == k:
            next_print = now() + a.progress_every
            started, logged, failed, flight = (sum(counters[4 * w + j] for w in range(k)) for j in range(4))
            t = now()
            rate = (logged - last_n) / max(t - last_t, 1e-6)
            last_t, last_n = t, logged
            st = proc_status(pid)
            log(f"started {started:6d}  logged in {logged:6d}  failed {failed:5d}  in flight {flight:4d}  "
                f"{rate:7.0f} logins/s  server RSS {mib(st['rss_kb'])} threads {st['threads']} fds {st['fds']}")
        if any(not p.is_alive() for w, p in enumerate(procs) if w not in opened):
            log("a client worker died during the open phase")
            break
    t_open = now() - t0
    logged_in = sum(o["logged_in"] for o in opened.values())
    failures = collections.Counter()
    for o in opened.values():
        failures.update(o["failures"])
    missing = a.sessions - logged_in - sum(failures.values())
    if missing > 0:
        failures["no report from a client worker"] += missing
    deadline_hit = any(o["deadline_hit"] for o in opened.values()) or len(opened) < k
    log(f"open phase: {logged_in} of {a.sessions} logged in in {t_open:.1f} s "
        f"({logged_in / max(t_open, 1e-6):.0f} logins/s), {sum(failures.values())} failed")
    lat = sorted(x for o in opened.values() for x in o["lat"])
    lat_ms = None
    if lat:
        lat_ms = {k_: round(1000 * lat[min(len(lat) - 1, int(p * (len(lat) - 1)))], 1)
                  for k_, p in (("p50", .5), ("p90", .9), ("p99", .99))}
        lat_ms["max"] = round(1000 * lat[-1], 1)
        log(f"connect+login latency ms: {lat_ms}")

    # hold: all sessions idle; sample the server's RSS every second
    hold = min(a.hold, max(0.0, t_end - now() - 30))
    time.sleep(min(2.0, hold))
    with_all = proc_status(pid)
    peak_rss = with_all["rss_kb"] or 0
    t_hold_end = now() + max(0.0, hold - 2.0)
    while now() < t_hold_end:
        time.sleep(1.0)
        peak_rss = max(peak_rss, proc_status(pid)["rss_kb"] or 0)
    held = proc_status(pid)
    peak_rss = max(peak_rss, held["rss_kb"] or 0)
    log(f"holding {logged_in} idle sessions for {hold:.0f} s: server RSS {mib(with_all['rss_kb'])} after 2 s, "
        f"{mib(held['rss_kb'])} at the end, peak {mib(peak_rss)} (threads {held['threads']}, fds {held['fds']})")

    noop_ok, noop_bad = 0, collections.Counter()
    live = [c for w, c in enumerate(conns) if w in opened and procs[w].is_alive()]
    if a.noop and logged_in and now() < t_end - 10:
        t = now()
        for c in live:
            c.send("noop")
        for msg in recv_all(live, "noop", t_end).values():
            noop_ok += msg[1]
            noop_bad.update(msg[2])
        log(f"NOOP on every session: {noop_ok} +OK, {sum(noop_bad.values())} not ({now() - t:.1f} s)"
            + (f" {dict(noop_bad.most_common(5))}" if noop_bad else ""))
    t = now()
    for c in live:
        c.send("quit")
    quit_ok, quit_bad = 0, collections.Counter()
    for msg in recv_all(live, "quit", t_end).values():
        quit_ok += msg[1]
        quit_bad.update(msg[2])
    t_close = now() - t
    for p in procs:
        p.join(10)
        if p.is_alive():
            p.terminate()
    log(f"QUIT on every session: {quit_ok} +OK, {sum(quit_bad.values())} not ({t_close:.1f} s)"
        + (f" {dict(quit_bad.most_common(5))}" if quit_bad else ""))
    time.sleep(min(a.settle, max(0.0, t_end + 60 - now())))
    after = proc_status(pid)

    rss_ok = bool(peak_rss) and peak_rss <= a.target_mib * 1024
    per_session = ((peak_rss - before["rss_kb"]) / max(logged_in, 1)) if peak_rss and before["rss_kb"] else None
    print()
    print(f"== idle POP3 sessions on {a.host}:{a.port}: {logged_in} of {a.sessions} logged in "
          f"({sum(failures.values())} failed) in {t_open:.1f} s")
    print(f"   server RSS: {mib(before['rss_kb'])} before, {mib(with_all['rss_kb'])} with all sessions open, "
          f"peak {mib(peak_rss)} while held, {mib(after['rss_kb'])} {a.settle:.0f} s after closing them (VmHWM {mib(after['hwm_kb'])})")
    if per_session is not None:
        print(f"   = {per_session:.1f} KiB per session above the idle server ((peak - before) / sessions logged in)")
        if logged_in and logged_in < a.target_sessions:
            est = before["rss_kb"] + per_session * a.target_sessions
            print(f"   linear estimate for {a.target_sessions} sessions: {mib(est)}")
    print(f"   server threads {before['threads']} -> {held['threads']}, fds {before['fds']} -> {held['fds']} -> {after['fds']}")
    verdict = "PASS" if rss_ok and logged_in == a.sessions else "FAIL"
    print(f"   target RSS <= {a.target_mib} MiB with {a.sessions} sessions: {verdict}")
    if failures:
        print("   failures by reply / error:")
        for key, n in failures.most_common(15):
            print(f"     {n:6d}  {key}")
    res = {
        "sessions": a.sessions, "logged_in": logged_in, "failures": dict(failures), "client_workers": k,
        "open_s": round(t_open, 2), "login_lat_ms": lat_ms,
        "rss_kb": {"before": before["rss_kb"], "all_open": with_all["rss_kb"], "peak_held": peak_rss,
                   "end_of_hold": held["rss_kb"], "after_close": after["rss_kb"], "hwm": after["hwm_kb"]},
        "kib_per_session": round(per_session, 2) if per_session is not None else None,
        "threads": {"before": before["threads"], "held": held["threads"], "after": after["threads"]},
        "fds": {"before": before["fds"], "held": held["fds"], "after": after["fds"]},
        "noop_ok": noop_ok, "noop_bad": dict(noop_bad), "quit_ok": quit_ok, "quit_bad": dict(quit_bad),
        "close_s": round(t_close, 2), "target_mib": a.target_mib, "rss_ok": rss_ok, "deadline_hit": deadline_hit,
        "argv": " ".join(sys.argv),
    }
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1, sort_keys=True)
        log("wrote", a.out)
    if deadline_hit:
        return 3
    if logged_in != a.sessions:
        return 1
    return 0 if rss_ok else 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=2110)
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--prefix", default="idle", help="accounts PREFIX1..PREFIXN")
    ap.add_argument("--password-suffix", default="-secret", help="password = account name + this")
    ap.add_argument("--domain", default="example.test", help="login as NAME@DOMAIN ('' = bare NAME)")
    ap.add_argument("--sources", type=int, default=8, help="source addresses 127.0.0.1 .. 127.0.0.K")
    ap.add_argument("--concurrency", type=int, default=200, help="connects + logins in flight at once")
    ap.add_argument("--step-timeout", type=float, default=60, help="seconds to wait for any one reply")
    ap.add_argument("--hold", type=float, default=15, help="seconds to hold all sessions idle")
    ap.add_argument("--settle", type=float, default=3, help="seconds to wait after closing before the last RSS sample")
    ap.add_argument("--deadline", type=float, default=900, help="seconds for the whole run")
    ap.add_argument("--noop", action=argparse.BooleanOptionalAction, default=True,
                    help="after the hold, send NOOP on every session to check it is alive")
    ap.add_argument("--pid", type=int, default=0, help="the server's PID (for VmRSS)")
    ap.add_argument("--target-mib", type=int, default=1024)
    ap.add_argument("--target-sessions", type=int, default=20000,
                    help="if fewer sessions are opened, also print a linear RSS estimate for this many")
    ap.add_argument("--workers", type=int, default=0,
                    help="client processes (0: as many as RLIMIT_NOFILE needs; each holds its share of sockets)")
    ap.add_argument("--progress-every", type=float, default=2.0)
    ap.add_argument("--out", help="write the figures as JSON here")
    a = ap.parse_args()
    if not a.host.startswith("127."):
        sys.exit("--host must be a loopback address (127.x)")
    a.source_list = [f"127.0.0.{k}" for k in range(1, max(1, a.sources) + 1)]

    sys.exit(main_run(a))


if __name__ == "__main__":
    main()
