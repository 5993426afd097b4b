#!/usr/bin/env bash
# Runs the published payment SDKs (wechatpayv3, python-alipay-sdk) against the sandboxes of a
# freshly started gateway: their own signing and verification must accept ours. Creates its Python
# venv on first use (PyPI only). Called by .ci/run; exits non-zero on the first failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${BAZAAR_SDK_VENV:-target/payment-sdk-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check "wechatpayv3==2.0.4" "python-alipay-sdk==3.4.0"

cargo build -q -p bazaar-gateway --bin bazaar
data=$(mktemp -d)
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BAZAAR_DATA_DIR="$data" BAZAAR_PORT="$port" BAZAAR_LOG_LEVEL=warn target/debug/bazaar >"$data/gateway.log" 2>&1 &
gateway=$!
trap 'kill "$gateway" 2>/dev/null || true; wait "$gateway" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 "$gateway" 2>/dev/null || { cat "$data/gateway.log"; echo "gateway exited" >&2; exit 1; }
  sleep 0.5
done
"$venv/bin/python" scripts/payments/sdk_check.py "http://127.0.0.1:$port" "$data/sandbox-payment-keys.json"
