#!/usr/bin/env bash
# loadgen.sh -- the compiled load client (bench/loadgen, C#: raw sockets + SslStream) against Dovecot and
# MailActors (POP3) and Postfix and MailActors (SMTP), one server at a time, same commands, same fixture,
# same certificate, same TLS settings (TLS 1.2/1.3 offered, no resumption: every pop3s login is a full
# handshake). Reports ops/s, latency percentiles and server CPU µs per operation (the server's process
# tree from /proc), plus the CPU other processes used meanwhile (the noise on a shared machine).
#
#   bash bench/loadgen.sh                      # REPS=3, pop3 + smtp, ~6 min on 2 cores
#   PARTS=pop3 REPS=1 bash bench/loadgen.sh    # one part, one repetition
#   SIDES=ours SKIP_BUILD=1 bash bench/loadgen.sh   # only our server (compare with an earlier peer run)
#
# Environment: PARTS (pop3,smtp), SIDES (peer,ours), REPS (3), LOGINS (per client, 200; pop3s: half),
#   LOGIN_CLIENTS (10), RETR_CLIENTS (1,10,50), RETR_SESSIONS (20; at least one per client),
#   SMTP_SESSIONS (1,20,100), SMTP_MESSAGES (5000; 1 session: 2000), CERT (rsa; ecdsa), OUTDIR, DATA, SKIP_BUILD, BUILD_OUT,
#   WARMUP (2: whole untimed repetitions per side before the timed ones, for both servers alike: ours runs
#   partly in the JIT's first-tier code for its first few thousand logins (pop3s: ~2,900 µs each, ~1,300 after
#   4,000), and a mail server runs warm for days),
#   ORDER (interleaved: both servers of a part up at once, each run on one side and at once on the other, so that
#   the shared machine's swings in speed (30-50 % within minutes here) fall on both alike; series: one side's
#   repetitions, then the other's, as before 2026-12-06),
#   REPO, PEERS, PY (bench/lib.sh). Every daemon started here is stopped on exit, by PID / daemons.sh.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$HERE/lib.sh"
# shellcheck source=/dev/null
. "$PEERS/env.sh"
[ "$(id -u)" = 0 ] || { echo "loadgen.sh: must run as root (Dovecot, Postfix)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"

PARTS="${PARTS:-pop3,smtp}"; SIDES="${SIDES:-peer,ours}"; REPS="${REPS:-3}"; WARMUP="${WARMUP:-2}"; ORDER="${ORDER:-interleaved}"
LOGINS="${LOGINS:-200}"; LOGIN_CLIENTS="${LOGIN_CLIENTS:-10}"
RETR_CLIENTS="${RETR_CLIENTS:-1,10,50}"; RETR_SESSIONS="${RETR_SESSIONS:-20}"
SMTP_SESSIONS="${SMTP_SESSIONS:-1,20,100}"; SMTP_MESSAGES="${SMTP_MESSAGES:-5000}"
OURS_POP3_PORT=2110; OURS_POP3S_PORT=2995; OURS_APOP_PORT=21110; OURS_SMTP_PORT=2625
DATA="${DATA:-/tmp/mabench-loadgen}"
OUTDIR="${OUTDIR:-$HERE/out/loadgen-$(date -u +%Y%m%d-%H%M%S)}"
RESULTS="$OUTDIR/results.jsonl"
LOADGEN_OUT="${LOADGEN_OUT:-/tmp/mailactors-loadgen}"
case "$DATA" in /tmp/*) ;; *) echo "DATA must be under /tmp (is $DATA)" >&2; exit 1 ;; esac

STARTED=""
cleanup() {
  local rc=$?
  ma_stop || true
  peer_cert_restore "$OUTDIR" || true
  case "$STARTED" in *dovecot*) "$PEERS/daemons.sh" stop-dovecot || true ;; esac
  case "$STARTED" in *postfix*) "$PEERS/daemons.sh" stop-postfix || true ;; esac
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUTDIR"
has() { case ",$1," in *",$2,"*) return 0 ;; *) return 1 ;; esac; }

peer_pop3_fixture_ok || "$PEERS/setup.sh"
peer_pop3_fixture_ok || { echo "the peer fixture is incomplete after setup.sh" >&2; exit 1; }
# CERT=ecdsa: both servers use one ECDSA P-256 certificate instead of the peer setup's RSA-2048 one (restored on exit)
if [ "${CERT:-rsa}" = ecdsa ]; then peer_cert_ecdsa "$OUTDIR"; fi
ma_build
bench_log "building the load client -> $LOADGEN_OUT"
# env -u OUTDIR: MSBuild would take an OUTDIR variable as its OutDir property and put the program there, not in -o
env -u OUTDIR dotnet build "$HERE/loadgen/MailActors.LoadGen.csproj" -c Release -o "$LOADGEN_OUT" -nologo -v quiet -clp:ErrorsOnly
[ -x "$LOADGEN_OUT/loadgen" ] || { echo "the load client build left no $LOADGEN_OUT/loadgen" >&2; exit 1; }
# a run with errors is reported (its errors are in the JSON line and the table) and the series goes on;
# the warm-up repetitions go to warmup.jsonl, which the table does not read
lg() { "$LOADGEN_OUT/loadgen" "$@" --json "$([ "$rep" -ge 1 ] && echo "$RESULTS" || echo "$OUTDIR/warmup.jsonl")" | tee -a "$OUTDIR/loadgen.log" || true; }

# pop3_run SIDE PID POP3 POP3S APOP K: the K-th POP3 run of a repetition (the logins: pop3, APOP, pop3s; then the
# retrievals, pop3 and pop3s, at each client count)
POP3_RUNS=$(( 3 + 2 * $(echo "${RETR_CLIENTS//,/ }" | wc -w) ))
pop3_run() {
  local side="$1" pid="$2" p="$3" ps="$4" pa="$5" k="$6" n s
  case "$k" in
    1) lg pop3-login --label "$side" --pid "$pid" --port "$p" --clients "$LOGIN_CLIENTS" --count "$LOGINS" ;;
    2) lg apop-login --label "$side" --pid "$pid" --port "$pa" --clients "$LOGIN_CLIENTS" --count "$LOGINS" ;;
    3) lg pop3-login --label "$side" --pid "$pid" --port "$ps" --tls --clients "$LOGIN_CLIENTS" --count $((LOGINS / 2)) ;;
    *)
      n=$(echo "${RETR_CLIENTS//,/ }" | cut -d' ' -f$(( (k - 2) / 2 )))
      s=$(( RETR_SESSIONS > n ? RETR_SESSIONS : n ))
      if [ $((k % 2)) = 0 ]; then lg pop3-retr --label "$side" --pid "$pid" --port "$p" --clients "$n" --sessions "$s" --expect "$POP_MSGS"
      else lg pop3-retr --label "$side" --pid "$pid" --port "$ps" --tls --clients "$n" --sessions "$s" --expect "$POP_MSGS"; fi ;;
  esac
}

# smtp_run SIDE PID PORT K: smtp-source's shape at the K-th session count, one message per connection
smtp_run() {
  local side="$1" pid="$2" port="$3" n m
  n=$(echo "${SMTP_SESSIONS//,/ }" | cut -d' ' -f"$4")
  m=$(( n == 1 ? SMTP_MESSAGES * 2 / 5 : SMTP_MESSAGES ))
  lg smtp --label "$side" --pid "$pid" --port "$port" --clients "$n" --messages "$m" --settle
  if [ "$side" = postfix ]; then find "$PB_ROOT/mail/example.test/user1/Maildir/new" -type f -delete; fi
}

# The servers up now, each a "SIDE PID PORT..." line: the run functions take these as their first arguments.
UP=()
start_dovecot() {
  STARTED="$STARTED dovecot"; "$PEERS/daemons.sh" start-dovecot perf
  UP+=("dovecot $(tr -dc 0-9 < "$PB_ROOT/state/dovecot.pid") $POP3_PORT $POP3S_PORT $POP3_PORT")
}
start_ours_pop3() {
  ma_pop3_fixture "$DATA" "$OURS_POP3_PORT" "$OURS_POP3S_PORT" "$OURS_APOP_PORT"
  ulimit -n 65536 2>/dev/null || true
  ma_start "$OUTDIR/server-pop3.log" 60 "$OURS_POP3_PORT" "$OURS_POP3S_PORT" "$OURS_APOP_PORT"
  UP+=("ours $MA_PID $OURS_POP3_PORT $OURS_POP3S_PORT $OURS_APOP_PORT")
}
start_postfix() {
  STARTED="$STARTED postfix"; "$PEERS/daemons.sh" start-postfix
  find "$PB_ROOT/mail/example.test/user1/Maildir/new" -type f -delete 2>/dev/null || true
  UP+=("postfix $(tr -dc 0-9 < "$PB_ROOT/state/postfix.pid") $SMTP_PORT")
}
start_ours_smtp() {
  rm -rf "$DATA-smtp"; mkdir -p "$DATA-smtp"
  ma_write_smtp_config "$DATA-smtp/bench.conf" "$DATA-smtp/data" "$OURS_SMTP_PORT"
  echo "user1-secret" | ma_cli user add user1 --password-stdin >/dev/null
  ma_start "$OUTDIR/server-smtp.log" 60 "$OURS_SMTP_PORT"
  UP+=("ours $MA_PID $OURS_SMTP_PORT")
}
stop_all() {
  ma_stop || true
  case "$STARTED" in *dovecot*) "$PEERS/daemons.sh" stop-dovecot ;; esac
  case "$STARTED" in *postfix*) "$PEERS/daemons.sh" stop-postfix ;; esac
  STARTED=""; UP=()
}

# series PART RUNS RUN: every repetition (warm-ups first) of every run, on each server up in turn.
series() {
  local part="$1" runs="$2" run="$3" rep k side
  for rep in $(seq $((1 - WARMUP)) "$REPS"); do
    bench_log "$part repetition $rep/$REPS on ${UP[*]%% *} (0 and below: warm-up); loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
    for k in $(seq 1 "$runs"); do for side in "${UP[@]}"; do
      # shellcheck disable=SC2086
      $run $side "$k"
    done; done
  done
}

# part PART RUNS RUN START-PEER START-OURS: ORDER=interleaved: both servers up at once, each run on one and at once on
# the other, so that a change in the machine's speed falls on both alike; ORDER=series: one server's repetitions,
# then the other's.
part() {
  local name="$1" runs="$2" run="$3" peer="$4" ours="$5"
  if [ "$ORDER" = interleaved ]; then
    if has "$SIDES" peer; then $peer; fi
    if has "$SIDES" ours; then $ours; fi
    series "$name" "$runs" "$run"; stop_all
  else
    if has "$SIDES" peer; then $peer; series "$name" "$runs" "$run"; stop_all; fi
    if has "$SIDES" ours; then $ours; series "$name" "$runs" "$run"; stop_all; fi
  fi
}

if has "$PARTS" pop3; then part POP3 "$POP3_RUNS" pop3_run start_dovecot start_ours_pop3; fi
if has "$PARTS" smtp; then part SMTP "$(echo "${SMTP_SESSIONS//,/ }" | wc -w)" smtp_run start_postfix start_ours_smtp; fi
"$PY" "$HERE/loadgen_table.py" "$RESULTS" | tee "$OUTDIR/summary.md"
bench_log "done: $OUTDIR/summary.md"
