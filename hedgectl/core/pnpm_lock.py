"""What audit needs from a pnpm-lock.yaml, read from the YAML parser's events.

A pnpm lock file of a large JavaScript project runs to half a megabyte; building it as Python
objects (yaml.load) is most of the cost of reading it, though audit needs only the names of the
direct dependencies and the keys of `packages`. This reader walks libyaml's event stream, keeps
those, and skips everything else without building it.

It answers exactly what `yaml.load(text, SafeLoader)` followed by dictionary lookups answers,
and only where that is easy to be sure of: whenever the document holds anything unusual (a tag,
an alias, a complex key, a key or value that SafeLoader would turn into something other than a
string, a null or a mapping where audit looks, several documents), it raises Unusual and the
caller loads the document the ordinary way.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

SECTIONS = ("dependencies", "devDependencies", "optionalDependencies")
STR_TAG = "tag:yaml.org,2002:str"
# Tags whose construction can fail or is not a plain value (SafeLoader raises on them).
FAILING_TAGS = frozenset(
    {
        "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value", "tag:yaml.org,2002:merge",
        "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    }
)  # fmt: skip
NUMERIC_FIRST = frozenset("-+.0123456789")
# First characters for which SafeLoader's implicit resolvers may give a plain key another type
# (bool, int, float, null, merge, timestamp, value); other plain keys are always strings.
RESOLVABLE_FIRST = frozenset(["", *"yYnNtTfFoO~-+.0123456789<="])  # "": an empty key is null
NULLS = frozenset({"", "~", "null", "Null", "NULL"})
# `? key` or a flow collection used as a key: keys that may not hash (SafeLoader refuses them).
# Each alternative starts with the rare character (what comes before `?` is looked behind for),
# so the engine skips ahead to it: the text is half a megabyte.
COMPLEX_KEY = re.compile(r"\?(?<![^\s\[{,-]\?)(?:\s|$)|[\]}][ \t]*:(?:\s|$)")

CHECKED_FIRST = frozenset("=<") | NUMERIC_FIRST
_resolver = yaml.resolver.Resolver()
_SCALAR, _MAPPING_START, _MAPPING_END = (
    yaml.ScalarEvent,
    yaml.MappingStartEvent,
    yaml.MappingEndEvent,
)
_SEQUENCE_START, _SEQUENCE_END = yaml.SequenceStartEvent, yaml.SequenceEndEvent


class Unusual(Exception):
    """The document needs the full loader to be read exactly."""


def _resolve(value: str) -> str:
    """The tag SafeLoader gives a plain scalar."""
    return str(_resolver.resolve(yaml.ScalarNode, value, (True, False)))  # type: ignore[no-untyped-call]


class _Events:
    """The event stream, refusing what this reader does not model."""

    def __init__(self, text: str) -> None:
        self.loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        # The loader's own call, not yaml.parse's generator around it: the stream's structure
        # says where it ends (a stream end event), and a broken stream raises.
        self._get = self.loader.get_event

    def next(self) -> Any:
        ev = self._get()
        kind = type(ev)
        if kind is _SCALAR:
            if ev.tag is not None:
                raise Unusual
            value = ev.value
            first = value[:1]
            # A date, `=` or `<<` as a plain scalar: constructed specially, or refused; a number
            # with underscores (`0b_`) may fail to construct.
            if (
                first in CHECKED_FIRST
                and _plain(ev)
                and (
                    first in ("=", "<")
                    or (first.isdigit() and value[4:5] == "-")
                    or (first in NUMERIC_FIRST and "_" in value)
                )
                and _resolve(value) in FAILING_TAGS
            ):
                raise Unusual
        elif kind is _MAPPING_START or kind is _SEQUENCE_START:
            if ev.tag is not None:
                raise Unusual
        elif (
            kind is not _MAPPING_END
            and kind is not _SEQUENCE_END
            and (kind is yaml.AliasEvent or not isinstance(ev, yaml.Event))
        ):
            raise Unusual
        return ev

    def skip(self, ev: Any) -> None:
        """Read past the node that starts with `ev`."""
        if isinstance(ev, yaml.ScalarEvent):
            return
        depth = 1
        while depth:
            kind = type(self.next())
            if kind is _MAPPING_START or kind is _SEQUENCE_START:
                depth += 1
            elif kind is _MAPPING_END or kind is _SEQUENCE_END:
                depth -= 1

    def keys(self, ev: Any) -> list[str]:
        """The keys of a mapping node, in dictionary order; a null node has none."""
        if _is_null(ev):
            return []
        if not isinstance(ev, yaml.MappingStartEvent):
            raise Unusual
        out: dict[str, None] = {}
        while True:
            k = self.next()
            if isinstance(k, yaml.MappingEndEvent):
                return list(out)
            out[_key(k)] = None
            self.skip(self.next())

    def sections(self, ev: Any) -> dict[str, list[str]]:
        """An importer (or the document itself): its dependency sections' keys."""
        out: dict[str, list[str]] = {}
        while True:
            k = self.next()
            if isinstance(k, yaml.MappingEndEvent):
                return out
            key = _key(k)
            value = self.next()
            if key in SECTIONS:
                out[key] = self.keys(value)
            else:
                self.skip(value)


