#!/usr/bin/env python3
"""loadgen_table.py RESULTS.jsonl [MORE.jsonl ...]: the loadgen results as one Markdown table, peer against ours.

One row per scenario (kind, TLS, clients); per side the median of the repetitions (min-max) of ops/s and of
server CPU us/op, the ratio ours/peer of each, and the other processes' CPU during the runs (noise)."""
import json, statistics, sys
from collections import defaultdict

PEERS = {"pop3-login": "dovecot", "apop-login": "dovecot", "pop3-retr": "dovecot", "smtp": "postfix"}
runs = defaultdict(list)
for path in sys.argv[1:]:
    for line in open(path):
        r = json.loads(line)
        runs[(r["scenario"], r["tls"], r["clients"], r["label"])].append(r)

def cell(rs, key, fmt="{:,.0f}"):
    xs = [r[key] for r in rs if r.get(key) is not None]
    if not xs: return "-", None
    m = statistics.median(xs)
    return (fmt.format(m) + (f" ({fmt.format(min(xs))}–{fmt.format(max(xs))})" if len(xs) > 1 else "")), m

def ratio(a, b): return f"{a / b:.2f}" if a and b else "-"

print("| scenario | peer ops/s | ours ops/s | ratio | peer CPU µs/op | ours CPU µs/op | ratio | other CPU s (peer/ours) | errors |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
order = ["pop3-login", "apop-login", "pop3-retr", "smtp"]
for (scenario, tls, clients) in sorted({k[:3] for k in runs}, key=lambda k: (order.index(k[0]), k[1], k[2])):
    peer = runs.get((scenario, tls, clients, PEERS[scenario]), [])
    ours = runs.get((scenario, tls, clients, "ours"), [])
    p_ops, p_ops_m = cell(peer, "ops_per_s"); o_ops, o_ops_m = cell(ours, "ops_per_s")
    p_cpu, p_cpu_m = cell(peer, "server_cpu_us_per_op"); o_cpu, o_cpu_m = cell(ours, "server_cpu_us_per_op")
    other = "/".join(cell(rs, "other_cpu_s", "{:.1f}")[0].split(" ")[0] for rs in (peer, ours))
    errors = sum(len(r["errors"]) for r in peer + ours)
    name = f"{scenario}{' tls' if tls else ''}, {clients} client{'s' if clients > 1 else ''}"
    print(f"| {name} | {p_ops} | {o_ops} | {ratio(o_ops_m, p_ops_m)} | {p_cpu} | {o_cpu} | {ratio(o_cpu_m, p_cpu_m)} | {other} | {errors} |")
