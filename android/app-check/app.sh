#!/usr/bin/env bash
# The Android app module built without the Android SDK or Gradle, from Debian's aapt2 and
# Maven Central: `app.sh deps|compile|test|apk` (each stage runs the ones before it that it
# needs; outputs under android/app-check/target).
#   deps     libraries of deps.txt + Robolectric (generated pom), kotlinc + Compose plugin
#   compile  aapt2: the app's and every library's resources -> target/app.ap_ + R.java;
#            javac R + BuildConfig; kotlinc over ALL of app + ui + ui-state + core-jvm + the
#            generated bindings (scripts/gen-bindings.sh must have run). Fails on any error.
#   test     kotlinc android/app/src/test; Robolectric (SDK 34, JDK 17) runs the real app with
#            the host build of the core (target/debug/libphananh_ffi.so via JNA) and the real
#            stub (target/debug/phananh-stub) on 127.0.0.1. Prints `android: N passed, N failed`.
#   apk      D8 (com.android.tools:r8) + aapt2 + zipalign + apksigner: a debug APK without
#            native libraries (those need the NDK), checked with `aapt2 dump badging`.
# The manifest merge is done by hand (merge-manifest.py): the app's manifest with its package,
# SDK levels and the library providers it relies on; Gradle's merger is not available here.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
android="$(cd "$here/.." && pwd)"
root="$(cd "$android/.." && pwd)"
t="$here/target"
mkdir -p "$t"
stage=${1:-compile}
AAPT2=${AAPT2:-$(command -v aapt2 || echo /usr/lib/android-sdk/build-tools/debian/aapt2)}
# The SDK the tests run on, and whose framework resources aapt2 links against: API 34. Debian's
# aapt2 (2.19) cannot read the resource tables of the API 35/36 jars (framework attributes are
# "not found"); framework resource ids are public and stable, so the app links the same way.
TEST_SDK_JAR="org.robolectric:android-all-instrumented:14-robolectric-10818077-i7"
[ -x "$AAPT2" ] || { echo "app: aapt2 not found (apt package aapt; scripts/ci/00-deps.sh installs it)" >&2; exit 1; }
mvn_q=(-B -ntp -q -Dstyle.color=never)
now() { date +%s; }

