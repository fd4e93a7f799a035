# bench/lib.sh -- shared helpers for the MailActors benchmark scripts (sourced, not run).
#
# Builds our server (Release) from the repository the bench/ directory lives in,
# writes a config, starts/stops the server by the PID it recorded (never by
# name), waits for its ports with a deadline, reads its RSS.
#
# Environment (all optional):
#   REPO        repository to build (default: the parent of bench/)
#   PEERS       peer-benchmark directory (default: $REPO/../shared/bench/peers,
#               else /work/shared/bench/peers)
#   BUILD_OUT   publish directory (default: /tmp/mailactors-bench-build)
#   SKIP_BUILD  1 = reuse an existing $BUILD_OUT/mailactors.dll
#   PY          python3 for the clients (default: /usr/bin/python3, as the peer run)

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="${REPO:-$(cd "$BENCH_DIR/.." && pwd)}"
if [ -z "${PEERS:-}" ]; then
  if [ -f "$REPO/../shared/bench/peers/peerbench.py" ]; then PEERS="$(cd "$REPO/../shared/bench/peers" && pwd)"
  else PEERS=/work/shared/bench/peers; fi
fi
BUILD_OUT="${BUILD_OUT:-/tmp/mailactors-bench-build}"
PY="${PY:-/usr/bin/python3}"
[ -x "$PY" ] || PY="$(command -v python3)"

MA_PID=""        # PID of the server this shell started (empty: none running)
MA_CONF=""       # its config file
MA_LOG=""        # its log (stdout + stderr)
MA_STOP_NOTE=""  # how the last ma_stop went (clean / needed SIGKILL / had already exited)

bench_log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# Other work on the machine skews a comparison: the load average and the busiest processes now.
busy_note() {
  local others
  others=$(top -b -n 2 -d 1 -w 200 2>/dev/null | awk '/^top -/{n++} n==2 && $1 ~ /^[0-9]+$/ && $9+0 >= 20 {printf "%s(%s%%) ", $12, $9}' || true)
  echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg); processes over 20% CPU now: ${others:-none}"
}

