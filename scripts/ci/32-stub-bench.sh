#!/usr/bin/env bash
# Backend stub figures (startup, requests/s, tus MB/s) beside anchors from the same run.
# Prints only; the thresholds that matter (well under a second to start) are read by people.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p phananh-stub --locked -q
timeout 300 python3 bench/stub.py target/debug/phananh-stub
