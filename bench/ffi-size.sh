#!/usr/bin/env bash
# Size of the apps' Rust library (issue 12 item 7): the stripped release libphananh_ffi.so
# for the phones' ABI (arm64, built here for aarch64-unknown-linux-gnu: the same code as
# aarch64-linux-android, whose Bionic sysroot needs the NDK) and for the host (x86_64),
# printed beside the 6 MB target. Not run in CI: a cold release build is ~10 min per ABI on
# 2 cores. Needs apt (gcc-aarch64-linux-gnu) and rustup (the aarch64 standard library).
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_BYTES=$((6 * 1000 * 1000))
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    (apt-get install -y -q gcc-aarch64-linux-gnu || { apt-get update -q && apt-get install -y -q gcc-aarch64-linux-gnu; }) >/dev/null
fi
rustup target add aarch64-unknown-linux-gnu >/dev/null
cargo build --release --locked -q -p phananh-ffi
CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
    cargo build --release --locked -q -p phananh-ffi --target aarch64-unknown-linux-gnu
for f in target/aarch64-unknown-linux-gnu/release/libphananh_ffi.so target/release/libphananh_ffi.so; do
    bytes=$(stat -c %s "$f")
    python3 -c "import sys; b, t, f = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]; print(f'{f}: {b:,} bytes ({b / 1e6:.2f} MB), target <= {t / 1e6:.0f} MB: ' + ('met' if b <= t else 'NOT met'))" "$bytes" "$TARGET_BYTES" "$f"
done
