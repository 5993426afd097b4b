#!/usr/bin/env bash
# Generates a Python client from the served /openapi.json with openapi-python-client (PyPI, in its
# own venv under target/), without hand edits, and drives a phone's first purchase with it
# (scripts/openapi/client_journey.py): the document is proven by the code app developers get.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/openapi/lib.sh
venv=target/openapi-client-venv
ensure_venv "$venv" openapi-python-client "openapi-python-client>=0.26,<1" ruff
start_gateway seed
curl -sf "$base/openapi.json" >"$work/openapi.json"
# Warnings about parts it cannot model are failures too: the client must be whole.
PATH="$PWD/$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --meta none \
  --config scripts/openapi/client-config.yaml \
  --output-path "$work/bazaar_client" 2>&1 | tee "$work/generate.log"
if grep -q "Warning" "$work/generate.log"; then
  echo "openapi-python-client could not model the whole document" >&2
  exit 1
fi
# Search for a word of a seeded product's title, as a shopper would type it.
word=$(curl -sf "$base/api/v1/products?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["title"].split()[0])')
PYTHONPATH="$work" "$venv/bin/python" scripts/openapi/client_journey.py "$base" "$word"
