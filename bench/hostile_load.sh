#!/usr/bin/env bash
# bench/hostile_load.sh -- holds hostile load against a real node (issue 12 item 3, docs/spec.md §14): half-sent DATA
# transfers from many loopback addresses, stalled TLS handshakes, endless command lines; reports the node's peak RSS
# and shows that a well-behaved inside client is served meanwhile.
#   bash bench/hostile_load.sh   (SECONDS_UNDER_LOAD=40 HALF_DATA=40 DATA_MB=20 SLOW_TLS=100 SLOW_STARTTLS=50 ENDLESS=50 FULL_DATA=10)
# COMMIT_MEMORY (default 128MiB, the node's default) sets limits.commit-memory: 100GiB is a node without the budget.
# Prints the load average at the start and end (figures taken on a busy machine are noise) and the node's CPU time.
set -euo pipefail
BUILD_OUT="${BUILD_OUT:-/tmp/mailactors-hostile-build}"   # not the shared default: other benchmarks may be building
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
WORK="$(mktemp -d /tmp/mailactors-hostile-XXXXXX)"
trap 'ma_stop; rm -rf "$WORK"' EXIT
ma_build
SMTP=$((30000 + RANDOM % 10000)); POP3=$((SMTP + 1)); POP3S=$((SMTP + 2))
cat > "$WORK/node.conf" <<CONF
mailactors {
  hostname = "localhost"
  data-dir = "$WORK/data"
  bind-address = "127.0.0.1"
  networks.internal = ["127.0.0.1/32"]
  listeners.pop3 { enabled = on, port = $POP3 }
  listeners.pop3s { enabled = on, port = $POP3S }
  listeners.apop.enabled = off
  listeners.smtp { enabled = on, port = $SMTP }
  listeners.submission.enabled = off
  admin.http = ""
  limits.commit-memory = ${COMMIT_MEMORY:-128MiB}
}
CONF
MA_CONF="$WORK/node.conf"
echo alice-pw | ma_cli user add alice --password-stdin > /dev/null
ma_start "$WORK/node.log" 60 "$SMTP" "$POP3" "$POP3S"
"$PY" "$BENCH_DIR/hostile_load.py" "$MA_PID" "$SMTP" "$POP3" "$POP3S" --seconds "${SECONDS_UNDER_LOAD:-40}" \
  --half-data "${HALF_DATA:-40}" --data-mb "${DATA_MB:-20}" --slow-tls "${SLOW_TLS:-100}" --endless "${ENDLESS:-50}" \
  --slow-starttls "${SLOW_STARTTLS:-50}" --full-data "${FULL_DATA:-10}"
echo "spool files while the hostile transfers were still open (deleted as their connections close): $(find "$WORK/data/spool" -type f | wc -l)"
