#!/usr/bin/env bash
# Identity figures, measured in one run on the release build:
#   1. argon2id cost (OWASP parameters) per hash, single-threaded -> the ceiling cores / hash_time
#   2. password-login throughput (POST /api/v1/auth/login, one user, new session per login)
#   3. /healthz throughput alone, then again during a login storm (it must keep at least half)
# Usage: scripts/bench/login.sh   (env: BENCH_SECONDS=10; HASH_CONCURRENCY=<n> to override the default)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
(cd "$BENCH_ROOT" && cargo build --release -q -p bazaar-identity --example hash_cost)

hash_ms=$("$BENCH_ROOT/target/release/examples/hash_cost")
cores=$(nproc)
ceiling=$(awk -v c="$cores" -v h="$hash_ms" 'BEGIN { printf "%.1f", c * 1000 / h }')

extra=()
[ -n "${HASH_CONCURRENCY:-}" ] && extra+=(BAZAAR_PASSWORD_HASH_CONCURRENCY="$HASH_CONCURRENCY")
pid=$(start_bazaar 18280 "$BENCH_TMP/data" BAZAAR_LOGIN_FAILURES_PER_PHONE=1000000 "${extra[@]}")
wait_http "http://127.0.0.1:18280/readyz" 30
# Registering proves the phone with an SMS code, read from the sandbox outbox.
curl -s -o /dev/null -H 'content-type: application/json' -d '{"phone":"13900000001","purpose":"register"}' \
  http://127.0.0.1:18280/api/v1/auth/otp/send
code=$(curl -s 'http://127.0.0.1:18280/sandbox/sms/messages?phone=13900000001' | python3 -c \
  'import json,sys; print("".join(c for c in json.load(sys.stdin)[0]["body"] if c.isdigit())[:6])')
registered=$(curl -s -o /dev/null -w '%{http_code}' -H 'content-type: application/json' \
  -d "{\"phone\":\"13900000001\",\"password\":\"bench-pass-1\",\"code\":\"$code\"}" http://127.0.0.1:18280/api/v1/auth/register)
[ "$registered" = 201 ] || { echo "registering the bench user answered $registered" >&2; exit 1; }

cat >"$BENCH_TMP/login.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"phone":"13900000001","password":"bench-pass-1"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# Logins alone: few connections are enough to keep every permitted hash busy.
login_out=$(wrk -t1 -c8 -d"${BENCH_SECONDS:-10}s" --latency -s "$BENCH_TMP/login.lua" http://127.0.0.1:18280/api/v1/auth/login)
login_rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$login_out")
login_non2xx=$(awk '/Non-2xx/ { print $5 }' <<<"$login_out")

read -r alone_rps alone_p50 alone_p99 <<<"$(BENCH_CONNECTIONS=32 load http://127.0.0.1:18280/healthz)"

# The storm: logins keep hashing in the background while /healthz is measured again.
wrk -t1 -c32 -d"$(( ${BENCH_SECONDS:-10} + 4 ))s" -s "$BENCH_TMP/login.lua" http://127.0.0.1:18280/api/v1/auth/login \
  >"$BENCH_TMP/storm.txt" &
storm=$!
sleep 2
read -r storm_rps storm_p50 storm_p99 <<<"$(BENCH_CONNECTIONS=32 load http://127.0.0.1:18280/healthz)"
wait "$storm"
storm_logins=$(awk '/^Requests\/sec:/ { print $2 }' "$BENCH_TMP/storm.txt")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<TABLE
| what | value |
|---|---|
| argon2id hash (19 MiB, t=2, p=1), one thread | $hash_ms ms |
| theoretical login ceiling, $cores cores / hash time | $ceiling logins/s |
| measured password logins (wrk -c8) | $login_rps logins/s ($(ratio "$login_rps" "$ceiling") of the ceiling; non-2xx: ${login_non2xx:-0}) |
| \`/healthz\` alone (wrk -c32) | $alone_rps req/s (p50 $alone_p50 ms, p99 $alone_p99 ms) |
| \`/healthz\` during a login storm (wrk -c32 on each) | $storm_rps req/s (p50 $storm_p50 ms, p99 $storm_p99 ms) = $(ratio "$storm_rps" "$alone_rps") of alone |
| logins served during that storm | $storm_logins logins/s |

hash concurrency: ${HASH_CONCURRENCY:-default (one per core)}; load generator and server share the $cores cores.
TABLE
