"""Which files an audit (or rewrite) reads, and reading them in parallel.

Inside a git work tree: the files git knows (tracked, plus untracked ones not ignored). Elsewhere:
a walk that honours .gitignore files. Either way: vendored and build folders, lock files, binaries
and files over the size limit are skipped with a reason, symlinks are never followed out of the
root, and nothing that cannot be read stops the run.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hedgectl.adapters import git
from hedgectl.adapters.globs import compile_spec
from hedgectl.catalog import BlobStore, Overrides, load_catalog
from hedgectl.config import declares_hedgectl
from hedgectl.core import dependencies
from hedgectl.core.audit import RawFinding, Scanner
from hedgectl.core.prefilter import ENGINE
from hedgectl.core.seal import is_sealed
from hedgectl.errors import UsageError

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pathspec

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "third_party",
        "third-party", "site-packages", ".venv", "venv", "__pycache__", ".tox", ".nox",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", "dist", "build", "target", ".next",
        ".nuxt", ".gradle", "Pods", ".terraform", ".cache", ".idea", ".eggs",
    }
)  # fmt: skip
LOCK_FILES = frozenset(
    {
        "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
        "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "Cargo.lock", "go.sum",
        "composer.lock", "Gemfile.lock", "mix.lock", "packages.lock.json", "flake.lock",
    }
)  # fmt: skip
# Lock files audit reads for vendor SDK dependencies (and only for them: see Scanner.scan).
READ_LOCK_FILES = dependencies.LOCK_FILES
BINARY_SUFFIXES = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "ico",
        "webp",
        "tif",
        "tiff",
        "psd",
        "svgz",
        "pdf",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "zst",
        "7z",
        "rar",
        "tar",
        "jar",
        "war",
        "whl",
        "egg",
        "so",
        "dylib",
        "dll",
        "exe",
        "bin",
        "o",
        "a",
        "lib",
        "class",
        "pyc",
        "pyo",
        "pyd",
        "wasm",
        "mp3",
        "mp4",
        "wav",
        "flac",
        "ogg",
        "mov",
        "avi",
        "mkv",
        "webm",
        "ttf",
        "otf",
        "woff",
        "woff2",
        "eot",
        "safetensors",
        "gguf",
        "ggml",
        "pt",
        "pth",
        "onnx",
        "ckpt",
        "h5",
        "npy",
        "npz",
        "pkl",
        "parquet",
        "arrow",
        "feather",
        "db",
        "sqlite",
        "sqlite3",
        "iso",
        "dmg",
    ]
)
MINIFIED = re.compile(r"\.min\.(?:js|css)$|\.map$")
SNIFF = 8192


@dataclass(frozen=True)
class Selection:
    """The files to read, what was skipped before reading, and (for --diff/--staged) which lines."""

    files: list[tuple[str, str]]  # (absolute path, display path)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (display path, reason)
    lines: dict[str, frozenset[int]] | None = None  # display path -> added line numbers


def _git(args: list[str], cwd: Path) -> str | None:
    """git's output, or None when git is missing or the call fails (not a work tree)."""
    if not git.available():
        return None
    try:
        return git.run(args, cwd).decode("utf-8", "surrogateescape")
    except git.GitError:
        return None


def git_toplevel(path: Path) -> Path | None:
    return git.toplevel(path)


@dataclass(frozen=True)
class AtRevision:
    """hedgectl's configuration as committed at a revision (the base of a pull request)."""

    top: Path  # the repository's work tree
    commit: str  # the revision, resolved
    rel: str | None  # the config file's path in that commit (posix, from `top`); None: none there
    text: str  # its content ("" when rel is None)

    def read(self, rel: str) -> bytes | None:
        """Another file of that commit (posix path from `top`), or None when it has none."""
        return _blob(self.top, self.commit, rel)


def _blob(top: Path, commit: str, rel: str) -> bytes | None:
    try:
        return git.run(["cat-file", "blob", f"{commit}:{rel}"], top)
    except git.GitError:
        return None


