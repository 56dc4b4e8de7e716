#!/usr/bin/env python3
"""Writes the iOS String Catalog (Localizable.xcstrings, Vietnamese source + English) from the
Android string resources, so both apps show the same texts from one source:
android/ui/src/main/res (screens) and android/app/src/main/res (shell: camera, notifications).
Android's `%1$s`/`%1$d` become `%1$@`/`%1$lld`. Usage: gen-strings.py [OUT]"""
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RES_DIRS = [ROOT / "android/ui/src/main/res", ROOT / "android/app/src/main/res"]
DEFAULT_OUT = ROOT / "ios/PhanAnh/Resources/Localizable.xcstrings"
LANGS = {"vi": "values", "en": "values-en"}


def unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def to_ios_format(text: str) -> str:
    return re.sub(r"%(\d+)\$([sd])", lambda m: f"%{m.group(1)}${'@' if m.group(2) == 's' else 'lld'}", text)


def load(lang_dir: str) -> dict:
    strings = {}
    for res in RES_DIRS:
        path = res / lang_dir / "strings.xml"
        for node in ET.parse(path).getroot().iter("string"):
            name = node.get("name")
            if name in strings:
                raise SystemExit(f"duplicate key {name} in {path}")
            strings[name] = to_ios_format(unescape("".join(node.itertext())))
    return strings


def catalog() -> dict:
    per_lang = {lang: load(d) for lang, d in LANGS.items()}
    keys = sorted(per_lang["vi"])
    missing = [k for k in keys if k not in per_lang["en"]]
    if missing:
        raise SystemExit(f"keys without English text: {missing}")
    return {
        "sourceLanguage": "vi",
        "strings": {
            k: {
                "extractionState": "manual",
                "localizations": {
                    lang: {"stringUnit": {"state": "translated", "value": per_lang[lang][k]}} for lang in LANGS
                },
            }
            for k in keys
        },
        "version": "1.0",
    }


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    data = catalog()
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {out} ({len(data['strings'])} keys, vi + en)")
