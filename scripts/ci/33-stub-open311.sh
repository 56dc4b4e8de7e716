#!/usr/bin/env bash
# Open311 GeoReport v2 interop: the `georeport` package (PyPI), an Open311 client we did not
# write, reads the stub in XML and JSON; the same script posts requests and checks every XML
# answer (errors included) against the spec's element names (backend-stub/tests/peers/).
# The stub runs without --dev and with a configured key (--open311-key), as deployed.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=target/tools/open311-venv
GEOREPORT_VERSION=0.3.1
if ! "$VENV/bin/python" -c "import georeport, importlib.metadata as m; assert m.version('georeport') == '$GEOREPORT_VERSION'" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "georeport==$GEOREPORT_VERSION"
fi
cargo build -p phananh-stub --locked -q
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
key="ci-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
target/debug/phananh-stub --db "$work/stub.sqlite" --data-dir "$work/media" --addr "127.0.0.1:$port" \
    --open311-key "ci=$key" >"$work/stub.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "$base/api/v1/units" >/dev/null && break; sleep 0.1; done
BASE="$base" KEY="$key" timeout 120 "$VENV/bin/python" backend-stub/tests/peers/open311_georeport.py
if grep -qiE 'panicked|internal error' "$work/stub.log"; then
    echo "stub log shows internal errors:"; grep -iE 'panicked|internal error' "$work/stub.log" | head -20
    exit 1
fi