def config_at_revision(
    cwd: Path, ref: str, explicit: Path | None, start: Path | None = None
) -> AtRevision:
    """The hedge.toml (or pyproject.toml with [tool.hedgectl]) committed at REF: the one
    `explicit` names (relative to `cwd`), else the nearest one upward from `start` (the first
    scanned PATH; default `cwd`), as config.find_config would find it in a checkout of REF.
    Read from git's object store: nothing in the work tree is trusted."""
    start = start or cwd
    top = git_toplevel(start)
    if top is None:
        raise UsageError(
            "--config-from-base needs a git repository",
            hint="run inside the pull request's checkout",
        )
    commit = (
        None
        if ref.startswith("-")
        else _git(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], top
        )
    )
    if not commit:
        raise UsageError(
            f"--config-from-base: unknown git revision '{ref}'",
            hint="fetch it first, e.g. git fetch origin main",
        )
    commit = commit.strip()
    real_top = top.resolve()
    if explicit is not None:
        try:
            rel = Path(os.path.abspath(cwd / explicit)).resolve().relative_to(real_top)
        except ValueError:
            raise UsageError(
                f"--config-from-base: {explicit} is outside the repository at {top}"
            ) from None
        candidates = [rel.as_posix()]
    else:
        try:
            here = start.resolve().relative_to(real_top)
        except ValueError:
            here = Path(".")
        candidates = []
        for folder in (here, *here.parents):
            prefix = "" if str(folder) == "." else folder.as_posix() + "/"
            candidates += [prefix + "hedge.toml", prefix + "pyproject.toml"]
    for rel_name in candidates:
        data = _blob(top, commit, rel_name)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        if rel_name.endswith("pyproject.toml") and explicit is None and not declares_hedgectl(text):
            continue  # a pyproject.toml without [tool.hedgectl] is not a config
        return AtRevision(top, commit, rel_name, text)
    return AtRevision(top, commit, None, "")


def display_path(path: str, cwd: str) -> str:
    """The path as the user reads it: relative to the working folder when under it."""
    return path[len(cwd) + 1 :] if path.startswith(cwd + os.sep) else path


def _skip_reason(rel: str) -> str | None:
    parts = rel.split("/")
    for part in parts[:-1]:
        if part in SKIP_DIRS or part.endswith(".egg-info"):
            return f"vendored or build folder '{part}'"
    name = parts[-1]
    if (name in LOCK_FILES or name.endswith(".lock")) and name not in READ_LOCK_FILES:
        return "lock file"
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in BINARY_SUFFIXES:
        return "binary file type"
    if MINIFIED.search(name):
        return "minified or source map"
    return None


