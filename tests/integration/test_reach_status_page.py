"""The reach status page in a real browser: Debian's chromium driven by Playwright.

What a person sees: the provider x region matrix with verdicts in words and their reasons, the
recent state changes; on a phone-sized screen without sideways scrolling; without JavaScript;
without loading anything from elsewhere. Plus accessibility checks on the rendered page: one h1,
headings in order, and WCAG contrast of every verdict cell computed from its computed styles.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hedgectl.adapters.history import Event
from hedgectl.core import reach as core
from hedgectl.report.reach import ReachReport
from hedgectl.report.reach_html import render_status_page

pytestmark = pytest.mark.xdist_group("browser")

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--metrics-recording-only",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
NOW = 1_790_000_000.0


def _result(provider: str, region: str, verdict: str, reason: str, status: int | None) -> Any:
    return core.Result(
        provider,
        region,
        f"https://{provider}.example/v1/models",
        core.ProbeKind.UNAUTHENTICATED,
        core.Verdict(verdict),
        reason,
        status,
        "",
        core.Timings(0.01, 0.02, 0.03, 0.04, 0.2),
        "",
        "",
        None,
        "proxy" if region != "here" else "direct",
    )


RESULTS = [
    _result("openai", "us", "ok", "HTTP 401: the provider answered (unauthenticated probe)", 401),
    _result("openai", "cn", "blocked_geo", "HTTP 403: OpenAI refuses this country", 403),
    _result("anthropic", "us", "rate_limited", "HTTP 429: rate limited, retry after 7s", 429),
    _result("anthropic", "cn", "vantage_down", "region cn: the region's proxy failed", None),
    _result("deepseek", "us", "blocked_legal", "HTTP 451: unavailable for legal reasons", 451),
    _result("edge", "here", "blocked_unknown", "HTTP 403: '<script>alert(1)</script>' page", 403),
]
CHANGES = [
    Event(NOW - 600, "openai", "cn", "up", "down", "blocked_geo", "HTTP 403: OpenAI refuses"),
    Event(NOW - 7200, "deepseek", "us", "unknown", "down", "blocked_legal", "HTTP 451"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium missing: make test installs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    report = ReachReport(RESULTS, {"us": "", "cn": "proxy refused the connection"}, NOW)
    path = tmp_path / "status.html"
    path.write_text(render_status_page(report, CHANGES), encoding="utf-8")
    return path


def _open(browser: Any, url: str, **context: Any) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(**context)
    outside: list[str] = []

    def deny(route: Any) -> None:  # a self-contained page asks for nothing
        outside.append(route.request.url)
        route.abort()

    ctx.route(re.compile(r"^(?!file:|data:).*"), deny)
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    return ctx, page, outside


def _cell(page: Any, provider: str, region: str) -> Any:
    row = page.locator("table.matrix tbody tr", has=page.locator(f'th:text-is("{provider}")'))
    return row.locator(f'td[data-region="{region}"]')


def test_a_person_sees_each_verdict_and_reason_per_provider_and_region(
    browser: Any, page_file: Path
) -> None:
    ctx, page, outside = _open(browser, page_file.as_uri(), java_script_enabled=False)
    try:
        assert page.title() == "LLM provider reachability"
        headers = page.locator("table.matrix thead th").all_inner_texts()
        assert headers == ["provider", "cn", "here", "us"]
        geo = _cell(page, "openai", "cn")
        assert geo.locator(".verdict").inner_text() == "blocked_geo"
        assert "OpenAI refuses this country" in geo.locator(".reason").inner_text()
        assert "down since" in geo.inner_text()  # the last state change from the history
        assert _cell(page, "openai", "us").locator(".verdict").inner_text() == "ok"
        assert "retry after 7s" in _cell(page, "anthropic", "us").inner_text()
        assert _cell(page, "openai", "here").inner_text() == "not probed from here"
        # a reason quoting a hostile page title is shown as text, never run
        edge = _cell(page, "edge", "here")
        assert "<script>alert(1)</script>" in edge.inner_text()
        assert page.locator("script").count() == 0
        summary = page.locator("ul.summary li").all_inner_texts()
        assert summary == ["1 reachable", "1 degraded", "4 unreachable"]
        changes = page.locator("table.changes tbody tr").all_inner_texts()
        assert len(changes) == 2 and "up → down" in changes[0] and "openai" in changes[0]
        assert "cn: down: proxy refused the connection" in page.locator("main").inner_text()
        assert outside == []
    finally:
        ctx.close()


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(css: str) -> tuple[float, float, float]:
    parts = [float(x) for x in re.findall(r"[\d.]+", css)[:3]]
    return parts[0], parts[1], parts[2]


def contrast(fg: str, bg: str) -> float:
    hi, lo = sorted((_luminance(_rgb(fg)), _luminance(_rgb(bg))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_and_headings(browser: Any, page_file: Path) -> None:
    ctx, page, _ = _open(browser, page_file.as_uri())
    try:
        headings = page.eval_on_selector_all(
            "h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))"
        )
        assert headings.count(1) == 1 and headings[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings
        cells = page.eval_on_selector_all(
            "td[data-verdict], ul.summary li, td.none",
            """els => els.map(e => {
                const s = getComputedStyle(e);
                let bg = s.backgroundColor, n = e;
                while (bg === 'rgba(0, 0, 0, 0)' && n.parentElement) {
                    n = n.parentElement; bg = getComputedStyle(n).backgroundColor;
                }
                return [e.innerText.split('\\n')[0], s.color, bg];
            })""",
        )
        assert len(cells) >= len(RESULTS)
        for text, fg, bg in cells:
            assert contrast(fg, bg) >= 7.0, (text, fg, bg, contrast(fg, bg))  # WCAG AAA
        # every table names its header cells' scope, so screen readers read rows and columns
        assert page.locator("th:not([scope])").count() == 0
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        ctx.close()


def test_readable_on_a_phone_without_sideways_scrolling(browser: Any, page_file: Path) -> None:
    ctx, page, _ = _open(
        browser,
        page_file.as_uri(),
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        # the region is named inside each cell (the column header is out of view)
        cell = _cell(page, "openai", "cn")
        label = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert label == '"cn"'
        assert cell.is_visible() and "blocked_geo" in cell.inner_text()
        box = cell.bounding_box()
        assert box is not None and box["width"] <= 360
        size = page.eval_on_selector(".reason", "e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 14
        page.screenshot(path=str(page_file.with_suffix(".phone.png")), full_page=True)
    finally:
        ctx.close()


def test_chromium_is_the_debian_one() -> None:
    """The suite drives the system chromium (no browser download); make test installs it."""
    assert shutil.which("chromium") == CHROMIUM or Path(CHROMIUM).exists()
