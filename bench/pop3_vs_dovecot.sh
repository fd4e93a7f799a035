#!/usr/bin/env bash
# pop3_vs_dovecot.sh -- POP3 side by side: Dovecot (perf profile) and MailActors,
# same machine, same session, same client (the peer driver peerbench.py), same
# fixture bytes (gen_mailbox.py: 50 mailboxes x 1000 messages x 4096 bytes), same
# TLS certificate and key.
#
#   bash bench/pop3_vs_dovecot.sh              # full run: the published peer run's parameters (REPS=3,
#                                              # 1/10/50 clients, 100 sessions x 1000 RETR, 10 x 200 logins); ~8-9 min on 2 cores
#   QUICK=1 bash bench/pop3_vs_dovecot.sh      # smoke run (1 rep, 1 and 10 clients, 10 sessions, 20 logins/client; ~1.5 min)
#   REPS=1 bash bench/pop3_vs_dovecot.sh       # one repetition of the full series (~3.5 min)
#
# Steps:
#   1. the peer fixture: runs ../shared/bench/peers/setup.sh if /etc/dovecot/peerbench or the
#      Maildirs are missing (installs Dovecot + Postfix, makes the fixture; needs root);
#   2. builds our server (Release) from this repository into $BUILD_OUT (under /tmp);
#   3. Dovecot: daemons.sh start-dovecot perf; peerbench.py pop3 --profile perf; daemons.sh stop-dovecot;
#   4. ours: fresh data dir, accounts pop1..pop50 (mailactors user add / user apop, password and
#      APOP secret popN-secret), the same Maildir messages loaded into SQLite (load_fixture.py),
#      server started with the Dovecot certificate; peerbench.py pop3 --profile ours --pop3-port
#      --pop3s-port --pid --no-apop; then the APOP series with peerbench's own client code pointed
#      at our apop listener (pop3_apop_login.py; peerbench.py cannot point APOP at another port);
#      server stopped, its log summarised;
#   5. compare_pop3.py prints the table (also written to $OUTDIR/summary.md).
#
# Every daemon started here is stopped on exit (trap), by its PID / daemons.sh, never by name.
# All traffic goes to 127.0.0.1. Must run as root (Dovecot, setup.sh).
#
# Environment: QUICK, REPS, CLIENTS (default 1,10,50), TOTAL_SESSIONS (100), LOGINS (per client, 200),
#   WARMUP (1; QUICK: 0: untimed one-repetition passes per server before the timed series),
#   OURS_POP3_PORT (2110), OURS_POP3S_PORT (2995), OURS_APOP_PORT (21110), DATA (/tmp/mabench),
#   OUTDIR (bench/out/pop3-vs-dovecot-DATE), DOVECOT_JSON (reuse an earlier Dovecot result instead of
#   running Dovecot again), SKIP_BUILD, BUILD_OUT, REPO, PEERS, PY (see bench/lib.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=/dev/null
. "$PEERS/env.sh"    # PB_ROOT, POP_USERS, POP_MSGS, POP3_PORT, POP3S_PORT, DOVECOT_CONF_DIR

[ "$(id -u)" = 0 ] || { echo "pop3_vs_dovecot.sh: must run as root (Dovecot, setup.sh)" >&2; exit 1; }

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
  REPS="${REPS:-1}"; CLIENTS="${CLIENTS:-1,10}"; TOTAL_SESSIONS="${TOTAL_SESSIONS:-10}"; LOGINS="${LOGINS:-20}"; WARMUP="${WARMUP:-0}"
else
  REPS="${REPS:-3}"; CLIENTS="${CLIENTS:-1,10,50}"; TOTAL_SESSIONS="${TOTAL_SESSIONS:-100}"; LOGINS="${LOGINS:-200}"; WARMUP="${WARMUP:-1}"
