#!/usr/bin/env bash
# Debug APK of the app from what app.sh compiled: D8 (com.android.tools:r8 from Maven Central)
# dexes the app's classes and its runtime libraries; the resource APK from aapt2 gets the dex
# files and the libraries' META-INF/services; zipalign; apksigner with a throw-away debug key;
# then `aapt2 dump badging` must name the package and the launcher activity.
# Left out: native libraries. The core (libphananh_ffi.so) for phone ABIs needs the Android NDK
# (cargo-ndk), which is not available here, so this APK installs and starts but cannot load the
# core; JNA's own libjnidispatch.so for Android is added from its AAR when present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t="$here/target"
AAPT2=${AAPT2:-$(command -v aapt2 || echo /usr/lib/android-sdk/build-tools/debian/aapt2)}
out="$t/apk"
rm -rf "$out" && mkdir -p "$out/dex" "$out/meta"
t0=$(date +%s)
r8=$(ls "$t"/deps/com.android.tools.r8-*.jar)
sdk_jar=$(ls "$t"/deps/org.robolectric.android-all-16-*.jar)
(cd "$t/classes" && zip -q -r "$out/app-classes.jar" .)
IFS=: read -r -a libs < "$t/main.cp" || true  # no trailing newline
java -Xmx3g -cp "$r8" com.android.tools.r8.D8 --debug --min-api 26 --lib "$sdk_jar" \
    --output "$out/dex" "$out/app-classes.jar" "${libs[@]}" 2> "$out/d8.log" || { tail -30 "$out/d8.log"; exit 1; }
t1=$(date +%s)
echo "apk: D8 in $((t1 - t0))s: $(ls "$out/dex" | wc -l) dex files, $(du -ch "$out"/dex/*.dex | tail -1 | cut -f1)"

# Service registrations the libraries rely on at runtime (e.g. coroutines' Dispatchers.Main).
for jar in "${libs[@]}"; do
    unzip -q -o "$jar" 'META-INF/services/*' -d "$out/meta" 2>/dev/null || true
done
cp "$t/app.ap_" "$out/app-unsigned.apk"
(cd "$out/dex" && zip -q "$out/app-unsigned.apk" classes*.dex)
[ -d "$out/meta/META-INF" ] && (cd "$out/meta" && zip -q -r "$out/app-unsigned.apk" META-INF)
zipalign -f -p 4 "$out/app-unsigned.apk" "$out/app-aligned.apk"
keytool -genkeypair -keystore "$out/debug.keystore" -storepass android -keypass android -alias androiddebugkey \
    -dname "CN=Android Debug,O=Android,C=US" -keyalg RSA -keysize 2048 -validity 365 >/dev/null 2>&1
apksigner sign --ks "$out/debug.keystore" --ks-pass pass:android --key-pass pass:android \
    --min-sdk-version 26 --out "$out/phananh-debug.apk" "$out/app-aligned.apk"
apksigner verify --min-sdk-version 26 "$out/phananh-debug.apk"
"$AAPT2" dump badging "$out/phananh-debug.apk" > "$out/badging.txt" 2>/dev/null || aapt dump badging "$out/phananh-debug.apk" > "$out/badging.txt"
grep -E "^package:|^launchable-activity:|^sdkVersion|^targetSdkVersion|^application-label:|^uses-permission:" "$out/badging.txt"
grep -q "^package: name='vn.phananh.app'" "$out/badging.txt" || { echo "apk: wrong package"; exit 1; }
grep -q "^launchable-activity: name='vn.phananh.app.MainActivity'" "$out/badging.txt" || { echo "apk: no launcher activity"; exit 1; }
echo "apk: $out/phananh-debug.apk ($(du -h "$out/phananh-debug.apk" | cut -f1)), signed and verified in $(( $(date +%s) - t0 ))s"
