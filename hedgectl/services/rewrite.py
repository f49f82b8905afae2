"""rewrite: move hard-coded model IDs into hedge.toml behind aliases, in memory, then write.

plan() computes every change (Python read with the stdlib `ast` parser and edited as text,
JavaScript/TypeScript through tree-sitter, the new [models] aliases, the resolver modules written
once); apply() writes them all or nothing. IDs in YAML/JSON/TOML/.env files are already
configuration: listed, not rewritten.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hedgectl.config import TIERS
from hedgectl.errors import FileError, UsageError
from hedgectl.services import settings as _settings

if TYPE_CHECKING:
    from hedgectl.adapters.files import ConfiguredGlobs
    from hedgectl.adapters.tsconfig import Build

CONFIG_SUFFIXES = {".yaml", ".yml", ".json", ".toml", ".env", ".ini", ".cfg", ".properties"}
PY_RESOLVER = "hedge_models.py"


@dataclass
class Change:
    path: Path
    display: str
    old: str | None  # None: a new file
    new: str
    kind: str  # code | config | resolver


@dataclass
class Outcome:
    changes: list[Change] = field(default_factory=list)
    listed: list[dict[str, Any]] = field(default_factory=list)  # IDs in config files
    unparsable: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the user should know about the result
    planner: Any = None
    hedge_toml: Path | None = None
    written: bool = False  # apply() ran


@dataclass(frozen=True)
class RewriteRequest:
    """What to rewrite; write=False is a dry run (the plan only), check=True asks "would it change?"."""

    paths: Sequence[Path] = ()  # files or folders; empty: the working folder
    write: bool = False  # apply the changes
    check: bool = False  # plan only; the caller fails when outcome.changes is not empty
    force: bool = False  # write even when files it would change have uncommitted edits
    tiers: Sequence[str] = ()  # only IDs of these tiers
    vendors: Sequence[str] = ()  # only IDs of these vendor ids
    include: Sequence[str] = ()
    exclude: Sequence[str] = ()
    config: Path | None = None  # hedge.toml (default: HEDGECTL_CONFIG, else found upward)
    cwd: Path | None = None  # the working folder paths are relative to (default: os.getcwd())
    js_runtime: str = "auto"  # auto | node | browser: which resolver JS/TS files import


def rewrite(
    request: RewriteRequest,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    on_planned: Callable[[Outcome], None] | None = None,
) -> Outcome:
    """Plan the rewrite and, with request.write, apply it (all files or none).

    on_progress(done, total) follows the files; on_planned(outcome) runs after planning and before
    anything is written (the CLI prints the diff there). outcome.written says whether files were
    written; with request.check, a non-empty outcome.changes is the "would change" answer.
    """
    if request.write and request.check:
        raise UsageError("use --write or --check, not both")
    for tier in request.tiers:
        _settings.check_choice(tier, TIERS, "--tier")
    _settings.check_choice(request.js_runtime, ("auto", "node", "browser"), "--js-runtime")
    start = _settings.start_folder(request.paths, request.cwd)
    settings = _settings.load(request.config, request.cwd, start)
    from hedgectl.catalog import Overrides, load_catalog

    catalog = load_catalog(settings.section("catalog") or Overrides())
    unknown = sorted(set(request.vendors) - set(catalog.vendors) - set(catalog.platforms))
    if unknown:
        raise UsageError(
            f"--vendor: unknown vendor id(s) {', '.join(unknown)}", hint="see 'hedgectl catalog'"
        )
    explicit = request.config is not None or bool(os.environ.get("HEDGECTL_CONFIG"))
    if settings.path is not None and not explicit:
        _check_inside_project(Path(settings.path), request.cwd or Path.cwd(), start)
    if settings.path is not None and Path(settings.path).name != "hedge.toml":
        # A new hedge.toml next to it would take precedence over [tool.hedgectl] from then on.
        raise UsageError(
            f"hedgectl's settings are in {settings.path} [tool.hedgectl]; rewrite keeps model "
            "aliases in hedge.toml, which would then shadow them",
            hint="move the [tool.hedgectl] tables into a hedge.toml next to it, then run rewrite again",
        )
    from hedgectl.adapters.globs import check_configured

    check_configured(settings)
    cwd = request.cwd or Path.cwd()
    root = _project_root(settings, cwd, start)
    from hedgectl.services.audit import configured_globs

    outcome = plan(
        list(request.paths) or [Path(".")],
        cwd=cwd,
        root=root,
        catalog=catalog,
        include=list(request.include),
        exclude=list(request.exclude),
        configured=configured_globs(settings, start or cwd),
        max_file_size=settings.audit.max_file_size,
        tiers=frozenset(request.tiers),
        vendors=frozenset(request.vendors),
        progress=on_progress,
        js_runtime=request.js_runtime,
    )
    if on_planned is not None:
        on_planned(outcome)
    if request.write and outcome.changes:
        apply(outcome, root=root, force=request.force)
        outcome.written = True
    return outcome


def _check_inside_project(found: Path, cwd: Path, start: Path | None) -> None:
    """A config found above the project (a hedge.toml in a parent of the git work tree, or above
    the working folder and the target outside git) is refused: rewrite would edit a file of
    another project and point the resolvers outside this one."""
    from hedgectl.adapters.files import git_toplevel

    target = (start or cwd).resolve()
    here = cwd.resolve()
    project = git_toplevel(target) or (here if target.is_relative_to(here) else target)
    if found.parent.resolve().is_relative_to(project):
        return
    raise UsageError(
        f"{found} is outside the project being rewritten ({project}); rewrite edits hedge.toml "
        "and points the resolvers at it",
        hint=f"pass --config {found} to use it anyway, or create one in the project: "
        f"hedgectl init {project}",
    )


def _project_root(settings: Any, cwd: Path, start: Path | None = None) -> Path:
    """Where hedge.toml lives (or will): next to the config in use, else the git top of the
    first PATH (or of cwd), else cwd."""
    if settings.path is not None:
        # The folder hedge.toml sits in, not where a symlinked hedge.toml points.
        return Path(settings.path).parent
    from hedgectl.adapters.files import git_toplevel

    return git_toplevel(start or cwd) or cwd.resolve()


def plan(
    paths: list[Path],
    *,
    cwd: Path,
    root: Path,
    catalog: Any,
    include: list[str],
    exclude: list[str],
    max_file_size: int,
    configured: ConfiguredGlobs | None = None,
    tiers: frozenset[str] = frozenset(),
    vendors: frozenset[str] = frozenset(),
    progress: Callable[[int, int], None] | None = None,
    js_runtime: str = "auto",
) -> Outcome:
    """Everything a rewrite would change, computed in memory; nothing is written."""
    from hedgectl.adapters import codemod_js, codemod_python
    from hedgectl.adapters.files import select_files
    from hedgectl.adapters.tomledit import existing_models, merge_models
    from hedgectl.core.audit import Scanner
    from hedgectl.core.models import Kind
    from hedgectl.core.rewrite import (
        GENERATED_FILE,
        MIGRATION_FILE,
        TEST_FILE,
        Planner,
        is_generated,
        is_migration_path,
        is_test_path,
    )

    hedge_toml = root / "hedge.toml"
    old_toml = _read(hedge_toml) if hedge_toml.is_file() else None
    planner = Planner(catalog, existing=existing_models(old_toml), tiers=tiers, vendors=vendors)
    outcome = Outcome(planner=planner, hedge_toml=hedge_toml)
    selection = select_files(
        paths, cwd=cwd, include=include, exclude=exclude, max_file_size=max_file_size,
        configured=configured,
    )  # fmt: skip
    scanner = Scanner(catalog)
    packages = _Packages(root)
    resolvers: dict[Path, str] = {}  # resolver file -> py | node | browser | tsc | tsc-esm
    tsc_builds = _TscBuilds(root, cwd)
    compiled: dict[Build, list[_Pending]] = {}  # tsconfig outDir build -> its files to rewrite
    compiled_levels: dict[Path, int] = {}  # TypeScript resolver -> folders it may look up
    import_roots: dict[Path, bool] = {}  # package: on sys.path itself; loose folder: imported
    ordered = sorted(selection.files, key=lambda f: f[1])
    for done, (abs_name, display) in enumerate(ordered):
        if progress is not None:
            progress(done, len(ordered))
        path = Path(abs_name)
        name = path.name
        if name == "hedge.toml" or name.startswith("hedge_models."):
            if name.startswith(codemod_js.BROWSER_STEM + ".") and _generated(path):
                # It carries hedge.toml's aliases as data: refresh it.
                resolvers.setdefault(path.resolve(), "browser")
            continue  # where IDs belong, and the resolvers this command writes
        suffix = path.suffix.lower()
        lang = codemod_js.language_for(name)
        if suffix == ".py" or lang is not None:
            # Audit's scan decides which files are worth a parse: only those where it finds a
            # model ID (most files of a real project hold none).
            try:
                data = path.read_bytes()
            except OSError as exc:
                outcome.unparsable.append((display, f"cannot read: {exc.strerror}"))
                continue
            found = [f for f in scanner.scan(data, display) if f.match.kind is Kind.MODEL]
            if not found:
                continue
            # Never rewritten, so never parsed: audit's findings are the listing.
            if is_test_path(display):
                planner.list_file(display, found, TEST_FILE)
                continue
            if is_generated(data):
                planner.list_file(display, found, GENERATED_FILE)
                continue
            if is_migration_path(display):
                planner.list_file(display, found, MIGRATION_FILE)
                continue
        if suffix == ".py":
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                outcome.unparsable.append((display, f"cannot read: {exc}"))
                continue
            try:
                collected = codemod_python.collect(source)
            except codemod_python.ParseFailure as exc:
                outcome.unparsable.append((display, f"does not parse ({exc})"))
                continue
            replacements = planner.add_file(display, collected.sites)
            if not replacements:
                continue
            resolver_file, module = _python_resolver(path, import_roots)
            try:
                new = codemod_python.apply(source, collected, replacements, module)
            except codemod_python.ParseFailure as exc:
                outcome.unparsable.append((display, f"rewrite would not parse ({exc})"))
                continue
            outcome.changes.append(Change(path, display, source, new, "code"))
            resolvers[resolver_file] = "py"
        elif lang is not None:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                outcome.unparsable.append((display, f"cannot read: {exc}"))
                continue
            try:
                collected_js = codemod_js.collect(data, lang)
            except codemod_js.ParseFailure as exc:
                outcome.unparsable.append((display, f"does not parse ({exc})"))
                continue
            replacements = planner.add_file(display, collected_js.sites)
            if not replacements:
                continue
            esm = collected_js.esm or _esm_by_default(path)
            typescript = lang != "javascript"
            runtime = js_runtime
            if runtime == "auto":
                runtime = codemod_js.runtime_for(collected_js, lang, packages.frontend(path))
            pending = _Pending(path, display, data, lang, collected_js, replacements)
            if runtime == "node" and suffix == ".ts":
                build = tsc_builds.build_for(path, packages.package_root(path), outcome.notes)
                if build is not None:
                    # Its resolver goes where every file of this build can import it: later.
                    compiled.setdefault(build, []).append(pending)
                    continue
            resolver_file = _js_resolver(
                packages.package_root(path), runtime, typescript=typescript, esm=esm
            )
            if _rewrite_js(pending, resolver_file, outcome):
                resolvers[resolver_file] = runtime
        elif suffix in CONFIG_SUFFIXES or name.startswith(".env"):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            for raw in scanner.scan(data, display):
                if raw.match.kind.value == "model" and not raw.suppressed:
                    outcome.listed.append(
                        {"path": display, "line": raw.line, "model_id": raw.match.text}
                    )
    for build, group in compiled.items():
        placed = _compiled_resolver(build, group, hedge_toml)
        if placed is None:
            outcome.notes.append(
                f"{_display(build.config, cwd)}: its outDir or its files are outside the folder "
                "of hedge.toml; they import hedge_models.cjs, which tsc does not copy into outDir"
            )
        for pending in group:
            if placed is None:
                target = _js_resolver(
                    packages.package_root(pending.path), "node", typescript=True, esm=False
                )
                kind = "node"
            else:
                target, kind = placed[0], "tsc-esm" if build.esm else "tsc"
                compiled_levels[target] = placed[1]
            if _rewrite_js(pending, target, outcome):
                resolvers[target] = kind
    new_toml = old_toml or ""
    if planner.new_aliases:
        new_toml = merge_models(old_toml, planner.new_aliases.values())
        if new_toml != (old_toml or ""):
            outcome.changes.append(
                Change(hedge_toml, _display(hedge_toml, cwd), old_toml, new_toml, "config")
            )
    # Browser resolvers carry hedge.toml's aliases as data: refresh the ones that exist too.
    for existing in root.glob(codemod_js.BROWSER_STEM + ".*"):
        if existing.is_file() and _generated(existing):
            resolvers.setdefault(existing.resolve(), "browser")
    for resolver_file, kind in sorted(resolvers.items()):
        files = _resolver_files(
            resolver_file, kind, hedge_toml, packages, new_toml, compiled_levels.get(resolver_file)
        )
        for target, text in files:
            old = _read(target) if target.exists() else None
            if old is not None and (kind != "browser" or not _generated(target) or old == text):
                continue  # written once; the project owns it afterwards
            outcome.changes.append(Change(target, _display(target, cwd), old, text, "resolver"))
    return outcome


@dataclass(frozen=True)
class _Pending:
    """A JS/TS file whose rewrite is planned, waiting for the resolver it will import."""

    path: Path
    display: str
    data: bytes
    lang: str
    collected: Any
    replacements: dict[tuple[int, int], str]


def _rewrite_js(pending: _Pending, resolver_file: Path, outcome: Outcome) -> bool:
    """Add the file's rewrite, importing `resolver_file`, to the outcome (False: it would not
    parse, and is listed instead)."""
    from hedgectl.adapters import codemod_js

    specifier = os.path.relpath(resolver_file, pending.path.parent).replace(os.sep, "/")
    if resolver_file.name == f"{codemod_js.RESOLVER_STEM}.ts":
        # What tsc emits and Node loads; tsc maps it back to the .ts file in every module mode.
        specifier = specifier[: -len(".ts")] + ".js"
    elif resolver_file.suffix == ".ts":
        specifier = specifier[: -len(".ts")]  # bundlers and tsc resolve it without one
    if not specifier.startswith("."):
        specifier = "./" + specifier
    try:
        new_bytes = codemod_js.apply(
            pending.data, pending.lang, pending.collected, pending.replacements, specifier
        )
    except codemod_js.ParseFailure as exc:
        outcome.unparsable.append((pending.display, f"rewrite would not parse ({exc})"))
        return False
    outcome.changes.append(
        Change(
            pending.path, pending.display, pending.data.decode("utf-8"),
            new_bytes.decode("utf-8"), "code",
        )
    )  # fmt: skip
    return True


class _TscBuilds:
    """The tsconfig.json outDir build each TypeScript file belongs to (cached per tsconfig)."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root = root.resolve()
        self.cwd = cwd  # notes name the tsconfig from here
        self.cache: dict[Path, Build | None] = {}

    def build_for(self, path: Path, package_root: Path, notes: list[str]) -> Build | None:
        """The file's build when tsc compiles it into an outDir, else None (a tsconfig it cannot
        read safely is a note, and the file keeps the Node resolver)."""
        from hedgectl.adapters import tsconfig

        config = tsconfig.find(path.parent, package_root)
        if config is None:
            return None
        if config not in self.cache:
            try:
                self.cache[config] = tsconfig.build(config, self.root)
            except tsconfig.TsconfigError as exc:
                self.cache[config] = None
                notes.append(
                    f"{_display(config, self.cwd)} not read ({exc}): its "
                    "TypeScript imports "
                    "hedge_models.cjs, which tsc does not copy into an outDir"
                )
        return self.cache[config]


