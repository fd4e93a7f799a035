#!/usr/bin/env python3
"""Many idle, logged-in POP3 sessions at once: how much memory does our server need?

Opens N (default 20000) concurrent POP3 sessions on one port, each logged in with
USER/PASS on its own account (idle1..idleN, password idleN-secret, so no two sessions
compete for the same maildrop lock), holds them all idle for --hold seconds, checks
that every one still answers (NOOP), then closes them cleanly (QUIT) and exits.

Prints progress, the number of sessions logged in, failures grouped by reply/error,
and the server's VmRSS (/proc/PID/status) before, with all sessions open (and the peak
while holding them), and after they are closed.  Target: RSS <= 1 GiB with 20000.

Client side: one asyncio event loop; at most --concurrency connects+logins in flight;
client sockets are spread over --sources loopback source addresses (127.0.0.1 ..
127.0.0.K) so no single address runs out of ephemeral ports; RLIMIT_NOFILE is raised
for this process.  Everything is bounded by --deadline (seconds, whole run) and
--step-timeout (seconds, per reply).  Traffic goes to --host, which must be 127.x.

  pop3_idle_sessions.py --port 2110 --pid SERVER_PID [--sessions 20000] [--hold 15]

Exit status: 0 all sessions logged in and RSS within --target-mib; 1 some sessions
failed; 2 all logged in but RSS above the target; 3 deadline hit.
"""
import argparse
import asyncio
import collections
import json
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
    def __init__(self, a):
        self.a = a
        self.sessions = []          # (reader, writer) of logged-in sessions
        self.failures = collections.Counter()
        self.started = self.logged_in = self.in_flight = 0
        self.t_end = now() + a.deadline
        self.login_lat = []

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
                return
            self.started += 1
            self.in_flight += 1
            t0 = now()
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
                if self.logged_in == 0:
                    log(f"first login reply: {line!r}")
                self.logged_in += 1
                self.sessions.append((reader, writer))
                writer = None
            except RuntimeError as e:
                self.failures[reason(stage, str(e))] += 1
            except asyncio.TimeoutError:
                self.failures[reason(stage, "timeout")] += 1
            except OSError as e:
                self.failures[reason(stage, f"{type(e).__name__} errno={e.errno} {e.strerror}")] += 1
            except Exception as e:  # noqa: BLE001 -- counted and reported
                self.failures[reason(stage, f"{type(e).__name__}: {e}")] += 1
            finally:
                self.in_flight -= 1
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
        return ok, bad


async def progress(run, pid, stop):
    last_t, last_n = now(), 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=run.a.progress_every)
        except asyncio.TimeoutError:
            pass
        t = now()
        st = proc_status(pid)
        rate = (run.logged_in - last_n) / max(t - last_t, 1e-6)
        last_t, last_n = t, run.logged_in
        log(f"started {run.started:6d}  logged in {run.logged_in:6d}  failed {sum(run.failures.values()):5d}  "
            f"in flight {run.in_flight:4d}  {rate:7.0f} logins/s  server RSS {mib(st['rss_kb'])} "
            f"threads {st['threads']} fds {st['fds']}")


