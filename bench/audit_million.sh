#!/usr/bin/env bash
# Audit at scale (issue 15): 1,000,000 facts written straight into a SQLite journal in the stored form (a read benchmark:
# see audit_million.py), then `audit --verify --checkpoints`, `audit trace` and `audit what-if` timed with peak RSS.
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
ma audit --verify > /dev/null            # creates the schema and the journal tables
openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out "$OUT/data/keys/audit-signing.pem"
ma audit key > "$OUT/key.pub.pem"
python3 "$BENCH_DIR/audit_million.py" "$OUT/data/mailactors.db" "$OUT/checkpoints.jsonl" "$OUT/data/keys/audit-signing.pem" "$EVENTS"

timed() { local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$OUT/$label.time" dotnet "$BUILD/mailactors.dll" --config "$OUT/bench.conf" "$@" > "$OUT/$label.out" || true
  read -r secs kb < "$OUT/$label.time"
  echo "$label: ${secs} s, peak RSS $((kb / 1024)) MiB — $(head -n 1 "$OUT/$label.out" | cut -c1-160)"; }
timed verify audit --verify --checkpoints "$OUT/checkpoints.jsonl" --key "$OUT/key.pub.pem"
timed trace audit trace "m4242@bench.test"
timed what-if audit what-if --window 2m
