#!/usr/bin/env bash
# The H5 storefront against the JSON API it is built from, on the embedded default (SQLite): the
# product page and the search page as HTML against the same product's and query's JSON, anonymous,
# in one run (target: HTML ≥ 50% of the JSON's throughput); then the transfer weight of a product
# page with its stylesheet and script, compressed as a phone asks for them (targets: page ≤ 30 KB
# before images, CSS + JS ≤ 20 KB). With LIGHTHOUSE=1 also Lighthouse's mobile scores (npm
# `lighthouse`, installed into target/, run with Debian's Chromium) for home, search and product.
# Usage: scripts/bench/h5.sh   (BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
data="$BENCH_TMP/h5"; mkdir -p "$data"
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1)
pid=$(start_bazaar 18640 "$data" "${cheap[@]}")
base=http://127.0.0.1:18640
wait_http "$base/readyz" 60
product=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/h5_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" | python3 -c 'import json,sys; print(json.load(sys.stdin)["product"])')
until curl -s "$base/api/v1/search?q=%E7%BA%AF%E6%A3%89" | grep -q '"total":12'; do sleep 0.1; done
cat >"$BENCH_TMP/get.lua" <<'LUA'
wrk.method = "GET"
wrk.path = os.getenv("URL_PATH")
wrk.headers["Accept-Encoding"] = "gzip"
LUA
get_row() { URL_PATH="$2" wrk_row "$1" 32 "$BENCH_TMP/get.lua"; }
echo "| SQLite, anonymous, wrk -c32, gzip | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
get_row "product: JSON \`/api/v1/products/$product\`" "/api/v1/products/$product"
get_row "product: HTML \`/m/products/$product\`" "/m/products/$product"
get_row "search: JSON \`/api/v1/search?q=纯棉\`" "/api/v1/search?q=%E7%BA%AF%E6%A3%89"
get_row "search: HTML \`/m/search?q=纯棉\`" "/m/search?q=%E7%BA%AF%E6%A3%89"
echo
size() { curl -s -H "accept-encoding: $2" -o /dev/null -w '%{size_download}' "$base$1"; }
page="/m/products/$product"
css=$(curl -s "$base$page" | grep -o '/m/assets/app\.[0-9a-f]*\.css')
js=$(curl -s "$base$page" | grep -o '/m/assets/app\.[0-9a-f]*\.js')
echo "| transfer (bytes) | uncompressed | gzip | brotli |"
echo "|---|---|---|---|"
for path in "$page" "$css" "$js"; do
  echo "| \`${path}\` | $(size "$path" identity) | $(size "$path" gzip) | $(size "$path" br) |"
done
if [ "${LIGHTHOUSE:-0}" = 1 ]; then
  lh="$BENCH_ROOT/target/lighthouse"
  [ -x "$lh/node_modules/.bin/lighthouse" ] || npm install --silent --prefix "$lh" lighthouse >/dev/null
  echo
  echo "| Lighthouse (mobile preset) | performance | accessibility |"
  echo "|---|---|---|"
  for path in /m/ "/m/search?q=%E7%BA%AF%E6%A3%89" "$page"; do
    CHROME_PATH=/usr/bin/chromium "$lh/node_modules/.bin/lighthouse" "$base$path" --quiet --output=json \
      --output-path="$BENCH_TMP/lh.json" --only-categories=performance,accessibility \
      --chrome-flags="--headless=new --no-sandbox" >/dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["categories"]; p, a = (round(r[k]["score"] * 100) for k in ("performance", "accessibility")); print("| `%s` | %d | %d |" % (sys.argv[2], p, a))' \
      "$BENCH_TMP/lh.json" "$path"
  done
fi
echo
echo "Load generator and server share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -3; }
stop_server "$pid"
true