fi
OURS_POP3_PORT="${OURS_POP3_PORT:-2110}"
OURS_POP3S_PORT="${OURS_POP3S_PORT:-2995}"
OURS_APOP_PORT="${OURS_APOP_PORT:-21110}"
DATA="${DATA:-/tmp/mabench}"
OUTDIR="${OUTDIR:-$HERE/out/pop3-vs-dovecot-$(date -u +%Y%m%d-%H%M%S)$([ "$QUICK" = 1 ] && echo -quick || true)}"
RUN_LIMIT=3600   # seconds: hard bound on each driver invocation (its own per-run timeout is 300 s)
case "$DATA" in /tmp/*) ;; *) echo "DATA must be under /tmp (is $DATA)" >&2; exit 1 ;; esac

LOAD_NOTES=()   # busy_note lines (lib.sh) taken after each side

STARTED_DOVECOT=0
cleanup() {
  local rc=$?
  ma_stop || true
  if [ "$STARTED_DOVECOT" = 1 ]; then "$PEERS/daemons.sh" stop-dovecot || true; fi
  peer_cert_restore "$OUTDIR" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUTDIR"
bench_log "results -> $OUTDIR (REPS=$REPS CLIENTS=$CLIENTS TOTAL_SESSIONS=$TOTAL_SESSIONS LOGINS=$LOGINS/client)"
PB_COMMON=(--reps "$REPS" --clients "$CLIENTS" --total-sessions "$TOTAL_SESSIONS" --messages "$POP_MSGS"
           --login-clients 10 --logins-per-client "$LOGINS" --timeout 300)

# ------------------------------------------------------------------ 1. fixture
if [ -n "${DOVECOT_JSON:-}" ]; then
  peer_pop3_fixture_ok || { echo "DOVECOT_JSON given, but the peer fixture is missing; run without DOVECOT_JSON" >&2; exit 1; }
elif ! peer_pop3_fixture_ok; then
  bench_log "peer fixture missing: running $PEERS/setup.sh"
  "$PEERS/setup.sh"
fi
peer_pop3_fixture_ok || { echo "the peer fixture is still incomplete after setup.sh" >&2; exit 1; }

# CERT=ecdsa: both servers use one ECDSA P-256 certificate instead of the peer setup's RSA-2048 one (restored on exit)
if [ "${CERT:-rsa}" = ecdsa ]; then peer_cert_ecdsa "$OUTDIR"; fi

# ------------------------------------------------------------------ 2. build
ma_build
"$PY" "$PEERS/peerbench.py" env --out "$OUTDIR/env.json" >/dev/null

# warm_up PROFILE [ARGS]: WARMUP untimed passes of the same series (one repetition each) before the timed one, for
# both servers alike; their figures go to warmup-PROFILE.json, which the table does not read. Ours runs its first
# few thousand operations in the JIT's first-tier code (bench/README.md); a mail server runs warm for days.
warm_up() {
  local profile="$1" i; shift
  for i in $(seq 1 "$WARMUP"); do
    bench_log "warm-up pass $i/$WARMUP ($profile, untimed)"
    timeout "$RUN_LIMIT" "$PY" "$PEERS/peerbench.py" pop3 --profile "$profile" "${PB_COMMON[@]}" --reps 1 "$@" \
      --out "$OUTDIR/warmup-$profile.json" > "$OUTDIR/warmup-$profile.log" 2>&1 || bench_log "warm-up pass $i failed (see $OUTDIR/warmup-$profile.log)"
  done
}

# ------------------------------------------------------------------ 3. Dovecot
if [ -n "${DOVECOT_JSON:-}" ]; then
  bench_log "reusing Dovecot results $DOVECOT_JSON"
  cp "$DOVECOT_JSON" "$OUTDIR/pop3-dovecot.json"
else
  if "$PEERS/daemons.sh" status | grep -q 'dovecot: running'; then
    echo "a benchmark Dovecot is already running (daemons.sh status); stop it first" >&2; exit 1
  fi
  bench_log "== Dovecot (perf profile) on 127.0.0.1:$POP3_PORT / :$POP3S_PORT; $(busy_note)"
  STARTED_DOVECOT=1
  "$PEERS/daemons.sh" start-dovecot perf
  set +e
  warm_up perf
  timeout "$RUN_LIMIT" "$PY" "$PEERS/peerbench.py" pop3 --profile perf "${PB_COMMON[@]}" \
    --out "$OUTDIR/pop3-dovecot.json" 2>&1 | tee "$OUTDIR/driver-dovecot.log"
  rc_dovecot=${PIPESTATUS[0]}
  set -e
  LOAD_NOTES+=("after the Dovecot runs: $(busy_note)")
  "$PEERS/daemons.sh" stop-dovecot
  STARTED_DOVECOT=0
  [ "$rc_dovecot" = 0 ] || bench_log "WARNING: Dovecot driver exited $rc_dovecot (see $OUTDIR/driver-dovecot.log)"
  [ -f "$OUTDIR/pop3-dovecot.json" ] || { echo "no Dovecot results" >&2; exit 1; }
fi

# ------------------------------------------------------------------ 4. ours
bench_log "== MailActors: fixture in $DATA"
ma_pop3_fixture "$DATA" "$OURS_POP3_PORT" "$OURS_POP3S_PORT" "$OURS_APOP_PORT"

ulimit -n 65536 2>/dev/null || true
ma_start "$OUTDIR/server-ours.log" 60 "$OURS_POP3_PORT" "$OURS_POP3S_PORT" "$OURS_APOP_PORT"
rss_start=$(ma_rss_kb "$MA_PID")
bench_log "== MailActors on 127.0.0.1:$OURS_POP3_PORT / :$OURS_POP3S_PORT / apop :$OURS_APOP_PORT (pid $MA_PID, VmRSS $((rss_start/1024)) MiB at start); $(busy_note)"
set +e
warm_up ours --pop3-port "$OURS_POP3_PORT" --pop3s-port "$OURS_POP3S_PORT" --pid "$MA_PID" --no-apop
timeout "$RUN_LIMIT" "$PY" "$PEERS/peerbench.py" pop3 --profile ours "${PB_COMMON[@]}" \
  --pop3-port "$OURS_POP3_PORT" --pop3s-port "$OURS_POP3S_PORT" --pid "$MA_PID" --no-apop \
  --out "$OUTDIR/pop3-ours.json" 2>&1 | tee "$OUTDIR/driver-ours.log"
rc_ours=${PIPESTATUS[0]}
timeout "$RUN_LIMIT" "$PY" "$HERE/pop3_apop_login.py" --peers "$PEERS" --port "$OURS_APOP_PORT" --pid "$MA_PID" \
  --reps "$REPS" --login-clients 10 --logins-per-client "$LOGINS" --messages "$POP_MSGS" \
  --out "$OUTDIR/pop3-ours-apop.json" 2>&1 | tee "$OUTDIR/driver-ours-apop.log"
rc_apop=${PIPESTATUS[0]}
set -e
LOAD_NOTES+=("after the MailActors runs: $(busy_note)")
rss_end=$(ma_rss_kb "$MA_PID")
ma_stop
STOP_NOTE_OURS="$MA_STOP_NOTE"
bench_log "MailActors VmRSS: $((rss_start/1024)) MiB at start, $((rss_end/1024)) MiB after the runs"
[ "$rc_ours" = 0 ] || bench_log "WARNING: driver against ours exited $rc_ours (see $OUTDIR/driver-ours.log)"
[ "$rc_apop" = 0 ] || bench_log "WARNING: APOP driver against ours exited $rc_apop (see $OUTDIR/driver-ours-apop.log)"
ma_log_summary "$OUTDIR/server-ours.log" | tee "$OUTDIR/server-ours-summary.txt"

# ------------------------------------------------------------------ 5. table
[ -f "$OUTDIR/pop3-ours.json" ] || { echo "no results for ours" >&2; exit 1; }
echo
echo "== POP3: Dovecot (perf) vs MailActors -- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, client and server on one box"
apop_arg=()
[ -f "$OUTDIR/pop3-ours-apop.json" ] && apop_arg=(--ours-apop "$OUTDIR/pop3-ours-apop.json")
set +e
"$PY" "$HERE/compare_pop3.py" --dovecot "$OUTDIR/pop3-dovecot.json" --ours "$OUTDIR/pop3-ours.json" \
  "${apop_arg[@]}" --md "$OUTDIR/summary.md"
rc_cmp=$?
set -e
{ echo "MailActors VmRSS: $((rss_start/1024)) MiB at start, $((rss_end/1024)) MiB after the runs; server $STOP_NOTE_OURS"
  for n in "${LOAD_NOTES[@]}"; do echo "Machine load $n"; done; } | tee -a "$OUTDIR/summary.md"
bench_log "done: $OUTDIR/summary.md"
exit "$rc_cmp"
