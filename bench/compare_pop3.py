#!/usr/bin/env python3
"""Side-by-side table of two peerbench.py pop3 result files: Dovecot vs ours.

  compare_pop3.py --dovecot pop3-dovecot-perf.json --ours pop3-ours.json \
                  [--ours-apop pop3-ours-apop.json] [--md summary.md]

Every figure is the median over the repetitions of that series (min-max beside it
when there are several).  Peak RSS/PSS is the largest value procmon sampled over the
server's whole process tree during any timed run (Dovecot: master + all children;
ours: the one dotnet process).  The ratio column is ours / Dovecot: above 1 means
ours is faster (throughput rows) or bigger (memory, latency and CPU-cost rows).
"Non-client CPU per RETR/login" = (machine busy CPU during the run - the client
processes' CPU) / messages or logins: the server's CPU cost, kernel included.
"""
import argparse
import json
import os
import sys

from benchlib import fmt, ratio, stat


NCPU = os.cpu_count() or 1


def load(path):
    with open(path) as f:
        return json.load(f)


def runs_of(doc, kind, transport, clients=None):
    return [r for r in doc["runs"] if r["kind"] == kind and r["transport"] == transport
            and (clients is None or r["clients"] == clients)]


def peak(doc, key):
    vals = [r["rss"].get(key, 0) for r in doc["runs"] if r.get("rss")]
    return (max(vals) / 1024.0, max(vals) / 1024.0, max(vals) / 1024.0, 1) if vals else None


def cpu_per(r, unit):
    """Microseconds of CPU not used by the client processes, per message or login: machine-wide busy
    CPU over the run (busy % x cores x elapsed) minus the clients' own CPU time.  That is mostly
    the server (plus kernel work on its behalf, and anything else running at the time)."""
    if r.get("cpu_busy_pct") is None or not r.get(unit):
        return None
    other = r["cpu_busy_pct"] / 100.0 * NCPU * r["elapsed_s"] - r["client_cpu_s"]
    return 1e6 * max(other, 0.0) / r[unit]


def lat_stats(runs):
    return [stat([r["login_lat_ms"]["p50"] for r in runs if r.get("login_lat_ms")]),
            stat([r["login_lat_ms"]["p99"] for r in runs if r.get("login_lat_ms")])]


