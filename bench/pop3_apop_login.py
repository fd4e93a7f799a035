#!/usr/bin/env python3
"""APOP login-only series against a given port, with the peer driver's own client code.

peerbench.py pop3 sends its APOP series to --pop3-port (Dovecot offers APOP on its
USER/PASS port).  Our server offers APOP only on its separate apop listener, and
peerbench.py has no option for that port, so for our server pop3_vs_dovecot.sh runs
peerbench.py with --no-apop and then this script, which imports peerbench.py and calls
the very same pop3_once("apop", ...) with the port switched to our apop listener:
same clients (10 processes, popN@example.test / popN-secret, connect + APOP + QUIT),
same timing, same memory sampling (procmon over --pid), same JSON run format.

  pop3_apop_login.py --peers DIR --port 21110 --pid PID --reps 3 \
      --login-clients 10 --logins-per-client 200 --messages 1000 --out FILE.json
"""
import argparse
import sys

from benchlib import load_peerbench


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peers", required=True, help="directory holding peerbench.py and procmon.py")
    ap.add_argument("--port", type=int, required=True, help="the APOP listener's port")
    ap.add_argument("--pid", required=True, help="comma-separated PIDs to memory-sample")
    ap.add_argument("--profile", default="ours")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--login-clients", type=int, default=10)
    ap.add_argument("--logins-per-client", type=int, default=200)
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    pb = load_peerbench(a.peers)
    pb.POP3_PORT = a.port          # pop3_once(use_ssl=False) connects to this module global
    roots = [int(x) for x in a.pid.split(",")]
    runs = []
    for rep in range(a.reps):
        r = pb.pop3_once("apop", False, a.login_clients, a.logins_per_client, roots, a.messages, a.timeout)
        r["rep"] = rep + 1
        r["port"] = a.port
        runs.append(r)
    pb.write_json(a.out, {"kind": "pop3", "profile": a.profile, "reps": a.reps, "argv": pb.argv_str(),
                          "apop_port": a.port, "runs": runs})
    if not all(r["ok"] for r in runs):
        pb.log("some APOP runs FAILED")
        sys.exit(1)


if __name__ == "__main__":
    main()
