"""Text from a scanned repository (file names, matched lines) made safe for a terminal.

A file name can hold ESC sequences that clear the screen, set the window title or hide text, and
bidirectional-override characters that reorder what is shown. Human outputs (table, CSV, markdown,
verbose lines, errors, comments rendered into hedge.toml) pass such text through printable();
JSON and SARIF keep the exact value (their encoders escape control characters themselves).
"""

from __future__ import annotations

import re

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
