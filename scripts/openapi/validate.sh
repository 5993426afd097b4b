#!/usr/bin/env bash
# Validates the OpenAPI document the gateway serves with openapi-spec-validator (from PyPI, in
# its own venv under target/), so a document generated clients would choke on fails CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/openapi/lib.sh
venv=target/openapi-venv
ensure_venv "$venv" openapi-spec-validator openapi-spec-validator
start_gateway
curl -sf "$base/openapi.json" >"$work/openapi.json"
"$venv/bin/openapi-spec-validator" "$work/openapi.json"
