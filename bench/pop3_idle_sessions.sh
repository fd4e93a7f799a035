#!/usr/bin/env bash
# pop3_idle_sessions.sh -- memory with N idle logged-in POP3 sessions (default 20000).
#
#   bash bench/pop3_idle_sessions.sh                 # 20000 sessions
#   SESSIONS=2000 bash bench/pop3_idle_sessions.sh   # smaller
#   QUICK=1 bash bench/pop3_idle_sessions.sh         # 1000 sessions, 5 s hold
#
# Builds our server (Release, from this repository), makes a fresh data dir with accounts
# idle1..idleN (inserted straight into SQLite by load_fixture.py, password idleN-secret,
# PBKDF2 with only $ITERATIONS iterations instead of the server's 210000 -- a fixture
# shortcut, see load_fixture.py), raises the open-file limit (ulimit -n) for the server
# and the client, starts the server with only the pop3 listener, runs pop3_idle_sessions.py
# against it, stops the server (trap: also on error or Ctrl-C) and summarises its log.
#
# Environment: SESSIONS (20000), FIT_SESSIONS (1, see below), HOLD (15 s), CONCURRENCY (200), DEADLINE (900 s),
#   IDLE_PORT (2110), ITERATIONS (1000), IDLE_MSGS (messages per account, 0), DATA
#   (/tmp/mabench-idle), OUTDIR (bench/out/idle-DATE), SKIP_BUILD, BUILD_OUT, REPO, PY.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then SESSIONS="${SESSIONS:-1000}"; HOLD="${HOLD:-5}"; fi
SESSIONS="${SESSIONS:-20000}"
HOLD="${HOLD:-15}"
CONCURRENCY="${CONCURRENCY:-200}"
DEADLINE="${DEADLINE:-900}"
IDLE_PORT="${IDLE_PORT:-2110}"
ITERATIONS="${ITERATIONS:-1000}"
IDLE_MSGS="${IDLE_MSGS:-0}"
DATA="${DATA:-/tmp/mabench-idle}"
OUTDIR="${OUTDIR:-$HERE/out/idle-$(date -u +%Y%m%d-%H%M%S)}"
case "$DATA" in /tmp/*) ;; *) echo "DATA must be under /tmp (is $DATA)" >&2; exit 1 ;; esac

cleanup() { local rc=$?; ma_stop || true; exit "$rc"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# File descriptors: the server needs one per session plus ~250 of its own (open assemblies,
# epoll, pipes, SQLite); the client is split over processes by pop3_idle_sessions.py itself.
# Raising the hard limit needs CAP_SYS_RESOURCE; where that is missing (a sandbox with a hard
# limit of 20000, say), the server cannot hold SESSIONS sockets: by default (FIT_SESSIONS=1)
# the run is reduced to what fits and a linear estimate for SESSIONS is printed; FIT_SESSIONS=0
# runs the full count anyway: the server then refuses what is over its connection cap
# (limits.max-connections, by default the open-files limit less 512) with "-ERR [SYS/TEMP] server busy".
WANT_SESSIONS="$SESSIONS"
NOFILE=$(( SESSIONS * 2 + 65536 ))
max_open=$(cat /proc/sys/fs/nr_open 2>/dev/null || echo 1048576)
[ "$NOFILE" -le "$max_open" ] || NOFILE="$max_open"
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$NOFILE" ] || ulimit -Hn "$NOFILE" 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)"
SERVER_FD_ROOM=$(( $(ulimit -Sn) - 512 ))   # the server's own reserve (OpenFilesLimit.Reserved)
if [ "$SESSIONS" -gt "$SERVER_FD_ROOM" ]; then
  echo "NOTE: the open-file limit here is $(ulimit -Sn) (hard $(ulimit -Hn)) and cannot be raised (no CAP_SYS_RESOURCE?);" \
       "the server process can hold at most about $SERVER_FD_ROOM sessions." >&2
  if [ "${FIT_SESSIONS:-1}" = 1 ]; then
    SESSIONS="$SERVER_FD_ROOM"
    echo "NOTE: running $SESSIONS sessions instead of $WANT_SESSIONS (FIT_SESSIONS=0 to try all $WANT_SESSIONS anyway)." >&2
  fi
fi

mkdir -p "$OUTDIR"
ma_build
bench_log "fixture: $SESSIONS accounts in $DATA (pbkdf2 $ITERATIONS iterations, $IDLE_MSGS messages each)"
rm -rf "$DATA"; mkdir -p "$DATA"
ma_write_config "$DATA/mailactors.conf" "$DATA/data" "$IDLE_PORT" "" ""
ma_cli user list >/dev/null      # creates the store and its schema
"$PY" "$HERE/load_fixture.py" accounts --db "$DATA/data/mailactors.db" --prefix idle --count "$SESSIONS" \
  --iterations "$ITERATIONS" --messages-per-account "$IDLE_MSGS"

ma_start "$OUTDIR/server.log" 60 "$IDLE_PORT"
bench_log "server ulimit -n $(awk '/Max open files/{print $4}' "/proc/$MA_PID/limits"); sleeping 3 s so start-up settles"
sleep 3
set +e
timeout $(( DEADLINE + 60 )) "$PY" "$HERE/pop3_idle_sessions.py" --port "$IDLE_PORT" --pid "$MA_PID" \
  --sessions "$SESSIONS" --target-sessions "$WANT_SESSIONS" --hold "$HOLD" --concurrency "$CONCURRENCY" --deadline "$DEADLINE" \
  --out "$OUTDIR/idle.json" 2>&1 | tee "$OUTDIR/client.log"
rc=${PIPESTATUS[0]}
set -e
ma_stop
{ echo "server stop: $MA_STOP_NOTE"; ma_log_summary "$OUTDIR/server.log"; } | tee "$OUTDIR/server-summary.txt"
bench_log "done: $OUTDIR (client exit status $rc)"
exit "$rc"
