"""Vendor SDK dependencies: packages named in manifests and lock files, and imports in code.

A package such as `dashscope` or `@ai-sdk/deepseek` ties code to a vendor as hard as a model ID
string does. This module reads what a repository declares, with each format's own parser where
Python has one (tomllib, json, a YAML parser, xml.etree), and maps package names to vendors
through catalog/packages.toml. Pure functions over bytes: no file system, no network.

A declared package becomes a Match of kind `dependency` whose model_id is its package URL
(`pkg:pypi/dashscope`), so tiers, gating, baselines and every report treat it like a model ID.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from hedgectl.catalog import BlobStore, load_data
from hedgectl.core.models import Finding, Kind, Location, Match

DIRECT = "direct"
TRANSITIVE = "transitive"
IMPORT = "import"


@dataclass(frozen=True, slots=True)
class Package:
    """One catalog entry: a published package and the vendor (or platform) behind it."""

    ecosystem: str
    name: str
    vendor: str
    imports: tuple[str, ...] = ()
    source: str = ""
    date: str = ""

    @property
    def purl(self) -> str:
        if self.ecosystem == "maven":
            group, _, artifact = self.name.partition(":")
            return f"pkg:maven/{group}/{artifact}"
        return f"pkg:{self.ecosystem}/{self.name}"


@dataclass(frozen=True, slots=True)
class Declared:
    """A package named in a file: where, and whether the project asks for it itself."""

    ecosystem: str
    name: str  # as written
    line: int  # 1-based
    column: int  # 1-based
    scope: str  # direct | transitive | import
    group: str = ""  # optional-dependency group, dev, ...


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class PackageIndex:
    """Lookups from a declared name to the catalog entry, per ecosystem's naming rules."""

    def __init__(self, packages: Iterable[Package]) -> None:
        self.packages = tuple(packages)
        self._exact: dict[tuple[str, str], Package] = {}
        self._go: list[Package] = []
        self._py_imports: dict[str, Package] = {}
        for p in self.packages:
            if p.ecosystem == "golang":
                self._go.append(p)
            key = pep503(p.name) if p.ecosystem == "pypi" else p.name.lower()
            self._exact[(p.ecosystem, key)] = p
            for module in p.imports:
                self._py_imports[module] = p

    def lookup(self, ecosystem: str, name: str) -> Package | None:
        if ecosystem == "golang":
            for p in self._go:  # module paths: a major-version suffix or sub-module matches
                if name == p.name or name.startswith(p.name + "/"):
                    return p
            return None
        key = pep503(name) if ecosystem == "pypi" else name.lower()
        return self._exact.get((ecosystem, key))

    def python_import(self, module: str) -> Package | None:
        """`tencentcloud.hunyuan.v20230901` -> the package whose import name is a prefix of it."""
        parts = module.split(".")
        for n in range(len(parts), 0, -1):
            hit = self._py_imports.get(".".join(parts[:n]))
            if hit is not None:
                return hit
        return None

    def keywords(self) -> set[str]:
        """Literals that an import of a catalog package contains, for the keyword prefilter.

        Specific on purpose (`import together`, not `together`): a common word as a keyword would
        send every line of prose through the tokenizer.
        """
        words: set[str] = set()
        for p in self.packages:
            if p.ecosystem == "pypi":
                for module in p.imports:
                    head, _, tail = module.rpartition(".")
                    words.update({f"import {module}", f"from {module}"})
                    if head:
                        words.add(f"{head} import {tail}")
            elif p.ecosystem == "npm":
                words.update({f'"{p.name}', f"'{p.name}"})
            elif p.ecosystem == "golang":
                words.add(f'"{p.name}')
        return words


def load_packages(store: BlobStore | None = None) -> PackageIndex:
    doc = load_data("packages.toml", store)
    return PackageIndex(
        Package(
            ecosystem=e["ecosystem"],
            name=e["name"],
            vendor=e["vendor"],
            imports=tuple(e.get("imports", ())),
            source=e.get("source", ""),
            date=e.get("date", ""),
        )
        for e in doc.get("packages", [])
    )


# ----------------------------------------------------------------------------------- manifests

