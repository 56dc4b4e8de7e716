#!/usr/bin/env bash
# C side of the Swift bindings, checked without Apple's toolchain: the generated header
# (ios/PhanAnhCore/Generated/include/phananhFFI.h, what the xcframework ships) compiles with gcc
# (C11, -Wall -Wextra -Werror), and every function it declares is exported by the host build of
# the library, so header and library agree. The generated Swift (written by gen-bindings.sh to
# ios/PhanAnhCore/Sources/PhanAnhCore/Generated/) is parsed with tree-sitter-swift, together
# with the iOS sources, by 70-ios-swift.sh.
# Runs after 50-kotlin.sh, which generated the bindings; generates them if it did not.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
header=ios/PhanAnhCore/Generated/include/phananhFFI.h
swift=ios/PhanAnhCore/Sources/PhanAnhCore/Generated/PhanAnhCore.swift
lib=target/debug/libphananh_ffi.so
[ -f "$header" ] && [ -f "$swift" ] && [ -f "$lib" ] || bash scripts/gen-bindings.sh

t0=$(date +%s%N)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#include "phananhFFI.h"\nint main(void) { return 0; }\n' >"$tmp/use.c"
# `_Nullable`/`_Nonnull` are Clang nullability qualifiers (Apple's compiler knows them);
# gcc does not, so they are defined away: every other part of the header is checked as is.
gcc -std=c11 -Wall -Wextra -Werror -D_Nullable= -D_Nonnull= -I "$(dirname "$header")" -c "$tmp/use.c" -o "$tmp/use.o"
grep -oE '\b(uniffi|ffi)_phananh_[A-Za-z0-9_]+\s*\(' "$header" | sed -E 's/\s*\($//' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u >"$tmp/exported"
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
declared=$(wc -l <"$tmp/declared")
if [ -n "$missing" ]; then
    echo "swift-header: declared in $header but not exported by $lib:"
    echo "$missing"
    exit 1
fi
echo "swift-header: header compiles with gcc; all $declared declared functions exported ($(( ($(date +%s%N) - t0) / 1000000 )) ms)"

