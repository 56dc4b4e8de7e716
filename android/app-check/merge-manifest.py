#!/usr/bin/env python3
"""merge-manifest.py IN OUT: the app's manifest as the Android Gradle plugin would hand it to
aapt2 for the debug build: the package (Gradle's `namespace`/applicationId) and the SDK levels
added, `tools:` attributes dropped. Library manifests are not merged (none of the libraries'
components is needed by the app: their startup initializers are optional)."""
import sys
import xml.etree.ElementTree as ET

A = "http://schemas.android.com/apk/res/android"
T = "http://schemas.android.com/tools"
ET.register_namespace("android", A)
ET.register_namespace("tools", T)
tree = ET.parse(sys.argv[1])
m = tree.getroot()
m.set("package", "vn.phananh.app")
for el in m.iter():
    for k, v in list(el.attrib.items()):
        if "${applicationId}" in v:
            el.set(k, v.replace("${applicationId}", "vn.phananh.app"))
m.set(f"{{{A}}}versionCode", "1")
m.set(f"{{{A}}}versionName", "0.1.0")
for el in m.iter():
    for k in [k for k in el.attrib if k.startswith(f"{{{T}}}")]:
        del el.attrib[k]
sdk = ET.Element("uses-sdk", {f"{{{A}}}minSdkVersion": "26", f"{{{A}}}targetSdkVersion": "36"})
m.insert(0, sdk)
tree.write(sys.argv[2], encoding="utf-8", xml_declaration=True)
