#!/usr/bin/env bash
# Flash-sale rush on SQLite: 1000 buyers (one address each) hammer "buy now" on a sale of 100 units
# with a per-buyer limit of 1, through the in-process gate and through the Redis gate; in the same
# run, ordinary order placement of the same SKU for comparison. Reports the units sold (must be
# exactly 100), the rush's answers per second (nearly all refusals once sold out) against the
# placement rate, and the refusal latency.
# Usage: scripts/bench/flash.sh   (BENCH_SECONDS=10, BENCH_REDIS_URL=redis://127.0.0.1:6379)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
redis=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
wrk_run() { # label connections lua-env...
  local label=$1 connections=$2
  shift 2
  (export BUYERS="$BENCH_TMP/buyers" "$@"; wrk_row "$label" "$connections" "$BENCH_ROOT/scripts/bench/orders.lua")
}
echo "| SQLite, wrk -c64 unless said, 1000 buyers | answers/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
port=18600
for gate in memory redis; do
  data="$BENCH_TMP/flash-$gate"; mkdir -p "$data"
  kv=()
  [ "$gate" = redis ] && kv=(BAZAAR_REDIS_URL="$redis" BAZAAR_REDIS_PREFIX="flashbench$$")
  pid=$(start_bazaar "$port" "$data" "${cheap[@]}" "${kv[@]}")
  base=http://127.0.0.1:$port
  wait_http "$base/readyz" 30
  setup=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
    "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 1000 10000000)
  field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][$1]['$2'])" "$setup"; }
  sale=$(python3 - "$base" "$(field 0 seller)" "$(field 0 shop)" "$(field 0 sku)" <<'PY'
import datetime, json, sys, urllib.request
base, token, shop, sku = sys.argv[1:]
now = datetime.datetime.now(datetime.timezone.utc)
body = {"sku_id": int(sku), "flash_price": "1.00", "quantity": 100, "per_user_limit": 1,
        "starts_at": (now - datetime.timedelta(minutes=1)).isoformat(), "ends_at": (now + datetime.timedelta(hours=1)).isoformat()}
request = urllib.request.Request(f"{base}/api/v1/seller/shops/{shop}/flash-sales", json.dumps(body).encode(),
                                 {"content-type": "application/json", "authorization": f"Bearer {token}"})
print(json.load(urllib.request.urlopen(request))["id"])
PY
)
  wrk_run "$gate gate: ordinary order placement (same SKU)" 64 ITEMS="[{\"sku_id\":$(field 2 sku),\"quantity\":1}]"
  wrk_run "$gate gate: flash rush (100 units, then refusals)" 64 FLASH_SALE="$sale" FLASH_SKU="$(field 0 sku)"
  # Latency of a refusal itself, without the 64-connection queue in front of two shared cores.
  wrk_run "$gate gate: refusals once sold out, 4 connections" 4 FLASH_SALE="$sale" FLASH_SKU="$(field 0 sku)"
  sold=$(curl -s -H "authorization: Bearer $(field 0 seller)" "$base/api/v1/seller/shops/$(field 0 shop)/flash-sales" |
    python3 -c 'import json,sys; s=json.load(sys.stdin)["items"][0]; print(s["quantity"]-s["remaining"], s["reserved"], s["refused_at_gate"])')
  echo "| $gate gate: units sold / held by orders / refused at the gate | $sold | | | |"
  stop_server "$pid"
  port=$((port + 1))
done
echo
echo "Load generator and server share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
true
