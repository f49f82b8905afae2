"""Text from a scanned repository (file names, matched lines) made safe for a terminal.

A file name can hold ESC sequences that clear the screen, set the window title or hide text, and
bidirectional-override characters that reorder what is shown. Human outputs (table, CSV, markdown,
verbose lines, errors, comments rendered into hedge.toml) pass such text through printable();
JSON and SARIF keep the exact value (their encoders escape control characters themselves).
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates, and lone surrogates (the bytes of a
# file name that is not UTF-8, decoded with surrogateescape).
UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in NAMED:
        return NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_control(text: str) -> bool:
    """True when `text` holds a character printable() would escape."""
    return UNPRINTABLE.search(text) is not None


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (\\x1b, \\n, \\u202e)."""
    return UNPRINTABLE.sub(_escape, text)


# What a human output may never carry, whatever path the text took to it: everything printable()
# escapes except the line breaks and tabs the output itself is made of (a lone CR is escaped: it
# would let a line overwrite the one before it).
UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]|\r(?!\n)"
)


def terminal_safe(text: str) -> str:
    """A whole human output (a table, CSV, a diff) made safe for a terminal, its lines kept."""
    return UNSAFE.sub(_escape, text)


# Cells a spreadsheet would read as a formula (OWASP "CSV injection"): = + - @, and tab or CR,
# which some spreadsheets strip before looking.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """A CSV cell that no spreadsheet evaluates: a leading ' when it could start a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


SURROGATE = re.compile("[\ud800-\udfff]")
# Valid in a JSON string, but a terminal or an editor would act on them: written as \uXXXX.
JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _raw(text: str) -> bytes:
    """The bytes a str read with surrogateescape (a file name that is not UTF-8) stands for."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a byte
        return text.encode("utf-8", "surrogatepass")


def shown(text: str) -> str:
    """Valid Unicode: each byte that is not UTF-8 becomes U+FFFD."""
    return _raw(text).decode("utf-8", "replace") if SURROGATE.search(text) else text


def lossless(value: Any, *, sidecar: bool = True) -> Any:
    """A JSON-ready copy in which every string is valid UTF-8, nothing lost: a string value
    holding bytes that are not UTF-8 (a file name) is shown with U+FFFD, and its exact bytes go
    in a sibling key `<key>_bytes` (base64). Without sidecar (a schema that allows no extra
    keys: SARIF), such bytes are written as \\xNN escapes instead."""
    if not sidecar:
        if isinstance(value, dict):
            return {
                lossless(k, sidecar=False): lossless(v, sidecar=False) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [lossless(item, sidecar=False) for item in value]
        return SURROGATE.sub(_escape, value) if isinstance(value, str) else value
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            name = shown(key) if isinstance(key, str) else key
            if isinstance(item, str) and SURROGATE.search(item):
                out[name] = shown(item)
                out[f"{name}_bytes"] = base64.b64encode(_raw(item)).decode("ascii")
            else:
                out[name] = lossless(item)
        return out
    if isinstance(value, list | tuple):
        return [lossless(item) for item in value]
    return shown(value) if isinstance(value, str) else value


def json_text(document: Any, *, sidecar: bool = True, **options: Any) -> str:
    """json.dumps for outputs: valid UTF-8 always (see lossless), readable non-ASCII text kept,
    control and bidi characters written as \\uXXXX escapes (the value stays exact)."""
    dumps = _sorted_indent2 if options == {"indent": 2, "sort_keys": True} else None
    text = dumps(document) if dumps else json.dumps(document, ensure_ascii=False, **options)
    if text.isascii() and "\x7f" not in text:
        return text  # no surrogate, no character to escape (a check in C, not two regex passes)
    if SURROGATE.search(text):
        document = lossless(document, sidecar=sidecar)
        text = dumps(document) if dumps else json.dumps(document, ensure_ascii=False, **options)
    return JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _sorted_indent2(document: Any) -> str:
    """The text of `json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)`, faster.

    With an indent, the json module encodes in Python; here every object or array that holds
    only scalars (an audit finding, a list of names) is encoded by its C encoder in one call
    (12,000 findings: 0.19 s -> 0.09 s).
    """
    parts: list[str] = []
    _indented(document, "\n", parts)
    return "".join(parts)


class Indented:
    """JSON text already written for its place in a document that `_sorted_indent2` writes:
    placed as is. `newline` is the line break and indent that place has (what `_indented` is
    called with there), checked so text written for one depth never lands at another."""

    __slots__ = ("newline", "text")

    def __init__(self, text: str, newline: str) -> None:
        self.text, self.newline = text, newline


_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)
_STR = frozenset({str})


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None or value is True or value is False:
        return {None: "null", True: "true", False: "false"}[value]
    if type(value) is int:
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False)  # floats (NaN, Infinity) and int subclasses


def _indented(value: Any, newline: str, out: list[str]) -> None:
    """Append `value` as indented JSON; `newline` is a line break plus the current indent."""
    kind = type(value)
    if kind is dict and value:
        inner = newline + "  "
        if _SCALAR_TYPES.issuperset(map(type, value.values())):
            flat = _flat_encoder(inner)(value)  # {"a": 1,<inner>"b": 2}
            out.append("{" + inner + flat[1:-1] + newline + "}")
            return
        if not _STR.issuperset(map(type, value)):
            # Keys that are not strings: leave every rule (and error) to the json module.
            text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
            out.append(text.replace("\n", newline))
            return
        out.append("{")
        for i, key in enumerate(sorted(value)):
            head = ("," if i else "") + inner + encode_basestring(key) + ": "
            item = value[key]
            if type(item) is str:  # most values of an inventory's rows: no call per value
                out.append(head + encode_basestring(item))
            elif type(item) is int:
                out.append(head + int.__repr__(item))
            else:
                out.append(head)
                _indented(item, inner, out)
        out.append(newline + "}")
    elif (kind is list or kind is tuple) and value:
        inner = newline + "  "
        if _SCALAR_TYPES.issuperset(map(type, value)):
            flat = _flat_encoder(inner)(value)
            out.append("[" + inner + flat[1:-1] + newline + "]")
            return
        out.append("[")
        for i, item in enumerate(value):
            out.append(("," if i else "") + inner)
            _indented(item, inner, out)
        out.append(newline + "]")
    elif kind is Indented:
        if value.newline != newline:
            raise ValueError("JSON text written for another depth")
        out.append(value.text)
    elif isinstance(value, dict | list | tuple):
        if value:  # a subclass: the json module's rules
            out.append(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
                       .replace("\n", newline))  # fmt: skip
        else:
            out.append("{}" if isinstance(value, dict) else "[]")
    else:
        out.append(_scalar(value) if isinstance(value, _SCALARS) else json.dumps(value))


@functools.cache
def _flat_encoder(separator: str) -> Callable[[Any], str]:
    """Encodes one level of scalars, items separated by `,` + `separator` (the C encoder: no
    indent is asked of it, the separator carries the line break)."""
    encoder = json.JSONEncoder(
        sort_keys=True, ensure_ascii=False, separators=("," + separator, ": ")
    )
    if c_make_encoder is None:  # pragma: no cover - CPython always has the accelerator
        return encoder.encode
    # What JSONEncoder.encode builds on every call (the C encoder), built once per indent level.
    fast = c_make_encoder(
        None, encoder.default, encode_basestring, None, ": ", "," + separator,
        True, False, True,
    )  # fmt: skip
    return lambda value: "".join(fast(value, 0))
