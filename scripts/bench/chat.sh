#!/usr/bin/env bash
# Chat: idle WebSocket connections and memory per connection (server RSS growth / connections);
# message delivery latency p50/p99 at a steady rate — one gateway on SQLite, and PostgreSQL + Redis
# with one gateway and across two — beside the REST send and read p99 in the same run.
# Usage: scripts/bench/chat.sh   (CHAT_IDLE=10000 CHAT_RATE=200 BENCH_SECONDS=10;
#        BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres BENCH_REDIS_URL=redis://127.0.0.1:6379)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
(cd "$BENCH_ROOT" && cargo build --release -q -p bazaar-chat-load)
# Server and client each hold one descriptor per connection: raise the soft limit as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
idle=${CHAT_IDLE:-10000}; rate=${CHAT_RATE:-200}; seconds=${BENCH_SECONDS:-10}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
load_tool="$BENCH_ROOT/target/release/bazaar-chat-load"
# Cheap hashing only speeds up the setup's registrations; chat hashes nothing. The per-connection
# frame limit is lifted: one benchmark socket sends far more than a phone may.
common=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1
        BAZAAR_CHAT_FRAMES_PER_SEC=100000 BAZAAR_CHAT_FRAME_BURST=100000
        BAZAAR_JWT_SECRET=bench-secret-bench-secret-bench-secret-42)

setup() { env "$@" python3 "$BENCH_ROOT/scripts/bench/chat_setup.py" "$BASE" "$BENCH_ROOT/target/release/bazaar"; }
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['$1'])" "$SETUP"; }

latency_rows() { # label ws_buyer ws_seller
  "$load_tool" latency "$2" "$3" "$BASE" "$(field buyer)" "$(field seller)" "$(field conversation)" "$rate" "$seconds" |
    while IFS= read -r line; do
      name=${line%%:*}; n=$(sed -E 's/.*n=([^ ]+).*/\1/' <<<"$line")
      p50=$(sed -E 's/.*p50_ms=([^ ]+).*/\1/' <<<"$line"); p99=$(sed -E 's/.*p99_ms=([^ ]+).*/\1/' <<<"$line")
      echo "| $1 | $name | $rate/s × ${seconds} s | $n | $p50 | $p99 |"
    done
}

echo "### Idle connections"
echo
echo "| connections | server RSS before | after | per connection |"
echo "|---|---|---|---|"
data="$BENCH_TMP/sqlite"; mkdir -p "$data"
pid=$(start_bazaar 18590 "$data" "${common[@]}")
BASE=http://127.0.0.1:18590; wait_http "$BASE/readyz" 30
SETUP=$(setup BAZAAR_DATA_DIR="$data")
before=$(rss_kib "$pid")
: >"$BENCH_TMP/idle.out"
"$load_tool" idle ws://127.0.0.1:18590/api/v1/chat/ws "$(field seller)" "$idle" >"$BENCH_TMP/idle.out" 2>&1 &
holder=$!; echo "$holder" >>"$BENCH_PIDFILE"
deadline=$(( $(now_ms) + 120000 ))
until grep -q '^open' "$BENCH_TMP/idle.out"; do
  [ "$(now_ms)" -lt "$deadline" ] && kill -0 "$holder" 2>/dev/null || { cat "$BENCH_TMP/idle.out" >&2; exit 1; }
  sleep 0.2
done
sleep 3
after=$(rss_kib "$pid")
opened=$(awk '/^open/ { print $2 }' "$BENCH_TMP/idle.out")
echo "| $opened | $(( before / 1024 )) MiB | $(( after / 1024 )) MiB | $(awk -v a="$after" -v b="$before" -v n="$opened" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
kill "$holder"; wait "$holder" 2>/dev/null || true
# The floor: bare actix-web + actix-ws holding the same number of idle sockets.
base_pid=$(start_baseline 18593); wait_http http://127.0.0.1:18593/plaintext 10
base_before=$(rss_kib "$base_pid")
: >"$BENCH_TMP/idle-base.out"
"$load_tool" idle ws://127.0.0.1:18593/ws none "$idle" >"$BENCH_TMP/idle-base.out" 2>&1 &
holder=$!; echo "$holder" >>"$BENCH_PIDFILE"
until grep -q '^open' "$BENCH_TMP/idle-base.out"; do kill -0 "$holder" 2>/dev/null || exit 1; sleep 0.2; done
sleep 3
base_after=$(rss_kib "$base_pid")
echo "| $idle (bare actix-web + actix-ws, the floor) | $(( base_before / 1024 )) MiB | $(( base_after / 1024 )) MiB | $(awk -v a="$base_after" -v b="$base_before" -v n="$idle" 'BEGIN { printf "%.1f KiB", (a - b) / n }') |"
kill "$holder" "$base_pid"; wait "$holder" "$base_pid" 2>/dev/null || true

[ "${CHAT_ONLY:-}" = idle ] && { kill "$pid"; exit 0; }
echo
echo "### Delivery latency"
echo
echo "| setup | measurement | rate | delivered | p50 ms | p99 ms |"
echo "|---|---|---|---|---|---|"
latency_rows "SQLite, one gateway" ws://127.0.0.1:18590/api/v1/chat/ws ws://127.0.0.1:18590/api/v1/chat/ws
kill "$pid"; wait "$pid" 2>/dev/null || true

name="bazaar_chat_$$"
psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
scale=(BAZAAR_DATABASE_URL="${pg_admin%/*}/$name" BAZAAR_REDIS_URL="$redis" BAZAAR_REDIS_PREFIX="bench$$")
pid_a=$(start_bazaar 18591 "$BENCH_TMP/a" "${common[@]}" "${scale[@]}")
pid_b=$(start_bazaar 18592 "$BENCH_TMP/b" "${common[@]}" "${scale[@]}")
BASE=http://127.0.0.1:18591; wait_http "$BASE/readyz" 30; wait_http http://127.0.0.1:18592/readyz 30
SETUP=$(setup "${scale[@]}")
latency_rows "PostgreSQL + Redis, one gateway" ws://127.0.0.1:18591/api/v1/chat/ws ws://127.0.0.1:18591/api/v1/chat/ws
latency_rows "PostgreSQL + Redis, buyer on A, seller on B" ws://127.0.0.1:18591/api/v1/chat/ws ws://127.0.0.1:18592/api/v1/chat/ws
kill "$pid_a" "$pid_b"; wait "$pid_a" "$pid_b" 2>/dev/null || true
psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
echo
echo "Load generator and servers share $(nproc) cores."
