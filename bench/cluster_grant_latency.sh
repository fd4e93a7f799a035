#!/usr/bin/env bash
# Issued on A -> honoured on B (issue 4): three nodes of the real executable on one PostgreSQL (started here, as
# .ci/run does), POP3S logins through node 1 and, at once, relay RCPTs through nodes 2 and 3 from the same
# address. Reports the latency from the login's +OK to the other node's 250 (p50/p90/p99), which includes the
# SMTP connection, EHLO and MAIL. Usage: bash bench/cluster_grant_latency.sh  (LOGINS=300 SKIP_BUILD=1)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$BENCH_DIR/.." && pwd)"
OUT=/tmp/mailactors-cluster-bench; BUILD=/tmp/mailactors-cluster-bench-build
LOGINS="${LOGINS:-300}"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$BUILD/mailactors.dll" ]; then
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD" --artifacts-path "$BUILD.artifacts" -nologo -v quiet -clp:ErrorsOnly
fi
rm -rf "$OUT"; mkdir -p "$OUT"; chmod 755 "$OUT"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_bin=/usr/lib/postgresql/15/bin; as_pg=(); [ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
mkdir -p "$OUT/pg"; [ ${#as_pg[@]} -gt 0 ] && chown postgres "$OUT/pg"
PG=$(port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$OUT/pg/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$OUT/pg/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$OUT/pg/data" -l "$OUT/pg/log" -w -o "-p $PG -c listen_addresses=127.0.0.1 -k $OUT/pg -c max_connections=400" start >/dev/null
DB="Host=127.0.0.1;Port=$PG;Username=postgres"

cat > "$OUT/site.conf" <<CONF
mailactors {
  hostname = "localhost", data-dir = "$OUT/data", local-domains = ["example.test"], bind-address = "127.0.0.1"
  networks.internal = ["10.0.0.0/8"]
  limits.max-connections-per-address = 1000
  storage { provider = "postgresql", connection-string = "$DB" }
}
akka.loglevel = WARNING
CONF
ma() { dotnet "$BUILD/mailactors.dll" --config "$OUT/site.conf" "$@"; }
ma ca init > /dev/null
ma ca cluster init > /dev/null && ma ca cluster issue 127.0.0.1 > /dev/null   # the fabric is mutual TLS (docs/spec.md §15)
ma user add alice --password-stdin <<< 'alice-pw' > /dev/null
R1=$(port); R2=$(port); R3=$(port)
SEEDS="[\"akka.tcp://mailactors@127.0.0.1:$R1\", \"akka.tcp://mailactors@127.0.0.1:$R2\"]"
declare -A POP3S SMTP ADMIN
# ready N: wait until node N answers /readyz; stop with its log if it died or took over 120 s
ready() { local deadline=$((SECONDS + 120))
  until curl -sf "http://127.0.0.1:${ADMIN[$1]}/readyz" > /dev/null; do
    if ! kill -0 "${pids[$(($1 - 1))]}" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
      echo "node $1 is not ready:" >&2; cat "$OUT/node$1.log" >&2; exit 1; fi
    sleep 0.3; done; }
n=0
for R in $R1 $R2 $R3; do
  n=$((n+1)); POP3S[$n]=$(port); SMTP[$n]=$(port); ADMIN[$n]=$(port)
  cat > "$OUT/node$n.conf" <<CONF
mailactors.listeners { pop3.enabled = off, apop.enabled = off, submission.enabled = off, submissions.enabled = off, web.enabled = off, webs.enabled = off, pop3s.port = ${POP3S[$n]}, smtp.port = ${SMTP[$n]} }
CONF
  MAILACTORS_NODE_PORT=$R MAILACTORS_SEED_NODES="$SEEDS" MAILACTORS_ADMIN_HTTP="127.0.0.1:${ADMIN[$n]}" MAILACTORS_DATABASE="$DB" \
    dotnet "$BUILD/mailactors.dll" --config "$OUT/site.conf" --config "$BUILD/hocon/cluster-node.conf" --config "$OUT/node$n.conf" serve > "$OUT/node$n.log" 2>&1 &
  pids+=($!)
  [ $n = 1 ] && ready 1
done
for n in 1 2 3; do ready $n; done
echo "3 nodes up; ledger on node 1 (the oldest); logins through node 1, sending through nodes 2 and 3"
python3 "$BENCH_DIR/cluster_grant_latency.py" --pop3s "${POP3S[1]}" --smtp "${SMTP[2]}" "${SMTP[3]}" --logins "$LOGINS" | tee "$OUT/result.json"