def _compiled_resolver(
    build: Build, group: list[_Pending], hedge_toml: Path
) -> tuple[Path, int] | None:
    """Where the TypeScript resolver of an outDir build goes, and how many folders up its compiled
    copy may have to look for hedge.toml; None when it could not find hedge.toml from outDir.

    It goes in the deepest folder holding every file that imports it, so it is inside the folder
    tsc computes as rootDir and cannot move the build's output (one already written above them,
    up to the tsconfig's folder, is reused).
    """
    from hedgectl.adapters.codemod_js import RESOLVER_STEM

    common = Path(os.path.commonpath([p.path.parent.resolve() for p in group]))
    home = hedge_toml.parent.resolve()
    if not common.is_relative_to(home) or not build.out_dir.is_relative_to(home):
        return None
    folder = common
    for above in (common, *common.parents):
        if (above / f"{RESOLVER_STEM}.ts").is_file():
            folder = above
            break
        if above == build.config.parent.resolve() or above == home:
            break
    source_depth = len(folder.relative_to(home).parts)
    below_out = source_depth
    if build.root_dir is not None and folder.is_relative_to(build.root_dir):
        below_out = len(folder.relative_to(build.root_dir).parts)
    levels = max(source_depth, len(build.out_dir.relative_to(home).parts) + below_out)
    return folder / f"{RESOLVER_STEM}.ts", levels


