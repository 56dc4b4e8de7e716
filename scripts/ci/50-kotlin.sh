#!/usr/bin/env bash
# Kotlin on the desktop JVM: generates the bindings from the host build of the core
# (scripts/gen-bindings.sh), compiles android/core-jvm (repository, fake, Flow adapters,
# presenters) with Maven and runs its JUnit 5 tests against the real core loaded with JNA and
# the real backend stub on loopback. Prints `kotlin: N passed, N failed`.
# Tools: Maven + JDK 17 (apt-packages.txt); libraries from Maven Central.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
mvn_opts=(-B -ntp -Dstyle.color=never)

t0=$(date +%s)
bash scripts/gen-bindings.sh
# The stub the tests start on 127.0.0.1.
cargo build --locked -q -p phananh-stub
t1=$(date +%s)

# core-jvm depends on android/ui-state (the shells' state classes); install it if 60 has not.
mvn "${mvn_opts[@]}" -q -f android/ui-state/pom.xml install -DskipTests
t1b=$(date +%s)
# Compiled classes of deleted sources would still run (surefire scans target/test-classes).
rm -rf android/core-jvm/target/classes android/core-jvm/target/test-classes android/core-jvm/target/surefire-reports
mvn "${mvn_opts[@]}" -f android/core-jvm/pom.xml test-compile
t2=$(date +%s)
echo "kotlin: host library + stub + bindings in $((t1 - t0))s, ui-state installed in $((t1b - t1))s, core-jvm (main + tests + generated bindings) compiled in $((t2 - t1b))s"

status=0
mvn "${mvn_opts[@]}" -f android/core-jvm/pom.xml surefire:test || status=$?
t3=$(date +%s)
echo "kotlin: tests ran in $((t3 - t2))s"

python3 - "$root/android/core-jvm/target/surefire-reports" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
tests = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/TEST-*.xml"):
    s = ET.parse(f).getroot()
    tests += int(s.get("tests", 0)); skipped += int(s.get("skipped", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
print(f"kotlin: {tests - failed - skipped} passed, {failed} failed")
if skipped: print(f"kotlin: {skipped} skipped")
PY
exit $status
