# What the OpenAPI scripts share: a venv of PyPI tools under target/, and a gateway of this checkout
# on a fresh embedded database (sandbox on), its address in $base. Sourced; not run.

# ensure_venv DIR PACKAGE...: creates DIR as a venv with the packages unless it has them.
ensure_venv() {
  local venv=$1 probe=$2
  shift 2
  if [ ! -x "$venv/bin/$probe" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "$@"
  fi
}

# start_gateway [seed]: builds and starts the gateway on port 0 in a temporary data directory, with
# a few demo shops and products first when asked ("seed"); sets $work, $pid and $base.
start_gateway() {
  cargo build -q -p bazaar-gateway
  work=$(mktemp -d)
  trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
  export BAZAAR_DATA_DIR="$work/data" BAZAAR_PORT=0 BAZAAR_LOG_LEVEL=error
  if [ "${1:-}" = seed ]; then
    target/debug/bazaar seed-demo --shops 2 --products 20 >"$work/seed" 2>/dev/null
  fi
  target/debug/bazaar >"$work/out" 2>"$work/err" &
  pid=$!
  # Port 0: the banner on stdout names the address it got.
  for _ in $(seq 1 100); do
    base=$(grep -o 'http://[0-9.:]*' "$work/out" | head -n 1 || true)
    [ -n "$base" ] && return 0
    sleep 0.1
  done
  echo "the gateway did not start:" >&2
  cat "$work/err" >&2
  exit 1
}