class _Packages:
    """The nearest package.json of a file (cached per folder): front-end or not, which bundler."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.cache: dict[Path, set[str]] = {}

    def dependencies(self, folder: Path) -> set[str]:
        """The nearest package.json's dependencies, plus the names of edge configs beside it."""
        from hedgectl.adapters.codemod_js import EDGE_CONFIG_FILES

        folder = folder.resolve()
        if folder in self.cache:
            return self.cache[folder]
        deps: set[str] = set()
        pkg = folder / "package.json"
        if pkg.is_file():
            try:
                data = json.loads(pkg.read_text(encoding="utf-8"))
                for key in ("dependencies", "devDependencies", "peerDependencies"):
                    if isinstance(data.get(key), dict):
                        deps |= set(data[key])
            except (OSError, ValueError, AttributeError):
                pass
            deps |= {name for name in EDGE_CONFIG_FILES if (folder / name).is_file()}
        elif folder != self.root and self.root in folder.parents:
            deps = self.dependencies(folder.parent)
        self.cache[folder] = deps
        return deps

    def frontend(self, path: Path) -> bool:
        """Code of this package may run in a browser, a bundle or an edge runtime."""
        from hedgectl.adapters.codemod_js import (
            BUNDLED_PACKAGES,
            EDGE_CONFIG_FILES,
            FRONTEND_PACKAGES,
        )

        deps = self.dependencies(path.parent)
        return bool(deps & (FRONTEND_PACKAGES | BUNDLED_PACKAGES | set(EDGE_CONFIG_FILES)))

    def package_root(self, path: Path) -> Path:
        """The folder of the nearest package.json above a file, within the project (else the
        project root): a nested package (a cookbook app, a workspace) builds on its own and
        cannot import from outside its folder."""
        folder = path.parent.resolve()
        while folder != self.root and self.root in folder.parents:
            if (folder / "package.json").is_file():
                return folder
            folder = folder.parent
        return self.root

    def flavor(self, folder: Path | None = None) -> str:
        deps = self.dependencies(folder or self.root)
        return "vite" if "vite" in deps else "next" if "next" in deps else "plain"


