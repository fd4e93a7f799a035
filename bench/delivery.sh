#!/usr/bin/env bash
# Outbound delivery throughput (issue 5): the durable queue -> loopback SMTP sinks, messages/s, with 1 and with
# 20 destinations (each its own sink and its own per-destination connection limit).
# Usage: bash bench/delivery.sh       (MESSAGES=2000 SIZE=4096 PER_DEST=5 SKIP_BUILD=1 to reuse the build)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"; REPO="$(cd "$BENCH_DIR/.." && pwd)"
OUT=/tmp/mailactors-delivery-bench; BUILD=/tmp/mailactors-bench-build
MESSAGES="${MESSAGES:-2000}"; SIZE="${SIZE:-4096}"; PER_DEST="${PER_DEST:-5}"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$BUILD/mailactors.dll" ]; then
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD" --artifacts-path "$BUILD.artifacts" -nologo -v quiet -clp:ErrorsOnly
fi
status=0
for dest in 1 20; do
  rm -rf "$OUT/$dest"
  python3 "$BENCH_DIR/delivery.py" --build "$BUILD" --out "$OUT/$dest" --messages "$MESSAGES" --destinations "$dest" \
    --size "$SIZE" --per-destination "$PER_DEST" | tee "$OUT/result-$dest.json" || status=1
done
exit $status
