#!/usr/bin/env python3
"""CI check of the iOS sources on a machine without a Swift compiler:
- every .swift file (app, package, and generated bindings passed on the command line) parses
  with zero ERROR/MISSING nodes under tree-sitter-swift;
- every tr("key") used by the Swift code exists in the String Catalog generated from the
  Android resources, in both languages;
- project.yml, Info.plist and the .xcstrings files are well-formed.
Prints `swift: N passed, N failed` and exits non-zero on any failure."""
import json
import plistlib
import re
import sys
from pathlib import Path

import tree_sitter_swift
import yaml
from tree_sitter import Language, Parser

IOS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(IOS / "scripts"))
import importlib

gen_strings = importlib.import_module("gen-strings")

PARSER = Parser(Language(tree_sitter_swift.language()))
SWIFT_VERSION = (5, 9)  # the project's SWIFT_VERSION / swift-tools-version
SKIP_DIRS = {"build", "DerivedData", ".swiftpm"}


def grammar_gap(node) -> bool:
    """tree-sitter-swift 0.7.x has no rule for the empty tuple expression `()` (valid Swift,
    e.g. uniffi's `let writeReturn = { () }`): it shows up as an ERROR covering exactly `()`, or
    a MISSING token inside a tuple_expression that is exactly `()`. Only that is excused."""
    if node.is_error:
        return node.text.strip() == b"()"
    parent = node.parent
    return node.is_missing and parent is not None and parent.type == "tuple_expression" and parent.text.strip() == b"()"