# ma_build: dotnet publish $REPO/Host -> $BUILD_OUT. Intermediate files go to
# $BUILD_OUT.artifacts (--artifacts-path), so the repository's own bin/ and obj/
# are not touched by a benchmark build.
ma_build() {
  if [ "${SKIP_BUILD:-0}" = 1 ] && [ -f "$BUILD_OUT/mailactors.dll" ]; then
    bench_log "SKIP_BUILD=1: using $BUILD_OUT/mailactors.dll"
    return 0
  fi
  case "$BUILD_OUT" in /tmp/*) ;; *) echo "BUILD_OUT must be under /tmp (is $BUILD_OUT)" >&2; return 1 ;; esac
  bench_log "building $REPO/Host (Release) -> $BUILD_OUT"
  rm -rf "$BUILD_OUT"
  dotnet publish "$REPO/Host/MailActors.Host.csproj" -c Release -o "$BUILD_OUT" \
    --artifacts-path "$BUILD_OUT.artifacts" -nologo -v quiet -clp:ErrorsOnly \
    || { echo "build failed" >&2; return 1; }
  [ -f "$BUILD_OUT/mailactors.dll" ] || { echo "build produced no $BUILD_OUT/mailactors.dll" >&2; return 1; }
  bench_log "built: $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-80)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (+ uncommitted changes)')"
}

# ma_write_config FILE DATADIR POP3_PORT POP3S_PORT APOP_PORT [CERT KEY]
# An empty port disables that listener. CERT/KEY empty: the server generates its own.
ma_write_config() {
  local file="$1" data="$2" p="$3" ps="$4" pa="$5" cert="${6:-}" key="${7:-}"
  local l_pop3 l_pop3s l_apop
  if [ -n "$p" ];  then l_pop3="pop3 { enabled = on, port = $p }";   else l_pop3="pop3.enabled = off"; fi
  if [ -n "$ps" ]; then l_pop3s="pop3s { enabled = on, port = $ps }"; else l_pop3s="pop3s.enabled = off"; fi
  if [ -n "$pa" ]; then l_apop="apop { enabled = on, port = $pa }";   else l_apop="apop.enabled = off"; fi
  mkdir -p "$(dirname "$file")"
  cat > "$file" <<EOF
# written by bench/lib.sh for a benchmark run
mailactors {
  hostname = "localhost"
  data-dir = "$data"
  bind-address = "127.0.0.1"
  networks.internal = ["127.0.0.0/8"]
  listeners {
    $l_pop3
    $l_pop3s
    $l_apop
    smtp.enabled = off
    submission.enabled = off
    submissions.enabled = off
    web.enabled = off
    webs.enabled = off
  }
  tls { certificate = "$cert", key = "$key" }
  limits.max-connections-per-address = 100000
  admin.http = ""
}
EOF
  MA_CONF="$file"
}

# ma_cli ARGS...: one CLI call against $MA_CONF (about 0.2 s each).
ma_cli() { dotnet "$BUILD_OUT/mailactors.dll" --config "$MA_CONF" "$@"; }

port_listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN; }

# ma_start LOG SECONDS PORT...: start the server in the background, wait until
# every PORT listens (deadline SECONDS). Sets MA_PID. The caller's ulimit -n applies.
ma_start() {
  local log="$1" secs="$2"; shift 2
  local port
  for port in "$@"; do
    if port_listening "$port"; then echo "port 127.0.0.1:$port is already in use; stop whatever listens there first" >&2; return 1; fi
  done
  MA_LOG="$log"
  mkdir -p "$(dirname "$log")"
  # exec: the PID we record is the dotnet process itself (what procmon and VmRSS read)
  DOTNET_CLI_TELEMETRY_OPTOUT=1 nohup bash -c 'exec dotnet "$0" --config "$1" serve' \
    "$BUILD_OUT/mailactors.dll" "$MA_CONF" > "$log" 2>&1 < /dev/null &
  MA_PID=$!
  local t_end=$(( $(date +%s) + secs ))
  for port in "$@"; do
    until port_listening "$port"; do
      if ! kill -0 "$MA_PID" 2>/dev/null; then
        echo "server exited during start-up; last log lines:" >&2; tail -20 "$log" >&2; MA_PID=""; return 1
      fi
      if [ "$(date +%s)" -ge "$t_end" ]; then
        echo "server: nothing listens on 127.0.0.1:$port after $secs s; last log lines:" >&2; tail -20 "$log" >&2; return 1
      fi
      sleep 0.1
    done
  done
  bench_log "mailactors started (pid $MA_PID, ports $*, log $log)"
}

# ma_stop: SIGTERM to the PID we started, wait up to 30 s, then SIGKILL that PID only.
ma_stop() {
  [ -n "$MA_PID" ] || return 0
  if kill -0 "$MA_PID" 2>/dev/null; then
    kill -TERM "$MA_PID" 2>/dev/null || true
    local i=0
    while kill -0 "$MA_PID" 2>/dev/null && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i+1)); done
    if kill -0 "$MA_PID" 2>/dev/null; then
      MA_STOP_NOTE="did NOT exit within 30 s of SIGTERM (hung in shutdown); SIGKILLed"
      echo "server pid $MA_PID did not stop within 30 s of SIGTERM; sending SIGKILL" >&2
      kill -KILL "$MA_PID" 2>/dev/null || true
    else
      MA_STOP_NOTE="exited $((i/10)).$((i%10)) s after SIGTERM"
      bench_log "mailactors stopped (pid $MA_PID, $((i/10)).$((i%10)) s after SIGTERM)"
    fi
  else
    MA_STOP_NOTE="had already exited before the stop (crashed?)"
  fi
  wait "$MA_PID" 2>/dev/null || true
  MA_PID=""
}

ma_rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ma_log_summary LOG: warnings/errors the server logged, by kind (counts + first examples).
ma_log_summary() {
  local log="$1"
  [ -f "$log" ] || return 0
  local n_warn n_err n_fail
  n_warn=$(grep -c -E '^[0-9TZ:.-]+ warn:' "$log" || true)
  n_err=$(grep -c -E '^[0-9TZ:.-]+ (fail|crit|error):|Exception' "$log" || true)
  n_fail=$(grep -c 'login refused' "$log" || true)
  echo "server log $log: $(wc -l < "$log") lines, $n_warn warnings, $n_err errors/exceptions, $n_fail refused logins"
  if [ "$n_err" -gt 0 ] || [ "$n_warn" -gt 0 ] || [ "$n_fail" -gt 0 ]; then
    echo "  distinct warning/error/refusal lines (timestamps, ids and numbers masked; count x text):"
    grep -E '^[0-9TZ:.-]+ (warn|fail|crit|error):|Exception|login refused' "$log" \
      | sed -E 's/^[0-9TZ:.-]+ //; s/\[[0-9]+\/[0-9]+\/[0-9]+ [0-9:.]+Z\]//; s/\[Thread [0-9]+\]//; s/[0-9a-f]{16,}/<hex>/g; s/[0-9]+/N/g' \
      | sort | uniq -c | sort -rn | head -15 | cut -c1-300 | sed 's/^/    /'
  fi
  echo "  session outcomes (pop3 session end ... outcome=):"
  grep -o 'outcome=.*' "$log" | sort | uniq -c | sort -rn | head -10 | sed 's/^/    /' || true
}

# peer_cert_ecdsa DIR: both servers use one ECDSA P-256 certificate (the kind MailActors generates by default)
# instead of the peer setup's RSA-2048 one, which is kept in DIR; peer_cert_restore DIR puts it back (call it on exit).
peer_cert_ecdsa() {
  cp -p "$DOVECOT_CONF_DIR/cert.pem" "$1/rsa-cert.pem"; cp -p "$DOVECOT_CONF_DIR/key.pem" "$1/rsa-key.pem"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
    -keyout "$DOVECOT_CONF_DIR/key.pem" -out "$DOVECOT_CONF_DIR/cert.pem" 2>/dev/null
  chmod --reference="$1/rsa-key.pem" "$DOVECOT_CONF_DIR/key.pem"
  chown --reference="$1/rsa-key.pem" "$DOVECOT_CONF_DIR/key.pem"
  bench_log "CERT=ecdsa: both servers use an ECDSA P-256 certificate"
}
peer_cert_restore() {
  [ -f "$1/rsa-cert.pem" ] || return 0
  cp -p "$1/rsa-cert.pem" "$DOVECOT_CONF_DIR/cert.pem" && cp -p "$1/rsa-key.pem" "$DOVECOT_CONF_DIR/key.pem"
}

# peer_pop3_fixture_ok: the peer setup's Dovecot config, certificate and POP3 Maildirs are all there
# (needs $PEERS/env.sh sourced).
peer_pop3_fixture_ok() {
  [ -f "$DOVECOT_CONF_DIR/dovecot-perf.conf" ] && [ -s "$DOVECOT_CONF_DIR/cert.pem" ] || return 1
  command -v dovecot >/dev/null || return 1
  local u n
  for u in 1 "$POP_USERS"; do
    n=$(( $(ls "$PB_ROOT/mail/example.test/pop$u/Maildir/new" 2>/dev/null | wc -l) \
        + $(ls "$PB_ROOT/mail/example.test/pop$u/Maildir/cur" 2>/dev/null | wc -l) ))
    [ "$n" = "$POP_MSGS" ] || return 1
  done
}

# ma_pop3_fixture DATA POP3_PORT POP3S_PORT APOP_PORT: a data dir for our server holding what Dovecot
# serves: accounts pop1..popN made with `mailactors user add` / `user apop` (password and APOP secret
# popN-secret, as in Dovecot's users file) and the same Maildir messages loaded into SQLite; config in
# $DATA/mailactors.conf with Dovecot's certificate. The accounts take ~30 s to make (real PBKDF2, one CLI
# call each), so the finished data dir is kept in $DATA.template and copied on later calls (FRESH_FIXTURE=1:
# make it again).
ma_pop3_fixture() {
  local data="$1" template="$1.template"
  rm -rf "$data"; mkdir -p "$data"
  ma_write_config "$data/mailactors.conf" "$data/data" "$2" "$3" "$4" \
    "$DOVECOT_CONF_DIR/cert.pem" "$DOVECOT_CONF_DIR/key.pem"
  if [ "${FRESH_FIXTURE:-0}" != 1 ] && [ -f "$template/complete" ]; then
    cp -a "$template/data" "$data/data"
    bench_log "fixture copied from $template"
    return 0
  fi
  local t0; t0=$(date +%s)
  ma_cli user list >/dev/null      # creates the store and its schema
  add_user() {
    echo "pop$1-secret" | ma_cli user add "pop$1" --password-stdin >/dev/null &&
    echo "pop$1-secret" | ma_cli user apop "pop$1" --secret-stdin >/dev/null
  }
  local pids=() u p
  for u in $(seq 1 "$POP_USERS"); do
    add_user "$u" & pids+=($!)
    if [ "${#pids[@]}" -ge 2 ]; then wait "${pids[0]}" || { echo "user add pop${u} failed" >&2; return 1; }; pids=("${pids[@]:1}"); fi
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "user add failed" >&2; return 1; }; done
  "$PY" - "$data/data/mailactors.db" "$POP_USERS" <<'PYEOF' || return 1
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
n, a = c.execute("SELECT COUNT(*), COUNT(apop_secret) FROM accounts WHERE name LIKE 'pop%'").fetchone()
if n != int(sys.argv[2]) or a != n: sys.exit(f"accounts: {n} made, {a} with APOP secret; expected {sys.argv[2]}")
PYEOF
  bench_log "accounts pop1..pop$POP_USERS made with mailactors user add/apop in $(( $(date +%s) - t0 )) s"
  "$PY" "$BENCH_DIR/load_fixture.py" messages --db "$data/data/mailactors.db" \
    --maildir-base "$PB_ROOT/mail/example.test" --users "$POP_USERS" --expect "$POP_MSGS" || return 1
  rm -rf "$template"; mkdir -p "$template"
  cp -a "$data/data" "$template/data" && touch "$template/complete"
}

# ma_write_smtp_config FILE DATADIR PORT: only the smtp listener, example.test local, 127.0.0.0/8 inside.
ma_write_smtp_config() {
  mkdir -p "$(dirname "$1")"
  cat > "$1" <<EOF2
# written by bench/lib.sh for an SMTP benchmark run
mailactors {
  hostname = "localhost"
  data-dir = "$2"
  local-domains = ["example.test"]
  bind-address = "127.0.0.1"
  networks.internal = ["127.0.0.0/8"]
  listeners {
    pop3.enabled = off
    pop3s.enabled = off
    apop.enabled = off
    smtp { enabled = on, port = $3 }
    submission.enabled = off
    submissions.enabled = off
    web.enabled = off
    webs.enabled = off
  }
  limits.max-connections-per-address = 100000
  # the runs all go to one mailbox: tens of thousands of messages, past the default quota's 50,000 with a warm-up
  accounts.default-quota { size = 0, messages = 0 }
  admin.http = ""
}
EOF2
  MA_CONF="$1"
}
