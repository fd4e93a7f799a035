#!/usr/bin/env bash
# Audit at scale (issue 15): 1,000,000 facts written straight into a SQLite journal in the stored form (a read benchmark:
# see audit_million.py), then `audit --verify --checkpoints`, `audit trace`, `audit what-if` and the listing (filtered and whole)
# timed with peak RSS.
# Usage: bash bench/audit_million.sh      (EVENTS=1000000 SKIP_BUILD=1 to reuse the build)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$BENCH_DIR/.." && pwd)"
OUT=/tmp/mailactors-audit-million; BUILD=/tmp/mailactors-audit-bench-build
EVENTS="${EVENTS:-1000000}"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$BUILD/mailactors.dll" ]; then
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD" --artifacts-path "$BUILD.artifacts" -nologo -v quiet -clp:ErrorsOnly
fi
rm -rf "$OUT"; mkdir -p "$OUT/data/keys"
cat > "$OUT/bench.conf" <<CONF
mailactors { hostname = "localhost", data-dir = "$OUT/data", local-domains = ["example.test"], admin.http = "" }
CONF
ma() { dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" "$@"; }
printf 'bench-pw\n' | ma user add bench --password-stdin > /dev/null   # creates the database, and the journal tables with its admin fact
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$OUT/data/keys/audit-signing.pem"
ma audit key > "$OUT/key.pub.pem"
python3 "$BENCH_DIR/audit_million.py" "$OUT/data/mailactors.db" "$OUT/checkpoints.jsonl" "$OUT/data/keys/audit-signing.pem" "$EVENTS"

# one line per command: wall time, CPU time (user + system: steadier than wall time on a shared machine), peak RSS
timed() { local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/$label.time" dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" "$@" > "$OUT/$label.out" || true
  read -r secs user sys kb < "$OUT/$label.time"
  echo "$label: ${secs} s wall, $(awk "BEGIN { print $user + $sys }") s CPU, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$OUT/$label.out" | cut -c1-120)"; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
timed verify audit --verify --checkpoints "$OUT/checkpoints.jsonl" --key "$OUT/key.pub.pem"
timed trace audit trace "m4242@bench.test"
timed what-if audit what-if --window 2m
timed list-user audit --user user4242
timed list-all audit --format json
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
