#!/usr/bin/env python3
"""Developer tool (not run by CI): resolves the AndroidX/Compose runtime closure of the app the
way Gradle would, from the libraries' Gradle module metadata (.module) on Maven Central, taking
the Android (androidJvm / jvm runtime) variant of every Kotlin-multiplatform library and the
highest requested version of each module. Maven cannot do this itself (AAR dependencies are
declared as jars in the POMs, and KMP roots point at variants through .module files only).
Prints a flat `group:artifact:version:type` list for deps.txt (test-only entries then get
`:test` by hand). Usage: resolve.py [ROOT...] (default: ROOTS below, the app's own choices)."""
import json, sys, urllib.request, urllib.error
from functools import lru_cache

REPO = "https://repo1.maven.org/maven2"
L = "androidx.lifecycle"
# What the app asks for (android/gradle/libs.versions.toml), with Compose's foundation/animation/
# ripple and the lifecycle/savedstate family pinned to one version each (Gradle aligns them
# through constraints in the .module files, which this tool does not read).
ROOTS = [
    "androidx.compose.ui:ui-test-junit4:1.11.4", "androidx.compose.material3:material3:1.4.0",
    "androidx.compose.material:material-icons-core:1.7.8", "androidx.navigation:navigation-compose-android:2.9.7",
    "androidx.activity:activity-compose:1.10.1", "androidx.compose.foundation:foundation:1.11.4",
    "androidx.compose.animation:animation:1.11.4", "androidx.compose.material:material-ripple:1.11.4",
] + [f"{L}:{a}:2.9.4" for a in (
    "lifecycle-runtime-compose", "lifecycle-viewmodel-compose", "lifecycle-runtime", "lifecycle-runtime-ktx",
    "lifecycle-viewmodel-ktx", "lifecycle-viewmodel-savedstate", "lifecycle-common-java8", "lifecycle-process",
    "lifecycle-livedata", "lifecycle-viewmodel", "lifecycle-common")] + [
    "androidx.savedstate:savedstate-ktx:1.3.3", "androidx.savedstate:savedstate:1.3.3",
    "androidx.savedstate:savedstate-compose:1.3.3", "androidx.core:core-ktx:1.16.0",
    "androidx.exifinterface:exifinterface:1.4.2", "androidx.media3:media3-transformer:1.11.1",
    "androidx.media3:media3-effect:1.11.1", "androidx.media3:media3-muxer:1.11.1",
    "com.google.android.gms:play-services-location:21.3.0",
    "org.jetbrains.kotlinx:kotlinx-coroutines-play-services:1.10.2", "org.jetbrains.kotlinx:kotlinx-coroutines-android:1.10.2",
    "org.jetbrains.kotlinx:kotlinx-coroutines-test:1.10.2", "org.jetbrains.kotlinx:kotlinx-coroutines-guava:1.10.2",
    "org.jetbrains.kotlin:kotlin-stdlib:2.2.21", "net.java.dev.jna:jna:5.17.0", "androidx.test:core:1.7.0",
    "androidx.test.ext:junit:1.3.0", "androidx.test:runner:1.7.0", "androidx.test.espresso:espresso-core:3.7.0",
    "junit:junit:4.13.2",
]

def url(g, a, v, ext):
    return f"{REPO}/{g.replace('.', '/')}/{a}/{v}/{a}-{v}.{ext}"

@lru_cache(None)
def fetch(u):
    try:
        with urllib.request.urlopen(u, timeout=30) as r:
            return r.read()
    except urllib.error.HTTPError:
        return None

def vkey(v):
    out = []
    for p in v.replace("-", ".").split("."):
        out.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return out

def pick_variant(mod):
    vs = mod.get("variants", [])
    def attrs(v): return v.get("attributes", {})
    for want in ("androidJvm", "jvm"):
        for v in vs:
            a = attrs(v)
            if a.get("org.jetbrains.kotlin.platform.type") == want and a.get("org.gradle.usage", "").endswith("runtime"):
                return v
    for v in vs:
        a = attrs(v)
        if a.get("org.gradle.usage") == "java-runtime" and a.get("org.gradle.category", "library") == "library" \
                and "org.jetbrains.kotlin.platform.type" not in a:
            return v
    for v in vs:
        if attrs(v).get("org.gradle.usage", "").endswith("runtime") and attrs(v).get("org.gradle.category") != "documentation":
            return v
    return None

chosen = {}   # (g,a) -> (version, type)
requested = {}
queue = []
for root in sys.argv[1:] or ROOTS:
    g, a, v = root.split(":")[:3]
    queue.append((g, a, v))
redirected = {}
while queue:
    g, a, v = queue.pop()
    key = (g, a)
    cur = requested.get(key) or redirected.get(key)
    if cur and vkey(cur) >= vkey(v):
        continue
    requested[key] = v
    raw = fetch(url(g, a, v, "module"))
    if raw is None:
        # No Gradle metadata: POM only (plain jar or aar); deps from the POM.
        pom = fetch(url(g, a, v, "pom"))
        if pom is None:
            print(f"# MISSING {g}:{a}:{v}", file=sys.stderr); requested.pop(key); continue
        import xml.etree.ElementTree as ET
        ns = {"m": "http://maven.apache.org/POM/4.0.0"}
        p = ET.fromstring(pom)
        pk = p.findtext("m:packaging", "jar", ns)
        chosen[key] = (v, "aar" if pk == "aar" else "jar")
        for d in p.findall("m:dependencies/m:dependency", ns):
            if d.findtext("m:scope", "compile", ns) in ("test", "provided", "system") or d.findtext("m:optional", "false", ns) == "true":
                continue
            dv = (d.findtext("m:version", "", ns) or "").strip("[]")
            if dv and "$" not in dv and "," not in dv:
                queue.append((d.findtext("m:groupId", "", ns), d.findtext("m:artifactId", "", ns), dv))
        continue
    mod = json.loads(raw)
    var = pick_variant(mod)
    if var is None:
        print(f"# NO VARIANT {g}:{a}:{v}", file=sys.stderr); continue
    if "available-at" in var:
        at = var["available-at"]
        requested.pop(key)
        redirected[key] = v
        chosen.pop(key, None)
        queue.append((at["group"], at["module"], at["version"]))
        continue
    files = [f["name"] for f in var.get("files", [])]
    typ = "aar" if any(f.endswith(".aar") for f in files) else "jar"
    if not files:
        typ = "pom"
    chosen[key] = (v, typ)
    for d in var.get("dependencies", []):
        ver = d.get("version", {})
        dv = ver.get("strictly") or ver.get("requires") or ver.get("prefers")
        if dv:
            queue.append((d["group"], d["module"], dv.strip("[]")))
for (g, a), (v, t) in sorted(chosen.items()):
    if t != "pom" and not a.endswith("-bom") and g not in ("com.android.support", "android.arch.lifecycle", "android.arch.core") \
            and a not in ("kotlin-stdlib-common", "listenablefuture"):
        print(f"{g}:{a}:{v}:{t}")