LOCK_FILES = frozenset(
    {"poetry.lock", "uv.lock", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml",
     "yarn.lock", "Pipfile.lock"}
)  # fmt: skip
REQUIREMENTS = re.compile(r"(?:.*requirements.*|constraints.*)\.(?:txt|in)$", re.IGNORECASE)


def manifest_kind(path: str) -> str | None:
    """Which parser reads this file, by its name; None for files that are not manifests."""
    # String operations, not PurePosixPath: this runs once for every file of the tree.
    head, _, name = path.rstrip("/").rpartition("/")
    if name in _PARSERS:
        return name
    lowered = name.lower()
    if lowered.endswith((".gradle", ".gradle.kts")):
        return "build.gradle"
    if not lowered.endswith((".txt", ".in")):
        return None
    if REQUIREMENTS.fullmatch(name) or (
        head.rpartition("/")[2] == "requirements" and name.endswith((".txt", ".in"))
    ):
        return "requirements.txt"
    return None


Keep = Callable[[str, str], bool]  # (ecosystem, name) -> whether the caller wants it


def declared(path: str, data: bytes, keep: Keep | None = None) -> list[Declared]:
    """Every package a manifest or lock file names (unknown packages included), in file order.

    keep: only the packages it accepts (parsers of large lock files skip placing the others).
    A file that does not parse yields nothing: a broken manifest is the build's problem, and
    audit must not fail a run on it.
    """
    kind = manifest_kind(path)
    if kind is None:
        return []
    text = data.decode("utf-8", "replace")
    try:
        found = list(_PARSERS[kind](text, keep))
    except (
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        RecursionError,
        SyntaxError,  # setup.py, and xml.etree's ParseError (a pom.xml) is one
    ):
        return []
    return found if keep is None else [d for d in found if keep(d.ecosystem, d.name)]