def _plain(ev: Any) -> bool:
    return ev.style in (None, "") and bool(ev.implicit[0])


def _is_null(ev: Any) -> bool:
    return isinstance(ev, yaml.ScalarEvent) and _plain(ev) and ev.value in NULLS


def _key(ev: Any) -> str:
    """A mapping key that SafeLoader constructs as this very string."""
    if not isinstance(ev, yaml.ScalarEvent):
        raise Unusual
    if _plain(ev) and ev.value[:1] in RESOLVABLE_FIRST and _resolve(ev.value) != STR_TAG:
        raise Unusual
    return str(ev.value)


def tables(text: str) -> tuple[list[str], list[str]]:
    """(direct dependency names, keys of `packages`); an empty document has neither.

    Direct names: from every importer's dependency sections, or from the document's own
    sections when it has no (or an empty) `importers` mapping.
    """
    if COMPLEX_KEY.search(text):
        raise Unusual
    ev = _Events(text)
    try:
        return _tables(ev)
    finally:
        ev.loader.dispose()


def _tables(ev: _Events) -> tuple[list[str], list[str]]:
    ev.next()  # stream start
    first = ev.next()
    if isinstance(first, yaml.StreamEndEvent):
        return [], []
    root = ev.next()
    if not isinstance(root, yaml.MappingStartEvent):
        raise Unusual
    importers: dict[str, dict[str, list[str]]] = {}
    own: dict[str, list[str]] = {}
    packages: list[str] = []
    while True:
        k = ev.next()
        if isinstance(k, yaml.MappingEndEvent):
            break
        key = _key(k)
        value = ev.next()
        if key == "importers":
            importers = {}
            if _is_null(value):
                continue
            if not isinstance(value, yaml.MappingStartEvent):
                raise Unusual
            while True:
                ik = ev.next()
                if isinstance(ik, yaml.MappingEndEvent):
                    break
                name = _key(ik)
                iv = ev.next()
                if _is_null(iv):
                    importers[name] = {}
                elif isinstance(iv, yaml.MappingStartEvent):
                    importers[name] = ev.sections(iv)
                else:
                    raise Unusual
        elif key == "packages":
            packages = ev.keys(value)
        elif key in SECTIONS:
            own[key] = ev.keys(value)
        else:
            ev.skip(value)
    if not isinstance(ev.next(), yaml.DocumentEndEvent) or not isinstance(
        ev.next(), yaml.StreamEndEvent
    ):
        raise Unusual  # several documents: yaml.load refuses them
    direct: list[str] = []
    for sections in importers.values() if importers else [own]:
        for section in SECTIONS:
            direct += sections.get(section, [])
    return direct, packages
