#!/usr/bin/env bash
# tus-js-client (npm), the reference tus client we did not write, uploads a real photo to the
# stub's tus endpoint, is interrupted mid-transfer, and resumes (backend-stub/tests/peers/).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=target/tools/tusjs
TUS_JS_VERSION=4.3.1
if [ ! -f "$TOOLS/node_modules/tus-js-client/package.json" ] || ! grep -q "\"version\": \"$TUS_JS_VERSION\"" "$TOOLS/node_modules/tus-js-client/package.json"; then
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-audit --no-fund --silent "tus-js-client@$TUS_JS_VERSION"
fi
cargo build -p phananh-stub --locked -q
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port/"
target/debug/phananh-stub --dev --db "$work/stub.sqlite" --data-dir "$work/media" --addr "127.0.0.1:$port" >"$work/stub.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -fs "${base}api/v1/units" >/dev/null && break; sleep 0.1; done

phone="+84916000001"
curl -fs -H 'content-type: application/json' -d "{\"phone\":\"$phone\"}" "${base}api/v1/auth/otp/request" >/dev/null
sleep 0.2
code=$(sed 's/\x1b\[[0-9;]*m//g' "$work/stub.log" | grep -o 'dev OTP [0-9]\{6\}' | tail -1 | awk '{print $3}')
token=$(curl -fs -H 'content-type: application/json' -d "{\"phone\":\"$phone\",\"code\":\"$code\"}" \
    "${base}api/v1/auth/otp/verify" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

# A 12 MP phone photo (4 MB) in 1 MiB chunks.
photo="$(cd .. && pwd)/shared/data/photos/samsung_galaxy_s7_edge_SM-G935L.jpg"
cp backend-stub/tests/peers/tus_js_resume.mjs "$TOOLS/"
BASE="$base" TOKEN="$token" PHOTO="$photo" timeout 120 node "$TOOLS/tus_js_resume.mjs"
