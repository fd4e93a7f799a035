#!/usr/bin/env bash
# Audit journal (issue 6): writes 100k audited facts through a real node (outside SMTP RCPTs the policy refuses,
# pipelined), waits until the journal holds them, stops the node, then times `mailactors audit` replaying them:
# --verify (every hash recomputed), the JSON dump, and a filtered query.
# Usage: bash bench/audit_replay.sh      (EVENTS=100000 SKIP_BUILD=1 to reuse the build)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$BENCH_DIR/.." && pwd)"
OUT=/tmp/mailactors-audit-bench; BUILD=/tmp/mailactors-audit-bench-build
EVENTS="${EVENTS:-100000}"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$BUILD/mailactors.dll" ]; then
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD" --artifacts-path "$BUILD.artifacts" -nologo -v quiet -clp:ErrorsOnly
fi
rm -rf "$OUT"; mkdir -p "$OUT"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SMTP=$(port)
cat > "$OUT/bench.conf" <<CONF
mailactors {
  hostname = "localhost", data-dir = "$OUT/data", local-domains = ["example.test"], bind-address = "127.0.0.1"
  networks.internal = ["10.0.0.0/8"]
  listeners { pop3.enabled = off, pop3s.enabled = off, apop.enabled = off, submission.enabled = off, smtp.port = $SMTP }
  limits.max-connections-per-address = 1000
  admin.http = ""
}
akka.loglevel = WARNING
CONF
ma() { dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" "$@"; }
dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" serve > "$OUT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP) 2>/dev/null && break; sleep 0.1; done

start=$(date +%s.%N)
python3 "$BENCH_DIR/audit_load.py" --smtp "$SMTP" --events "$EVENTS" | tee "$OUT/load.json"
count() { python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$OUT/data/mailactors.db?mode=ro', uri=True, timeout=30).execute(\"select count(*) from journal where persistence_id like 'audit-%'\").fetchone()[0])"; }
until [ "$(count)" -ge "$EVENTS" ]; do sleep 0.2; done
persisted=$(date +%s.%N)
echo "persisted: $EVENTS facts in $(python3 -c "print(round($persisted-$start,2))") s ($(python3 -c "print(round($EVENTS/($persisted-$start)))") facts/s, client and server on one box)"
kill -TERM $PID; wait $PID 2>/dev/null || true; trap - EXIT

timed() { local label=$1; shift; local t0 t1; t0=$(date +%s.%N); "$@" > "$OUT/$label.out"; t1=$(date +%s.%N)
  echo "$label: $(python3 -c "print(round($t1-$t0,2))") s — $(head -c 200 "$OUT/$label.out" | head -n 1)"; }
timed verify ma audit --verify
timed json ma audit --format json
echo "json lines: $(wc -l < "$OUT/json.out")"
timed filtered ma audit --kind relay-refused --since 2000-01-01T00:00:00Z --format json