def _js_resolver(root: Path, runtime: str, *, typescript: bool, esm: bool) -> Path:
    """Where a JS/TS file's resolver lives (at the root of its package: the project's, next to
    hedge.toml, or a nested package's).

    Node: CommonJS for TypeScript (loads from both module systems, typed by a .d.cts) and for
    CommonJS files, ESM for ESM files. Browser: a .ts module for TypeScript, else JS.
    """
    from hedgectl.adapters.codemod_js import BROWSER_STEM, RESOLVER_STEM

    if runtime == "browser":
        ext = ".ts" if typescript else ".js" if esm else ".cjs"
        return root / f"{BROWSER_STEM}{ext}"
    ext = ".mjs" if esm and not typescript else ".cjs"
    return root / f"{RESOLVER_STEM}{ext}"


def _generated(path: Path) -> bool:
    """A resolver this command regenerates (the browser one), not one the project owns."""
    try:
        with path.open(encoding="utf-8") as fh:
            return "GENERATED by `hedgectl rewrite`" in fh.read(400)
    except (OSError, UnicodeDecodeError):
        return False


def _display(path: Path, cwd: Path) -> str:
    """The path as the user reads it: relative to the working folder when under it (POSIX)."""
    # Its folder resolved, not the file: a symlinked hedge.toml is named where it sits.
    located = path.parent.resolve() / path.name
    try:
        return located.relative_to(cwd.resolve()).as_posix()
    except ValueError:  # `../hedge.toml` (a --config outside): `b/../hedge.toml`, not `b//tmp/...`
        return Path(os.path.relpath(located, cwd.resolve())).as_posix()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileError(f"cannot read {path}: {exc}") from None


