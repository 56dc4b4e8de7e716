#!/usr/bin/env bash
# Every Rust test of the workspace: unit, property, crash (SIGKILL), fault-proxy and
# end-to-end tests. Output is not captured, so the figures the tests print (FIGURES lines,
# the crash test's counts) reach the CI log; they are gathered again at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --workspace --all-targets --locked
mkdir -p target
cargo test --workspace --locked --no-fail-fast -- --nocapture 2>&1 | tee target/rust-tests.log
echo "::: figures reported by the Rust tests"
grep -aE "FIGURES|^crash test:" target/rust-tests.log || echo "(none printed)"
