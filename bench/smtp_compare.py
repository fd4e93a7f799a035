#!/usr/bin/env python3
"""SMTP acceptance with Postfix's smtp-source: Postfix vs ours, with the peer driver's own code.

Subcommands (smtp_vs_postfix.sh calls them; every loop is bounded in count and time):

  smtp_compare.py probe  --peers DIR --port P --target postfix|ours [--db FILE] [--recipient R]
      Reads the greeting (must be 220 within 10 s), then sends one message with smtplib
      (HELO, MAIL, RCPT, DATA) and checks it was stored: Postfix -> one more file in the
      recipient's Maildir/new within 30 s (delivery is asynchronous there); ours -> one more
      row in the messages table at once (250 after DATA means committed, docs/spec.md §6).
      Exit 0 ok, 2 no 220 greeting, 3 a command was refused or the session broke, 4 not stored.

  smtp_compare.py series --peers DIR --side TARGET:PORT:PID[,PID]:OUT.json[:DB] [--side ...]
                         --sessions 1,20,100 --messages 5000 --size 4096 --reps 3
                         --keepalive-sessions 20 --warmup 500 --timeout 600
      TARGET is postfix or ours (DB: our SQLite file). With two sides, both warm up first, then every
      run is made on the first side and at once on the second (interleaved), so that the machine's
      swings in speed fall on both alike; each side's runs go to its own OUT.json.
      The peer run's SMTP series (peerbench.py cmd_smtp), through the very same
      peerbench.smtp_once(): same smtp-source command line (-s S -m M -l L
      -M client.example.test -f sender@example.test -t RECIPIENT 127.0.0.1:PORT, plus -d for
      the keep-alive series), same timing (smtp-source wall time), same memory sampling
      (procmon over each side's PID trees every 0.2 s), same warm-up (20 sessions x --warmup
      messages, untimed).  Postfix runs as peerbench's "postfix" target (queue drained and
      Maildir emptied before each run, the time until all files are in Maildir/new recorded
      too); ours runs as its "sink" target (acceptance only) and, after every run, the
      messages table must have grown by exactly --messages rows for the recipient.

  smtp_compare.py table  --postfix FILE.json [--ours FILE.json | --ours-skipped REASON] [--md FILE]
      The side-by-side table (median over the repetitions, min-max beside it).
"""
import argparse
import json
import os
import socket
import smtplib
import sqlite3
import sys
import time

from benchlib import fmt, load_peerbench, ratio, stat

NCPU = os.cpu_count() or 1
HOST = "127.0.0.1"


def log(*a):
    print("[smtp-bench]", *a, flush=True)


# ----------------------------------------------------------------- storage counts
def db_count(db, account):
    """Rows in our messages table for ACCOUNT (read-only connection; WAL lets it read beside the server)."""
    if not os.path.exists(db):
        return 0
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return c.execute("SELECT COUNT(*) FROM messages WHERE account = ?", (account,)).fetchone()[0]
    finally:
        c.close()


def maildir_new(pb, recipient):
    return f"{pb.MAILDIR_BASE}/{recipient.split('@')[0]}/Maildir/new"


# ----------------------------------------------------------------- probe
def cmd_probe(a):
    pb = load_peerbench(a.peers)
    account = a.recipient.split("@")[0]
    try:
        s = socket.create_connection((HOST, a.port), timeout=10)
    except OSError as e:
        print(f"no SMTP server at {HOST}:{a.port}: {e}")
        return 2
    try:
        s.settimeout(10)
        greeting = b""
        while not greeting.endswith(b"\n") and len(greeting) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            greeting += chunk
    except OSError as e:
        print(f"{HOST}:{a.port} accepted the connection but sent no greeting within 10 s ({e})")
        return 2
    finally:
        s.close()
    text = greeting.decode(errors="replace").strip()
    if not text.startswith("220"):
        print(f"{HOST}:{a.port} does not greet with 220: {text!r}" if text
              else f"{HOST}:{a.port} closed the connection without a greeting")
        return 2
    log(f"greeting from {HOST}:{a.port}: {text}")

    before = db_count(a.db, account) if a.target == "ours" else pb.count_dir(maildir_new(pb, a.recipient))
    msg = (f"From: <sender@example.test>\r\nTo: <{a.recipient}>\r\nSubject: smtp_vs_postfix probe\r\n"
           f"Message-Id: <probe-{os.getpid()}-{time.time_ns()}@client.example.test>\r\n\r\n"
           + "probe line\r\n" * 20)
    try:
        c = smtplib.SMTP(HOST, a.port, local_hostname="client.example.test", timeout=30)
        code, resp = c.helo("client.example.test")
        if code != 250:
            print(f"HELO refused: {code} {resp.decode(errors='replace')}")
            return 3
        c.sendmail("sender@example.test", [a.recipient], msg.encode())
        c.quit()
    except smtplib.SMTPException as e:
        print(f"probe transaction failed: {e!r}")
        return 3
    except OSError as e:
        print(f"probe session broke: {e!r}")
        return 3
    deadline = time.monotonic() + (1.0 if a.target == "ours" else 30.0)
    while True:
        after = db_count(a.db, account) if a.target == "ours" else pb.count_dir(maildir_new(pb, a.recipient))
        if after == before + 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if after != before + 1:
        where = f"rows for {account} in {a.db}" if a.target == "ours" else maildir_new(pb, a.recipient)
        print(f"probe message accepted (250) but not stored: {where}: {before} before, {after} after")
        return 4
    log(f"probe message accepted and stored ({'row in ' + a.db if a.target == 'ours' else 'file in Maildir/new'})")
    return 0


