#!/usr/bin/env bash
# The main job: the end-to-end demo against the embedded backend stub. Installs what it needs
# (ffmpeg for the generated video), builds the `phananh` CLI and runs `phananh demo`: a local
# stub, a flaky link, a real photo's report from EXIF position to rating, and a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ci/00-deps.sh
cargo build -p phananh-cli --features demo --locked
exec target/debug/phananh demo "$@"