def failures(name, doc):
    out = []
    for r in doc["runs"]:
        if not r.get("ok", False):
            out.append(f"{name}: {r['kind']} {r['transport']} N={r['clients']} rep {r.get('rep')}: "
                       f"logins {r['logins']}/{r['clients'] * r['sessions_per_client']}, msgs {r['msgs']}, "
                       f"errors {r['errors'][:3]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dovecot", required=True)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--ours-apop", help="APOP series for ours (pop3_apop_login.py), if not in --ours")
    ap.add_argument("--dovecot-label", default=None)
    ap.add_argument("--ours-label", default="MailActors")
    ap.add_argument("--md", help="also write the table (markdown) to this file")
    a = ap.parse_args()

    dv, us = load(a.dovecot), load(a.ours)
    us_apop = load(a.ours_apop) if a.ours_apop else us
    dlabel = a.dovecot_label or f"Dovecot ({dv.get('profile')})"
    clients = sorted({r["clients"] for r in dv["runs"] + us["runs"] if r["kind"] == "retr"})

    rows = []  # (metric, [dovecot stats...], [ours stats...], digits); several stats are shown "a / b"
    for tr in ("pop3", "pop3s"):
        for n in clients:
            rows.append((f"RETR msg/s, {tr}, {n} client{'s' if n > 1 else ''}",
                         [stat([r["msgs_per_s"] for r in runs_of(dv, "retr", tr, n)])],
                         [stat([r["msgs_per_s"] for r in runs_of(us, "retr", tr, n)])], 0))
    for tr in ("pop3", "pop3s"):
        for n in clients:
            rows.append((f"login latency p50 / p99 ms in RETR runs, {tr}, {n} client{'s' if n > 1 else ''}",
                         lat_stats(runs_of(dv, "retr", tr, n)), lat_stats(runs_of(us, "retr", tr, n)), 1))
    login_series = [("pop3 USER/PASS", dv, us, "login", "pop3"),
                    ("pop3s USER/PASS (full TLS handshake each)", dv, us, "login", "pop3s"),
                    ("APOP", dv, us_apop, "apop", "pop3")]
    for label, d, u, kind, tr in login_series:
        dr, ur = runs_of(d, kind, tr), runs_of(u, kind, tr)
        shape = ""
        if dr or ur:
            r0 = (dr or ur)[0]
            shape = f" [{r0['clients']} clients x {r0['sessions_per_client']}]"
        rows.append((f"logins/s, {label}{shape}", [stat([r["logins_per_s"] for r in dr])],
                     [stat([r["logins_per_s"] for r in ur])], 1))
        rows.append((f"login latency p50 / p99 ms, {label}", lat_stats(dr), lat_stats(ur), 1))
    both_us = {"runs": us["runs"] + ([] if us_apop is us else us_apop["runs"])}
    rows.append(("peak RSS MiB (sum over process tree, any run)", [peak(dv, "rss_sum_kb")], [peak(both_us, "rss_sum_kb")], 1))
    rows.append(("peak PSS MiB (sum over process tree, any run)", [peak(dv, "pss_sum_kb")], [peak(both_us, "pss_sum_kb")], 1))
    rows.append(("peak processes in the server's tree", [stat([max((r["rss"]["nprocs"] for r in dv["runs"]), default=None)])],
                 [stat([max((r["rss"]["nprocs"] for r in both_us["runs"]), default=None)])], 0))
    for tr in ("pop3", "pop3s"):
        for n in clients:
            rows.append((f"non-client CPU us per RETR, {tr}, {n} client{'s' if n > 1 else ''}",
                         [stat([cpu_per(r, "msgs") for r in runs_of(dv, "retr", tr, n)])],
                         [stat([cpu_per(r, "msgs") for r in runs_of(us, "retr", tr, n)])], 0))
    for label, d, u, kind, tr in login_series:
        rows.append((f"non-client CPU us per login, {label}", [stat([cpu_per(r, "logins") for r in runs_of(d, kind, tr)])],
                     [stat([cpu_per(r, "logins") for r in runs_of(u, kind, tr)])], 0))
    for tr in ("pop3", "pop3s"):
        rows.append((f"CPU busy % (all cores, client included), RETR {tr} {clients[-1]} clients",
                     [stat([r["cpu_busy_pct"] for r in runs_of(dv, "retr", tr, clients[-1])])],
                     [stat([r["cpu_busy_pct"] for r in runs_of(us, "retr", tr, clients[-1])])], 0))

    table = [f"| Metric | {dlabel} | {a.ours_label} | ratio ours/Dovecot |", "|---|---:|---:|---:|"]
    for metric, d, u, digits in rows:
        dtxt = " / ".join(fmt(x, digits) for x in d)
        utxt = " / ".join(fmt(x, digits) for x in u)
        rtxt = " / ".join(ratio(y, x) for x, y in zip(d, u))
        table.append(f"| {metric} | {dtxt} | {utxt} | {rtxt} |")

    notes = [
        f"Dovecot: {dv.get('argv', '')}",
        f"ours:    {us.get('argv', '')}",
    ]
    if us_apop is not us:
        notes.append(f"ours APOP: {us_apop.get('argv', '')}")
    reps = sorted({x for x in (dv.get("reps"), us.get("reps")) if x})
    retr0 = next((r for r in dv["runs"] if r["kind"] == "retr" and r["logins"]), None)
    per = retr0["msgs"] // retr0["logins"] if retr0 else "?"
    notes.append(f"median of {'/'.join(map(str, reps))} repetition(s) (min-max in brackets); "
                 f"{dv.get('total_sessions')} sessions x {per} RETR per retrieval run")
    fails = failures(dlabel, dv) + failures(a.ours_label, us) + ([] if us_apop is us else failures(a.ours_label + " APOP", us_apop))

    text = "\n".join(table) + "\n\n" + "\n".join(notes) + "\n"
    if fails:
        text += "\nFAILED runs (figures above include them):\n" + "\n".join("  " + f for f in fails) + "\n"
    else:
        text += "\nAll runs completed without protocol errors.\n"
    print(text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
