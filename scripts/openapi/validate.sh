#!/usr/bin/env bash
# Validates the OpenAPI document the gateway serves with openapi-spec-validator (from PyPI, in
# its own venv under target/), so a document generated clients would choke on fails CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/openapi-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q openapi-spec-validator
fi
cargo build -q -p bazaar-gateway
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
# Port 0: the banner on stdout names the address it got.
BAZAAR_DATA_DIR="$work/data" BAZAAR_PORT=0 BAZAAR_LOG_LEVEL=warn target/debug/bazaar >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$work/out" | head -n 1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "the gateway did not start:" >&2; cat "$work/err" >&2; exit 1; }
curl -sf "$base/openapi.json" >"$work/openapi.json"
"$venv/bin/openapi-spec-validator" "$work/openapi.json"
