#!/usr/bin/env bash
# Payments on the embedded default (SQLite, in-process kv) with the sandboxes in the same process:
#  1. trade creation: POST /api/v1/payments for distinct checkouts (Alipay precreate and WeChat
#     native: each is a signed HTTP round trip to the sandbox, which verifies and signs too),
#  2. notification handling: genuine signed notifications, first delivery (order becomes paid) and
#     the same again (duplicates),
#  3. wallet confirmation → payment `paid` latency, per provider, one payment at a time.
# Usage: scripts/bench/payments.sh   (BENCH_SECONDS=3 per creation run, BENCH_CHECKOUTS=6000 prepared
# for each, more than can be sent in the time; BENCH_NOTIFY_SECONDS=2, shorter than the trades
# created take to notify; BENCH_LATENCY=300 samples)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release
venv="$BENCH_ROOT/target/payment-sdk-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "cryptography>=42"
py="$venv/bin/python"
helper="$BENCH_ROOT/scripts/bench/payments_bench.py"
count=${BENCH_CHECKOUTS:-6000}
samples=${BENCH_LATENCY:-300}
port=18590 base="http://127.0.0.1:18590"
data="$BENCH_TMP/payments"; mkdir -p "$data"
cheap=(BAZAAR_PASSWORD_HASH_MEMORY_KIB=1024 BAZAAR_PASSWORD_HASH_ITERATIONS=1 BAZAAR_PAYMENT_RECONCILE_INTERVAL_SECS=3600)
pid=$(start_bazaar $port "$data" "${cheap[@]}")
wait_http "$base/readyz" 60
setup=$(env BAZAAR_DATA_DIR="$data" "${cheap[@]}" python3 "$BENCH_ROOT/scripts/bench/orders_setup.py" "$base" \
  "$BENCH_ROOT/target/release/bazaar" "$BENCH_TMP/buyers" 100 10000000)
sku=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['skus'][0]['sku'])" "$setup")

echo "| what | sent | per second | p50 ms | p99 ms |"
echo "|---|---|---|---|---|"
for provider_channel in "alipay qr" "wechatpay qr"; do
  set -- $provider_channel
  "$py" "$helper" checkouts "$base" "$BENCH_TMP/buyers" "$sku" "$count" "$BENCH_TMP/checkouts-$1"
  # One POST /api/v1/payments per prepared checkout, as replay lines.
  awk -v provider="$1" -v channel="$2" '{ printf "/api/v1/payments\tapplication/json\tAuthorization:Bearer %s\t{\"checkout_id\":%s,\"provider\":\"%s\",\"channel\":\"%s\"}\n", $1, $2, provider, channel }' \
    "$BENCH_TMP/checkouts-$1" >"$BENCH_TMP/create-$1"
  out=$(LINES="$BENCH_TMP/create-$1" wrk -t2 -c16 -d"${BENCH_SECONDS:-3}s" --latency \
    -s "$BENCH_ROOT/scripts/bench/replay.lua" "$base" 2>>"$BENCH_TMP/errors")
  echo "| create trade: $1 $2 (wrk -c16) | $(awk '/requests in/ { print $1 }' <<<"$out") | $(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") | $(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") | $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") |"
done

written=$("$py" "$helper" notifications "$data/bazaar.db" "$data/sandbox-payment-keys.json" "$BENCH_TMP/notify-pending" pending)
for pass in "first delivery (orders become paid)" "again for trades already paid (duplicates)"; do
  lines="$BENCH_TMP/notify-pending"
  case "$pass" in again*)
    lines="$BENCH_TMP/notify-paid"
    "$py" "$helper" notifications "$data/bazaar.db" "$data/sandbox-payment-keys.json" "$BENCH_TMP/paid-once" paid >/dev/null
    # Three rounds of every paid trade's notification: every request is a duplicate.
    cat "$BENCH_TMP/paid-once" "$BENCH_TMP/paid-once" "$BENCH_TMP/paid-once" >"$lines" ;;
  esac
  out=$(LINES="$lines" wrk -t2 -c16 -d"${BENCH_NOTIFY_SECONDS:-2}s" --latency -s "$BENCH_ROOT/scripts/bench/replay.lua" \
    "$base" 2>>"$BENCH_TMP/errors")
  echo "| notify: $pass, Alipay + WeChat Pay (wrk -c16) | $(awk '/requests in/ { print $1 }' <<<"$out") | $(awk '/^Requests\/sec:/ { print $2 }' <<<"$out") | $(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")") | $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")") |"
done
count_rows() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])" "$data/bazaar.db" "$1"; }
paid=$(count_rows "SELECT count(*) FROM orders WHERE status='paid'")
paid_payments=$(count_rows "SELECT count(*) FROM payments WHERE status='paid'")
outcomes=$(python3 -c "import sqlite3,sys; print(', '.join(f'{o}: {n}' for o, n in sqlite3.connect(sys.argv[1]).execute('SELECT outcome, count(*) FROM payment_notifications GROUP BY outcome')))" "$data/bazaar.db")

"$py" "$helper" checkouts "$base" "$BENCH_TMP/buyers" "$sku" "$samples" "$BENCH_TMP/latency-checkouts"
while read -r provider n p50 p99; do
  echo "| wallet confirms → payment reads paid: $provider app (one at a time) | $n | | $p50 | $p99 |"
done < <(cd "$BENCH_ROOT/scripts/bench" && "$py" "$helper" latency "$base" "$BENCH_TMP/latency-checkouts" alipay wechatpay unionpay)
echo
echo "After the notify runs: $written pending trades prepared, $paid_payments payments and $paid orders paid; stored notifications by outcome: $outcomes."
echo "Load generator and server share $(nproc) cores."
[ -s "$BENCH_TMP/errors" ] && { echo "First errors seen:"; sort -u "$BENCH_TMP/errors" | head -5; }
true
