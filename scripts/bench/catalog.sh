#!/usr/bin/env bash
# Catalog reads on a seeded 100k-product catalog, against the bare actix JSON baseline in the same run:
#   product detail (random ids), the newest 20 products, and 20 of a category (with descendants) by price.
# Targets (issue 4): detail >= 50% of baseline throughput with p99 <= 2x baseline p99; lists >= 25%.
# Usage: scripts/bench/catalog.sh [sqlite|postgres ...]   (default: both; PostgreSQL at BENCH_POSTGRES_URL,
#        default postgres://postgres@127.0.0.1:5432/postgres; BENCH_PRODUCTS=100000, BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
backends=("${@:-sqlite postgres}")
products=${BENCH_PRODUCTS:-100000}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# Two access patterns: uniform over every product (mostly cache misses: the database path), and a
# popular set of 2,000 products (the pages stay in each gateway's cache).
for spread in "$products" 2000; do
cat >"$BENCH_TMP/detail-$spread.lua" <<LUA
math.randomseed(42)
request = function()
  return wrk.format("GET", "/api/v1/products/" .. math.random(1, $spread))
end
LUA
done

base_pid=$(start_baseline 18090)
wait_http "http://127.0.0.1:18090/json" 10
read -r base_rps base_p50 base_p99 <<<"$(load http://127.0.0.1:18090/json)"
echo "| backend | what | requests/s | p50 ms | p99 ms | vs baseline JSON |"
echo "|---|---|---|---|---|---|"
echo "| — | baseline actix-web \`/json\` | $base_rps | $base_p50 | $base_p99 | 100% |"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
for backend in ${backends[@]}; do
  data="$BENCH_TMP/$backend"
  mkdir -p "$data"
  env_db=()
  if [ "$backend" = postgres ]; then
    name="bazaar_bench_$$"
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1
    env_db=(BAZAAR_DATABASE_URL="${pg_admin%/*}/$name")
  fi
  seeded=$(env BAZAAR_DATA_DIR="$data" "${env_db[@]}" BAZAAR_LOG_LEVEL=warn \
    "$BENCH_ROOT/target/release/bazaar" seed-demo --shops 200 --products "$products" --seed 1 2>/dev/null)
  pid=$(start_bazaar 18380 "$data" "${env_db[@]}" BAZAAR_DB_POOL_SIZE=16)
  wait_http "http://127.0.0.1:18380/readyz" 30
  electronics=$(curl -s http://127.0.0.1:18380/api/v1/categories | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["name_en"]=="Electronics"][0])')

  for spread in "$products" 2000; do
    out=$(wrk -t2 -c64 -d"${BENCH_SECONDS:-10}s" --latency -s "$BENCH_TMP/detail-$spread.lua" http://127.0.0.1:18380)
    d_rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    d_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    d_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    d_non2xx=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
    echo "| $backend | product detail, random of the first $spread | $d_rps | $d_p50 | $d_p99 | $(ratio "$d_rps" "$base_rps") (non-2xx: ${d_non2xx:-0}) |"
  done
  read -r n_rps n_p50 n_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/products?limit=20")"
  read -r c_rps c_p50 c_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/products?limit=20&category=$electronics&sort=price_asc")"
  echo "| $backend | newest 20 | $n_rps | $n_p50 | $n_p99 | $(ratio "$n_rps" "$base_rps") |"
  echo "| $backend | 20 in Electronics (+ subcategories) by price | $c_rps | $c_p50 | $c_p99 | $(ratio "$c_rps" "$base_rps") |"
  echo "| $backend | seeding: $seeded | | | | |"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
done
echo
echo "wrk -t2 -c64 -d${BENCH_SECONDS:-10}s; load generator and server share $(nproc) cores."