def _python_resolver(path: Path, roots: dict[Path, bool]) -> tuple[Path, str]:
    """Where the resolver goes for a Python file, and the module path its import uses.

    Inside a package: in the top-level package (`from pkg.hedge_models import ...`), so it ships
    with the code. A loose script: next to it (its folder is sys.path[0] when it runs). A
    top-level folder whose code imports its own subpackages as top-level modules (`src/` with an
    `__init__.py`, run with `src/` on sys.path: `from config.schema import ...`) is itself the
    import root: `from hedge_models import ...` (`from src.hedge_models` would not import).
    A folder without one that a package imports (`from .evaluate import ...` beside it) gets it
    next to it too, imported relatively with the bare import as the script's fallback.
    `roots` caches those verdicts per folder for one run.
    """
    folder = path.parent.resolve()
    if not (folder / "__init__.py").is_file():
        if folder not in roots:
            roots[folder] = _imported_as_package(folder)
        # A folder a package imports from runs both ways: a relative import first, the bare one
        # when it runs as a script (codemod_python writes both for a relative module).
        return folder / PY_RESOLVER, ".hedge_models" if roots[folder] else "hedge_models"
    top = folder
    while (top.parent / "__init__.py").is_file():
        top = top.parent
    if top not in roots:
        roots[top] = _on_sys_path_itself(top)
    if roots[top]:
        return top / PY_RESOLVER, "hedge_models"
    return top / PY_RESOLVER, f"{top.name}.hedge_models"


