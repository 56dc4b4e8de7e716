#!/usr/bin/env bash
# Compiles the Android app's Kotlin (app + ui + ui-state + core-jvm + generated bindings) with
# kotlinc and the Compose compiler against Android API 36 (Robolectric's android-all jar) and
# the AndroidX / Media3 / Play services classes from Maven Central: no Android SDK, no Gradle.
# Not covered: resources/manifest processing (aapt2), dexing, R8, packaging; CameraX (not on
# Maven Central), so app/camera/ is left out and its two uses are reported as such.
# Needs the generated Kotlin bindings (scripts/gen-bindings.sh). Prints `app-check: N errors`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
android="$(cd "$here/.." && pwd)"
root="$(cd "$android/.." && pwd)"
t="$here/target"
cd "$here"
mvn -B -ntp -q dependency:copy-dependencies -DoutputDirectory="$t/deps"
mvn -B -ntp -q -f kotlinc.pom.xml dependency:copy-dependencies -DoutputDirectory="$t/kotlinc"
mvn -B -ntp -q dependency:copy -Dartifact=org.jetbrains.kotlin:kotlin-compose-compiler-plugin-embeddable:2.2.21 -DoutputDirectory="$t/plugins"

# classes.jar out of every AAR
rm -rf "$t/cp" "$t/gen" "$t/classes"; mkdir -p "$t/cp" "$t/gen" "$t/classes"
for f in "$t"/deps/*; do
    case "$f" in
        *.aar) unzip -q -p "$f" classes.jar > "$t/cp/$(basename "$f" .aar).jar" ;;
        *.jar) cp "$f" "$t/cp/" ;;
    esac
done
python3 "$here/gen-r.py" "$t/gen"

bindings="$root/android/core-jvm/target/generated-sources/uniffi"
[ -d "$bindings" ] || { echo "no generated bindings in $bindings: run scripts/gen-bindings.sh"; exit 1; }

cp_jars=$(ls "$t"/cp/*.jar | tr '\n' ':')
kotlinc_cp=$(ls "$t"/kotlinc/*.jar | tr '\n' ':')
sources=(
    "$android/ui-state/src/main/kotlin"
    "$android/ui/src/commonMain/kotlin" "$android/ui/src/androidMain/kotlin"
    "$android/core-jvm/src/main/kotlin" "$bindings" "$t/gen"
)
while IFS= read -r f; do sources+=("$f"); done < <(find "$android/app/src/main/kotlin" -name '*.kt' -not -name 'CameraCaptureScreen.kt')

start=$(date +%s)
set +e
java -Xmx3g -cp "$kotlinc_cp" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-stdlib -no-reflect -jvm-target 17 -nowarn \
    -Xplugin="$(ls "$t"/plugins/kotlin-compose-compiler-plugin-embeddable-*.jar)" \
    -classpath "$cp_jars" -d "$t/classes" "${sources[@]}" > "$t/kotlinc.log" 2>&1
status=$?
set -e
# Errors are expected only where the CameraX screen (left out) is used: the line itself or the
# lambda right after it. Anything else fails the check.
python3 - "$t/kotlinc.log" "$root" "$(( $(date +%s) - start ))" <<'PY'
import re, sys
log, root, secs = sys.argv[1], sys.argv[2], sys.argv[3]
expected, unexpected = [], []
for line in open(log, encoding="utf-8"):
    m = re.match(r"(/\S+\.kt):(\d+):\d+: error: (.*)", line.strip())
    if not m:
        if line.startswith("error:"):
            unexpected.append(line.strip())
        continue
    path, no = m.group(1), int(m.group(2))
    src = open(path, encoding="utf-8").read().split("\n")
    window = "\n".join(src[max(0, no - 3):no])
    (expected if "CameraCaptureScreen" in window else unexpected).append(line.strip().replace(root + "/", ""))
for e in unexpected:
    print(e)
print(f"app-check: {len(unexpected)} errors, {len(expected)} expected (CameraX screen not compiled: not on Maven Central), kotlinc {secs}s")
sys.exit(1 if unexpected else 0)
PY
