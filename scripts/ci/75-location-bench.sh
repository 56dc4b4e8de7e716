#!/usr/bin/env bash
# Ward lookup figures (index build ms, memory, median µs per lookup beside the geo anchors
# measured in the same run). Fails only if the fast lookup disagrees with geo; speed is
# printed, not asserted. Bounded: one release build of the core, ~10 s of measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash bench/location.sh ../shared/data/boundaries 200000
