#!/usr/bin/env bash
# Orders: placements per second (one SKU; a two-shop cart = two orders per placement) and the
# hot-SKU run (1000 concurrent buyers, stock 100) with exact counts checked through the API.
# Usage: scripts/bench/orders.sh [sqlite|postgres ...]   (BENCH_SECONDS=10; BENCH_POSTGRES_URL)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
backends=("${@:-sqlite postgres}")
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
echo "| backend | run | placements/s | orders/s | p50 ms | p99 ms | result |"
echo "|---|---|---|---|---|---|---|"
for backend in ${backends[@]}; do
  for run in throughput contention; do
    data="$BENCH_TMP/$backend-$run"; mkdir -p "$data"
    env_db=(BAZAAR_DATA_DIR="$data")
    if [ "$backend" = postgres ]; then
      name="bazaar_orders_$$_$run"
      psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1
      env_db+=(BAZAAR_DATABASE_URL="${pg_admin%/*}/$name")
    fi
    # Cheap password hashing here only speeds up registering the buyers; placing orders hashes nothing.
    cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
    pid=$(start_bazaar 18580 "$data" "${env_db[@]}" "${cheap[@]}")
    wait_http "http://127.0.0.1:18580/readyz" 30
    if [ "$run" = throughput ]; then buyers=200; stock=10000000; else buyers=1000; stock=100; fi
    setup=$(env "${env_db[@]}" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" http://127.0.0.1:18580 \
      "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" "$buyers" "$stock")
    sku() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][$1]['sku'])" "$setup"; }
    seller() { python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][$1]['seller'])" "$setup"; }
    if [ "$run" = throughput ]; then
      for shape in single multi; do
        if [ "$shape" = single ]; then items="[{\"sku_id\":$(sku 0),\"quantity\":1}]"; per=1
        else items="[{\"sku_id\":$(sku 1),\"quantity\":1},{\"sku_id\":$(sku 3),\"quantity\":1}]"; per=2; fi
        out=$(BUYERS="$BENCH_TMP/buyers" ITEMS="$items" wrk -t2 -c32 -d"${BENCH_SECONDS:-10}s" --latency \
          -s "$BENCH_ROOT/scripts/bench/orders.lua" http://127.0.0.1:18580 2>>"$BENCH_TMP/errors")
        rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
        bad=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
        p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")"); p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
        echo "| $backend | $shape ($per order$([ $per = 2 ] && echo s) each, 200 buyers, wrk -c32) | $rps | $(awk -v r="$rps" -v p=$per 'BEGIN { printf "%.0f", r * p }') | $p50 | $p99 | non-2xx: ${bad:-0} |"
      done
    else
      items="[{\"sku_id\":$(sku 0),\"quantity\":1}]"
      out=$(BUYERS="$BENCH_TMP/buyers" ITEMS="$items" wrk -t2 -c1000 -d5s --latency -s "$BENCH_ROOT/scripts/bench/orders.lua" http://127.0.0.1:18580 2>>"$BENCH_TMP/errors")
      total=$(awk '/requests in/ { print $1 }' <<<"$out"); bad=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
      p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
      ledger=$(curl -s -H "authorization: Bearer $(seller 0)" "http://127.0.0.1:18580/api/v1/seller/skus/$(sku 0)/ledger")
      check=$(python3 -c "import json,sys; l=json.loads(sys.argv[1])['items']; print(sum(e['reason']=='reservation' for e in l), sum(e['delta'] for e in l))" "$ledger")
      echo "| $backend | hot SKU: 1000 buyers at once (wrk -c1000, 5 s), stock 100 | | | | $p99 | $total requests, $(( total - ${bad:-0} )) placed; ledger: reservations, final stock = $check |"
    fi
    kill "$pid"; wait "$pid" 2>/dev/null || true
    [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
  done
done
echo
echo "Load generator and server share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
true