# A relative import at a line's start (`from .evaluate import ...`, `from .. import x`).
_RELATIVE_IMPORT = re.compile(rb"^[ \t]*from[ \t]+\.", re.M)


def _imported_as_package(folder: Path, max_files: int = 100, max_bytes: int = 512 * 1024) -> bool:
    """Whether a folder without `__init__.py` is imported as a (namespace) package: its parent is
    a package, or one of its first `max_files` modules (read up to `max_bytes` each) imports a
    sibling relatively or through the folder's name (`from open_deep_research.state import ...`
    in src/open_deep_research/, a package its pyproject.toml declares)."""
    if (folder.parent / "__init__.py").is_file():
        return True
    try:
        files = sorted(f for f in folder.iterdir() if f.suffix == ".py" and not f.is_symlink())
    except OSError:
        return False
    own = folder.name.encode("utf-8", "surrogateescape")
    for file in files[:max_files]:
        try:
            with file.open("rb") as fh:
                data = fh.read(max_bytes)
        except OSError:
            continue
        if _RELATIVE_IMPORT.search(data) or own in _IMPORT_HEAD.findall(data):
            return True
    return False


# The first name of an absolute import at a line's start (`from config.schema import ...`).
_IMPORT_HEAD = re.compile(rb"^[ \t]*(?:from|import)[ \t]+([A-Za-z_]\w*)", re.M)


def _on_sys_path_itself(top: Path, max_files: int = 400, max_bytes: int = 512 * 1024) -> bool:
    """Whether the package's own code imports its children as top-level modules more often than
    through the package's name: the vote of its first `max_files` modules, each read only up to
    `max_bytes` (a scanned repository may be hostile)."""
    try:
        children = {
            child.stem if child.suffix == ".py" else child.name
            for child in top.iterdir()
            if not child.is_symlink()
            and ((child / "__init__.py").is_file() or child.suffix == ".py")
            and child.name != "__init__.py"
        }
    except OSError:  # unreadable folder: keep the usual `from <package>.hedge_models`
        return False
    # A name that also exists beside the package could mean either: it does not vote.
    children = {c for c in children if not (top.parent / c).exists()
                and not (top.parent / f"{c}.py").exists()}  # fmt: skip
    own = inner = 0
    for file in itertools.islice(_package_modules(top), max_files):
        try:
            with file.open("rb") as fh:
                data = fh.read(max_bytes)
        except OSError:
            continue
        for head in _IMPORT_HEAD.findall(data):
            word = head.decode("ascii")
            own += word == top.name
            inner += word in children
    return inner > own


def _package_modules(top: Path) -> Iterator[Path]:
    """The package's .py files, in subpackages only (not vendored trees or virtualenvs)."""
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if (here / d / "__init__.py").is_file())
        for name in sorted(filenames):
            file = here / name
            if name.endswith(".py") and not file.is_symlink():
                yield file