# ----------------------------------------------------------------- series
def parse_side(text):
    """--side TARGET:PORT:PID[,PID]:OUT[:DB] (DB, our SQLite file, for target ours)."""
    parts = text.split(":")
    if len(parts) not in (4, 5) or parts[0] not in ("postfix", "ours"):
        raise SystemExit(f"--side {text!r}: want postfix|ours:PORT:PID[,PID]:OUT.json[:DB]")
    side = {"target": parts[0], "port": int(parts[1]), "roots": [int(x) for x in parts[2].split(",")],
            "out": parts[3], "db": parts[4] if len(parts) == 5 else None, "runs": []}
    if side["target"] == "ours" and not side["db"]:
        raise SystemExit("--side ours:...: our SQLite file (DB) is required")
    return side


def cmd_series(a):
    pb = load_peerbench(a.peers)
    account = a.recipient.split("@")[0]
    sides = [parse_side(t) for t in a.side]

    def once(side, sessions, messages, flags):
        ours = side["target"] == "ours"
        before = db_count(side["db"], account) if ours else None
        r = pb.smtp_once("sink" if ours else "postfix", sessions, messages, a.size, a.recipient, side["port"],
                         side["roots"], a.timeout, flags)
        r["target"] = side["target"]
        r["port"] = side["port"]
        if ours:
            time.sleep(0.2)
            stored = db_count(side["db"], account) - before
            r["stored_final"] = stored
            r["ok"] = bool(r["ok"]) and stored == messages
            log(f"  ours -s {sessions} {' '.join(flags)}: {stored} of {messages} messages stored"
                + ("" if stored == messages else "  <-- MISMATCH"))
        if not r["ok"]:
            tail = (r.get("client_output_tail") or "").strip().splitlines()[-5:]
            log(f"  FAILED run (rc={r['rc']}); smtp-source said: " + (" | ".join(tail) or "(nothing)"))
        return r

    if a.warmup > 0:
        for side in sides:
            log(f"warm-up ({side['target']}): {a.warmup} messages, 20 sessions")
            if not once(side, 20, a.warmup, ())["ok"]:
                log("warm-up failed; the timed series runs anyway (each run reports its own result)")
    variants = [(int(s), ()) for s in a.sessions.split(",")]
    if a.keepalive_sessions:
        variants.append((a.keepalive_sessions, ("-d",)))
    # With two sides each run is made on one and at once on the other, so that the machine's swings in speed
    # (30-50 % within minutes on the benchmark VM) fall on both alike.
    t_limit = time.monotonic() + a.series_limit
    for s, flags in variants:
        failing = set()
        for rep in range(a.reps):
            for side in sides:
                if side["target"] in failing:
                    continue
                if time.monotonic() > t_limit:
                    log(f"series time limit ({a.series_limit} s) reached; skipping {side['target']} "
                        f"-s {s} {' '.join(flags)} rep {rep + 1}")
                    continue
                r = once(side, s, a.messages, flags)
                r["rep"] = rep + 1
                side["runs"].append(r)
                # A failing server: do not hammer it with the remaining repetitions of this variant.
                if not r["ok"] and r.get("accept_s") is None:
                    failing.add(side["target"])
    if any(side["target"] == "postfix" for side in sides):
        pb.wait_queue_empty()
    for side in sides:
        pb.write_json(side["out"], {"kind": "smtp", "target": side["target"], "reps": a.reps,
                                    "order": "interleaved" if len(sides) > 1 else "series",
                                    "argv": pb.argv_str(), "port": side["port"], "runs": side["runs"]})
    if not all(r["ok"] for side in sides for r in side["runs"]):
        log("some SMTP runs FAILED")
        return 1
    return 0


