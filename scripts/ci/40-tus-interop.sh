#!/usr/bin/env bash
# Interop: our tus client (core/src/api/tus.rs) against the official tus server
# (@tus/server + @tus/file-store from npm), including a resume after cut connections and an
# expired upload started over. Installs the npm packages into target/tools/tus.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "node is required for the tus interop test"; exit 1; }
tools="$PWD/target/tools/tus"
mkdir -p "$tools"
SERVER_VERSION=2.4.5
STORE_VERSION=2.1.1
have() { grep -q "\"version\": \"$2\"" "$tools/node_modules/$1/package.json" 2>/dev/null; }
if ! have @tus/server "$SERVER_VERSION" || ! have @tus/file-store "$STORE_VERSION"; then
    [ -f "$tools/package.json" ] || echo '{"private":true}' > "$tools/package.json"
    (cd "$tools" && timeout 600 npm install --no-audit --no-fund --silent "@tus/server@$SERVER_VERSION" "@tus/file-store@$STORE_VERSION")
fi
echo "tus server: @tus/server $(node -p "require('$tools/node_modules/@tus/server/package.json').version") with @tus/file-store $(node -p "require('$tools/node_modules/@tus/file-store/package.json').version"), node $(node --version)"
PHANANH_TUS_NODE_DIR="$tools" timeout 900 cargo test --locked -p phananh-tests --test tus_interop -- --ignored --nocapture --test-threads 1
