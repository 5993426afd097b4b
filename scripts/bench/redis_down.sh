#!/usr/bin/env bash
# A Redis outage under load: the same requests with Redis up, then with the gateway's Redis killed
# (SIGKILL, not restarted), on SQLite. Each row's throughput down must stay at least half of up
# (browse and search anonymously; the cart, the checkout preview, order placement and opening a
# payment (an Alipay QR trade, a signed round trip to the in-process sandbox) signed in; password
# login). The Redis is the script's own, on a free port.
# Usage: scripts/bench/redis_down.sh   (BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
redis_port=16391
redis-server --port "$redis_port" --save "" --appendonly no --daemonize no >"$BENCH_TMP/redis.log" 2>&1 &
redis_pid=$!
echo "$redis_pid" >>"$BENCH_PIDFILE"
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
data="$BENCH_TMP/redis-down"; mkdir -p "$data"
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
kv=(BAZAAR_REDIS_URL="redis://127.0.0.1:$redis_port" BAZAAR_REDIS_PREFIX="outage$$")
pid=$(start_bazaar 18620 "$data" "${cheap[@]}" "${kv[@]}" BAZAAR_LOGIN_FAILURES_PER_PHONE=100000000)
base=http://127.0.0.1:18620
wait_http "$base/readyz" 30
setup=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" "${kv[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 200 10000000)
sku=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][0]['sku'])" "$setup")
cat >"$BENCH_TMP/get.lua" <<'LUA'
wrk.method = "GET"
wrk.path = os.getenv("URL_PATH")
LUA
cat >"$BENCH_TMP/login.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/api/v1/auth/login"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"phone":"13900000000","password":"bench-pass-1"}'
LUA
rows() { # state
  URL_PATH="/api/v1/search?q=%E7%83%AD%E5%8D%96" wrk_row "$1: search (anonymous)" 32 "$BENCH_TMP/get.lua"
  URL_PATH="/api/v1/categories" wrk_row "$1: browse categories (anonymous)" 32 "$BENCH_TMP/get.lua"
  BUYERS="$BENCH_TMP/buyers" METHOD=GET URL_PATH=/api/v1/cart BODY="" \
    wrk_row "$1: cart (signed in)" 32 "$BENCH_ROOT/scripts/bench/as_buyers.lua"
  BUYERS="$BENCH_TMP/buyers" METHOD=POST URL_PATH=/api/v1/checkout/preview BODY="{\"items\":[{\"sku_id\":$sku,\"quantity\":1}]}" \
    wrk_row "$1: checkout preview (signed in)" 32 "$BENCH_ROOT/scripts/bench/as_buyers.lua"
  (export BUYERS="$BENCH_TMP/buyers" ITEMS="[{\"sku_id\":$sku,\"quantity\":1}]"
   wrk_row "$1: order placement (signed in)" 32 "$BENCH_ROOT/scripts/bench/orders.lua")
  wrk_row "$1: password login" 8 "$BENCH_TMP/login.lua"
  # Checkouts of their own for each state: a trade is opened once per checkout.
  python3 "$BENCH_ROOT/scripts/bench/payments_bench.py" checkouts "$base" "$BENCH_TMP/buyers" "$sku" \
    "${BENCH_CHECKOUTS:-4000}" "$BENCH_TMP/checkouts"
  awk '{ printf "/api/v1/payments\tapplication/json\tAuthorization:Bearer %s\t{\"checkout_id\":%s,\"provider\":\"alipay\",\"channel\":\"qr\"}\n", $1, $2 }' \
    "$BENCH_TMP/checkouts" >"$BENCH_TMP/payments"
  LINES="$BENCH_TMP/payments" wrk_row "$1: open a payment (signed in)" 16 "$BENCH_ROOT/scripts/bench/replay.lua"
}
echo "| SQLite, wrk -c32 (login -c8) | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
rows "Redis up"
kill -9 "$redis_pid"
sleep 2
rows "Redis down"
echo
echo "Load generator, server and Redis share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
stop_server "$pid"
true
