#!/usr/bin/env bash
# The foundation figures, each against the bare actix-web baseline measured in the same run:
#   1. /healthz throughput and latency vs the baseline's plaintext and JSON routes
#   2. idle RSS of bazaar and of the baseline
#   3. time from process start to /readyz = 200 on an empty SQLite database (median of 5)
# Usage: scripts/bench/http.sh   (env: BENCH_SECONDS=10 BENCH_CONNECTIONS=64)
source "$(dirname "$0")/lib.sh"
ensure_tools
build_release

# 3. Start-up: a fresh data directory each time, so migrations run every time.
startups=()
for run in 1 2 3 4 5; do
  data="$BENCH_TMP/startup-$run"
  t0=$(now_ms)
  pid=$(start_bazaar 18181 "$data")
  wait_http "http://127.0.0.1:18181/readyz" 30
  startups+=($(( $(now_ms) - t0 )))
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
startup_median=$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 3p)

base_pid=$(start_baseline 18090)
bazaar_pid=$(start_bazaar 18080 "$BENCH_TMP/data")
wait_http "http://127.0.0.1:18090/plaintext" 10
wait_http "http://127.0.0.1:18080/readyz" 30
sleep 1
base_rss=$(rss_kib "$base_pid"); bazaar_rss=$(rss_kib "$bazaar_pid")

read -r plain_rps plain_p50 plain_p99 <<<"$(load http://127.0.0.1:18090/plaintext)"
read -r json_rps json_p50 json_p99 <<<"$(load http://127.0.0.1:18090/json)"
read -r health_rps health_p50 health_p99 <<<"$(load http://127.0.0.1:18080/healthz)"
kill "$bazaar_pid"; wait "$bazaar_pid" 2>/dev/null || true

# The same with the per-request access log on (info level, JSON, to a file).
bazaar_pid=$(BAZAAR_LOG_LEVEL=info start_bazaar 18082 "$BENCH_TMP/data2" BAZAAR_LOG_FORMAT=json)
wait_http "http://127.0.0.1:18082/readyz" 30
read -r logged_rps logged_p50 logged_p99 <<<"$(load http://127.0.0.1:18082/healthz)"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", 100 * a / b }'; }
cat <<TABLE
| what | requests/s | p50 ms | p99 ms | vs baseline plaintext |
|---|---|---|---|---|
| baseline actix-web \`/plaintext\` | $plain_rps | $plain_p50 | $plain_p99 | 100% |
| baseline actix-web \`/json\` | $json_rps | $json_p50 | $json_p99 | $(ratio "$json_rps" "$plain_rps") |
| bazaar \`/healthz\` (log level warn) | $health_rps | $health_p50 | $health_p99 | $(ratio "$health_rps" "$plain_rps") |
| bazaar \`/healthz\` (access log on, JSON) | $logged_rps | $logged_p50 | $logged_p99 | $(ratio "$logged_rps" "$plain_rps") |

| what | value |
|---|---|
| idle RSS, bazaar (SQLite, in-process kv) | $(( bazaar_rss / 1024 )) MiB ($bazaar_rss KiB) |
| idle RSS, baseline | $(( base_rss / 1024 )) MiB ($base_rss KiB) |
| start to \`/readyz\` = 200, empty SQLite (median of 5: ${startups[*]} ms) | $startup_median ms |

wrk -t2 -c${BENCH_CONNECTIONS:-64} -d${BENCH_SECONDS:-10}s on $(nproc) cores; load generator and server share the machine.
TABLE