deps() {
    local t0; t0=$(now)
    python3 "$here/deps-pom.py" "$here/deps.txt" > "$t/deps.pom.xml"
    if [ ! -f "$t/deps/.done" ] || [ "$here/deps.txt" -nt "$t/deps/.done" ]; then
        rm -rf "$t/deps"
        mvn "${mvn_q[@]}" -f "$t/deps.pom.xml" dependency:copy-dependencies -DoutputDirectory="$t/deps" -Dmdep.prependGroupId=true
        mvn "${mvn_q[@]}" -f "$t/deps.pom.xml" dependency:copy -Dartifact="$TEST_SDK_JAR" -DoutputDirectory="$t/robolectric"
        mvn "${mvn_q[@]}" -f "$here/kotlinc.pom.xml" dependency:copy-dependencies -DoutputDirectory="$t/kotlinc"
        mvn "${mvn_q[@]}" -f "$t/deps.pom.xml" dependency:copy -Dartifact=org.jetbrains.kotlin:kotlin-compose-compiler-plugin-embeddable:2.2.21 -DoutputDirectory="$t/plugins"
        touch "$t/deps/.done"
    fi
    # classes.jar and res/ out of every AAR; main and test classpaths.
    if [ ! -f "$t/unpacked/.done" ] || [ "$t/deps/.done" -nt "$t/unpacked/.done" ]; then
        rm -rf "$t/unpacked"; mkdir -p "$t/unpacked/jars" "$t/unpacked/aar"
        for f in "$t"/deps/*; do
            local name; name=$(basename "$f")
            case "$f" in
                *.aar)
                    local d="$t/unpacked/aar/${name%.aar}"
                    mkdir -p "$d"
                    unzip -q -o "$f" classes.jar AndroidManifest.xml 'res/*' 'libs/*' -d "$d" 2>/dev/null || true
                    [ -f "$d/classes.jar" ] && mv "$d/classes.jar" "$t/unpacked/jars/${name%.aar}.jar"
                    for lib in "$d"/libs/*.jar; do [ -f "$lib" ] && mv "$lib" "$t/unpacked/jars/${name%.aar}-$(basename "$lib")"; done
                    ;;
                *.jar) cp "$f" "$t/unpacked/jars/" ;;
            esac
        done
        touch "$t/unpacked/.done"
    fi
    python3 "$here/deps-pom.py" --classpaths "$here/deps.txt" "$t/unpacked/jars" "$t"
    echo "app: libraries ready in $(( $(now) - t0 ))s ($(ls "$t/deps" | wc -l) artifacts)"
}

compile() {
    local t0; t0=$(now)
    local bindings="$android/core-jvm/target/generated-sources/uniffi"
    local sdk_jar; sdk_jar=$(ls "$t"/deps/org.robolectric.android-all-16-*.jar)

    # Resources: every library's res/ and the app's (the ui module's res/ is part of the app).
    rm -rf "$t/res" "$t/gen" "$t/classes" && mkdir -p "$t/res/flat" "$t/gen/java" "$t/classes"
    : > "$t/aapt2.log"
    local packages=() flats=()
    for d in "$t"/unpacked/aar/*/; do
        local pkg; pkg=$(python3 -c 'import sys,xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().get("package",""))' "$d/AndroidManifest.xml" 2>/dev/null || true)
        [ -n "$pkg" ] && packages+=("$pkg")
        if [ -d "$d/res" ] && [ -n "$(ls -A "$d/res")" ]; then
            local out="$t/res/flat/$(basename "$d").zip"
            "$AAPT2" compile --dir "$d/res" -o "$out" 2>>"$t/aapt2.log"
            flats+=("$out")
        fi
    done
    "$AAPT2" compile --dir "$android/ui/src/main/res" -o "$t/res/flat/zz-ui.zip"
    "$AAPT2" compile --dir "$android/app/src/main/res" -o "$t/res/flat/zz-app.zip"
    packages+=(vn.phananh.ui)
    python3 "$here/merge-manifest.py" "$android/app/src/main/AndroidManifest.xml" "$t/AndroidManifest.xml"
    local link_jar; link_jar=$(ls "$t"/robolectric/android-all-instrumented-*.jar)
    local extra; extra=$(printf '%s\n' "${packages[@]}" | sort -u | grep -v '^vn.phananh.app$' | paste -sd: -)
    # Library resources first, the app's last: the app's values win (--auto-add-overlay).
    "$AAPT2" link -I "$link_jar" --manifest "$t/AndroidManifest.xml" --auto-add-overlay --non-final-ids \
        --min-sdk-version 26 --target-sdk-version 36 --version-code 1 --version-name 0.1.0 \
        --java "$t/gen/java" --extra-packages "$extra" -o "$t/app.ap_" \
        -R "${flats[@]}" -R "$t/res/flat/zz-ui.zip" -R "$t/res/flat/zz-app.zip" 2>>"$t/aapt2.log"
    mkdir -p "$t/gen/java/vn/phananh/app"
    cat > "$t/gen/java/vn/phananh/app/BuildConfig.java" <<'JAVA'
package vn.phananh.app;
/** What the Android Gradle plugin generates for the debug build type. */
public final class BuildConfig {
    public static final boolean DEBUG = true;
    public static final String APPLICATION_ID = "vn.phananh.app";
    public static final String BUILD_TYPE = "debug";
    public static final int VERSION_CODE = 1;
    public static final String VERSION_NAME = "0.1.0";
    public static final String API_BASE_URL_OVERRIDE = "";
}
JAVA
    local t1; t1=$(now)
    find "$t/gen/java" -name '*.java' > "$t/gen/sources.txt"
    javac -nowarn -d "$t/classes" -source 17 -target 17 @"$t/gen/sources.txt" 2>&1 | grep -v '^Note:' || true
    local r_classes; r_classes=$(find "$t/classes" -name 'R.class' | wc -l)
    echo "app: resources linked ($(( $(ls "$t"/res/flat | wc -l) )) resource sets, R for ${r_classes} packages) in $(( t1 - t0 ))s"

    [ -d "$bindings/vn" ] || { echo "no generated bindings in $bindings: run scripts/gen-bindings.sh"; exit 1; }
    local sources=(
        "$android/ui-state/src/main/kotlin"
        "$android/ui/src/commonMain/kotlin" "$android/ui/src/androidMain/kotlin"
        "$android/core-jvm/src/main/kotlin" "$bindings" "$android/app/src/main/kotlin"
    )
    local kotlinc_cp; kotlinc_cp=$(ls "$t"/kotlinc/*.jar | paste -sd: -)
    local t2; t2=$(now)
    set +e
    java -Xmx3g -cp "$kotlinc_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
        -no-stdlib -no-reflect -jvm-target 17 -nowarn \
        -Xplugin="$(ls "$t"/plugins/kotlin-compose-compiler-plugin-embeddable-*.jar)" \
        -classpath "$t/classes:$sdk_jar:$(cat "$t/main.cp")" -d "$t/classes" "${sources[@]}" > "$t/kotlinc.log" 2>&1
    local status=$?
    set -e
    local errors; errors=$(grep -c 'error:' "$t/kotlinc.log" || true)
    grep 'error:' "$t/kotlinc.log" | sed "s|$root/||" | head -50 || true
    local files; files=$(find "${sources[@]}" -name '*.kt' | wc -l)
    echo "app: kotlinc over $files Kotlin files (every file of app, ui, ui-state, core-jvm + bindings): $errors errors, $(( $(now) - t2 ))s"
    [ "$status" -eq 0 ] && [ "$errors" -eq 0 ] || { echo "app: compile FAILED"; exit 1; }
}

test_compile() {
    local t0; t0=$(now)
    rm -rf "$t/test-classes" && mkdir -p "$t/test-classes/com/android/tools"
    local kotlinc_cp; kotlinc_cp=$(ls "$t"/kotlinc/*.jar | paste -sd: -)
    local sdk_jar; sdk_jar=$(ls "$t"/deps/org.robolectric.android-all-16-*.jar)
    set +e
    java -Xmx3g -cp "$kotlinc_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
        -no-stdlib -no-reflect -jvm-target 17 -nowarn \
        -Xplugin="$(ls "$t"/plugins/kotlin-compose-compiler-plugin-embeddable-*.jar)" \
        -classpath "$t/classes:$sdk_jar:$(cat "$t/test.cp")" -d "$t/test-classes" "$android/app/src/test/kotlin" \
        "$android/core-jvm/src/test/kotlin/vn/phananh/StubProcess.kt" "$android/core-jvm/src/test/kotlin/vn/phananh/TestSupport.kt" \
        > "$t/kotlinc-test.log" 2>&1
    local status=$?
    set -e
    grep 'error:' "$t/kotlinc-test.log" | sed "s|$root/||" | head -30 || true
    [ "$status" -eq 0 ] || { echo "app: test compile FAILED"; exit 1; }
    echo "app: tests compiled in $(( $(now) - t0 ))s"
}

test_() {
    # What Robolectric reads instead of Gradle's generated test config.
    cat > "$t/test-classes/com/android/tools/test_config.properties" <<EOF
android_resource_apk=$t/app.ap_
android_merged_manifest=$t/AndroidManifest.xml
android_custom_package=vn.phananh.app
EOF
    # Android classes on the outer classpath too (JUnit loads the test classes there), without
    # android/os/Build* (conscrypt's platform check would take it for a real device), last.
    local outer="$t/robolectric/android-outer.jar"
    if [ ! -f "$outer" ]; then
        cp "$t"/robolectric/android-all-instrumented-*.jar "$outer.tmp"
        zip -q -d "$outer.tmp" 'android/os/Build.class' 'android/os/Build$*' >/dev/null
        mv "$outer.tmp" "$outer"
    fi
    rm -rf "$root/target/android-screens" "$t/junit"; mkdir -p "$root/target/android-screens" "$t/junit"
    local t1 status; t1=$(now)
    set +e
    # java.io opened for Robolectric's ParcelFileDescriptor (content:// reads of the photo picker).
    java -Xmx3g --add-opens=java.base/java.io=ALL-UNNAMED \
        -Drobolectric.offline=true -Drobolectric.dependency.dir="$t/robolectric" \
        -Drobolectric.logging.enabled=false \
        -Djna.library.path="$root/target/debug" \
        -Dphananh.stub="$root/target/debug/phananh-stub" \
        -Dphananh.photos="$(cd "$root/.." && pwd)/shared/data/photos" \
        -Dphananh.screens="$root/target/android-screens" \
        -Dphananh.junit="$t/junit" \
        -cp "$t/test-classes:$t/classes:$(cat "$t/test.cp"):$outer" \
        vn.phananh.app.AppTestMain ${APP_TESTS:-} 2>&1 | tee "$t/test.log" | grep -v -E '^\s+at |^WARNING: ' 
    status=${PIPESTATUS[0]}
    set -e
    echo "app: Robolectric run in $(( $(now) - t1 ))s; $(ls "$root/target/android-screens" | wc -l) screenshots in target/android-screens"
    return "$status"
}

case "$stage" in
    deps) deps ;;
    compile) deps; compile ;;
    test) deps; compile; test_compile; test_ ;;
    test-compile) test_compile ;;
    test-only) test_ ;;
    apk) deps; [ -f "$t/classes/vn/phananh/app/MainActivity.class" ] || compile; bash "$here/apk.sh" ;;
    *) echo "usage: app.sh deps|compile|test|apk"; exit 2 ;;
esac