# ----------------------------------------------------------------- table
def variant_key(r):
    return (r["sessions"], tuple(r.get("flags") or ()))


def variant_label(key):
    s, flags = key
    return f"`-s {s}{' ' + ' '.join(flags) if flags else ''}`"


def cpu_ms_per_msg(r, stored):
    """Non-client CPU per message until it is stored: (machine busy CPU over the window - smtp-source's
    CPU) / messages.  Ours: the acceptance window (250 = committed).  Postfix: until all files are in
    Maildir/new (its 250 means queued; virtual(8) delivers afterwards)."""
    if stored:
        busy, secs = r.get("cpu_busy_pct_deliver"), r.get("deliver_s")
    else:
        busy, secs = r.get("cpu_busy_pct_accept"), r.get("accept_s")
    if busy is None or not secs or r.get("client_cpu_s") is None or not r.get("ok"):
        return None
    other = busy / 100.0 * NCPU * secs - r["client_cpu_s"]
    return 1000.0 * max(other, 0.0) / r["messages"]


def peak_mib(runs, key):
    vals = [r["rss"].get(key, 0) for r in runs if r.get("rss")]
    return (max(vals) / 1024.0,) * 3 + (1,) if vals else None


def cmd_table(a):
    pf = json.load(open(a.postfix))
    us = json.load(open(a.ours)) if a.ours else None
    keys = sorted({variant_key(r) for r in pf["runs"] + (us["runs"] if us else [])},
                  key=lambda k: (len(k[1]), k[0]))

    def runs(doc, k, ok_only=True):
        return [r for r in doc["runs"] if variant_key(r) == k and (r.get("ok") or not ok_only)] if doc else []

    lines = []
    head = ("| smtp-source | Postfix accept msg/s | MailActors accept msg/s | ratio MA/Postfix "
            "| Postfix all in Maildir msg/s | Postfix peak RSS MiB (PSS) | MailActors peak RSS MiB (PSS) "
            "| RSS ratio MA/Postfix | non-client CPU ms/msg Postfix / MailActors |")
    lines += [head, "|---" * (head.count("|") - 1) + "|"]
    for k in keys:
        pr, ur = runs(pf, k), runs(us, k)
        p_acc = stat([r["accept_msgs_per_s"] for r in pr])
        u_acc = stat([r["accept_msgs_per_s"] for r in ur])
        p_del = stat([r.get("deliver_msgs_per_s") for r in pr])
        p_rss, u_rss = peak_mib(runs(pf, k, False), "rss_sum_kb"), peak_mib(runs(us, k, False), "rss_sum_kb")
        p_pss, u_pss = peak_mib(runs(pf, k, False), "pss_sum_kb"), peak_mib(runs(us, k, False), "pss_sum_kb")
        p_cpu = stat([cpu_ms_per_msg(r, True) for r in pr])
        u_cpu = stat([cpu_ms_per_msg(r, False) for r in ur])
        if us is None:
            u_txt = "not measured"
        elif not ur:
            n_all = len(runs(us, k, False))
            u_txt = f"FAILED ({n_all} run{'s' if n_all != 1 else ''})" if n_all else "-"
        else:
            u_txt = fmt(u_acc)
            if len(ur) < len(runs(us, k, False)):
                u_txt += f" [{len(runs(us, k, False)) - len(ur)} run(s) failed]"
        p_txt = fmt(p_acc) if pr else ("FAILED" if runs(pf, k, False) else "-")
        mem_u = f"{fmt(u_rss, 1)} ({fmt(u_pss, 1)})" if u_rss else "-"
        lines.append(f"| {variant_label(k)} | {p_txt} | {u_txt} | {ratio(u_acc, p_acc)} | {fmt(p_del)} "
                     f"| {fmt(p_rss, 1)} ({fmt(p_pss, 1)}) | {mem_u} | {ratio(u_rss, p_rss)} "
                     f"| {fmt(p_cpu, 2)} / {fmt(u_cpu, 2)} |")
    all_p = peak_mib(pf["runs"], "rss_sum_kb")
    all_u = peak_mib(us["runs"], "rss_sum_kb") if us else None
    lines.append(f"| peak over all runs | | | | | {fmt(all_p, 1)} ({fmt(peak_mib(pf['runs'], 'pss_sum_kb'), 1)}) "
                 f"| {(fmt(all_u, 1) + ' (' + fmt(peak_mib(us['runs'], 'pss_sum_kb'), 1) + ')') if all_u else '-'} "
                 f"| {ratio(all_u, all_p)} | |")

    notes = []
    nproc_p = max((r["rss"].get("nprocs", 0) for r in pf["runs"] if r.get("rss")), default=0)
    reps = pf.get("reps")
    notes.append(f"Median of {reps} run{'s' if reps != 1 else ''} per row, (min-max) when they differ; "
                 f"{pf['runs'][0]['messages'] if pf['runs'] else '?'} messages of "
                 f"{pf['runs'][0]['size'] if pf['runs'] else '?'} payload bytes per run, one recipient.")
    notes.append("Accept msg/s = messages / smtp-source wall time (every DATA answered 250). Postfix's 250 means "
                 "the message is fsync'ed in its queue; virtual(8) writes the Maildir file afterwards "
                 "(\"all in Maildir\"). MailActors' 250 means the message row is committed in SQLite (WAL mode; "
                 "docs/spec.md §6); its row count is checked after every run.")
    notes.append(f"Peak RSS/PSS: procmon over the server's process tree, every 0.2 s (PSS every 1 s); Postfix "
                 f"is master + children (up to {nproc_p} processes; RSS sums count shared libraries once per "
                 f"process, PSS does not; idle smtpd/cleanup processes of the previous run live on for up to "
                 f"max_idle = 100 s and are counted too); MailActors is one process.")
    notes.append("Non-client CPU ms/msg = (machine-wide busy CPU x cores x window - smtp-source's own CPU) / "
                 "messages; window: until all files are in Maildir (Postfix), until smtp-source is done (MailActors).")
    if us is None and a.ours_skipped:
        notes.append(f"MailActors not measured: {a.ours_skipped}")
    fails = []
    for name, doc in (("Postfix", pf), ("MailActors", us)):
        for r in (doc["runs"] if doc else []):
            if not r.get("ok"):
                tail = (r.get("client_output_tail") or "").strip().splitlines()[-3:]
                extra = f", stored {r['stored_final']}/{r['messages']}" if "stored_final" in r else ""
                fails.append(f"{name} {variant_label(variant_key(r))} rep {r.get('rep')}: rc={r.get('rc')}{extra}; "
                             f"smtp-source: {' | '.join(tail) or '(no output)'}")
    cmds = sorted({r["command"] for r in pf["runs"] + (us["runs"] if us else [])})

    out = "\n".join(lines) + "\n\n" + "\n".join(f"* {n}" for n in notes) + "\n"
    if fails:
        out += "\nFailed runs:\n\n" + "\n".join(f"* {f}" for f in fails) + "\n"
    out += "\nsmtp-source command lines:\n\n```\n" + "\n".join(cmds) + "\n```\n"
    print(out)
    if a.md:
        with open(a.md, "a") as f:
            f.write(out)
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("probe")
    p.add_argument("--peers", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--target", choices=("postfix", "ours"), required=True)
    p.add_argument("--db", help="our SQLite file (target ours)")
    p.add_argument("--recipient", default="user1@example.test")
    s = sub.add_parser("series")
    s.add_argument("--peers", required=True)
    s.add_argument("--side", action="append", required=True,
                   help="TARGET:PORT:PID[,PID]:OUT.json[:DB], once or twice (two: interleaved runs)")
    s.add_argument("--recipient", default="user1@example.test")
    s.add_argument("--sessions", default="1,20,100")
    s.add_argument("--messages", type=int, default=5000)
    s.add_argument("--size", type=int, default=4096)
    s.add_argument("--reps", type=int, default=3)
    s.add_argument("--keepalive-sessions", type=int, default=20)
    s.add_argument("--warmup", type=int, default=500)
    s.add_argument("--timeout", type=float, default=600, help="seconds per smtp-source run")
    s.add_argument("--series-limit", type=float, default=3600, help="seconds for the whole series")
    t = sub.add_parser("table")
    t.add_argument("--postfix", required=True)
    t.add_argument("--ours")
    t.add_argument("--ours-skipped", default="")
    t.add_argument("--md")
    a = ap.parse_args()
    sys.exit({"probe": cmd_probe, "series": cmd_series, "table": cmd_table}[a.cmd](a))


if __name__ == "__main__":
    main()
