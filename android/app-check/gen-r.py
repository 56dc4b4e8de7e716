#!/usr/bin/env python3
"""Writes Kotlin stand-ins for what the Android build generates (R classes from the res/
folders, BuildConfig) so the app's sources compile without aapt2. Ids are arbitrary: the check
is about names and types. Usage: gen-r.py OUT_DIR"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ANDROID = Path(__file__).resolve().parents[1]
MODULES = {"vn.phananh.app": ANDROID / "app/src/main/res", "vn.phananh.ui": ANDROID / "ui/src/main/res"}


def resources(res: Path) -> dict:
    kinds: dict = {}
    for d in sorted(p for p in res.iterdir() if p.is_dir()):
        kind = d.name.split("-")[0]
        if kind == "values":
            for f in d.glob("*.xml"):
                for node in ET.parse(f).getroot():
                    kinds.setdefault(node.tag, set()).add(node.get("name"))
        else:
            for f in d.iterdir():
                kinds.setdefault(kind, set()).add(f.name.split(".")[0])
    return kinds


out = Path(sys.argv[1])
next_id = 0x7F010000
for package, res in MODULES.items():
    lines = [f"package {package}", "", "@Suppress(\"ClassName\", \"ObjectPropertyName\")", "object R {"]
    for kind, names in sorted(resources(res).items()):
        lines.append(f"    object {kind} {{")
        for name in sorted(names):
            lines.append(f"        const val {name}: Int = {next_id}")
            next_id += 1
        lines.append("    }")
    lines.append("}")
    path = out / package.replace(".", "/") / "R.kt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
(out / "vn/phananh/app/BuildConfig.kt").write_text(
    "package vn.phananh.app\n\nobject BuildConfig {\n    const val DEBUG: Boolean = false\n"
    "    const val VERSION_CODE: Int = 1\n    const val VERSION_NAME: String = \"0.1.0\"\n    const val API_BASE_URL_OVERRIDE: String = \"\"\n}\n")
print(f"R and BuildConfig stand-ins in {out}")
