#!/usr/bin/env bash
# smtp_vs_postfix.sh -- SMTP acceptance side by side: Postfix (the peer setup) and MailActors,
# same machine, same session, same client (Postfix's smtp-source, run by the peer driver's own
# peerbench.smtp_once), same command line, same recipient (user1@example.test, a local mailbox
# on both servers). By default both servers are up at once and each run is made on Postfix and at once on ours
# (ORDER=interleaved), so that the machine's swings in speed fall on both alike; ORDER=series runs Postfix's whole
# series, stops it, then ours, as the figures before 2026-12-06 10:00 UTC were taken.
#
#   bash bench/smtp_vs_postfix.sh              # full run: REPS=3, -s 1/20/100 and -d -s 20, 5000 x 4 KiB; ~10-12 min
#   QUICK=1 bash bench/smtp_vs_postfix.sh      # smoke run (1 rep, -s 1/20, 500 messages, no -d series; ~1.5 min)
#   REPS=1 bash bench/smtp_vs_postfix.sh       # one repetition of the full series
#
# Steps:
#   1. the peer setup: runs ../shared/bench/peers/setup.sh if Postfix or its benchmark config is
#      missing (installs Postfix + Dovecot, makes the fixture; needs root);
#   2. builds our server (Release) from this repository into $BUILD_OUT (under /tmp);
#   3. Postfix: daemons.sh start-postfix; one probe message (must reach user1's Maildir); with
#      ORDER=series its series now (smtp_compare.py series --side postfix:...), then daemons.sh stop-postfix;
#   4. ours: fresh data dir, account user1 (mailactors user add), config with only the smtp
#      listener on 127.0.0.1:$OURS_SMTP_PORT; server started; if nothing answers there with a 220
#      greeting (no SMTP listener in this build) or the probe message is not stored, the
#      MailActors side is SKIPPED with the reason; else the series (interleaved: --side postfix:... --side
#      ours:..., both warmed up first; after every run of ours the messages table must hold exactly the new
#      messages); both servers stopped, our log summarised;
#   5. smtp_compare.py table prints the table (also written to $OUTDIR/smtp-summary.md).
#
# Every daemon started here is stopped on exit (trap), by its PID / daemons.sh, never by name.
# All traffic goes to 127.0.0.1. Must run as root (Postfix, setup.sh).
# Exit status: 0 = every run ok (the MailActors side may have been skipped: see the message);
# 1 = some run failed or the set-up failed.
#
# Environment: QUICK, ORDER (interleaved; series), REPS (3), SESSIONS (1,20,100), MESSAGES (5000), SIZE (4096), KEEPALIVE (20:
#   extra series `-d -s 20`; 0 = none), WARMUP (20000: messages at 20 sessions before the timed runs, on both
#   servers; ours runs in the JIT's first-tier code for its first ~15,000 messages at -s 20, see bench/README.md),
#   OURS_SMTP_PORT (2625, else the next free one),
#   RECIPIENT (user1@example.test), DATA (/tmp/mabench-smtp), OUTDIR (bench/out/smtp-vs-postfix-DATE),
#   POSTFIX_JSON (reuse an earlier Postfix result instead of running Postfix again),
#   SKIP_BUILD, BUILD_OUT, REPO, PEERS, PY (see bench/lib.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=/dev/null
. "$PEERS/env.sh"    # PB_ROOT, SMTP_PORT (Postfix, 2525)

