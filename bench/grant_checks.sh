#!/usr/bin/env bash
# Grant checks per second on one node (issue 3): a POP3S login earns the grant, then outside SMTP
# sessions ask RCPT for remote recipients, each one a decision of the grant ledger.
# Usage: bash bench/grant_checks.sh            (CLIENTS=8 SECONDS=10 SKIP_BUILD=1 to reuse the build)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$BENCH_DIR/.." && pwd)"
OUT=/tmp/mailactors-grant-bench; BUILD=/tmp/mailactors-bench-build
CLIENTS="${CLIENTS:-8}"; SECS="${SECONDS_RUN:-10}"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$BUILD/mailactors.dll" ]; then
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD" --artifacts-path "$BUILD.artifacts" -nologo -v quiet -clp:ErrorsOnly
fi
rm -rf "$OUT"; mkdir -p "$OUT"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP=$(port); POP3S=$(port)
cat > "$OUT/bench.conf" <<CONF
mailactors {
  hostname = "localhost", data-dir = "$OUT/data", local-domains = ["example.test"], bind-address = "127.0.0.1"
  networks.internal = ["10.0.0.0/8"]     # 127.0.0.1 is outside here: every relay needs the grant
  listeners { pop3.enabled = off, apop.enabled = off, submission.enabled = off, pop3s.port = $POP3S, smtp.port = $SMTP }
  limits.max-connections-per-address = 1000
  admin.http = ""
}
akka.loglevel = WARNING
CONF
dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" user add bench --password-stdin <<< secret >/dev/null
dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" serve > "$OUT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP) 2>/dev/null && break; sleep 0.1; done
python3 "$BENCH_DIR/grant_checks.py" --smtp "$SMTP" --pop3s "$POP3S" --clients "$CLIENTS" --seconds "$SECS" | tee "$OUT/result.json"
echo "server RSS: $(awk '/VmHWM/ {print $2/1024 " MiB peak"}' /proc/$PID/status)"
