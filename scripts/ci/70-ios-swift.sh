#!/usr/bin/env bash
# iOS sources on a machine without a Swift compiler: every Swift file of ios/ (app, package and
# the uniffi-generated bindings) must parse with zero errors under tree-sitter-swift; the Swift
# code's string keys must exist in the String Catalog generated from the Android resources;
# project.yml, Info.plist and the catalogs must be well-formed. Tools go into a venv under target/.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/tools/swift-venv
t0=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check tree-sitter==0.26.1 tree-sitter-swift==0.7.4 pyyaml==6.0.3
t1=$(date +%s)
echo "ios-swift: tools ready in $((t1 - t0))s"

# Include the generated bindings: generate them if no earlier step did.
generated=ios/PhanAnhCore/Sources/PhanAnhCore/Generated/PhanAnhCore.swift
if [ ! -f "$generated" ] && command -v cargo >/dev/null; then
    bash scripts/gen-bindings.sh
fi

python3 ios/scripts/gen-strings.py target/ios/Localizable.xcstrings
"$venv/bin/python" ios/scripts/check-swift.py
echo "ios-swift: checked in $(( $(date +%s) - t1 ))s"
