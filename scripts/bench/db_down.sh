#!/usr/bin/env bash
# A PostgreSQL outage under load, against the release binary: a cluster of the script's own
# (initdb/pg_ctl on a free port), the signed-in cart as the load (one database read per request
# with Redis off), then the cluster stopped immediately (`pg_ctl -m immediate`, as a crash) while
# the load goes on, then started again. Reports the answers during the outage (503
# `database_unavailable`, and how fast), and how long after the database is back the gateway
# serves again. Targets: 503 in ≤ 100 ms p99 during the outage, serving again ≤ 1 s after.
# Usage: scripts/bench/db_down.sh   (BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_dir=$(mktemp -d /tmp/bazaar-pg-XXXXXX)
chmod 755 "$pg_dir"; [ "$(id -u)" = 0 ] && chown postgres "$pg_dir"
pg_port=15433
pg() { as_postgres pg_ctl -D "$pg_dir/data" -l "$pg_dir/log" -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" "$@" >/dev/null; }
as_postgres initdb -D "$pg_dir/data" -A trust -U postgres >/dev/null
pg -w start
trap 'pg -m immediate stop 2>/dev/null || true; rm -rf "$pg_dir"; cleanup' EXIT
data="$BENCH_TMP/db-down"; mkdir -p "$data"
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
db=(BAZAAR_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres")
pid=$(start_bazaar 18630 "$data" "${cheap[@]}" "${db[@]}")
base=http://127.0.0.1:18630
wait_http "$base/readyz" 30
env BAZAAR_DATA_DIR="$data" "${cheap[@]}" "${db[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 200 1000 >/dev/null
cart() { BUYERS="$BENCH_TMP/buyers" METHOD=GET URL_PATH=/api/v1/cart BODY="" wrk_row "$1" 32 "$BENCH_ROOT/scripts/bench/as_buyers.lua"; }
token=$(head -n 1 "$BENCH_TMP/buyers" | cut -d' ' -f1)
echo "| SQLite-free run: PostgreSQL of its own, wrk -c32, signed-in cart | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
cart "database up"
pg -m immediate stop
sleep 1
cart "database stopped (answers are 503 database_unavailable)"
code=$(curl -s -H "authorization: Bearer $token" "$base/api/v1/cart" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("code"))')
pg -w start
back=$(now_ms)
until [ "$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" "$base/api/v1/cart")" = 200 ]; do
  sleep 0.005
  [ $(( $(now_ms) - back )) -lt 30000 ] || { echo "not serving 30 s after the database came back" >&2; exit 1; }
done
echo
echo "Code during the outage: $code. Serving again $(( $(now_ms) - back )) ms after pg_ctl reported the database started."
echo "Load generator, server and PostgreSQL share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -3; }
stop_server "$pid"
true
