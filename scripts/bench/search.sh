#!/usr/bin/env bash
# Search: index build rate, and the fixed query mix's p50/p99 and QPS (two concurrent clients,
# without and with facets) on seeded catalogs, beside SQLite FTS5 (and PostgreSQL full-text search
# for the first size) on the same products in the same run.
# Usage: scripts/bench/search.sh   (SEARCH_SIZES="100000 1000000" BENCH_SECONDS=10;
#        BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres; SEARCH_POSTGRES=0 skips it)
source "$(dirname "$0")/lib.sh"
build_release
(cd "$BENCH_ROOT" && cargo build --release -q -p bazaar-search-bench)
bazaar="$BENCH_ROOT/target/release/bazaar"
bench="$BENCH_ROOT/target/release/bazaar-search-bench"
seconds=${BENCH_SECONDS:-10}
pg_admin=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

field() { sed -E "s/.*$1=([^ ]+).*/\1/" <<<"$2"; }

run_size() { # products database-url label
  local n=$1 url=$2 label=$3 data="$BENCH_TMP/search-$1-$3"
  mkdir -p "$data"
  local env=(BAZAAR_DATA_DIR="$data" BAZAAR_DATABASE_URL="$url" BAZAAR_LOG_LEVEL=warn)
  env "${env[@]}" "$bazaar" seed-demo --shops 200 --products "$n" --seed 7 >"$BENCH_TMP/seed.out" 2>/dev/null
  local indexed
  indexed=$(env "${env[@]}" "$bazaar" reindex 2>/dev/null | tail -1)
  local size
  size=$(du -sh "$data/search" | cut -f1)
  echo "| $label | $n | index build | $indexed; index $size on disk |"
  "$bench" "$url" "$data/search" "$seconds" | while IFS= read -r line; do
    if [[ "$line" == index:* ]]; then
      continue
    elif [[ "$line" == *"build:"* ]]; then
      echo "| $label | $n | ${line%%:*} | ${line#*: } |"
    else
      echo "| $label | $n | ${line%%:*} | $(field qps "$line") q/s, p50 $(field p50_ms "$line") ms, p99 $(field p99_ms "$line") ms ($(field queries "$line") queries) |"
    fi
  done
}

echo "| backend | products | measurement | result |"
echo "|---|---|---|---|"
first=true
for n in ${SEARCH_SIZES:-100000 1000000}; do
  run_size "$n" "sqlite://$BENCH_TMP/search-$n-sqlite/bazaar.db" sqlite
  if $first && [ "${SEARCH_POSTGRES:-1}" = 1 ]; then
    name="bazaar_search_$$"
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null 2>&1
    run_size "$n" "${pg_admin%/*}/$name" postgres
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
  fi
  first=false
done
echo
echo "Query mix: 手机, shouji, 华为 手机, 连衣裙, lianyiqun, running shoes, 蓝牙耳机, sj, 坚果, 空气炸锅, 面膜,"
echo "跑步鞋 李宁, 笔记本电脑, tea, 牛仔裤 — two clients, closed loop, $seconds s each; $(nproc) cores shared."
