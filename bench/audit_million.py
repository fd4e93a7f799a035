#!/usr/bin/env python3
"""Writes N audit facts (default 1,000,000) straight into a MailActors SQLite journal, in the stored form the node writes
(journal rows under versioned manifests, {"prev","hash","fact"} hash-chained per stream), plus a signed checkpoint file.
It writes the rows directly, not through a node, because this is a read benchmark: `audit --verify`, `trace` and
`what-if` read them back exactly as they would read a node's. Tag rows are not written (nothing here reads them).
Usage: audit_million.py DB CHECKPOINTS KEY.pem [N]"""
import datetime, hashlib, json, sqlite3, subprocess, sys, base64

db, checkpoints, key = sys.argv[1], sys.argv[2], sys.argv[3]
total = int(sys.argv[4]) if len(sys.argv) > 4 else 1_000_000
t0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
nodes = [f"akka.tcp://mailactors@10.0.0.{i}:4053" for i in (1, 2, 3, 4)]
streams = {n: f"audit-10.0.0.{i}:4053-{1000 + i}" for i, n in zip((1, 2, 3, 4), nodes)}
LEDGER = "grant-ledger"
heads = {s: ["0" * 64, 0] for s in list(streams.values()) + [LEDGER]}
rows = []

def t(seconds): return (t0 + datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")

def put(stream, manifest, fact):
    body = json.dumps(fact, separators=(",", ":")).encode()
    prev, seq = heads[stream]
    h = hashlib.sha256(f"{prev}\n{manifest}\n".encode() + body).hexdigest()
    heads[stream] = [h, seq + 1]
    rows.append((0, 0, stream, seq + 1, b'{"prev":"' + prev.encode() + b'","hash":"' + h.encode() + b'","fact":' + body + b"}", manifest, 4711, "bench"))

con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA synchronous=OFF")
written, i = 0, 0
while written < total:
    node = nodes[i % 4]; s = streams[node]; at = i * 2.0
    account = f"user{i % 5000}"; address = f"198.51.{(i // 250) % 250}.{i % 250 + 1}"; qid = f"{i:012X}"; mid = f"<m{i}@bench.test>"
    uidl = hashlib.md5(str(i).encode()).hexdigest()
    put(s, "auth-succeeded.v1", dict(address=address, account=account, listener="pop3s", mechanism="userpass", rule="pop3s-userpass", zone="outside", node=node, at=t(at)))
    put(LEDGER, "grant-issued.v1", dict(key=address, address=address, account=account, listener="pop3s", mechanism="userpass", node=node, at=t(at), expires_at=t(at + 300)))
    # one relay in ten is sent 3 minutes after its login: a 2-minute window would refuse it
    later = 180 if i % 10 == 0 else 30
    put(s, "relay-accepted.v1", dict(queue_id=qid, message_id=mid, sender=f"{account}@example.test", recipients=1, address=address, listener="submission",
        mechanism="grant", rule="submission-pop-before-smtp", account=account, grant_key=address, grant_at=t(at), node=node, at=t(at + later)))
    put(s, "relay-delivered.v1", dict(queue_id=qid, message_id=mid, recipient="friend@remote.test", destination="mx.remote.test", reply="250 2.0.0 ok", attempts=1, node=node, at=t(at + later + 1)))
    put(s, "local-delivered.v1", dict(queue_id=qid, message_id=mid, account=account, uidl=uidl, sender=f"{account}@example.test", address=address, listener="submission", node=node, at=t(at + later)))
    put(s, "pop3-session.v1", dict(account=account, address=address, listener="pop3s", retrieved=[dict(uidl=uidl, message_id=mid)], deleted=[dict(uidl=uidl, message_id=mid)], ended="quit", node=node, at=t(at + later + 60)))
    written += 6; i += 1
    if len(rows) >= 100_000:
        con.executemany("INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) VALUES (?,?,?,?,?,?,?,?)", rows); rows.clear()
con.executemany("INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid) VALUES (?,?,?,?,?,?,?,?)", rows)
con.commit()

# one signed checkpoint per node, over its stream (and the ledger), in the documented form, signed with openssl
spki = base64.b64encode(subprocess.run(["openssl", "pkey", "-in", key, "-pubout", "-outform", "DER"], capture_output=True, check=True).stdout).decode()
with open(checkpoints, "w") as out:
    for n in nodes:
        heads_of = [streams[n]] + ([LEDGER] if n == nodes[0] else [])
        member = json.dumps(dict(time=t(i * 2.0), node=n, key=spki, streams=[dict(stream=x, seq=heads[x][1], hash=heads[x][0], count=heads[x][1]) for x in heads_of]), separators=(",", ":"))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=member.encode(), capture_output=True, check=True).stdout
        out.write('{"checkpoint":' + member + ',"sig":"' + base64.b64encode(sig).decode() + '"}\n')
print(f"wrote {written} facts ({i} messages) in {len(heads)} streams; sample message {mid}")
