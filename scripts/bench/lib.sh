# Shared helpers for the benchmark scripts: tools, build, start/stop servers, measurements.
# Load generator: wrk (Debian package `wrk`, installed on demand). Load stays on loopback.

set -euo pipefail
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_TMP="$(mktemp -d)"
# Servers are started inside $(...) subshells, so their pids go to a file the exit trap reads.
BENCH_PIDFILE="$BENCH_TMP/pids"
touch "$BENCH_PIDFILE"
cleanup() {
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$BENCH_PIDFILE"
  rm -rf "$BENCH_TMP"
}
trap cleanup EXIT

ensure_tools() {
  if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  fi
  command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
}

build_release() {
  (cd "$BENCH_ROOT" && cargo build --release -q -p bazaar-gateway -p bazaar-baseline)
}

now_ms() { date +%s%3N; }

# wait_http URL TIMEOUT_S: polls every 5 ms until URL answers 200.
wait_http() {
  local deadline=$(( $(now_ms) + $2 * 1000 ))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = "200" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "timeout waiting for $1" >&2; return 1; }
    sleep 0.005
  done
}

# start_bazaar PORT DATA_DIR [ENV...]: starts the release gateway on an empty SQLite database.
# Every client of a benchmark is one loopback address and a handful of users, so the abuse limits
# (per IP, per buyer, per chat user) are lifted, and the sandbox (which the setup scripts read SMS
# codes from and pay with) is allowed on PostgreSQL; ENV given by the caller comes after and wins.
BENCH_LIMITS=(BAZAAR_SANDBOX_FORCE=true BAZAAR_OTP_PER_IP_PER_HOUR=100000000 BAZAAR_OTP_GLOBAL_PER_MINUTE=100000000
  BAZAAR_PASSWORD_ATTEMPTS_PER_IP_PER_HOUR=100000000 BAZAAR_CHAT_MESSAGES_PER_MINUTE=100000000
  BAZAAR_MAX_UNPAID_ORDERS_PER_BUYER=100000000 BAZAAR_MAX_RESERVED_UNITS_PER_BUYER=100000000)
start_bazaar() {
  local port=$1 data=$2; shift 2
  env BAZAAR_PORT="$port" BAZAAR_DATA_DIR="$data" BAZAAR_LOG_LEVEL="${BAZAAR_LOG_LEVEL:-warn}" "${BENCH_LIMITS[@]}" "$@" \
    "$BENCH_ROOT/target/release/bazaar" >"$BENCH_TMP/bazaar-$port.log" 2>&1 &
  echo $! | tee -a "$BENCH_PIDFILE"
}

start_baseline() {
  "$BENCH_ROOT/target/release/bazaar-baseline" "$1" >/dev/null 2>&1 &
  echo $! | tee -a "$BENCH_PIDFILE"
}

# stop_server PID: stops a server started above and waits until it has exited (and freed its port);
# `wait` cannot, since the servers are started inside subshells.
stop_server() {
  kill "$1" 2>/dev/null || return 0
  while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# load URL: prints "requests_per_second p50_ms p99_ms" from a wrk run.
load() {
  local out
  # Extra arguments go to wrk (e.g. -H "Accept-Encoding: gzip, br" for what phone clients send).
  out=$(wrk -t2 -c"${BENCH_CONNECTIONS:-64}" -d"${BENCH_SECONDS:-10}s" --latency "${@:2}" "$1")
  local rps p50 p99
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}

# wrk_row LABEL CONNECTIONS SCRIPT: one wrk run of the Lua SCRIPT (configured by the caller's
# environment) against $base, printed as a table row "| LABEL | requests/s | p50 ms | p99 ms | non-2xx |".
# wrk's stderr (the scripts' first error) goes to $BENCH_TMP/errors.
wrk_row() {
  local out rps p50 p99 bad
  out=$(wrk -t2 -c"$2" -d"${BENCH_SECONDS:-10}s" --latency -s "$3" "$base" 2>>"$BENCH_TMP/errors")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out"); bad=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")"); p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  echo "| $1 | $rps | $p50 | $p99 | ${bad:-0} |"
}

# wrk prints latencies as 1.23ms / 456.00us / 1.2s.
to_ms() {
  case "$1" in
    *us) awk -v v="${1%us}" 'BEGIN { printf "%.3f", v / 1000 }' ;;
    *ms) awk -v v="${1%ms}" 'BEGIN { printf "%.3f", v }' ;;
    *s) awk -v v="${1%s}" 'BEGIN { printf "%.3f", v * 1000 }' ;;
    *) echo "$1" ;;
  esac
}
