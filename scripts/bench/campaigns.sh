#!/usr/bin/env bash
# Campaigns on SQLite, each against what it is judged by in the same run:
#   1. GET /s/{code} (302, the visit queued and written in batches) vs the bare actix-web
#      baseline's JSON route; then the visits written against the redirects answered.
#   2. Lucky-draw plays (POST /api/v1/draws/{id}/play) per second: 1000 shoppers, six draws with
#      10 free chances a day each (60,000 chances: more than a run plays, so no play is refused),
#      and every prize's stock kept exactly (won + remaining = stock).
# Usage: scripts/bench/campaigns.sh   (BENCH_SECONDS=10)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_DB_POOL_SIZE=8)
phone_ua="Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile MicroMessenger/8.0.50"
data="$BENCH_TMP/campaigns"; mkdir -p "$data"
base_pid=$(start_baseline 18690)
pid=$(start_bazaar 18691 "$data" "${cheap[@]}")
base=http://127.0.0.1:18691
wait_http "http://127.0.0.1:18690/json" 10
wait_http "$base/readyz" 30
setup=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 1000 1000)
read -r campaign code draws <<<"$(python3 - "$base" "$setup" <<'PY'
import datetime, json, sys, urllib.request
base, setup = sys.argv[1], json.loads(sys.argv[2])
shop, seller = setup["skus"][0]["shop"], setup["skus"][0]["seller"]
now = datetime.datetime.now(datetime.timezone.utc)
def call(path, body):
    request = urllib.request.Request(base + path, json.dumps(body).encode(),
                                     {"content-type": "application/json", "authorization": f"Bearer {seller}"})
    return json.load(urllib.request.urlopen(request))
window = {"starts_at": (now - datetime.timedelta(minutes=1)).isoformat(), "ends_at": (now + datetime.timedelta(days=1)).isoformat()}
campaign = call(f"/api/v1/seller/shops/{shop}/campaigns", {"name": "压测活动", "target": {"kind": "shop", "shop_id": shop},
                "placements": [{"name": "海报"}], **window})
draws = [call(f"/api/v1/seller/shops/{shop}/draws", {"name": f"压测抽奖 {n}", "audience": "everyone",
             "daily_free_chances": 10, "consolation": "谢谢参与",
             "prizes": [{"name": "一等奖", "kind": "item", "value": "99.00", "weight": 1, "stock": 100},
                        {"name": "谢谢参与", "kind": "none", "weight": 9}], **window})["id"] for n in range(6)]
print(campaign["id"], campaign["placements"][0]["code"], ",".join(map(str, draws)))
PY
)"
seller=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][0]['seller'])" "$setup")

read -r json_rps json_p50 json_p99 <<<"$(load http://127.0.0.1:18690/json)"
read -r link_rps link_p50 link_p99 <<<"$(load "$base/s/$code" -H "User-Agent: $phone_ua")"
# The writer catches up with its queue after the load: wait until the count stops moving.
counted() {
  curl -s -H "authorization: Bearer $seller" "$base/api/v1/seller/campaigns/$campaign" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["placements"][0]["visits"])'
}
visits=$(counted); previous=-1; waited=0
while [ "$visits" != "$previous" ] && [ "$waited" -lt 60 ]; do
  sleep 1; waited=$((waited + 1)); previous=$visits; visits=$(counted)
done
drain_s=$waited
secs=${BENCH_SECONDS:-10}
answered=$(awk -v r="$link_rps" -v s="$secs" 'BEGIN { printf "%.0f", r * s }')

plays=$( (export BUYERS="$BENCH_TMP/buyers" DRAWS="$draws"; wrk_row "draw plays, 1000 shoppers, 6 draws × 10 chances, -c64" 64 "$BENCH_ROOT/scripts/bench/draw_play.lua") )
stock=$(for draw in ${draws//,/ }; do curl -s "$base/api/v1/draws/$draw"; echo; done |
  python3 -c 'import json,sys
prizes = [json.loads(line)["prizes"][0] for line in sys.stdin if line.strip()]
print(sum(p["won"] for p in prizes), sum(p["remaining"] for p in prizes), sum(p["stock"] for p in prizes))')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<TABLE
| SQLite, wrk -c${BENCH_CONNECTIONS:-64}, ${secs} s | requests/s | p50 ms | p99 ms | vs baseline JSON |
|---|---|---|---|---|
| baseline actix-web \`/json\` | $json_rps | $json_p50 | $json_p99 | 100% |
| \`/s/{code}\` 302, visit queued | $link_rps | $link_p50 | $link_p99 | $(ratio "$link_rps" "$json_rps") |

Visits written (counted, once the writer caught up, ${drain_s} s after the load) / redirects answered (about): $visits / $answered

| SQLite | plays/s | p50 ms | p99 ms | non-2xx |
|---|---|---|---|---|
$plays

Prizes with stock, six draws: won / remaining / stock: $stock (won + remaining must equal the stock)

Load generator and server share $(nproc) cores.
TABLE
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
true