def _esm_by_default(path: Path) -> bool:
    """A file with no import/export: ESM when its extension or package.json says so."""
    suffix = path.suffix.lower()
    if suffix in (".mjs", ".mts", ".ts", ".tsx"):
        return True
    if suffix in (".cjs", ".cts"):
        return False
    for folder in path.resolve().parents:
        pkg = folder / "package.json"
        if pkg.is_file():
            try:
                return bool(json.loads(pkg.read_text(encoding="utf-8")).get("type") == "module")
            except (OSError, ValueError, AttributeError):
                return False
    return False


def _resolver_files(
    target: Path,
    kind: str,
    hedge_toml: Path,
    packages: _Packages,
    toml_text: str,
    levels: int | None = None,
) -> list[tuple[Path, str]]:
    from importlib import resources

    from hedgectl.adapters import codemod_js
    from hedgectl.adapters.tomledit import existing_models

    config_rel = os.path.relpath(hedge_toml, target.parent).replace(os.sep, "/")
    if kind == "py":
        templates = resources.files("hedgectl.templates").joinpath("resolver")
        text = templates.joinpath("hedge_models.py").read_text(encoding="utf-8")
        return [(target, text.replace("@@CONFIG@@", config_rel))]
    if kind in ("tsc", "tsc-esm"):
        return [(target, codemod_js.compiled_resolver(kind == "tsc-esm", levels or 0))]
    if kind == "browser":
        text = codemod_js.browser_resolver(
            existing_models(toml_text),
            flavor=packages.flavor(target.parent),
            typescript=target.suffix == ".ts",
            esm=target.suffix != ".cjs",
        )
        return [(target, text)]
    esm = target.suffix == ".mjs"
    if not config_rel.startswith("."):
        config_rel = "./" + config_rel
    decl = target.with_name(target.stem + (".d.mts" if esm else ".d.cts"))
    return [
        (target, codemod_js.node_resolver(esm, config_rel)),
        (decl, codemod_js.DECLARATION),
    ]


def apply(outcome: Outcome, *, root: Path, force: bool) -> None:
    """Write every change, or nothing: preflight all targets first, then config and resolvers
    before code (so rewritten code never points at aliases that do not exist yet)."""
    from hedgectl.adapters.fs import atomic_write, inside_root

    targets = {id(change): inside_root(root, change.path) for change in outcome.changes}
    for change in outcome.changes:
        _check_writable(change.path)
    if not force:
        dirty = _dirty([c.path for c in outcome.changes if c.old is not None], root)
        if dirty:
            raise UsageError(
                f"uncommitted changes in {', '.join(dirty[:5])}"
                + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else ""),
                hint="commit or stash them first so the rewrite is a reviewable diff, or pass --force",
            )
    for change in outcome.changes:
        # The file must not have moved under us since it was planned.
        if change.old is not None and _read(change.path) != change.old:
            raise FileError(
                f"{change.display} changed while rewriting; nothing more written",
                hint="run the rewrite again",
            )
    order = {"config": 0, "resolver": 1, "code": 2}
    for change in sorted(outcome.changes, key=lambda c: order[c.kind]):
        # Through symlinks to the real file: replacing the link itself would orphan its target.
        atomic_write(targets[id(change)], change.new)


def _check_writable(path: Path) -> None:
    if path.exists():
        mode = path.stat().st_mode
        # Root passes os.access on any file: a file without write bits is read-only on purpose.
        if not (mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(
            path, os.W_OK
        ):
            raise FileError(
                f"cannot rewrite {path}: the file is read-only; nothing was written",
                hint="make it writable (chmod u+w) or exclude it with --exclude",
            )
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise FileError(
            f"cannot write in {folder}: permission denied; nothing was written",
            hint="check the folder's permissions",
        )


def _dirty(paths: list[Path], root: Path) -> list[str]:
    """Files among `paths` with uncommitted changes (untracked files count)."""
    from hedgectl.adapters import git

    top = git.toplevel(root)
    if top is None or not paths:
        return []
    try:
        status = git.run(
            ["status", "--porcelain", "-z", "--untracked-files=all", "--", *map(str, paths)], top
        )
    except git.GitError:
        return []
    out = []
    for entry in status.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) > 3:
            out.append(entry[3:])
    return sorted(set(out))  # a path staged and changed again is listed once
