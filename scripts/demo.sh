#!/usr/bin/env bash
# The main job: the end-to-end demo against the embedded backend stub.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ci/00-deps.sh
# Until `phananh demo` exists this runs what exists: the core's store and draft tests.
cargo test -p phananh-core --locked
