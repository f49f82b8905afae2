"""What a project's tsconfig.json says about where `tsc` writes its output.

`rewrite` needs it for one decision: a TypeScript file compiled into an `outDir` must import a
resolver that tsc compiles along with it (tsc never copies a .cjs file into outDir). The scanned
repository is hostile: a tsconfig that cannot be read safely (too large, a symlink out of the
project, not JSON with comments, an `extends` cycle) yields a note and no answer, never an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_BYTES = 256 * 1024  # real tsconfig files are a few KB
MAX_EXTENDS = 8  # a chain of base configs deeper than this is refused

# What JSON with comments adds to JSON, comments then trailing commas, each found around strings
# (kept as they are: `"paths": {"@/*": ...}` holds no comment).
_COMMENTS = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMAS = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[\]}])')
# `module` values whose output is CommonJS, and those whose output follows package.json "type".
_CJS_MODULES = {"commonjs"}
_NODE_MODULES = {"node16", "node18", "node20", "nodenext"}
_ESM_MODULES = {"es6", "es2015", "es2020", "es2022", "esnext", "preserve"}


class TsconfigError(Exception):
    """A tsconfig that cannot be read safely; str() says why, in a few words."""


@dataclass(frozen=True)
class Build:
    """Where tsc writes the JavaScript of the files a tsconfig compiles."""

    config: Path
    out_dir: Path
    root_dir: Path | None  # None: tsc computes it (the common folder of its input files)
    esm: bool  # the emitted .js files are ES modules


def find(folder: Path, top: Path) -> Path | None:
    """The nearest tsconfig.json from folder up to top (both included)."""
    folder, top = folder.resolve(), top.resolve()
    while True:
        candidate = folder / "tsconfig.json"
        if candidate.is_file() or candidate.is_symlink():
            return candidate
        if folder == top or top not in folder.parents:
            return None
        folder = folder.parent


def build(config: Path, top: Path) -> Build | None:
    """The outDir build a tsconfig describes; None when tsc emits nothing (`noEmit`) or emits
    next to the sources (no `outDir`). Raises TsconfigError for a file it will not trust."""
    options = _options(config, top.resolve(), depth=0)
    if options.get("noEmit") is True or not isinstance(options.get("outDir"), Path):
        return None
    module = str(options.get("module", "")).lower()
    if not module:
        target = str(options.get("target", "es5")).lower()
        module = "commonjs" if target in ("es3", "es5") else "es2015"
    if module in _CJS_MODULES:
        esm = False
    elif module in _ESM_MODULES:
        esm = True
    elif module in _NODE_MODULES:
        esm = _package_type(config.parent, top) == "module"
    else:
        raise TsconfigError(f'"module": "{module}" is not a Node.js module kind')
    root_dir = options.get("rootDir")
    return Build(
        config=config,
        out_dir=options["outDir"],
        root_dir=root_dir if isinstance(root_dir, Path) else None,
        esm=esm,
    )


def parse_jsonc(text: str) -> Any:
    """JSON with comments and trailing commas, as tsc reads tsconfig.json."""
    for pattern in (_COMMENTS, _TRAILING_COMMAS):
        text = pattern.sub(lambda m: m.group(0) if m.group(0).startswith('"') else "", text)
    return json.loads(text)


def _read(config: Path, top: Path) -> dict[str, Any]:
    real = config.resolve()
    if real != top and top not in real.parents:
        raise TsconfigError("it points outside the project")
    try:
        if real.stat().st_size > MAX_BYTES:
            raise TsconfigError(f"larger than {MAX_BYTES // 1024} KB")
        data = parse_jsonc(real.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TsconfigError(f"cannot read it: {exc}") from None
    except (ValueError, RecursionError):
        raise TsconfigError("not JSON with comments") from None
    if not isinstance(data, dict):
        raise TsconfigError("not a JSON object")
    return data


def _options(config: Path, top: Path, depth: int) -> dict[str, Any]:
    """compilerOptions after `extends`, with outDir and rootDir as absolute paths (relative to
    the file that sets them, as tsc reads them)."""
    if depth > MAX_EXTENDS:
        raise TsconfigError(f"more than {MAX_EXTENDS} levels of extends")
    data = _read(config, top)
    bases = data.get("extends", [])
    merged: dict[str, Any] = {}
    for base in [bases] if isinstance(bases, str) else bases if isinstance(bases, list) else []:
        located = _locate_base(str(base), config.parent, top)
        if located is not None:
            try:
                merged.update(_options(located, top, depth + 1))
            except TsconfigError as exc:
                raise TsconfigError(f"extends {located.name}: {exc}") from None
    own = data.get("compilerOptions")
    for key, value in (own if isinstance(own, dict) else {}).items():
        if key in ("outDir", "rootDir"):
            value = _folder(config.parent, value)
        merged[key] = value
    return merged


def _folder(base: Path, value: object) -> Path | None:
    try:
        return (base / value).resolve() if isinstance(value, str) and value else None
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
        return None


def _locate_base(spec: str, folder: Path, top: Path) -> Path | None:
    """A base config: a relative path, else a package in node_modules (inside the project)."""
    if spec.startswith((".", "/")):
        candidates = [folder / spec, folder / f"{spec}.json"]
    else:
        candidates = [
            where / "node_modules" / name
            for where in (folder, *folder.parents)
            if where == top or top in where.parents
            for name in (spec, f"{spec}.json", f"{spec}/tsconfig.json")
        ]
    return next((c for c in candidates if c.is_file()), None)


def _package_type(folder: Path, top: Path) -> str:
    """The nearest package.json's "type" ("commonjs" when it says nothing)."""
    for where in (folder, *folder.parents):
        pkg = where / "package.json"
        if pkg.is_file():
            try:
                if pkg.stat().st_size <= MAX_BYTES:
                    data = json.loads(pkg.read_text(encoding="utf-8"))
                    if isinstance(data, dict) and data.get("type") == "module":
                        return "module"
            except (OSError, ValueError):
                pass
            return "commonjs"
        if where == top:
            break
    return "commonjs"
