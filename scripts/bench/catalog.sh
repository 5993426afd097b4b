#!/usr/bin/env bash
# Catalog reads on a seeded 100k-product catalog, against the bare actix JSON baseline in the same run:
#   product detail (random ids), the newest 20 products, and 20 of a category (with descendants) by price.
# Targets: detail >= 50% of baseline throughput with p99 <= 2x baseline p99; lists >= 25%.
# Rows marked "gzip, br" send `Accept-Encoding: gzip, br`, as OkHttp and NSURLSession do by default
# (compressed responses are written in pieces: they show any Nagle / delayed-ACK stall).
# Usage: scripts/bench/catalog.sh [sqlite|postgres ...]   (default: both; PostgreSQL at BENCH_POSTGRES_URL,
#        default postgres://postgres@127.0.0.1:5432/postgres; BENCH_PRODUCTS=100000, BENCH_SECONDS=10,
#        BENCH_WARMUP_SECONDS=25 for the walk that visits every page once before the uniform run)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
backends=("${@:-sqlite postgres}")
products=${BENCH_PRODUCTS:-100000}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# Access patterns for product pages: a popular set of 2,000 products, and uniformly random over every
# product. Each wrk thread gets its own random sequence (the same seed in both threads would request
# every id twice in a row, so half the "random" requests would be cache hits). `walk` visits every
# product once, in order, split between the threads: the warm-up before the uniform run.
cat >"$BENCH_TMP/threads.lua" <<'LUA'
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
LUA
# detail_script NAME SPREAD [HEADERS]: random product pages among the first SPREAD ids, with an
# optional Lua table of request headers.
detail_script() {
  cat "$BENCH_TMP/threads.lua" >"$BENCH_TMP/$1.lua"
  cat >>"$BENCH_TMP/$1.lua" <<LUA
function init(args)
  math.randomseed(42 + thread_no)
end
request = function()
  return wrk.format("GET", "/api/v1/products/" .. math.random(1, $2), ${3:-nil})
end
LUA
}
detail_script "detail-$products" "$products"
detail_script detail-2000 2000
# The popular set again, asking for compressed pages.
detail_script detail-2000-gzip 2000 '{ ["Accept-Encoding"] = "gzip, br" }'
for spread in "$products" 2000; do
cat "$BENCH_TMP/threads.lua" >"$BENCH_TMP/walk-$spread.lua"
cat >>"$BENCH_TMP/walk-$spread.lua" <<LUA
local next_id
function init(args)
  next_id = thread_no
end
request = function()
  local id = next_id
  next_id = next_id + 2
  if next_id > $spread then next_id = thread_no end
  return wrk.format("GET", "/api/v1/products/" .. id)
end
LUA
done

# detail_row BACKEND LABEL SCRIPT: one wrk run of product pages, printed as a table row.
detail_row() {
  local out rps p50 p99 non2xx
  out=$(wrk -t2 -c64 -d"${BENCH_SECONDS:-10}s" --latency -s "$3" http://127.0.0.1:18380)
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  non2xx=$(awk '/Non-2xx/ { print $5 }' <<<"$out")
  echo "| $1 | $2 | $rps | $p50 | $p99 | $(ratio "$rps" "$base_rps") (non-2xx: ${non2xx:-0}) |"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
base_pid=$(start_baseline 18090)
wait_http "http://127.0.0.1:18090/json" 10
read -r base_rps base_p50 base_p99 <<<"$(load http://127.0.0.1:18090/json)"
echo "| backend | what | requests/s | p50 ms | p99 ms | vs baseline JSON |"
echo "|---|---|---|---|---|---|"
echo "| — | baseline actix-web \`/json\` | $base_rps | $base_p50 | $base_p99 | 100% |"

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
  # What an operator does after a bulk load; otherwise autovacuum competes for the cores mid-run.
  [ "$backend" = postgres ] && psql "${pg_admin%/*}/$name" -qc "VACUUM ANALYZE" >/dev/null
  # First every page from the database: no page cache at all.
  pid=$(start_bazaar 18380 "$data" "${env_db[@]}" BAZAAR_DB_POOL_SIZE=16 BAZAAR_PAGE_CACHE_MB=0)
  wait_http "http://127.0.0.1:18380/readyz" 30
  detail_row "$backend" "product page, uniformly random of all $products, page cache off (every page from the database)" \
    "$BENCH_TMP/detail-$products.lua"
  stop_server "$pid"

  # Then the default configuration (page_cache_mb = 128).
  pid=$(start_bazaar 18380 "$data" "${env_db[@]}" BAZAAR_DB_POOL_SIZE=16)
  wait_http "http://127.0.0.1:18380/readyz" 30
  electronics=$(curl -s http://127.0.0.1:18380/api/v1/categories | python3 -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin) if c["name_en"]=="Electronics"][0])')
  # Each run after a warm-up walk over its pages (long enough for PostgreSQL's slower misses), so
  # the rows measure a cache that holds the set, not the cold start.
  wrk -t2 -c64 -d3s -s "$BENCH_TMP/walk-2000.lua" http://127.0.0.1:18380 >/dev/null
  detail_row "$backend" "product page, random of a popular 2000 (default cache)" "$BENCH_TMP/detail-2000.lua"
  detail_row "$backend" "product page, random of a popular 2000 (default cache), gzip, br" "$BENCH_TMP/detail-2000-gzip.lua"
  wrk -t2 -c64 -d"${BENCH_WARMUP_SECONDS:-25}s" -s "$BENCH_TMP/walk-$products.lua" http://127.0.0.1:18380 >/dev/null
  detail_row "$backend" "product page, uniformly random of all $products after one warm-up pass (default cache)" \
    "$BENCH_TMP/detail-$products.lua"
  echo "| $backend | gateway RSS after the uniform run: $(( $(rss_kib "$pid") / 1024 )) MiB (page cache, SQLite page cache and memory map) | | | | |"
  read -r n_rps n_p50 n_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/products?limit=20")"
  read -r c_rps c_p50 c_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/products?limit=20&category=$electronics&sort=price_asc")"
  echo "| $backend | newest 20 | $n_rps | $n_p50 | $n_p99 | $(ratio "$n_rps" "$base_rps") |"
  echo "| $backend | 20 in Electronics (+ subcategories) by price | $c_rps | $c_p50 | $c_p99 | $(ratio "$c_rps" "$base_rps") |"
  gzip=(-H "Accept-Encoding: gzip, br")
  read -r n_rps n_p50 n_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/products?limit=20" "${gzip[@]}")"
  read -r s_rps s_p50 s_p99 <<<"$(load "http://127.0.0.1:18380/api/v1/search?q=%E6%89%8B%E6%9C%BA&limit=20" "${gzip[@]}")"
  echo "| $backend | newest 20, gzip, br | $n_rps | $n_p50 | $n_p99 | $(ratio "$n_rps" "$base_rps") |"
  echo "| $backend | search 手机 (20 with facets), gzip, br | $s_rps | $s_p50 | $s_p99 | $(ratio "$s_rps" "$base_rps") |"
  echo "| $backend | seeding: $seeded | | | | |"
  stop_server "$pid"
  [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
done
echo
echo "wrk -t2 -c64 -d${BENCH_SECONDS:-10}s; load generator and server share $(nproc) cores."
