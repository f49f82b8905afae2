"""reach serve's answers to bad queries speak HTTP (query parameters), not the command line's flags."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence

import pytest

from hedgectl.adapters.exporter import Exporter, ProbeAnswer
from hedgectl.core.reach.plan import NothingToProbe, UnknownName


def _probe(providers: Sequence[str], regions: Sequence[str], budget: float | None) -> ProbeAnswer:
    if "nope" in providers:
        raise UnknownName("provider", "nope", ["openai", "anthropic"])
    if "mars" in regions:
        raise UnknownName("region", "mars", ["us", "eu"])
    raise NothingToProbe()


@pytest.fixture
def url() -> Iterator[str]:
    exporter = Exporter("127.0.0.1", 0, _probe, lambda *_: "")
    thread = threading.Thread(target=exporter.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{exporter.address[1]}"
    finally:
        exporter.httpd.shutdown()
        exporter.httpd.server_close()
        thread.join(timeout=10)


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_unknown_names_are_400_with_the_valid_values(url: str) -> None:
    status, text = _get(f"{url}/probe?provider=nope")
    assert status == 400
    assert text == "unknown provider=nope: no such provider is configured\n" \
        "valid values of provider=: anthropic, openai\n"  # fmt: skip
    status, text = _get(f"{url}/probe?provider=openai&region=mars")
    assert status == 400 and "unknown region=mars" in text and "eu, us" in text
    assert "--" not in text


def test_a_provider_not_probed_from_a_region_is_400_without_flags(url: str) -> None:
    status, text = _get(f"{url}/probe?provider=openai&region=us")
    assert status == 400 and text.startswith("nothing to probe") and "--" not in text