class _Locator:
    """Line and column of a name in the text: parsers that build dicts lose positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def find(self, name: str, start: int = 0) -> tuple[int, int, int]:
        """(line, column, offset) of the first whole-word occurrence at or after `start`."""
        pattern = re.compile(r"(?<![\w@/.-])" + re.escape(name) + r"(?![\w-])", re.IGNORECASE)
        m = pattern.search(self.text, start) or pattern.search(self.text)
        if m is None:
            return 1, 1, 0
        return (*self.position(m.start()), m.start())

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.line_starts[lo] + 1


# A package name where a declaration can start: right after a quote, or first on a line (a
# TOML key, a YAML key, a pnpm package path `/name@1.0`). One pass builds the index.
NAME_TOKEN = re.compile(
    r"""(?P<q>["'])/?(?P<quoted>(?:@[\w.~-]+/)?[\w.~-]+)|^[ \t]{0,12}/?(?P<bare>(?:@[\w.~-]+/)?[\w.~-]+)""",
    re.MULTILINE,
)


def _name_positions(
    text: str, key_ok: Callable[[str, int], bool], wanted: set[str] | None = None
) -> dict[str, list[int]]:
    """Offsets of each (lower-cased) name, in order, where a declaration can stand.

    wanted: only these (lower-cased) names. For a few, a search for just them, each checked for
    what NAME_TOKEN requires before it (a quote, or only blanks from the line start; a `/`
    between), finds the places NAME_TOKEN's pass finds: a token starts nowhere else.
    """
    if wanted is not None and len(wanted) <= 64:
        if not wanted:
            return {}
        alternatives = "|".join(re.escape(n) for n in sorted(wanted, key=len, reverse=True))
        names = re.compile(r"(?:" + alternatives + r")(?![\w.~-])", re.IGNORECASE)
        found: dict[str, list[int]] = {}
        for m in names.finditer(text):
            at = m.start()
            lead = at - 1 if text[at - 1 : at] == "/" else at  # NAME_TOKEN's optional `/`
            if text[lead - 1 : lead] in ('"', "'"):
                pass  # a quoted name
            else:  # a key: nothing but up to 12 blanks between the line start and the name
                indent = text[text.rfind("\n", 0, lead) + 1 : lead]
                if len(indent) > 12 or indent.strip(" \t") or not key_ok(text, m.end()):
                    continue
            found.setdefault(m.group(0).lower(), []).append(at)
        return found
    index: dict[str, list[int]] = {}
    for m in NAME_TOKEN.finditer(text):
        if m.group("quoted") is not None:
            name, at = m.group("quoted"), m.start("quoted")
        elif key_ok(text, m.end("bare")):
            name, at = m.group("bare"), m.start("bare")
        else:
            continue
        index.setdefault(name.lower(), []).append(at)
    return index


def _named(
    text: str,
    eco: str,
    names: Iterable[tuple[str, str, str]],
    key_ok: Callable[[str, int], bool] | None = None,
) -> Iterator[Declared]:
    """Place (name, scope, group) triples in the text, in document order.

    Parsers that build dicts lose positions, but keep order: a name that is declared twice (a
    base list and an optional group) is placed at its next occurrence each time. Only places
    where a declaration can stand count: a string's start (`"dashscope>=1"`) or a key at the
    start of a line (`dashscope = "*"`), never a group named like a package. Linear in the
    text: one pass indexes every candidate position (lock files list thousands of packages).
    """
    names = list(names)
    loc = _Locator(text)
    index = _name_positions(text, key_ok or _is_key, {name.lower() for name, _, _ in names})
    used: dict[str, int] = {}
    for name, scope, group in names:
        key = name.lower()
        positions = index.get(key, [])
        n = used.get(key, 0)
        if n >= len(positions):
            continue  # named only where a declaration cannot stand: not placed, not reported
        used[key] = n + 1
        line, col = loc.position(positions[n])
        yield Declared(eco, name, line, col, scope, group)


def _is_yaml_key(text: str, end: int) -> bool:
    """`  react:` or `  /react@18.2.0:` in a pnpm lock file."""
    return text[end : end + 1] in (":", "@")


def _is_key(text: str, end: int) -> bool:
    """`name = "^1"` or `name = { ... }`: a Poetry/Pipfile/Cargo entry. `name = [...]` is a
    group of that name, not a package."""
    rest = text[end : end + 40]
    return bool(re.match(r"""["']?\s*=\s*["'{]""", rest))


REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
EGG = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirements(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        egg = EGG.search(raw)
        if egg:
            yield Declared("pypi", egg.group(1), i, egg.start(1) + 1, DIRECT)
            continue
        if line.startswith("-"):  # -r other.txt, -c, --index-url, -e path
            continue
        m = REQ_NAME.match(raw)
        if m:
            yield Declared("pypi", m.group(1), i, m.start(1) + 1, DIRECT)


def _pep508_name(spec: str) -> str:
    m = REQ_NAME.match(spec)
    return m.group(1) if m else ""


def _pyproject(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = tomllib.loads(text)
    names: list[tuple[str, str, str]] = []
    project = doc.get("project", {})
    names += [(_pep508_name(s), DIRECT, "") for s in project.get("dependencies", [])]
    for group, specs in project.get("optional-dependencies", {}).items():
        names += [(_pep508_name(s), DIRECT, group) for s in specs]
    for group, specs in doc.get("dependency-groups", {}).items():  # PEP 735
        names += [(_pep508_name(s), DIRECT, group) for s in specs if isinstance(s, str)]
    poetry = doc.get("tool", {}).get("poetry", {})
    names += [(n, DIRECT, "") for n in poetry.get("dependencies", {}) if n != "python"]
    names += [(n, DIRECT, "dev") for n in poetry.get("dev-dependencies", {})]
    for group, body in poetry.get("group", {}).items():
        names += [(n, DIRECT, group) for n in body.get("dependencies", {})]
    yield from _named(text, "pypi", [n for n in names if n[0]])


def _pipfile(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = tomllib.loads(text)
    names = [(n, DIRECT, "") for n in doc.get("packages", {})]
    names += [(n, DIRECT, "dev") for n in doc.get("dev-packages", {})]
    yield from _named(text, "pypi", names)


def _pipfile_lock(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = json.loads(text)
    names = [(n, TRANSITIVE, "") for n in doc.get("default", {})]
    names += [(n, TRANSITIVE, "dev") for n in doc.get("develop", {})]
    yield from _named(text, "pypi", names)


TOML_LOCK_NAME = re.compile(r'^name\s*=\s*"([^"]+)"', re.MULTILINE)


def _toml_lock(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    """poetry.lock and uv.lock: [[package]] tables; uv marks the project's own direct needs."""
    doc = tomllib.loads(text)
    packages = doc.get("package", [])
    direct: set[str] = set()
    for p in packages:
        source = p.get("source", {})
        if isinstance(source, dict) and ("editable" in source or "virtual" in source):
            direct.update(pep503(d.get("name", "")) for d in p.get("dependencies", []))
            for deps in p.get("optional-dependencies", {}).values():
                direct.update(pep503(d.get("name", "")) for d in deps)
    loc = _Locator(text)
    headers = {m.group(1): m.start(1) for m in TOML_LOCK_NAME.finditer(text)}  # one pass
    for p in packages:
        name = p.get("name", "")
        if not name:
            continue
        line, col = loc.position(headers[name]) if name in headers else (1, 1)
        scope = DIRECT if pep503(name) in direct else TRANSITIVE
        yield Declared("pypi", name, line, col, scope)


def _package_json(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = json.loads(text)
    names: list[tuple[str, str, str]] = []
    for section, group in (
        ("dependencies", ""),
        ("devDependencies", "dev"),
        ("optionalDependencies", "optional"),
        ("peerDependencies", "peer"),
    ):
        body = doc.get(section, {})
        if isinstance(body, dict):
            names += [(n, DIRECT, group) for n in body]
    yield from _npm_named(text, names, keep)


JSON_KEY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:')


def _npm_named(
    text: str, names: Iterable[tuple[str, str, str]], keep: Keep | None = None
) -> Iterator[Declared]:
    wanted = [n for n in names if keep is None or keep("npm", n[0])]
    if not wanted:
        return
    loc = _Locator(text)
    first_key = _first_keys(text, {name for name, _, _ in wanted})
    for name, scope, group in wanted:
        at = first_key.get(name)
        line, col = loc.position(at + 1) if at is not None else (1, 1)
        yield Declared("npm", name, line, col, scope, group)


def _first_keys(text: str, names: set[str]) -> dict[str, int]:
    """Where each package first appears as a JSON key (`"openai": "^4"`,
    `"node_modules/openai": {`), not as the package's own `"name": "openai"`.

    The keys are the matches of JSON_KEY scanned from the start (one pass: a search per name was
    quadratic on lock files of thousands of packages). For a few names, one search for just
    those keys finds the same places: such a key cannot start inside an earlier JSON_KEY match
    unless its quote is escaped, and then (a backslash before it) the full pass decides.
    """
    plain = all('"' not in n and "\\" not in n and not n.startswith("node_modules/") for n in names)
    if names and plain and len(names) <= 64:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = re.compile(r'"(?:node_modules/)?(' + alternatives + r')"\s*:')
        found: dict[str, int] = {}
        for m in pattern.finditer(text):
            if text[m.start() - 1 : m.start()] == "\\":
                break  # ambiguous: let the full pass decide
            found.setdefault(m.group(1), m.start())
        else:
            return found
    first_key: dict[str, int] = {}
    for m in JSON_KEY.finditer(text):
        first_key.setdefault(m.group(1).removeprefix("node_modules/"), m.start())
    return first_key


def _package_lock(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = json.loads(text)
    packages = doc.get("packages")
    names: list[tuple[str, str, str]] = []
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        root = packages.get("", {})
        direct = {
            n
            for section in ("dependencies", "devDependencies", "optionalDependencies")
            for n in root.get(section, {})
        }
        for key in packages:
            if not key:
                continue
            name = key.rsplit("node_modules/", 1)[-1]
            nested = key.count("node_modules/") > 1
            scope = DIRECT if name in direct and not nested else TRANSITIVE
            names.append((name, scope, ""))
    else:  # lockfileVersion 1
        names = [(n, TRANSITIVE, "") for n in doc.get("dependencies", {})]
    scopes: dict[str, str] = {}  # one entry a package; direct wins over a nested copy
    for name, scope, _ in names:
        if scopes.get(name) != DIRECT:
            scopes[name] = scope
    yield from _npm_named(text, [(n, s, "") for n, s in scopes.items()], keep)


PNPM_KEY = re.compile(r"^/?((?:@[^/@]+/)?[^/@(]+)@")


# An anchor or alias: `&` or `*` at a line start or after a blank or [{,:- (the character before
# is looked behind for, so the engine skips from one `&` or `*` to the next).
YAML_ALIAS = re.compile(r"[&*](?<![^\s\[{,:-][&*])[\w-]")


def _pnpm_lock(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    import yaml  # a YAML parser: lock files use the full syntax (quoted keys, flow maps)

    from hedgectl.core import pnpm_lock

    if YAML_ALIAS.search(text):
        return  # lock files have no anchors; aliases are how a YAML bomb multiplies
    found: tuple[list[str], list[str]] | None
    try:
        try:
            found = pnpm_lock.tables(text)  # from the parser's events: most lock files
        except pnpm_lock.Unusual:
            found = _pnpm_loaded(text)
    except yaml.YAMLError:
        return
    if found is None:
        return
    direct, package_keys = found
    names: dict[str, str] = dict.fromkeys(direct, DIRECT)
    for key in package_keys:
        m = PNPM_KEY.match(key)
        if m and m.group(1) not in names:
            names[m.group(1)] = TRANSITIVE
    wanted = [(n, s, "") for n, s in names.items() if keep is None or keep("npm", n)]
    yield from _named(text, "npm", wanted, _is_yaml_key)


def _pnpm_loaded(text: str) -> tuple[list[str], list[str]] | None:
    """pnpm_lock.tables' answer from the document loaded as Python objects (any YAML)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: lock files are large
    doc = yaml.load(text, Loader=loader) or {}
    if not isinstance(doc, dict):
        return None
    direct: set[str] = set()
    for importer in (doc.get("importers") or {"": doc}).values():
        for section in ("dependencies", "devDependencies", "optionalDependencies"):
            direct.update((importer or {}).get(section) or {})
    return list(direct), [str(key) for key in doc.get("packages") or {}]


YARN_ENTRY = re.compile(r'^"?((?:@[^@"/\s]+/)?[^@"\s,]+)@', re.MULTILINE)


def _yarn_lock(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    """yarn.lock (v1 text and berry YAML): entries start unindented with `name@range`."""
    seen: set[str] = set()
    loc = _Locator(text)
    for m in YARN_ENTRY.finditer(text):
        name = m.group(1)
        if name in seen or name == "__metadata":
            continue
        seen.add(name)
        line, col = loc.position(m.start(1))
        yield Declared("npm", name, line, col, TRANSITIVE)


GO_REQUIRE = re.compile(r"^\s*(?:require\s+)?([a-z0-9][\w.~-]*(?:/[\w.~+-]+)+)\s+v\S+(.*)$")


def _go_mod(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    in_block = False
    for i, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("require ("):
            in_block = True
            continue
        if in_block and stripped == ")":
            in_block = False
            continue
        if in_block or stripped.startswith("require "):
            m = GO_REQUIRE.match(line)
            if m:
                scope = TRANSITIVE if "// indirect" in m.group(2) else DIRECT
                yield Declared("golang", m.group(1), i, m.start(1) + 1, scope)


def _cargo(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    doc = tomllib.loads(text)
    names: list[tuple[str, str, str]] = []

    def section(body: dict[str, Any], prefix: str = "") -> None:
        for key, group in (
            ("dependencies", ""),
            ("dev-dependencies", "dev"),
            ("build-dependencies", "build"),
        ):
            for name, spec in (body.get(key) or {}).items():
                real = spec.get("package", name) if isinstance(spec, dict) else name
                names.append((real, DIRECT, prefix + group))

    section(doc)
    section(doc.get("workspace", {}), "workspace ")
    for target in (doc.get("target") or {}).values():
        section(target)
    yield from _named(text, "cargo", names)


SETUP_KEYWORDS = frozenset(
    {"install_requires", "extras_require", "tests_require", "setup_requires"}
)


def _setup_py(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    """setup.py, read as a syntax tree and never run: string literals given to install_requires
    and extras_require, directly or through a module-level name (`extras_require["x"] = [...]`)."""
    import ast

    tree = ast.parse(text)
    names: set[str] = set()  # module-level names passed to the keywords
    values: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in SETUP_KEYWORDS:
                    values.append(kw.value)
                    if isinstance(kw.value, ast.Name):
                        names.add(kw.value.id)
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            base = target.value if isinstance(target, ast.Subscript) else target
            if isinstance(base, ast.Name) and base.id in names and node.value is not None:  # type: ignore[attr-defined]
                values.append(node.value)  # type: ignore[attr-defined]
    seen: set[tuple[int, int]] = set()
    for value in values:
        for const in ast.walk(value):
            if isinstance(const, ast.Constant) and isinstance(const.value, str):
                name = _pep508_name(const.value)
                where = (const.lineno, const.col_offset)
                if name and where not in seen and _is_dict_value(value, const):
                    seen.add(where)
                    yield Declared("pypi", name, const.lineno, const.col_offset + 2, DIRECT)


def _is_dict_value(root: object, const: object) -> bool:
    """In `{"extra": ["pkg"]}` the key "extra" names a group, not a package."""
    import ast

    for node in ast.walk(root):  # type: ignore[arg-type]
        if isinstance(node, ast.Dict) and any(k is const for k in node.keys):
            return False
    return True


GEM = re.compile(r"""^\s*gem\s+["']([\w.-]+)["']""", re.MULTILINE)


def _gemfile(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    loc = _Locator(text)
    for m in GEM.finditer(text):
        line, col = loc.position(m.start(1))
        yield Declared("gem", m.group(1), line, col, DIRECT)


def _pom(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return  # POMs never need a DTD; entity tricks are not worth parsing
    from xml.etree import ElementTree

    root = ElementTree.fromstring(text)
    ns = ""
    if root.tag.startswith("{"):
        ns = root.tag[: root.tag.index("}") + 1]
    names: list[tuple[str, str, str]] = []
    for dep in root.iter(f"{ns}dependency"):
        group = (dep.findtext(f"{ns}groupId") or "").strip()
        artifact = (dep.findtext(f"{ns}artifactId") or "").strip()
        scope = (dep.findtext(f"{ns}scope") or "").strip()
        if group and artifact:
            names.append((f"{group}:{artifact}", DIRECT, scope))
    loc = _Locator(text)
    for coord, scope, group in names:
        line, col, _ = loc.find(coord.split(":", 1)[1])
        yield Declared("maven", coord, line, col, scope, group)


GRADLE = re.compile(
    r"""\b(?:implementation|api|compileOnly|runtimeOnly|testImplementation|compile)\s*\(?\s*["']([\w.-]+):([\w.-]+)(?::[^"']*)?["']"""
)


def _gradle(text: str, keep: Keep | None = None) -> Iterator[Declared]:
    loc = _Locator(text)
    for m in GRADLE.finditer(text):
        line, col = loc.position(m.start(1))
        yield Declared("maven", f"{m.group(1)}:{m.group(2)}", line, col, DIRECT)


_PARSERS = {
    "requirements.txt": _requirements,
    "pyproject.toml": _pyproject,
    "Pipfile": _pipfile,
    "Pipfile.lock": _pipfile_lock,
    "poetry.lock": _toml_lock,
    "uv.lock": _toml_lock,
    "package.json": _package_json,
    "package-lock.json": _package_lock,
    "npm-shrinkwrap.json": _package_lock,
    "pnpm-lock.yaml": _pnpm_lock,
    "yarn.lock": _yarn_lock,
    "go.mod": _go_mod,
    "Cargo.toml": _cargo,
    "Gemfile": _gemfile,
    "pom.xml": _pom,
    "build.gradle": _gradle,
    "setup.py": _setup_py,
}


# -------------------------------------------------------------------------------------- imports

PY_IMPORT = re.compile(
    r"^\s*(?:from\s+([\w.]+)\s+import\s+\(?\s*([\w\s,]*)|import\s+([\w.]+(?:\s*,\s*[\w.]+)*))"
)
JS_IMPORT = re.compile(
    r"""(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']((?:@[\w.-]+/)?[\w.-]+)(?:/[^"']*)?["']"""
)
GO_IMPORT = re.compile(
    r"""^\s*(?:import\s+)?(?:[\w.]+\s+)?"([a-z0-9][\w.~-]*(?:/[\w.~+-]+)+)"\s*$"""
)
PY_EXT = frozenset({"py", "pyi"})
JS_EXT = frozenset(
    {"js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "vue", "svelte"}
)  # fmt: skip


def import_kind(path: str) -> str:
    """What decides how imports_in_line reads a file's lines: its extension."""
    return path.rsplit(".", 1)[-1].lower() if "." in path else ""


def imports_in_line(path: str, line: str) -> Iterator[tuple[str, str, int]]:
    """(ecosystem, imported name, 1-based column) for the import statements on one line."""
    ext = import_kind(path)
    # Every import statement holds one of these words (JSON can spell one only with \u escapes):
    # most lines audit looks at hold none, and skip the regexes.
    if ext == "go":
        if '"' not in line:
            return
    elif (
        "import" not in line
        and not (ext in JS_EXT and ("from" in line or "require" in line))
        and (ext != "ipynb" or "\\u" not in line)
    ):
        return
    if ext == "ipynb":  # a notebook line is a JSON string holding one line of a cell
        try:
            decoded = json.loads(line.strip().rstrip(","))
        except ValueError:
            return
        if isinstance(decoded, str):
            offset = line.find(decoded[:8]) if decoded[:8] else 0
            for eco, name, col in imports_in_line("cell.py", decoded):
                yield eco, name, col + max(offset, 0)
        return
    if ext in PY_EXT:
        m = PY_IMPORT.match(line)
        if m and m.group(1):
            module = m.group(1)
            yield "pypi", module, m.start(1) + 1
            for name in (m.group(2) or "").split(","):  # from google import genai
                name = name.split(" as ")[0].strip()
                if name.isidentifier():
                    yield "pypi", f"{module}.{name}", m.start(1) + 1
        elif m:
            pos = m.start(3)
            for part in m.group(3).split(","):
                name = part.strip()
                yield "pypi", name, line.index(name, pos) + 1
    elif ext in JS_EXT:
        for m in JS_IMPORT.finditer(line):
            yield "npm", m.group(1), m.start(1) + 1
    elif ext == "go":
        m = GO_IMPORT.match(line)
        if m:
            yield "golang", m.group(1), m.start(1) + 1


# ---------------------------------------------------------------------------------- to matches


def match_for(package: Package, text: str) -> Match:
    return Match(
        kind=Kind.DEPENDENCY,
        text=text,
        model_id=package.purl,
        family="",
        vendor=package.vendor,
    )


def manifest_matches(index: PackageIndex, path: str, data: bytes) -> list[tuple[Declared, Match]]:
    """Catalog packages a manifest or lock file declares."""
    out: list[tuple[Declared, Match]] = []
    for d in declared(path, data, lambda eco, name: index.lookup(eco, name) is not None):
        package = index.lookup(d.ecosystem, d.name)
        if package is not None:
            out.append((d, match_for(package, d.name)))
    return out


def import_matches(
    index: PackageIndex, path: str, line_no: int, line: str
) -> list[tuple[Declared, Match]]:
    out: list[tuple[Declared, Match]] = []
    seen: set[str] = set()
    for eco, name, col in imports_in_line(path, line):
        package = index.python_import(name) if eco == "pypi" else index.lookup(eco, name)
        if package is not None and package.purl not in seen:
            seen.add(package.purl)
            out.append((Declared(eco, name, line_no, col, IMPORT), match_for(package, name)))
    return out


def context_of(d: Declared) -> str:
    return f"{d.scope} ({d.group})" if d.group else d.scope


def reconcile(findings: list[Finding]) -> list[Finding]:
    """One finding per real dependency across files, where the same fact shows up twice.

    - A lock file repeats what the manifest beside it declares: the manifest's line is the one
      to act on, so the lock file's entry for the same package goes.
    - An import is a second signal for code with no manifest: dropped when any manifest in the
      scan declares that package.
    """
    declared_in: dict[str, set[str]] = {}  # purl -> folders whose manifests declare it
    for f in findings:
        if f.kind is Kind.DEPENDENCY and f.location is Location.CONFIG:
            p = PurePosixPath(f.path)
            if p.name not in LOCK_FILES:
                declared_in.setdefault(f.model_id, set()).add(str(p.parent))
    has_lock = {
        f.model_id
        for f in findings
        if f.kind is Kind.DEPENDENCY and PurePosixPath(f.path).name in LOCK_FILES
    }
    kept: list[Finding] = []
    for f in findings:
        if f.kind is Kind.DEPENDENCY:
            folders = declared_in.get(f.model_id, set())
            p = PurePosixPath(f.path)
            if f.location is Location.CODE and (folders or f.model_id in has_lock):
                continue
            if p.name in LOCK_FILES and str(p.parent) in folders:
                continue
        kept.append(f)
    return kept
