#!/usr/bin/env bash
# Builds the Rust core for iOS and wraps it for Swift Package Manager (ios/PhanAnhCore):
#   phananhFFI.xcframework              static libraries for device (arm64) and simulator
#                                       (arm64 + x86_64, lipo'd), each with phananhFFI.h + module map
#   Sources/PhanAnhCore/Generated/      the uniffi-generated Swift API (scripts/gen-bindings.sh)
# Nothing of it is committed. Needs macOS with Xcode and
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
# Usage: ios/scripts/build-xcframework.sh [--debug]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
profile=release; flag=--release
if [ "${1:-}" = "--debug" ]; then profile=debug; flag=; fi
pkg="$here/PhanAnhCore"
work="$root/target/ios-xcframework"
lib=libphananh_ffi.a

cd "$root"
# Swift API + C header/module map, from the library's own metadata (same generator as Android).
bash scripts/gen-bindings.sh
headers="$pkg/Generated/include"

export IPHONEOS_DEPLOYMENT_TARGET=16.0
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build --locked $flag -p phananh-ffi --target "$t"
done

rm -rf "$work"; mkdir -p "$work/sim"
lipo -create \
    "target/aarch64-apple-ios-sim/$profile/$lib" \
    "target/x86_64-apple-ios/$profile/$lib" \
    -output "$work/sim/$lib"

rm -rf "$pkg/phananhFFI.xcframework"
xcodebuild -create-xcframework \
    -library "target/aarch64-apple-ios/$profile/$lib" -headers "$headers" \
    -library "$work/sim/$lib" -headers "$headers" \
    -output "$pkg/phananhFFI.xcframework"
echo "built $pkg/phananhFFI.xcframework ($profile) and the Swift bindings"
