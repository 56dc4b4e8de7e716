#!/usr/bin/env bash
# Every Rust test of the workspace: unit, property, crash (SIGKILL), fault-proxy and
# end-to-end tests. Output is not captured, so the figures the tests print (FIGURES lines,
# the crash test's counts) reach the CI log; they are gathered again at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
# The user-facing CLI must not link the stub (the demo is a developer feature).
if cargo tree --locked -p phananh-cli -e normal --prefix none | grep -q '^phananh-stub '; then
    echo "phananh-cli links phananh-stub without the demo feature"; exit 1
fi
# Nor may the apps' library link the desktop adapters or the stub.
if cargo tree --locked -p phananh-ffi -e normal --prefix none | grep -qE '^phananh-(stub|desktop) '; then
    echo "phananh-ffi links a desktop-only crate"; exit 1
fi
# Size of the apps' library (issue 12 item 7): no rlib among its outputs (an rlib makes LTO
# keep every public Rust item: +4 MB), no second JPEG decoder next to mozjpeg (zune-jpeg,
# through image's "jpeg" feature), and rustls on ring, not aws-lc.
if ! cargo metadata --locked --no-deps --format-version 1 | python3 -c '
import json, sys
m = json.load(sys.stdin)
kinds = [k for p in m["packages"] if p["name"] == "phananh-ffi" for t in p["targets"] for k in t["crate_types"]]
sys.exit(0 if kinds and set(kinds) <= {"cdylib", "staticlib"} else 1)'; then
    echo "phananh-ffi must build only cdylib and staticlib (an rlib output bloats the phone library)"; exit 1
fi
if cargo tree --locked -p phananh-ffi -e normal --prefix none | grep -qE '^(zune-jpeg|aws-lc-rs|aws-lc-sys) '; then
    echo "phananh-ffi links zune-jpeg or aws-lc (phone library size)"; exit 1
fi
# Tests run with the demo feature so `phananh demo` is tested end to end.
cargo build --workspace --all-targets --features phananh-cli/demo --locked
mkdir -p target
cargo test --workspace --features phananh-cli/demo --locked --no-fail-fast -- --nocapture 2>&1 | tee target/rust-tests.log
echo "::: figures reported by the Rust tests"
grep -aE "FIGURES|^crash test:" target/rust-tests.log || echo "(none printed)"
