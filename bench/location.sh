#!/usr/bin/env bash
# Ward lookup benchmark (DESIGN §6): index build time, memory, median µs per lookup over random
# points in Hà Tĩnh's bounding box, beside anchors (geo scan, rstar + geo) measured in the same
# run. Release build. Usage: bench/location.sh [BOUNDARIES_DIR] [POINTS]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-../shared/data/boundaries}
points=${2:-400000}
cargo build --release --locked -q -p phananh-core --example location_bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
exec target/release/examples/location_bench "$dir" "$points"
