#!/usr/bin/env bash
# A POP3S login's cost through LDAP, cold and cached, next to a local account's (issue 14).
#
# Starts the tests' throwaway OpenLDAP slapd (bench/slapd/, plus two users) and the real server (Release build, see
# lib.sh) three times on the same data: accounts.source = "local"; "ldap" with cache-ttl = 0s (every login
# searches and binds: cold); "ldap" with the default cache-ttl = 5m (cached). Each run: N MailKit POP3S logins
# (connect, TLS, USER/PASS, QUIT) from bench/pop3s_login_client.cs; "first" is the measured user's first login,
# after one warm-up login as another user (so it is not the JIT's). CPU: user + system time of the server's and
# slapd's processes (/proc/PID/stat) during the N logins after the first, per login.
#
#   bash bench/ldap_login.sh            # N=200
#   N=500 SKIP_BUILD=1 bash bench/ldap_login.sh
set -euo pipefail
BUILD_OUT="${BUILD_OUT:-/tmp/mailactors-ldap-bench-build}"   # its own build folder: other benchmarks may be using lib.sh's default
source "$(dirname "$0")/lib.sh"
N="${N:-200}"
command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || { echo "needs slapd and ldap-utils (Debian: apt-get install slapd ldap-utils)" >&2; exit 1; }
SLAPD=$(command -v slapd || echo /usr/sbin/slapd)

work=$(mktemp -d /tmp/mailactors-ldap-bench.XXXXXX)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ldap_port=$(free_port); pop3s_port=$(free_port)
SLAPD_PID=""
cleanup() { ma_stop; [ -n "$SLAPD_PID" ] && kill "$SLAPD_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# --- the directory: the tests' throwaway slapd (bench/slapd/), plus two users
mkdir -p "$work/slapd/db"
sed "s#@DIR@#$work/slapd#g" "$BENCH_DIR/slapd/slapd.conf" > "$work/slapd/slapd.conf"
"$SLAPD" -f "$work/slapd/slapd.conf" -h "ldap://127.0.0.1:$ldap_port/" -d 0 >"$work/slapd/log" 2>&1 &
SLAPD_PID=$!
for _ in $(seq 100); do port_listening "$ldap_port" && break; sleep 0.1; done
port_listening "$ldap_port" || { echo "slapd did not start:" >&2; cat "$work/slapd/log" >&2; exit 1; }
{ cat "$BENCH_DIR/slapd/directory.ldif"; cat <<LDIF

dn: uid=diruser,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: diruser
cn: diruser
sn: diruser
mail: diruser@example.test
userPassword: diruser-password

dn: uid=dirwarm,ou=people,dc=example,dc=test
objectClass: inetOrgPerson
uid: dirwarm
cn: dirwarm
sn: dirwarm
mail: dirwarm@example.test
userPassword: dirwarm-password
LDIF
} | ldapadd -x -H "ldap://127.0.0.1:$ldap_port" -D cn=admin,dc=example,dc=test -w root-secret >/dev/null
echo service-secret > "$work/bind-password"
bench_log "slapd on 127.0.0.1:$ldap_port (pid $SLAPD_PID)"

# --- the client
mkdir -p "$work/client" && cp "$BENCH_DIR/pop3s_login_client.cs" "$work/client/"   # outside the repository: no central package pins
dotnet build "$work/client/pop3s_login_client.cs" -v quiet -nologo >/dev/null
client() { dotnet run --no-build "$work/client/pop3s_login_client.cs" -- "$pop3s_port" "$1" "$2" "$N" "$3" "$4" "$MA_PID" "$SLAPD_PID"; }

# --- the server, three ways
ma_build
ma_write_config "$work/local.conf" "$work/data" "" "$pop3s_port" ""
base=$(cat "$work/local.conf")
ldap_block() {
  cat <<CONF
mailactors.accounts { source = "ldap", ldap {
  url = "ldap://127.0.0.1:$ldap_port", bind-dn = "cn=mailactors,ou=services,dc=example,dc=test"
  bind-password-file = "$work/bind-password", base-dn = "ou=people,dc=example,dc=test", cache-ttl = $1 } }
CONF
}
ma_cli user add localuser --password-stdin <<<"localuser-password" >/dev/null
ma_cli user add localwarm --password-stdin <<<"localwarm-password" >/dev/null

declare -A result
run() {  # NAME CONFIG-TEXT USER PASSWORD WARMUP-USER WARMUP-PASSWORD
  printf '%s\n' "$2" > "$work/run.conf"; MA_CONF="$work/run.conf"
  ma_start "$work/$1.log" 60 "$pop3s_port"
  result[$1]=$(client "$3" "$4" "$5" "$6") || { echo "client failed; the server's log ends:" >&2; tail -30 "$work/$1.log" >&2; exit 1; }
  ma_stop
  bench_log "$1: ${result[$1]}"
}
run local "$base" localuser localuser-password localwarm localwarm-password
run ldap-cold "$base"$'\n'"$(ldap_block 0s)" diruser diruser-password dirwarm dirwarm-password
run ldap-cached "$base"$'\n'"$(ldap_block 5m)" diruser diruser-password dirwarm dirwarm-password

echo
echo "POP3S login (connect + TLS + USER/PASS + QUIT), N=$N, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end:"
echo "  CPU: user + system time of each process during the N logins, per login; latency: first, then median and p90 of the N"
printf '  %-12s %s\n' "local" "${result[local]}" "ldap cold" "${result[ldap-cold]}" "ldap cached" "${result[ldap-cached]}"
echo "  (local: the first login pays PBKDF2, later ones hit the verified-credential cache;"
echo "   ldap cold: cache-ttl = 0s, every login searches and binds; ldap cached: cache-ttl = 5m)"
