#!/usr/bin/env python3
"""Issued on A -> honoured on B (issue 4): a POP3S login through node A from an outside address, then at once an
SMTP RCPT to a remote recipient from the same address through node B. The latency is from the login's +OK to
B's 250; a 554 (the grant not there yet) is retried and counted. Prints JSON."""
import argparse, json, poplib, smtplib, socket, ssl, statistics, time

class POP3S(poplib.POP3_SSL):
    def __init__(self, host, port, source, context):
        self._source = source
        super().__init__(host, port, context=context, timeout=15)
    def _create_socket(self, timeout):
        sock = socket.create_connection((self.host, self.port), timeout, source_address=(self._source, 0))
        return self.context.wrap_socket(sock, server_hostname=self.host)

def rcpt(port, source):
    s = smtplib.SMTP("127.0.0.1", port, source_address=(source, 0), timeout=15)
    s.ehlo("bench.test")
    s.mail("alice@example.test")
    code, _ = s.rcpt("friend@remote.test")
    s.quit()
    return code

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pop3s", type=int, required=True)
    p.add_argument("--smtp", type=int, nargs="+", required=True)
    p.add_argument("--logins", type=int, default=300)
    a = p.parse_args()
    ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
    latencies, retries = [], 0
    for i in range(a.logins):
        source = f"127.0.{1 + i // 250}.{2 + i % 250}"
        if source in ("127.0.0.3",): continue  # the dial-up pool of the test profile
        pop = POP3S("127.0.0.1", a.pop3s, source, ctx)
        pop.user("alice"); pop.pass_("alice-pw")
        ok = time.perf_counter()
        pop.quit()
        port = a.smtp[i % len(a.smtp)]
        while rcpt(port, source) != 250:
            retries += 1
        latencies.append((time.perf_counter() - ok) * 1000)
    latencies.sort()
    q = lambda f: round(latencies[min(len(latencies) - 1, int(f * len(latencies)))], 1)
    print(json.dumps({"logins": len(latencies), "p50_ms": q(0.50), "p90_ms": q(0.90), "p99_ms": q(0.99), "max_ms": round(latencies[-1], 1),
                      "mean_ms": round(statistics.mean(latencies), 1), "refused_first_then_retried": retries}))

if __name__ == "__main__":
    main()
