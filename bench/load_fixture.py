#!/usr/bin/env python3
"""Bulk fixture loading straight into our server's SQLite store (data-dir/mailactors.db).

The schema must exist already (the server, or any `mailactors ... user ...` CLI call,
creates it on open).  Two subcommands:

  load_fixture.py messages --db DB --maildir-base /tmp/peerbench/mail/example.test \
                           --users 50 [--prefix pop]
      For each account popN: deletes its stored messages, then inserts the messages of
      the peer fixture's Maildir popN/Maildir/{new,cur} in file-name order (the name
      starts with the fixed delivery timestamp, so message n is the n-th file, as in
      Dovecot).  Bodies get CRLF line endings exactly as `mailactors deliver` stores
      them (MessageText.ToCrlf), so size = len(body) = the octets Dovecot sends.
      The accounts must exist (made with `mailactors user add`).

  load_fixture.py accounts --db DB --prefix idle --count 20000 [--iterations 1000]
      Inserts accounts idle1..idleN with password "idleN-secret".  The password hash
      has the server's format (pbkdf2-sha256$ITER$SALT$HASH, PBKDF2-HMAC-SHA256,
      16-byte salt, 32-byte hash) but a LOW iteration count (default 1000, the server
      uses 210000 for `user add`): 20000 hashes at 210000 iterations would take hours
      to make and ~0.1 s of server CPU per login.  This is a benchmark shortcut only.
      Existing accounts with those names are replaced.

One transaction per subcommand; a few seconds for 50 x 1000 messages or 20000 accounts.
"""
import argparse
import base64
import datetime
import hashlib
import os
import secrets
import sqlite3
import sys
import time


def now_iso():
    # the server writes DateTime.UtcNow.ToString("O"): 7 fractional digits + Z
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def to_crlf(data: bytes) -> bytes:
    """Same result as MailActors.Storage.MessageText.ToCrlf."""
    out = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\n", b"\r\n")
    if out and not out.endswith(b"\r\n"):
        out += b"\r\n"
    return out


def connect(path):
    if not os.path.exists(path):
        sys.exit(f"load_fixture: {path} does not exist (start the server or run a `mailactors user` command first)")
    c = sqlite3.connect(path, timeout=60)
    c.execute("PRAGMA busy_timeout = 60000")
    tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"accounts", "messages"} <= tables:
        sys.exit(f"load_fixture: {path} has no accounts/messages tables yet")
    return c


def cmd_messages(a):
    c = connect(a.db)
    t0 = time.monotonic()
    total = octets = 0
    with c:
        for u in range(1, a.users + 1):
            account = f"{a.prefix}{u}"
            if c.execute("SELECT 1 FROM accounts WHERE name = ?", (account,)).fetchone() is None:
                sys.exit(f"load_fixture: account {account} does not exist; create it with `mailactors user add` first")
            md = os.path.join(a.maildir_base, account, "Maildir")
            files = []
            for sub in ("new", "cur"):
                d = os.path.join(md, sub)
                if os.path.isdir(d):
                    files.extend(os.path.join(d, n) for n in os.listdir(d))
            if not files:
                sys.exit(f"load_fixture: no messages under {md}/new or cur (run setup.sh)")
            files.sort(key=os.path.basename)
            if a.expect and len(files) != a.expect:
                sys.exit(f"load_fixture: {md} has {len(files)} messages, expected {a.expect}")
            c.execute("DELETE FROM messages WHERE account = ?", (account,))
            rows = []
            for path in files:
                with open(path, "rb") as f:
                    body = to_crlf(f.read())
                rows.append((account, secrets.token_hex(16), len(body), now_iso(), a.envelope_from, body))
                octets += len(body)
            c.executemany("INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) "
                          "VALUES (?, ?, ?, ?, ?, ?)", rows)
            recount_usage(c, [account])
            total += len(rows)
    print(f"load_fixture: {total} messages ({octets} octets, {octets // max(total, 1)} per message on average) "
          f"for {a.prefix}1..{a.prefix}{a.users} in {time.monotonic() - t0:.1f} s")


def recount_usage(c, accounts):
    """The mailbox usage counters the server keeps with every insert and delete (quotas), for rows written here."""
    c.executemany("UPDATE accounts SET "
                  "used_bytes = (SELECT COALESCE(SUM(size), 0) FROM messages m WHERE m.account = accounts.name), "
                  "used_messages = (SELECT COUNT(*) FROM messages m WHERE m.account = accounts.name) WHERE name = ?",
                  [(n,) for n in accounts])


def pbkdf2_hash(password: str, iterations: int) -> str:
    salt = os.urandom(16)
    h = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, 32)
    return f"pbkdf2-sha256${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(h).decode()}"


def cmd_accounts(a):
    c = connect(a.db)
    t0 = time.monotonic()
    with c:
        ts = now_iso()
        rows = []
        for i in range(1, a.count + 1):
            name = f"{a.prefix}{i}"
            rows.append((name, pbkdf2_hash(f"{name}{a.password_suffix}", a.iterations), ts, ts))
        names = [(r[0],) for r in rows]
        c.executemany("DELETE FROM messages WHERE account = ?", names)
        c.executemany("DELETE FROM accounts WHERE name = ?", names)
        c.executemany("INSERT INTO accounts (name, password_hash, apop_secret, created_utc, updated_utc) "
                      "VALUES (?, ?, NULL, ?, ?)", rows)
        if a.messages_per_account:
            body = to_crlf(b"From: bench@example.test\nSubject: idle fixture\n\n" + b"x" * 60 + b"\n")
            c.executemany("INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) "
                          "VALUES (?, ?, ?, ?, ?, ?)",
                          ((n[0], secrets.token_hex(16), len(body), ts, "bench@example.test", body)
                           for n in names for _ in range(a.messages_per_account)))
            recount_usage(c, [n[0] for n in names])
    print(f"load_fixture: {a.count} accounts {a.prefix}1..{a.prefix}{a.count} "
          f"(pbkdf2 {a.iterations} iterations, {a.messages_per_account} messages each) "
          f"in {time.monotonic() - t0:.1f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("messages")
    m.add_argument("--db", required=True)
    m.add_argument("--maildir-base", default="/tmp/peerbench/mail/example.test")
    m.add_argument("--users", type=int, default=50)
    m.add_argument("--prefix", default="pop")
    m.add_argument("--expect", type=int, default=0, help="messages each Maildir must hold (0: any)")
    m.add_argument("--envelope-from", default="sender@example.test")
    m.set_defaults(func=cmd_messages)
    u = sub.add_parser("accounts")
    u.add_argument("--db", required=True)
    u.add_argument("--prefix", default="idle")
    u.add_argument("--count", type=int, default=20000)
    u.add_argument("--password-suffix", default="-secret")
    u.add_argument("--iterations", type=int, default=1000)
    u.add_argument("--messages-per-account", type=int, default=0)
    u.set_defaults(func=cmd_accounts)
    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