@dataclass(frozen=True)
class ConfiguredGlobs:
    """[audit] include/exclude from a hedge.toml: matched against paths relative to `base`, the
    folder of the file that holds them, wherever the command runs from. Files outside `base` are
    neither included nor excluded by them."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    base: Path | None = None


class _Filter:
    """--include/--exclude match the path as shown (relative to the working folder); the
    configured globs match the path relative to their hedge.toml's folder. A file is read when
    it matches an include of either kind (or none is given) and no exclude of either kind."""

    def __init__(
        self,
        include: Iterable[str],
        exclude: Iterable[str],
        configured: ConfiguredGlobs | None = None,
    ) -> None:
        include, exclude = list(include), list(exclude)
        self.include = compile_spec(include, "--include") if include else None
        self.exclude = compile_spec(exclude, "--exclude") if exclude else None
        cfg = configured or ConfiguredGlobs()
        self.base = str(cfg.base.resolve()) + os.sep if cfg.base is not None else None
        self.cfg_include = compile_spec(cfg.include, "[audit] include") if cfg.include else None
        self.cfg_exclude = compile_spec(cfg.exclude, "[audit] exclude") if cfg.exclude else None

    def _configured_rel(self, path: str) -> str | None:
        if self.base is None or not path.startswith(self.base):
            return None
        rel = path[len(self.base) :]
        return rel if os.sep == "/" else rel.replace(os.sep, "/")

    def reason(self, rel: str, path: str = "") -> str | None:
        cfg_rel = (
            self._configured_rel(path)
            if self.cfg_include is not None or self.cfg_exclude is not None
            else None
        )
        if self.include is not None or self.cfg_include is not None:
            included = (self.include is not None and self.include.match_file(rel)) or (
                self.cfg_include is not None
                and (cfg_rel is None or self.cfg_include.match_file(cfg_rel))
            )
            if not included:
                return (
                    "not matched by --include" if self.include else "not matched by [audit] include"
                )
        if self.exclude is not None and self.exclude.match_file(rel):
            return "matched by --exclude"
        if (
            self.cfg_exclude is not None
            and cfg_rel is not None
            and self.cfg_exclude.match_file(cfg_rel)
        ):
            return "matched by [audit] exclude"
        return None


# (absolute path, scope root, path relative to the root with "/" separators, skip reason)
Listed = tuple[str, str, str, str | None]


def _walk(root: str) -> Iterator[Listed]:
    """Walk a non-git tree, honouring every .gitignore on the way; never follow directory links.

    Plain strings, not pathlib: on a 30,000-file tree Path objects cost more than the walk.
    """
    stack: list[tuple[str, str, list[tuple[str, pathspec.GitIgnoreSpec]]]] = [(root, "", [])]
    while stack:
        folder, rel_folder, specs = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        if any(e.name == ".gitignore" for e in entries):
            try:
                with open(
                    os.path.join(folder, ".gitignore"), encoding="utf-8", errors="replace"
                ) as fh:
                    rules = fh.read().splitlines()
                specs = [*specs, (rel_folder, compile_spec(rules, f"{rel_folder}.gitignore"))]
            except OSError:
                pass
        for entry in entries:
            rel = f"{rel_folder}{entry.name}"
            is_dir = entry.is_dir(follow_symlinks=False)
            if specs and any(
                spec.match_file(rel[len(base) :] + ("/" if is_dir else "")) for base, spec in specs
            ):
                continue
            if is_dir:
                if entry.name in SKIP_DIRS or entry.name.endswith(".egg-info"):
                    if entry.name not in (".git", ".hg", ".svn"):
                        yield entry.path, root, rel, "vendored or build folder"
                else:
                    stack.append((entry.path, rel + "/", specs))
            else:
                yield entry.path, root, rel, None


# One listed file: (absolute path, display path, None) to read, or (None, display path, reason).
Entry = tuple[str | None, str, str | None]


def iter_files(
    paths: Iterable[Path],
    *,
    cwd: Path,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_file_size: int = 2_000_000,
    staged: bool = False,
    diff: str | None = None,
    configured: ConfiguredGlobs | None = None,
) -> tuple[dict[str, frozenset[int]] | None, Iterator[Entry]]:
    """The PATH arguments as a stream of files to read or skip, and (--staged/--diff) the lines.

    Bad arguments raise here; the listing itself is lazy, so a consumer can start reading files
    while the tree is still being walked.
    """
    cwd = cwd.resolve()
    lines: dict[str, frozenset[int]] | None = None
    roots = [Path(p) for p in paths] or [Path(".")]
    for raw in roots:
        target = (cwd / raw) if not raw.is_absolute() else raw
        if not target.exists() and not target.is_symlink():
            raise UsageError(
                f"path not found: {raw}", hint="check the path, or run from the repository root"
            )
    listed: Iterable[Listed]
    if staged or diff:
        top = git_toplevel(cwd)
        if top is None:
            raise UsageError(
                "--staged and --diff need a git repository", hint="run inside a git work tree"
            )
        candidates, lines = _changed(top, cwd, staged=staged, diff=diff)
        roots_abs = [((cwd / r) if not r.is_absolute() else r).resolve() for r in roots]
        candidates = [c for c in candidates if any(c == r or r in c.parents for r in roots_abs)]
        listed = ((str(c), str(top), c.relative_to(top).as_posix(), None) for c in candidates)
    else:
        listed = _expand(roots, cwd)
    filt = _Filter(include, exclude, configured)
    return lines, _entries(listed, str(cwd), filt, max_file_size)


def _entries(listed: Iterable[Listed], cwd: str, filt: _Filter, max_size: int) -> Iterator[Entry]:
    seen: set[str] = set()
    for path, scope_root, rel, walk_reason in listed:
        display = display_path(path, cwd)
        reason = walk_reason or _skip_reason(rel) or filt.reason(display, path)
        identity = path
        if reason is None:
            reason, identity = _check_file(path, scope_root, max_size)
        if reason is not None:
            yield None, display, reason
            continue
        if identity in seen:  # two links to one file, or a link and its target
            continue
        seen.add(identity)
        yield path, display, None


def select_files(
    paths: Iterable[Path],
    *,
    cwd: Path,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    max_file_size: int = 2_000_000,
    staged: bool = False,
    diff: str | None = None,
    configured: ConfiguredGlobs | None = None,
) -> Selection:
    """Resolve the PATH arguments into files to read (the whole listing at once)."""
    lines, entries = iter_files(
        paths, cwd=cwd, include=include, exclude=exclude, max_file_size=max_file_size,
        staged=staged, diff=diff, configured=configured,
    )  # fmt: skip
    files: list[tuple[str, str]] = []
    skipped: list[tuple[str, str]] = []
    for path, display, reason in entries:
        if path is None:
            skipped.append((display, reason or ""))
        else:
            files.append((path, display))
    return Selection(files=files, skipped=skipped, lines=lines)


def _expand(roots: list[Path], cwd: Path) -> Iterator[Listed]:
    for raw in roots:
        target = (cwd / raw) if not raw.is_absolute() else raw
        if target.is_file() or (target.is_symlink() and not target.is_dir()):
            # A file named on the command line is read even if ignored (pre-commit passes files).
            # A link in it may lead anywhere under the folder the command runs in (docs/a.md ->
            # ../posts/a.md), never above it.
            absolute = target.absolute()
            scope = cwd if cwd in absolute.parents else absolute.parent
            yield str(absolute), str(scope), absolute.name, None
            continue
        root = target.resolve()
        root_s = str(root)
        top = git_toplevel(root)
        listing = None
        if top is not None:
            listing = _git(
                ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], root
            )
        if listing is not None:
            # In git's order (a set's order changes from run to run with string hashing, and
            # the first of two links to one file is the one reported).
            for name in dict.fromkeys(filter(None, listing.split("\0"))):
                yield os.path.join(root_s, name), root_s, name, None
        else:
            yield from _walk(root_s)


# A notebook's bytes are mostly its saved outputs (base64 images, tables): one of 3.7 MB holds a few
# kilobytes of code. Notebooks are read up to this many times the size limit.
NOTEBOOK_SIZE_FACTOR = 4


def _check_file(path: str, root: str, max_size: int) -> tuple[str | None, str]:
    """Why a listed file is not read (None: read it), and its identity for de-duplication.

    One lstat per plain file: resolving every path costs a stat per path component.
    """
    try:
        st = os.lstat(path)
        identity = path
        if stat.S_ISLNK(st.st_mode):
            try:
                real = Path(path).resolve(strict=True)
            except (OSError, RuntimeError):
                return "broken or looping symlink", path
            if Path(root).resolve() not in real.parents:
                return "symlink pointing outside the scanned root", path
            st = os.stat(path)
            identity = str(real)
    except FileNotFoundError:
        return "deleted", path  # listed by git, gone from the work tree
    except OSError as exc:
        return f"unreadable: {exc.strerror}", path
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file", path
    limit = max_size * NOTEBOOK_SIZE_FACTOR if path.lower().endswith(".ipynb") else max_size
    if st.st_size > limit:
        return f"larger than max_file_size ({st.st_size} > {limit} bytes)", path
    if st.st_size == 0:
        return "empty", path
    return None, identity


def staged_contents(paths: Iterable[str], cwd: Path) -> dict[str, bytes]:
    """The staged (index) content of files, by absolute path, as stored (no filter runs).

    `--staged` audits what the commit will contain, not the work tree: with unstaged edits on
    top, the two differ, and the added line numbers belong to the index version. The index names
    the blobs (`ls-files -s -z`, NUL-separated, so any file name round-trips); one
    `git cat-file --batch` reads them by object id.
    """
    top = git_toplevel(cwd)
    wanted = list(paths)
    if top is None or not wanted:
        return {}
    rels = {Path(p).relative_to(top).as_posix(): p for p in wanted}
    try:
        listing = git.run(["ls-files", "-s", "-z", "--", *rels], top)
    except git.GitError as exc:
        raise UsageError(f"cannot read the staged files: {exc.stderr.strip()}") from None
    objects: list[tuple[str, str]] = []  # (absolute path, object id)
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, oid, stage = meta.split(b" ")
        rel = os.fsdecode(name)
        if stage == b"0" and rel in rels and mode.startswith(b"100"):
            objects.append((rels[rel], oid.decode("ascii")))
    if not objects:
        return {}
    try:
        out = git.run(
            ["cat-file", "--batch"], top, stdin="".join(f"{o}\n" for _, o in objects).encode()
        )
    except git.GitError as exc:
        raise UsageError(f"cannot read the staged files: {exc.stderr.strip()}") from None
    pos, blobs = 0, {}
    for path, _ in objects:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        pos = header_end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            blobs[path] = out[pos : pos + size]
            pos += size + 1
    return blobs


HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# Whatever .gitattributes or the configuration say: real line diffs (never "Binary files differ"),
# no textconv program, no external diff program, no rename pairing, no colour, no prefix games.
DIFF_FLAGS = [
    "--no-ext-diff", "--no-textconv", "--text", "--no-color", "--no-renames", "--no-relative",
    "--ignore-submodules=all", "--diff-filter=ACMR",
]  # fmt: skip


def added_lines(names: list[str], patch: bytes) -> dict[str, set[int]]:
    """Added line numbers per file, from `git diff -U0` output and the same diff's -z name list.

    Both list the files in one order; each file's section of the patch starts with a
    `diff --git` line (content lines always start with +, - or a space, so none can pose as one).
    Names are never parsed out of the patch, where git quotes the unusual ones.
    """
    added: dict[str, set[int]] = {name: set() for name in names}
    index = -1
    for line in patch.split(b"\n"):
        if line.startswith(b"diff --git "):
            index += 1
        elif line.startswith(b"@@") and 0 <= index < len(names):
            m = HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or b"1")
                added[names[index]].update(range(start, start + count))
    if index + 1 != len(names):
        raise UsageError(
            f"git diff listed {len(names)} files but showed {index + 1}",
            hint="report this with the output of git --version",
        )
    return added


def _changed(
    top: Path, cwd: Path, *, staged: bool, diff: str | None
) -> tuple[list[Path], dict[str, frozenset[int]]]:
    """Files and added line numbers of the staged change, or of the work tree since REF."""
    args = ["diff", *DIFF_FLAGS]
    if staged:
        args.append("--cached")
    else:
        assert diff is not None
        if (
            diff.startswith("-")
            or _git(
                ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{diff}^{{commit}}"], top
            )
            is None
        ):
            raise UsageError(
                f"--diff: unknown git revision '{diff}'",
                hint="fetch it first, e.g. git fetch origin main",
            )
        base = _git(["merge-base", "--end-of-options", diff, "HEAD"], top)
        args.append(base.strip() if base else diff)
    try:
        names = [
            os.fsdecode(n)
            for n in git.run([*args, "-z", "--name-only", "--"], top).split(b"\0")
            if n
        ]
        patch = git.run([*args, "-U0", "--"], top) if names else b""
    except git.GitError as exc:
        raise UsageError(
            f"git diff failed: {exc.stderr.strip()}",
            hint="run inside a git work tree with at least one commit",
        ) from None
    files = [top / name for name in names]
    added = added_lines(names, patch)
    return files, {
        display_path(str(top / name), str(cwd)): frozenset(v) for name, v in added.items()
    }


# ------------------------------------------------------------------------------ parallel reading

_scanner: Scanner | None = None


def _init_worker(overrides: Overrides, store: BlobStore | None) -> None:
    global _scanner
    _scanner = Scanner(load_catalog(overrides, store), store)


def _use_scanner(scanner: Scanner) -> None:
    global _scanner
    _scanner = scanner


@dataclass(frozen=True)
class Scanned:
    """One file's raw findings; externalised files are hedgectl's own configuration."""

    path: str
    raws: list[RawFinding]
    externalised: bool = False


# What the trusted configuration says a file is (services/audit.py decides, by path):
CONFIG = "config"  # the hedge.toml in use, or one [audit] externalised names: where IDs belong
GENERATED = "generated"  # an [audit] externalised path: exempt only while hedgectl's seal holds
Role = str | None


def _is_externalised(role: Role, data: bytes) -> bool:
    """IDs in hedge.toml, and in files rendered from it (`hedgectl config export`, sealed: see
    core/seal.py) at a path the configuration names, are externalised, never hard-coded. The seal
    alone is not enough: anyone can run hedgectl, so a sealed file elsewhere is scanned."""
    return role == CONFIG or (role == GENERATED and is_sealed(data))


Chunk = list[tuple[str, str, frozenset[int] | None, Role]]
ChunkResult = tuple[list[Scanned], list[tuple[str, str]], int]


def _scan_chunk(chunk: Chunk) -> ChunkResult:
    assert _scanner is not None
    return scan_chunk(_scanner, chunk)


def _is_own_output(data: bytes) -> bool:
    """JSON hedgectl wrote and sealed (baselines, exported configs) lists IDs it already knows."""
    return data.lstrip()[:1] == b"{" and is_sealed(data)


def _read_file(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def scan_chunk(
    scanner: Scanner, chunk: Chunk, read: Callable[[str], bytes] = _read_file
) -> ChunkResult:
    found: list[Scanned] = []
    skipped: list[tuple[str, str]] = []
    scanned = 0
    for abs_path, display, lines, role in chunk:
        try:
            data = read(abs_path)
        except OSError as exc:
            skipped.append((display, f"unreadable: {exc.strerror}"))
            continue
        if b"\0" in data[:SNIFF]:
            skipped.append((display, "binary content"))
            continue
        if role == GENERATED and _is_own_output(data):
            skipped.append((display, "hedgectl output (sealed baseline or export)"))
            continue
        scanned += 1
        raws = scanner.scan(data, display, lines=lines)
        if raws:
            found.append(Scanned(display, raws, externalised=_is_externalised(role, data)))
    return found, skipped, scanned


SMALL_RUN = (
    400  # fewer files than this are scanned in-process: a pool would cost more than it saves
)


def scan_files(
    entries: Iterable[Entry],
    overrides: Overrides,
    *,
    lines: dict[str, frozenset[int]] | None = None,
    jobs: int | None = None,
    on_progress: Callable[[int], None] | None = None,
    read: Callable[[str], bytes] | None = None,
    role: Callable[[str], Role] | None = None,
    on_scanned: Callable[[list[Scanned]], None] | None = None,
    store: BlobStore | None = None,
) -> tuple[list[Scanned], list[tuple[str, str]], int, str]:
    """Read and scan every listed file; big trees use one process per core.

    role(path) says what the configuration makes of a file (CONFIG, GENERATED or None); without
    it no file is exempt. on_scanned(batch) gets each batch of files with findings as it comes
    back, in listing order: the caller works on them while workers scan the rest. `store`
    keeps the scanner's compiled prefilter databases between runs (adapters/cache.py).

    The listing is consumed as it is produced: chunks go to the workers while the tree is still
    being walked, so walking and scanning overlap.
    """
    jobs = jobs or min(os.cpu_count() or 1, 8)
    found: list[Scanned] = []
    skipped: list[tuple[str, str]] = []
    scanned = 0

    def items() -> Iterator[tuple[str, str, frozenset[int] | None, Role]]:
        for path, display, reason in entries:
            if path is None:
                skipped.append((display, reason or ""))
            else:
                added = None if lines is None else lines.get(display, frozenset())
                yield path, display, added, role(path) if role else None

    def collect(result: ChunkResult, count: int) -> None:
        nonlocal scanned
        found.extend(result[0])
        skipped.extend(result[1])
        scanned += result[2]
        if on_scanned and result[0]:
            on_scanned(result[0])
        if on_progress:
            on_progress(count)

    stream = items()
    head: Chunk = list(itertools.islice(stream, SMALL_RUN))
    if jobs <= 1 or len(head) < SMALL_RUN or read is not None:
        scanner = Scanner(load_catalog(overrides, store), store)
        rest = [*head, *stream]
        for i in range(0, len(rest), 256):
            part = rest[i : i + 256]
            collect(scan_chunk(scanner, part, read or _read_file), len(part))
        return found, skipped, scanned, ENGINE
    # fork: workers inherit the imported modules and a scanner built once here (its regexes and
    # hyperscan databases), so start-up costs milliseconds; the scanner reaches them as the
    # initializer's argument, which fork hands over without pickling (and each pool its own:
    # repositories scanned side by side may have different catalogs). spawn: each worker builds
    # its own.
    from concurrent.futures import ProcessPoolExecutor  # a small run never needs a pool
    from multiprocessing import get_all_start_methods, get_context

    method = "fork" if "fork" in get_all_start_methods() else "spawn"
    if method == "fork":
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=get_context(method),
            initializer=_use_scanner,
            initargs=(Scanner(load_catalog(overrides, store), store),),
        )
    else:
        pool = ProcessPoolExecutor(
            jobs,
            mp_context=get_context(method),
            initializer=_init_worker,
            initargs=(overrides, store),
        )
    with pool:
        pending: list[tuple[Future[ChunkResult], int]] = []

        def harvest(block: bool) -> None:
            while pending and (block or pending[0][0].done()):
                future, count = pending.pop(0)
                collect(future.result(), count)

        chunk: Chunk = []
        for item in itertools.chain(head, stream):
            chunk.append(item)
            if len(chunk) == 128:
                pending.append((pool.submit(_scan_chunk, chunk), len(chunk)))
                chunk = []
                harvest(block=False)
        if chunk:
            pending.append((pool.submit(_scan_chunk, chunk), len(chunk)))
        harvest(block=True)
    return found, skipped, scanned, ENGINE
