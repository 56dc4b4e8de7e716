#!/usr/bin/env bash
# Interop: our tus client (core/src/api/tus.rs) against the official tus server
# (@tus/server + @tus/file-store from npm), including a resume after cut connections and an
# expired upload started over. Installs the npm packages into target/tools/tus.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null || { echo "node is required for the tus interop test"; exit 1; }
tools="$PWD/target/tools/tus"
mkdir -p "$tools"
if [ ! -d "$tools/node_modules/@tus/server" ] || [ ! -d "$tools/node_modules/@tus/file-store" ]; then
    [ -f "$tools/package.json" ] || echo '{"private":true}' > "$tools/package.json"
    (cd "$tools" && timeout 600 npm install --no-audit --no-fund --silent @tus/server@2.4.5 @tus/file-store@2.1.1)
fi
echo "tus server: @tus/server $(node -p "require('$tools/node_modules/@tus/server/package.json').version") with @tus/file-store $(node -p "require('$tools/node_modules/@tus/file-store/package.json').version"), node $(node --version)"
PHANANH_TUS_NODE_DIR="$tools" timeout 900 cargo test --locked -p phananh-tests --test tus_interop -- --ignored --nocapture --test-threads 1
