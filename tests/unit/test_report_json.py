"""JSON reports are written as json.dumps(indent=2, sort_keys=True, ensure_ascii=False) writes them.

It takes a faster road (the C encoder for every object or array of scalars); the text must not
change: reports are compared, diffed and parsed by people's tools.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hedgectl.core.printable import _sorted_indent2, json_text
from hedgectl.report import dump_json

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=40,
)


def reference(schema: str, payload: dict[str, Any]) -> str:
    doc = {"schema": schema, **payload}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@settings(max_examples=150, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=8), VALUES, max_size=6))
def test_same_text_as_the_json_module(payload: dict[str, Any]) -> None:
    assert (
        _sorted_indent2(payload) + "\n"
        == json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    # and through json_text (lone surrogates and bidi characters made safe): the same text
    assert json_text(payload, indent=2, sort_keys=True) == json_text(
        payload,
        indent=2,
        sort_keys=True,
        separators=(",", ": "),  # the json module's own road
    )


def test_findings_like_rows_and_odd_keys() -> None:
    rows = [
        {"path": 'a/\u00e9\n"q".py', "line": 3, "ok": True, "x": None, "f": 1.5, "e": ""}
        for _ in range(3)
    ]
    payload: dict[str, Any] = {
        "findings": rows,
        "empty": {"d": {}, "l": [], "t": ()},
        "numbers": {1: "int key", 2.5: "float key"},  # the json module turns keys into strings
        "nested": [[1, [2, {"k": [3]}]], {"z": {"y": [True, False]}}],
        "hostile": {"name": "bad\udcff.py", "bidi": "a\u202eb", "del": "\x7f"},
    }
    plain = {k: v for k, v in payload.items() if k != "hostile"}
    assert _sorted_indent2({"schema": "x/v1", **plain}) + "\n" == reference("x/v1", plain)
    assert (
        dump_json("x/v1", payload)
        == json_text(
            {"schema": "x/v1", **payload}, indent=2, sort_keys=True, separators=(",", ": ")
        )
        + "\n"
    )


def test_json_text_escapes_what_it_escaped_before_the_ascii_shortcut() -> None:
    import re

    from hedgectl.core import printable

    for doc in (
        {"a": "plain ascii", "b": [1, 2.5, None, True]},
        {"a": "del \x7f here"},
        {"a": "bidi \u202e and C1 \x85"},
        {"a": "bad byte \udcff", "b": "\u2028"},
    ):
        for options in ({"indent": 2, "sort_keys": True}, {}):
            text = json.dumps(doc, ensure_ascii=False, **options)  # type: ignore[arg-type]
            if printable.SURROGATE.search(text):
                text = json.dumps(printable.lossless(doc), ensure_ascii=False, **options)  # type: ignore[arg-type]
            expected = printable.JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
            assert json_text(doc, **options) == expected
            assert not re.search("[\x7f\u202e\x85\u2028]", json_text(doc, **options))


FINDING_TEXTS = st.text(max_size=12) | st.sampled_from(["", "a\udcffb", "\u202e", "\x7f", "é"])


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            FINDING_TEXTS,
            FINDING_TEXTS,
            st.integers(min_value=0) | st.booleans() | st.text(max_size=3),
            st.booleans() | st.integers(0, 1) | st.none(),
            st.sampled_from(["named", "elevated", "standard"]),
            st.sampled_from(["code", "config", "comment", "docs", "externalised"]),
            st.booleans(),
        ),
        max_size=4,
    ),
    fail_on=st.sampled_from(["named", "elevated", "any", "never"]),
    gate_comments=st.booleans(),
)
def test_audit_findings_written_by_hand_as_the_json_module_writes_them(
    rows: list[tuple[str, str, Any, Any, str, str, bool]], fail_on: str, gate_comments: bool
) -> None:
    """The audit report writes each finding's text itself; the document must read as the
    generic road writes it, for any values, including those a merged report may carry."""
    from hedgectl.core.audit import AuditResult
    from hedgectl.core.models import Finding, Kind, Location
    from hedgectl.report import audit as report

    assert report.FAST_FINDINGS  # a new Finding field: update report.audit._KEYS
    findings = []
    for path, text, line, weights, tier, location, suppressed in rows:
        finding = Finding(
            path=path, line=line, column=7, text=text, model_id="gpt-4o", kind=Kind.MODEL,
            family="gpt", vendor="openai", vendor_name="OpenAI", hq="US", tier=tier,
            tier_source="s", open_weights=weights, location=Location(location), platform="",
            context=text[:3], fingerprint="f", suppressed=suppressed,
        )  # fmt: skip
        findings.append(finding)
    result = AuditResult(root=".", findings=findings, fail_on=fail_on, gate_comments=gate_comments)
    generic = [report._finding_dict(f, result) for f in findings]
    expected = json_text({"findings": generic, "n": 1}, indent=2, sort_keys=True)
    doc = {"findings": report._findings_json(result), "n": 1}
    assert json_text(doc, indent=2, sort_keys=True) == expected