[ "$(id -u)" = 0 ] || { echo "smtp_vs_postfix.sh: must run as root (Postfix, setup.sh)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"   # postfix, postconf, smtp-source

QUICK="${QUICK:-0}"
if [ "$QUICK" = 1 ]; then
  REPS="${REPS:-1}"; SESSIONS="${SESSIONS:-1,20}"; MESSAGES="${MESSAGES:-500}"; KEEPALIVE="${KEEPALIVE:-0}"; WARMUP="${WARMUP:-100}"
else
  REPS="${REPS:-3}"; SESSIONS="${SESSIONS:-1,20,100}"; MESSAGES="${MESSAGES:-5000}"; KEEPALIVE="${KEEPALIVE:-20}"; WARMUP="${WARMUP:-20000}"
fi
SIZE="${SIZE:-4096}"
ORDER="${ORDER:-interleaved}"
case "$ORDER" in interleaved|series) ;; *) echo "ORDER must be interleaved or series (is $ORDER)" >&2; exit 1 ;; esac
RECIPIENT="${RECIPIENT:-user1@example.test}"
ACCOUNT="${RECIPIENT%@*}"
DATA="${DATA:-/tmp/mabench-smtp}"
OUTDIR="${OUTDIR:-$HERE/out/smtp-vs-postfix-$(date -u +%Y%m%d-%H%M%S)$([ "$QUICK" = 1 ] && echo -quick || true)}"
RUN_TIMEOUT=600    # seconds: bound on one smtp-source run
SERIES_LIMIT=3600  # seconds: bound on one side's whole series (the driver skips what is left)
case "$DATA" in /tmp/*) ;; *) echo "DATA must be under /tmp (is $DATA)" >&2; exit 1 ;; esac
case "$RECIPIENT" in *@example.test) ;; *) echo "RECIPIENT must be @example.test (Postfix's virtual domain)" >&2; exit 1 ;; esac

# Our port: OURS_SMTP_PORT, else the first free one from 2625 (outside the ephemeral range).
if [ -z "${OURS_SMTP_PORT:-}" ]; then
  OURS_SMTP_PORT=2625
  while port_listening "$OURS_SMTP_PORT" && [ "$OURS_SMTP_PORT" -lt 2700 ]; do OURS_SMTP_PORT=$((OURS_SMTP_PORT+1)); done
fi

LOAD_NOTES=()   # busy_note lines (lib.sh) taken after each side

STARTED_POSTFIX=0
cleanup() {
  local rc=$?
  ma_stop || true
  if [ "$STARTED_POSTFIX" = 1 ]; then "$PEERS/daemons.sh" stop-postfix || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUTDIR"
SUMMARY="$OUTDIR/smtp-summary.md"
bench_log "results -> $OUTDIR (ORDER=$ORDER REPS=$REPS SESSIONS=$SESSIONS MESSAGES=$MESSAGES SIZE=$SIZE KEEPALIVE=$KEEPALIVE WARMUP=$WARMUP, ours on :$OURS_SMTP_PORT)"
SERIES_COMMON=(--peers "$PEERS" --recipient "$RECIPIENT" --sessions "$SESSIONS" --messages "$MESSAGES"
               --size "$SIZE" --reps "$REPS" --keepalive-sessions "$KEEPALIVE" --warmup "$WARMUP"
               --timeout "$RUN_TIMEOUT" --series-limit "$SERIES_LIMIT")

# ------------------------------------------------------------------ 1. peer setup
setup_ok() {
  command -v postfix >/dev/null && command -v smtp-source >/dev/null || return 1
  grep -q PEERBENCH /etc/postfix/main.cf 2>/dev/null || return 1
  grep -q "^$RECIPIENT " /etc/postfix/peerbench-vmailbox 2>/dev/null || return 1
  [ -d "$PB_ROOT/mail/example.test" ] && [ -d "$PB_ROOT/state" ]
}
if [ -n "${POSTFIX_JSON:-}" ]; then
  command -v smtp-source >/dev/null || { echo "POSTFIX_JSON given, but smtp-source is missing; run without POSTFIX_JSON" >&2; exit 1; }
elif ! setup_ok; then
  bench_log "peer setup missing: running $PEERS/setup.sh"
  "$PEERS/setup.sh"
  setup_ok || { echo "the peer setup is still incomplete after setup.sh" >&2; exit 1; }
fi

# ------------------------------------------------------------------ 2. build
ma_build
"$PY" "$PEERS/peerbench.py" env --out "$OUTDIR/env.json" >/dev/null
{ echo "# SMTP acceptance: Postfix vs MailActors ($(date -u '+%Y-%m-%d %H:%M UTC'))"
  echo
  echo "$(nproc) CPUs, smtp-source and server on one box; Postfix $(postconf -h mail_version 2>/dev/null || echo '?');"
  echo "MailActors $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-90)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')."
  echo "Parameters: ORDER=$ORDER REPS=$REPS SESSIONS=$SESSIONS MESSAGES=$MESSAGES SIZE=$SIZE KEEPALIVE=$KEEPALIVE WARMUP=$WARMUP, recipient $RECIPIENT."
  echo; } > "$SUMMARY"

# ------------------------------------------------------------------ 3. Postfix up
series() {  # series NAME --side ... : the driver's series, bounded, logged to driver-NAME.log; sets rc_series
  local name="$1"; shift
  set +e
  timeout $((SERIES_LIMIT + 600)) "$PY" "$HERE/smtp_compare.py" series "$@" "${SERIES_COMMON[@]}" 2>&1 | tee "$OUTDIR/driver-$name.log"
  rc_series=${PIPESTATUS[0]}
  set -e
}
POSTFIX_SIDE=""
if [ -n "${POSTFIX_JSON:-}" ]; then
  bench_log "reusing Postfix results $POSTFIX_JSON"
  cp "$POSTFIX_JSON" "$OUTDIR/smtp-postfix.json"
else
  if "$PEERS/daemons.sh" status | grep -q 'postfix: running'; then
    echo "a benchmark Postfix is already running (daemons.sh status); stop it first" >&2; exit 1
  fi
  bench_log "== Postfix on 127.0.0.1:$SMTP_PORT; $(busy_note)"
  STARTED_POSTFIX=1
  "$PEERS/daemons.sh" start-postfix
  POSTFIX_PID="$(tr -dc 0-9 < "$PB_ROOT/state/postfix.pid")"
  "$PY" "$HERE/smtp_compare.py" probe --peers "$PEERS" --target postfix --port "$SMTP_PORT" --recipient "$RECIPIENT" \
    || { echo "Postfix failed the probe message (see $PB_ROOT/log/postfix.log)" >&2; exit 1; }
  POSTFIX_SIDE="postfix:$SMTP_PORT:$POSTFIX_PID:$OUTDIR/smtp-postfix.json"
fi
stop_postfix() {
  [ "$STARTED_POSTFIX" = 1 ] || return 0
  "$PEERS/daemons.sh" stop-postfix
  STARTED_POSTFIX=0
}
rc_postfix=0
if [ "$ORDER" = series ] && [ -n "$POSTFIX_SIDE" ]; then
  series postfix --side "$POSTFIX_SIDE"; rc_postfix=$rc_series
  LOAD_NOTES+=("after the Postfix runs: $(busy_note)")
  stop_postfix
  POSTFIX_SIDE=""
fi

# ------------------------------------------------------------------ 4. ours up, then the series
OURS_SKIPPED=""
bench_log "== MailActors: fresh data dir $DATA"
rm -rf "$DATA"; mkdir -p "$DATA"
ma_write_smtp_config "$DATA/bench.conf" "$DATA/data" "$OURS_SMTP_PORT"
echo "$ACCOUNT-secret" | ma_cli user add "$ACCOUNT" --password-stdin
DB="$DATA/data/mailactors.db"

ulimit -n 65536 2>/dev/null || true
if port_listening "$OURS_SMTP_PORT"; then echo "port 127.0.0.1:$OURS_SMTP_PORT is already in use" >&2; exit 1; fi
ma_start "$OUTDIR/server-ours.log" 60   # no port to wait for: an SMTP listener may not exist (yet)
# Ready when the SMTP port listens; give up when the host says it has started and still nothing
# listens there (an older build without an SMTP listener), when it exits, or after 60 s.
t_end=$(( $(date +%s) + 60 )); started_at=""
until port_listening "$OURS_SMTP_PORT"; do
  if ! kill -0 "$MA_PID" 2>/dev/null; then
    echo "MailActors exited during start-up; last log lines:" >&2; tail -20 "$OUTDIR/server-ours.log" >&2; MA_PID=""; exit 1
  fi
  if [ -z "$started_at" ] && grep -q 'Listening:' "$OUTDIR/server-ours.log"; then started_at=$(date +%s); fi
  if [ -n "$started_at" ] && [ "$(date +%s)" -ge $((started_at + 5)) ]; then
    OURS_SKIPPED="the server started (\"Listening:\" in its log) but nothing listens on 127.0.0.1:$OURS_SMTP_PORT 5 s later: this build has no SMTP listener yet"
    break
  fi
  if [ "$(date +%s)" -ge "$t_end" ]; then OURS_SKIPPED="nothing listens on 127.0.0.1:$OURS_SMTP_PORT 60 s after start"; break; fi
  sleep 0.2
done
if [ -z "$OURS_SKIPPED" ]; then
  set +e
  probe_out=$("$PY" "$HERE/smtp_compare.py" probe --peers "$PEERS" --target ours --port "$OURS_SMTP_PORT" \
              --db "$DB" --recipient "$RECIPIENT" 2>&1)
  rc_probe=$?
  set -e
  echo "$probe_out"
  case "$rc_probe" in
    0) ;;
    2) OURS_SKIPPED="no 220 greeting on 127.0.0.1:$OURS_SMTP_PORT: $(echo "$probe_out" | tail -1)" ;;
    *) OURS_SKIPPED="the probe message failed (exit $rc_probe): $(echo "$probe_out" | tail -1)" ;;
  esac
fi
rc_ours=0; RSS_NOTE=""
if [ -n "$OURS_SKIPPED" ]; then
  bench_log "SKIPPING the MailActors side: $OURS_SKIPPED"
  if [ -n "$POSTFIX_SIDE" ]; then series postfix --side "$POSTFIX_SIDE"; rc_postfix=$rc_series; fi
else
  rss_start=$(ma_rss_kb "$MA_PID")
  OURS_SIDE="ours:$OURS_SMTP_PORT:$MA_PID:$OUTDIR/smtp-ours.json:$DB"
  if [ -n "$POSTFIX_SIDE" ]; then
    bench_log "== Postfix and MailActors (pid $MA_PID, VmRSS $((rss_start/1024)) MiB at start), interleaved; $(busy_note)"
    series interleaved --side "$POSTFIX_SIDE" --side "$OURS_SIDE"; rc_ours=$rc_series; rc_postfix=$rc_series
  else
    bench_log "== MailActors on 127.0.0.1:$OURS_SMTP_PORT (pid $MA_PID, VmRSS $((rss_start/1024)) MiB at start); $(busy_note)"
    series ours --side "$OURS_SIDE"; rc_ours=$rc_series
  fi
  LOAD_NOTES+=("after the MailActors runs: $(busy_note)")
  rss_end=$(ma_rss_kb "$MA_PID")
  RSS_NOTE="MailActors VmRSS: $((rss_start/1024)) MiB at start, $((rss_end/1024)) MiB after the runs; data dir $(du -sh "$DATA/data" | cut -f1)"
  [ "$rc_ours" = 0 ] || bench_log "WARNING: the series exited $rc_ours (see $OUTDIR/driver-*.log)"
fi
[ "$rc_postfix" = 0 ] || bench_log "WARNING: the Postfix series exited $rc_postfix (see $OUTDIR/driver-*.log)"
stop_postfix
[ -f "$OUTDIR/smtp-postfix.json" ] || { echo "no Postfix results" >&2; exit 1; }
ma_stop
STOP_NOTE_OURS="$MA_STOP_NOTE"
ma_log_summary "$OUTDIR/server-ours.log" | tee "$OUTDIR/server-ours-summary.txt"

# ------------------------------------------------------------------ 5. table
echo
echo "== SMTP acceptance: Postfix vs MailActors -- $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, client and server on one box"
if [ -z "$OURS_SKIPPED" ] && [ ! -f "$OUTDIR/smtp-ours.json" ]; then
  OURS_SKIPPED="the series against MailActors wrote no results (exit $rc_ours; see $OUTDIR/driver-ours.log)"
fi
ours_arg=(--ours-skipped "$OURS_SKIPPED")
[ -z "$OURS_SKIPPED" ] && ours_arg=(--ours "$OUTDIR/smtp-ours.json")
set +e
"$PY" "$HERE/smtp_compare.py" table --postfix "$OUTDIR/smtp-postfix.json" "${ours_arg[@]}" --md "$SUMMARY"
rc_cmp=$?
set -e
{ echo "MailActors server: $STOP_NOTE_OURS${RSS_NOTE:+; $RSS_NOTE}"
  for n in "${LOAD_NOTES[@]}"; do echo "Machine load $n"; done; } | tee -a "$SUMMARY"
[ -z "$OURS_SKIPPED" ] || { echo; echo "NOTE: the MailActors side was SKIPPED: $OURS_SKIPPED"; } | tee -a "$SUMMARY"
bench_log "done: $SUMMARY"
[ "$rc_ours" = 0 ] || exit 1
exit "$rc_cmp"