def syntax_problems(source: bytes, with_gaps: bool = False):
    """(line, column, kind) of every ERROR or MISSING node, except known grammar gaps unless
    `with_gaps`."""
    found = []
    stack = [PARSER.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            if with_gaps or not grammar_gap(node):
                found.append((node.start_point[0] + 1, node.start_point[1] + 1, "missing " + node.type if node.is_missing else "error"))
            continue
        if node.has_error:
            stack.extend(node.children)
    return sorted(found)


DIRECTIVE = re.compile(rb"^\s*#(if|elseif|else|endif)\b(.*)$")


def _condition(expr: str, compiler6: bool):
    """Value of a conditional-compilation condition, or None when it depends on something we
    cannot know here (then the file is parsed as written)."""
    def version(v):
        return tuple(int(x) for x in v.split("."))
    py = re.sub(r"swift\(>=([\d.]+)\)", lambda m: str(SWIFT_VERSION >= version(m.group(1))), expr)
    py = re.sub(r"compiler\(>=([\d.]+)\)", lambda m: str(compiler6 if version(m.group(1)) >= (6,) else True), py)
    py = re.sub(r"canImport\(\w+\)", "True", py)
    py = re.sub(r"os\(iOS\)", "True", py)
    py = re.sub(r"os\(\w+\)", "False", py)
    py = py.replace("&&", " and ").replace("||", " or ").replace("!", " not ")
    if re.search(r"[A-Za-z_]", re.sub(r"\b(True|False|and|or|not)\b", "", py)):
        return None
    return bool(eval(py, {"__builtins__": {}}))  # only True/False/and/or/not/() remain


def resolve_conditionals(source: bytes, compiler6: bool):
    """Keeps the active branch of each #if (as the compiler does) and blanks the rest, line
    numbers unchanged. tree-sitter-swift cannot parse a directive between an attribute and its
    declaration, which uniffi's generated Swift has everywhere (`#if swift(>=5.8)
    @_documentation(...) #endif`). Returns None if a condition cannot be decided."""
    out, stack = [], []  # stack of [parent_active, taken, active]
    for line in source.split(b"\n"):
        m = DIRECTIVE.match(line)
        active = all(frame[2] for frame in stack)
        if not m:
            out.append(line if active else b"")
            continue
        kind, cond = m.group(1).decode(), m.group(2).decode().strip()
        if kind == "if":
            value = _condition(cond, compiler6)
            if value is None:
                return None
            stack.append([active, value, value])
        elif kind == "elseif":
            value = _condition(cond, compiler6)
            if value is None or not stack:
                return None
            frame = stack[-1]
            frame[2] = value and not frame[1]
            frame[1] = frame[1] or value
        elif kind == "else":
            if not stack:
                return None
            stack[-1][2] = not stack[-1][1]
        else:
            if not stack:
                return None
            stack.pop()
        out.append(b"")
    return b"\n".join(out) if not stack else None


def check_file(source: bytes):
    """Problems of the file as written; for files with #if, of each compiler configuration
    (Swift 5.9 toolchains and Swift 6 compilers) after resolving the conditions."""
    if not DIRECTIVE.search(source.replace(b"\r", b"")) and b"#if" not in source:
        return syntax_problems(source)
    variants = [resolve_conditionals(source, c6) for c6 in (False, True)]
    if any(v is None for v in variants):
        return syntax_problems(source)
    problems = []
    for c6, v in zip((False, True), variants):
        problems += [(line, col, f"{kind} (compiler>=6: {c6})") for line, col, kind in syntax_problems(v)]
    return sorted(set(problems))


def _labels(args: str):
    """Argument labels of a call's top-level arguments (nested parentheses skipped)."""
    depth, current, parts = 0, [], []
    for ch in args:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return [m.group(1) if (m := re.match(r"\s*(\w+)\s*:(?!:)", p)) else "_" for p in parts]


def _call_args(text: str, start: int):
    """The text between the parenthesis at `start` and its match."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return ""


def api_mismatches(api: str, app_files):
    methods = {}
    for m in re.finditer(r"open func (\w+)\(([^)]*)\)", api):
        methods.setdefault(m.group(1), []).append([p.split(":")[0].split()[0] for p in m.group(2).split(",") if ":" in p])
    structs = {}
    for m in re.finditer(r"public struct (\w+)(?:\s*:[^{]*)?\s*\{(.*?)\n\}", api, re.S):
        fields = re.findall(r"^    public var (\w+):", m.group(2), re.M)
        if fields:
            structs[m.group(1)] = fields
    problems, calls = [], 0
    for f in app_files:
        text = f.read_text(encoding="utf-8")
        for m in re.finditer(r"\bclient\.(\w+)\(", text):
            calls += 1
            name, labels = m.group(1), _labels(_call_args(text, m.end() - 1))
            line = text.count("\n", 0, m.start()) + 1
            if name not in methods:
                problems.append(f"{f.name}:{line}: client.{name} is not in the generated API")
            elif labels not in methods[name]:
                problems.append(f"{f.name}:{line}: client.{name}({', '.join(labels)}:) but the API has {methods[name]}")
        for name, fields in structs.items():
            for m in re.finditer(r"(?<![\w.])" + name + r"\(", text):
                labels = _labels(_call_args(text, m.end() - 1))
                if labels and labels != fields and labels != ["_"]:
                    calls += 1
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append(f"{f.name}:{line}: {name}({', '.join(labels)}:) but its fields are {fields}")
                elif labels == fields:
                    calls += 1
    return problems, calls


def self_test():
    """The check must be able to fail: a broken snippet has to be reported."""
    assert not syntax_problems(b"struct A { func f() -> Int { return 1 } }\n")
    assert syntax_problems(b"struct A { func f( -> Int { return 1 }\n"), "tree-sitter did not flag a broken file"
    sample = b"#if swift(>=5.8)\n@_documentation(visibility: private)\n#endif\nstruct A {}\n#if compiler(>=6)\nlet x = 1\n#else\nlet x = 2\n#endif\n"
    assert resolve_conditionals(sample, True).split(b"\n")[5] == b"let x = 1"
    assert resolve_conditionals(sample, False).split(b"\n")[7] == b"let x = 2"
    assert not check_file(sample)
    assert resolve_conditionals(b"#if DEBUG\nlet a = 1\n#endif\n", False) is None
    gap = b"func f() { let w = { () }\n g(w) }\n"
    assert syntax_problems(gap, with_gaps=True) and not syntax_problems(gap), "empty-tuple gap not recognised"
    assert syntax_problems(b"func f() { let w = { () \n g(w) }\n"), "a real error next to () was excused"
    assert _labels("id: x, edits: [.a(b: 1), .c]") == ["id", "edits"]
    assert _labels("") == [] and _labels("x") == ["_"]


def main(extra):
    self_test()
    all_files = sorted(p for p in IOS.rglob("*.swift") if not SKIP_DIRS & set(p.relative_to(IOS).parts))
    # scripts/gen-bindings.sh writes the generated bindings into the package's Generated/ folder.
    generated = [p for p in all_files if "Generated" in p.parts] + [Path(e) for e in extra]
    files = [p for p in all_files if "Generated" not in p.parts] + generated
    extra = generated
    passed, failed = 0, 0
    gaps = 0
    for f in files:
        source = f.read_bytes()
        gaps += len(syntax_problems(source, with_gaps=True)) - len(syntax_problems(source))
        problems = check_file(source)
        if problems:
            failed += 1
            for line, col, kind in problems[:5]:
                print(f"{f}:{line}:{col}: {kind}")
        else:
            passed += 1
    print(f"parsed {len(files)} Swift files ({sum(f.stat().st_size for f in files) // 1024} KiB)"
          + (f", including {len(extra)} generated" if extra else ", no generated bindings present")
          + (f"; {gaps} known grammar gap(s) excused (empty tuple `()`)" if gaps else ""))

    catalog = gen_strings.catalog()
    keys = set(catalog["strings"])
    used = set()
    for f in files[: len(files) - len(extra)]:
        used |= set(re.findall(r'\btr\("([a-z0-9_]+)"', f.read_text(encoding="utf-8")))
    unknown = sorted(used - keys)
    if unknown:
        failed += 1
        print(f"tr() keys missing from the Android resources: {unknown}")
    else:
        passed += 1
        print(f"{len(used)} string keys used by Swift, all in the catalog ({len(keys)} keys, vi + en)")

    checks = {
        "project.yml": lambda: yaml.safe_load((IOS / "project.yml").read_text())["targets"]["PhanAnh"],
        "Info.plist": lambda: plistlib.loads((IOS / "PhanAnh/Resources/Info.plist").read_bytes())["BGTaskSchedulerPermittedIdentifiers"],
        "InfoPlist.xcstrings": lambda: [
            s["localizations"]["vi"] and s["localizations"]["en"]
            for s in json.loads((IOS / "PhanAnh/Resources/InfoPlist.xcstrings").read_text())["strings"].values()
        ],
    }
    for name, check in checks.items():
        try:
            check()
            passed += 1
        except Exception as e:  # noqa: BLE001 - report any malformation
            failed += 1
            print(f"{name}: {type(e).__name__}: {e}")

    # Push: the app target is signed with `aps-environment` (project.yml and the file XcodeGen
    # writes agree) and may be woken for remote notifications.
    target = yaml.safe_load((IOS / "project.yml").read_text())["targets"]["PhanAnh"]
    ent = target.get("entitlements", {})
    ent_file = IOS / ent.get("path", "-")
    aps = ent.get("properties", {}).get("aps-environment")
    modes = plistlib.loads((IOS / "PhanAnh/Resources/Info.plist").read_bytes()).get("UIBackgroundModes", [])
    if aps in ("development", "production") and ent_file.is_file() \
            and plistlib.loads(ent_file.read_bytes()).get("aps-environment") == aps and "remote-notification" in modes:
        passed += 1
    else:
        failed += 1
        print(f"push: aps-environment {aps!r} in project.yml, {ent_file.name} present {ent_file.is_file()}, UIBackgroundModes {modes}")

    # The BGTask identifiers the code registers must be permitted by Info.plist.
    plist_ids = set(plistlib.loads((IOS / "PhanAnh/Resources/Info.plist").read_bytes())["BGTaskSchedulerPermittedIdentifiers"])
    code_ids = set(re.findall(r'"(vn\.phananh\.sync\.[a-z]+)"', (IOS / "PhanAnh/Platform/BackgroundSync.swift").read_text()))
    if code_ids and code_ids <= plist_ids:
        passed += 1
    else:
        failed += 1
        print(f"BGTask identifiers in code {sorted(code_ids)} not all in Info.plist {sorted(plist_ids)}")

    # Without a compiler, at least the app's calls into the core must match the generated API:
    # method names and argument labels of `client.x(...)`, and the labels of the records the app
    # builds itself.
    if generated:
        api = "\n".join(g.read_text(encoding="utf-8") for g in generated)
        app = [f for f in files if f not in generated]
        mismatches, calls = api_mismatches(api, app)
        if mismatches:
            failed += 1
            print("calls that do not match the generated Swift API:")
            for m in mismatches:
                print("  " + m)
        else:
            passed += 1
            print(f"{calls} calls into the core match the generated Swift API (names and labels)")

    print(f"swift: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
