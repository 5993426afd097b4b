#!/usr/bin/env bash
# Promotions on the embedded default (SQLite): coupon claims per second (200 buyers, up to 100
# each), and the checkout preview of the same two-line cart spanning both shops, with promotions
# (the first shop's automatic tiers, its coupon and a platform coupon, which every buyer holds, all
# combinable: the best combination chosen) and without any (a shop with none), in one run.
# Usage: scripts/bench/promotions.sh   (BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
data="$BENCH_TMP/promotions"; mkdir -p "$data"
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
pid=$(start_bazaar 18590 "$data" "${cheap[@]}")
base=http://127.0.0.1:18590
wait_http "$base/readyz" 30
setup=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 200 10000000)
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][$1]['$2'])" "$setup"; }
items="[{\"sku_id\":$(field 0 sku),\"quantity\":2},{\"sku_id\":$(field 2 sku),\"quantity\":1}]"
run() { # label method path body
  BUYERS="$BENCH_TMP/buyers" METHOD=$2 URL_PATH=$3 BODY=$4 wrk_row "$1" 32 "$BENCH_ROOT/scripts/bench/as_buyers.lua"
}
echo "| SQLite, wrk -c32 | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
# The same cart and buyers before any promotion exists, then with every layer in play.
run "preview without promotions (none exist yet)" POST /api/v1/checkout/preview "{\"items\":$items}"
template=$(cd "$BENCH_ROOT/scripts/bench" && env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 promotions_setup.py "$base" \
  "$(field 0 seller)" "$BENCH_TMP/buyers" "$(field 0 shop)" "$BENCH_ROOT/target/release/bazaar")
run "preview with promotions (tiers, shop and platform coupon: best combination)" POST /api/v1/checkout/preview "{\"items\":$items}"
run "coupon claim (200 buyers, 100 each at most)" POST "/api/v1/coupons/$template/claim" "{}"
issued=$(curl -s -H "authorization: Bearer $(field 0 seller)" "$base/api/v1/seller/shops/$(field 0 shop)/coupons" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["issued"])')
echo
echo "Coupons issued in all (200 claimed in the setup): $issued. Load generator and server share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
kill "$pid"
true
