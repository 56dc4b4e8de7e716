#!/usr/bin/env bash
# Every Rust test of the workspace: unit, integration, crash and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --workspace --all-targets --locked
cargo test --workspace --locked --no-fail-fast
