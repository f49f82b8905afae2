"""gitignore-style patterns from places we do not control, compiled so matching stays linear.

The patterns come from a scanned tree's .gitignore files (hostile in a pull request), from
--include/--exclude and from [audit] include/exclude. pathspec turns each into a regex; with
Python's backtracking engine, `*a*a*a*b`-style patterns take time exponential in their stars, and
the hyperscan backend spends seconds compiling them. So:

- runs of `*` are collapsed the way git's wildmatch reads them (`**` only as a whole path
  segment; `***x` is `*x`), which keeps the regexes short;
- pathspec compiles them with RE2 (google-re2: linear-time matching, no backtracking);
- an invalid pattern is an error naming where it came from and its line, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from hedgectl.config import Settings, Where
from hedgectl.errors import HedgeError, UsageError

if TYPE_CHECKING:
    import pathspec

BACKEND = "re2"


def collapse_stars(pattern: str) -> str:
    """The same gitignore pattern with every run of `*` reduced to what git's wildmatch sees."""
    out: list[str] = []
    i, n = 0, len(pattern)
    start = 1 if pattern.startswith("!") else 0
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if char != "*":
            out.append(char)
            i += 1
            continue
        j = i
        while j < n and pattern[j] == "*":
            j += 1
        before = pattern[i - 1] if i > start else "/"
        after = pattern[j] if j < n else "/"
        out.append("**" if j - i >= 2 and before == "/" and after == "/" else "*")
        i = j
    return "".join(out)


def compile_spec(
    lines: Iterable[str],
    source: str,
    *,
    error: Callable[[str], HedgeError] = UsageError,
    first_line: int = 1,
) -> pathspec.GitIgnoreSpec:
    """Compile gitignore lines; an invalid one raises `error("<source>:<line>: ...")`."""
    import pathspec  # imported when a pattern is first compiled: most runs compile none

    raws = list(lines)
    patterns = [collapse_stars(line) for line in raws]
    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns, backend=BACKEND)
    except (ValueError, re.error):
        pass
    # Name the culprit.
    for number, raw in enumerate(raws, first_line):
        problem = pattern_problem(raw)
        if problem:
            raise error(f"{source}:{number}: invalid pattern {raw!r}: {problem}")
    raise error(f"{source}: invalid patterns")


def check_configured(settings: Settings) -> None:
    """[audit] include/exclude/externalised from hedge.toml: an invalid pattern is a config error (exit 3)."""
    for key in ("include", "exclude", "externalised"):
        for i, pattern in enumerate(getattr(settings.audit, key)):
            problem = pattern_problem(pattern)
            if problem:
                raise Where(settings.path, f"audit.{key}[{i}]").error(
                    f"invalid pattern {pattern!r}: {problem}"
                )


def pattern_problem(pattern: str) -> str | None:
    """Why one gitignore line is invalid, or None (checked with the cheap backend)."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([collapse_stars(pattern)], backend="simple")
    except (ValueError, re.error) as exc:
        return _reason(exc)
    return None


def _reason(exc: Exception) -> str:
    text = str(exc)
    if text.startswith("Invalid git pattern"):
        return "a trailing backslash escapes nothing"
    return text
