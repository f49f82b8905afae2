"""Sizes as users write them: '64MiB', '64M', '2MB', '500000' -> bytes (K/M/G/T are powers of 1024)."""

from __future__ import annotations

import re

from hedgectl.errors import UsageError

MiB = 1024 * 1024
GiB = 1024 * MiB
_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(i?B?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from a size; like the AWS CLI, 'MB' means MiB. Bad text is a usage error."""
    match = _SIZE_RE.match(text)
    if not match:
        raise UsageError(f"bad size '{text}': expected e.g. 64MiB, 2MB or 500000")
    scale = {"": 1, "K": 1024, "M": MiB, "G": GiB, "T": 1024 * GiB}[match[2].upper()]
    return int(float(match[1]) * scale)