async def main_async(a):
    run = Run(a)
    pid = a.pid
    before = proc_status(pid)
    log(f"server pid {pid}: RSS before {mib(before['rss_kb'])} (threads {before['threads']}, fds {before['fds']})")
    log(f"opening {a.sessions} sessions to {a.host}:{a.port} from {len(a.source_list)} source addresses "
        f"({a.source_list[0]}..{a.source_list[-1]}), concurrency {a.concurrency}, deadline {a.deadline:.0f} s")
    stop = asyncio.Event()
    prog = asyncio.create_task(progress(run, pid, stop))
    t0 = now()
    sem = asyncio.Semaphore(a.concurrency)
    tasks = [asyncio.create_task(run.open_one(i, sem)) for i in range(a.sessions)]
    done, pending = await asyncio.wait(tasks, timeout=run.left())
    deadline_hit = bool(pending)
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        run.failures["cancelled: global deadline"] += len(pending)
    t_open = now() - t0
    stop.set()
    await prog
    log(f"open phase: {run.logged_in} of {a.sessions} logged in in {t_open:.1f} s "
        f"({run.logged_in / max(t_open, 1e-6):.0f} logins/s), {sum(run.failures.values())} failed")
    lat = sorted(run.login_lat)
    lat_ms = {k: round(1000 * lat[min(len(lat) - 1, int(p * (len(lat) - 1)))], 1)
              for k, p in (("p50", .5), ("p90", .9), ("p99", .99))} if lat else None
    lat_ms and lat_ms.update(max=round(1000 * lat[-1], 1))
    if lat_ms:
        log(f"connect+login latency ms: {lat_ms}")

    # hold: all sessions idle; sample the server's RSS every second
    hold = min(a.hold, max(0.0, run.left() - 30))
    await asyncio.sleep(min(2.0, hold))
    with_all = proc_status(pid)
    peak_rss = with_all["rss_kb"] or 0
    t_hold_end = now() + max(0.0, hold - 2.0)
    while now() < t_hold_end:
        await asyncio.sleep(1.0)
        st = proc_status(pid)
        peak_rss = max(peak_rss, st["rss_kb"] or 0)
    held = proc_status(pid)
    peak_rss = max(peak_rss, held["rss_kb"] or 0)
    log(f"holding {len(run.sessions)} idle sessions for {hold:.0f} s: server RSS {mib(with_all['rss_kb'])} after 2 s, "
        f"{mib(held['rss_kb'])} at the end, peak {mib(peak_rss)} (threads {held['threads']}, fds {held['fds']})")

    noop_ok, noop_bad = (0, collections.Counter())
    if a.noop and run.sessions and run.left() > 10:
        t = now()
        noop_ok, noop_bad = await run.command_all("NOOP", expect_close=False)
        log(f"NOOP on every session: {noop_ok} +OK, {sum(noop_bad.values())} not ({now() - t:.1f} s)"
            + (f" {dict(noop_bad.most_common(5))}" if noop_bad else ""))
    t = now()
    quit_ok, quit_bad = await run.command_all("QUIT", expect_close=True)
    t_close = now() - t
    log(f"QUIT on every session: {quit_ok} +OK, {sum(quit_bad.values())} not ({t_close:.1f} s)"
        + (f" {dict(quit_bad.most_common(5))}" if quit_bad else ""))
    await asyncio.sleep(min(a.settle, max(0.0, run.left())))
    after = proc_status(pid)

    rss_ok = bool(peak_rss) and peak_rss <= a.target_mib * 1024
    per_session = ((peak_rss - (before["rss_kb"] or 0)) / max(run.logged_in, 1)) if peak_rss and before["rss_kb"] else None
    print()
    print(f"== idle POP3 sessions on {a.host}:{a.port}: {run.logged_in} of {a.sessions} logged in "
          f"({sum(run.failures.values())} failed) in {t_open:.1f} s")
    print(f"   server RSS: {mib(before['rss_kb'])} before, {mib(with_all['rss_kb'])} with all sessions open, "
          f"peak {mib(peak_rss)} while held, {mib(after['rss_kb'])} {a.settle:.0f} s after closing them (VmHWM {mib(after['hwm_kb'])})")
    if per_session is not None:
        print(f"   = {per_session:.1f} KiB per session above the idle server (peak - before) / sessions")
    print(f"   server threads {before['threads']} -> {held['threads']}, fds {before['fds']} -> {held['fds']} -> {after['fds']}")
    print(f"   target RSS <= {a.target_mib} MiB with {a.sessions} sessions: "
          f"{'PASS' if rss_ok and run.logged_in == a.sessions else 'FAIL'}")
    if run.failures:
        print("   failures by reply / error:")
        for k, n in run.failures.most_common(15):
            print(f"     {n:6d}  {k}")
    res = {
        "sessions": a.sessions, "logged_in": run.logged_in, "failures": dict(run.failures),
        "open_s": round(t_open, 2), "login_lat_ms": lat_ms,
        "rss_kb": {"before": before["rss_kb"], "all_open": with_all["rss_kb"], "peak_held": peak_rss,
                   "end_of_hold": held["rss_kb"], "after_close": after["rss_kb"], "hwm": after["hwm_kb"]},
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
    if run.logged_in != a.sessions:
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
    ap.add_argument("--progress-every", type=float, default=2.0)
    ap.add_argument("--out", help="write the figures as JSON here")
    a = ap.parse_args()
    if not a.host.startswith("127."):
        sys.exit("--host must be a loopback address (127.x)")
    a.source_list = [f"127.0.0.{k}" for k in range(1, max(1, a.sources) + 1)]

    need = a.sessions + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, max(hard, need)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    log(f"RLIMIT_NOFILE {soft}/{hard} (need {need})")
    if soft < need:
        sys.exit(f"cannot raise RLIMIT_NOFILE to {need} (got {soft}); run as root or lower --sessions")
    sys.exit(asyncio.run(main_async(a)))


if __name__ == "__main__":
    main()
