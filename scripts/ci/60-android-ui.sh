#!/usr/bin/env bash
# Android UI on a machine without the Android SDK: builds android/ui-state (state classes + tests),
# compiles the Compose screens of android/ui for the desktop JVM with JetBrains Compose, checks the
# string resources, and renders every screen in Vietnamese and English (and at font scale 1.5)
# to target/screens/*.png. Tools: Maven + JDK 17 (apt-packages.txt); libraries from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
out="$root/target/screens"
rm -rf "$out"
mvn_opts=(-B -ntp -Dstyle.color=never)

t0=$(date +%s)
mvn "${mvn_opts[@]}" -f android/ui-state/pom.xml install
t1=$(date +%s)
echo "android-ui: ui-state built, tested and installed in $((t1 - t0))s"

# The render test writes the PNGs and prints one timing line per screen.
mvn "${mvn_opts[@]}" -f android/ui/pom.xml test -Dscreens.out="$out" | tee target/android-ui-test.log
t2=$(date +%s)
echo "android-ui: screens compiled, tested and rendered in $((t2 - t1))s"

count=$(find "$out" -name '*.png' | wc -l)
echo "android-ui: $count PNG files in $out"
[ "$count" -ge 30 ] || { echo "expected at least 30 rendered screens"; exit 1; }
