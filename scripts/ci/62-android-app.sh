#!/usr/bin/env bash
# The Android app itself on the JVM (android/app-check/app.sh; no Android SDK, no Gradle):
# compiles the WHOLE app module (app + ui + ui-state + core-jvm + generated bindings, resources
# linked by Debian's aapt2) and fails on any error; then runs the app's Robolectric tests (the
# real MainActivity, navigation and presenters, the real core through JNA from the host build,
# the real stub on 127.0.0.1), which also write the screenshots to target/android-screens;
# then assembles a debug APK (D8 + aapt2 + zipalign + apksigner) and checks it with
# `aapt2 dump badging`. Prints `android: N passed, N failed`.
# Tools: apt-packages.txt (aapt, zipalign, apksigner, JDK 17, Maven); libraries from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
t0=$(date +%s)
# The host library + bindings (also done by 50-kotlin.sh; cheap when built) and the stub.
bash scripts/gen-bindings.sh
cargo build --locked -q -p phananh-stub
t1=$(date +%s)
echo "android-app: host library, bindings and stub in $((t1 - t0))s"

status=0
bash android/app-check/app.sh test || status=$?
t2=$(date +%s)
echo "android-app: compile + Robolectric tests in $((t2 - t1))s"
[ -f android/app-check/target/junit/summary.txt ] || { echo "android: 0 passed, 1 failed (the test run did not finish)"; status=1; }

if [ "$status" -eq 0 ]; then
    bash android/app-check/app.sh apk || status=$?
    echo "android-app: debug APK in $(( $(date +%s) - t2 ))s"
fi
echo "android-app: step took $(( $(date +%s) - t0 ))s"
exit $status
