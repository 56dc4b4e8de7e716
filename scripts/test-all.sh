#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the tests need, then runs
# each step in scripts/ci/ in order. Exit status is non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
# A CI run builds every workspace crate once: incremental caches only cost disk there.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
failed=()
for step in scripts/ci/[0-9][0-9]-*.sh; do
    echo "::: step $(basename "$step")"
    start=$(date +%s)
    if bash "$step"; then
        echo "::: step $(basename "$step") passed in $(( $(date +%s) - start ))s"
    else
        echo "::: step $(basename "$step") FAILED after $(( $(date +%s) - start ))s"
        failed+=("$(basename "$step")")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "::: failed steps: ${failed[*]}"
    exit 1
fi
echo "::: all steps passed"
