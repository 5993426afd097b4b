#!/usr/bin/env bash
# Generates a Python client from the served /openapi.json with openapi-python-client (PyPI, in its
# own venv under target/), without hand edits, and drives a phone's first purchase with it
# (scripts/openapi/client_journey.py): the document is proven by the code app developers get.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/openapi-client-venv
if [ ! -x "$venv/bin/openapi-python-client" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "openapi-python-client>=0.26,<1" ruff
fi
cargo build -q -p bazaar-gateway
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
export BAZAAR_DATA_DIR="$work/data" BAZAAR_PORT=0 BAZAAR_LOG_LEVEL=error
target/debug/bazaar seed-demo --shops 2 --products 20 >/dev/null 2>&1
target/debug/bazaar >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  base=$(grep -o 'http://[0-9.:]*' "$work/out" | head -n 1 || true)
  [ -n "$base" ] && break
  sleep 0.1
done
[ -n "$base" ] || { echo "the gateway did not start:" >&2; cat "$work/err" >&2; exit 1; }
curl -sf "$base/openapi.json" >"$work/openapi.json"
# Warnings about parts it cannot model are failures too: the client must be whole.
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --meta none \
  --output-path "$work/bazaar_client" 2>&1 | tee "$work/generate.log"
if grep -q "Warning" "$work/generate.log"; then
  echo "openapi-python-client could not model the whole document" >&2
  exit 1
fi
# Search for a word of a seeded product's title, as a shopper would type it.
word=$(curl -sf "$base/api/v1/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["title"].split()[0])')
PYTHONPATH="$work" "$venv/bin/python" scripts/openapi/client_journey.py "$base" "$word"
