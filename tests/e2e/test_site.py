"""End-to-end test of the built site in headless Chromium (run after ``make book``; ``make e2e``).

Every page of ``_toc.yml`` is loaded once at a desktop width (1280 px) and then narrowed to a phone width (390 px;
the theme's layout follows the width through CSS media queries). Checked: the page
loads; every formula is typeset by MathJax without an error; every image loads; the Binder and Colab links point at
this repository's ``main`` branch and at notebooks that git tracks (a chapter's launch buttons at its own notebook);
stored widget state renders as widgets; the browser console shows no error and no uncaught exception (there is no
allow-list: the errors of the stock pages are fixed by ``tools/sphinx_dedupe.py`` and ``tools/sphinx_page_fixes.py``);
no external request other than the mirrored CDN scripts is needed. At 390 px the page does not scroll sideways,
figures fit the screen and the navigation drawer opens and shows the chapters. Full-page screenshots of each page
at both widths go to ``_build/screenshots/`` for inspection, with a list of the blocked external requests.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from site_browser import ROOT, SCREENSHOTS, Traffic, launch_target, toc_pages, watch

pytestmark = pytest.mark.e2e

PAGES = toc_pages()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 60_000
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Browsers loading pages in parallel: two on a two-core machine (the test takes about half as long)."""
BLOCKING_TYPES = {"script", "stylesheet", "document"}
"""A blocked external request of these types would mean the page depends on something the test does not mirror."""

PAGE_STATE = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const math = Array.from(document.querySelectorAll('.math'));
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  return {
    title: document.title,
    article: !!document.querySelector('article.bd-article'),
    math: math.length,
    mathTypeset: math.filter(m => m.querySelector('mjx-container')).length,
    mathErrors: Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    images: Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
    widgetViews: views.length,
    widgetsRendered: views.filter(v => v.parentElement.querySelector('.widget-subarea .jupyter-widgets')).length,
    widgetImages: Array.from(document.querySelectorAll('.widget-subarea img'))
      .filter(i => i.complete && i.naturalWidth > 0).length,
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  };
}"""

PHONE_STATE = """() => {
  const width = window.innerWidth;
  const figures = Array.from(document.querySelectorAll('article.bd-article img')).map(i => {
    const r = i.getBoundingClientRect();
    return {src: i.currentSrc || i.src, left: r.left, right: r.right, width: r.width};
  });
  return {width, scrollWidth: document.documentElement.scrollWidth, figures};
}"""


@dataclass
class PageReport:
    """What one page showed in the browser."""

    name: str
    status: int | None = None
    state: dict = field(default_factory=dict)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    phone: dict = field(default_factory=dict)
    drawer: dict = field(default_factory=dict)
    seconds: float = 0.0


def _shot_name(page: str) -> str:
    return page.replace("/", "__") + ".png"


WIDGETS_RENDERED = """() =>
  Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'))
    .every(v => v.parentElement.querySelector('.widget-subarea .jupyter-widgets'))"""


def _visit(page: object, server: str, name: str, report: PageReport) -> None:
    """Load a page at the desktop width and wait until MathJax, the widgets and the images are done."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    response = page.goto(f"{server}/{name}.html", wait_until="load")
    report.status = response.status if response else None
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; } }")
    try:
        page.wait_for_function(WIDGETS_RENDERED, timeout=TIMEOUT_MS)
    except PlaywrightTimeout:
        pass  # test_stored_widgets_render reports how many views did not render
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")


def _inspect(context: object, server: str, traffic: Traffic, report: PageReport, folders: dict[str, Path]) -> None:
    """Everything the tests need from one page: desktop state and screenshot, then the phone width."""
    name = report.name
    start = time.perf_counter()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on(
        "console",
        lambda m: m.type == "error" and report.console_errors.append(f"{m.text} [{m.location.get('url', '')}]"),
    )
    page.on("pageerror", lambda e: report.page_errors.append(str(e)))
    page.on("response", lambda resp: resp.status >= 400 and report.http_errors.append(f"{resp.status} {resp.url}"))
    watch(page, server, traffic, name)
    _visit(page, server, name, report)
    report.state = page.evaluate(PAGE_STATE)
    page.screenshot(path=str(folders["desktop"] / _shot_name(name)), full_page=True)
    page.set_viewport_size(PHONE)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    report.phone = page.evaluate(PHONE_STATE)
    page.screenshot(path=str(folders["phone"] / _shot_name(name)), full_page=True)
    report.drawer = _open_drawer(page)
    page.close()
    report.seconds = time.perf_counter() - start


@pytest.fixture(scope="session")
def reports(browser: Any, server: str, traffic: Traffic) -> dict[str, PageReport]:
    """Load every page once at the desktop width, then narrow the same page to 390 px; the tests below read the
    reports. The pages are shared out to ``WORKERS`` browsers in parallel threads. Screenshots:
    ``_build/screenshots/{desktop,phone}/<page>.png``; timings: ``timings.txt``."""
    folders = {width: SCREENSHOTS / width for width in ("desktop", "phone")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()
    out = {name: PageReport(name) for name in PAGES}

    def work(names: list[str]) -> None:
        with browser() as chromium:
            context = chromium.new_context(viewport=DESKTOP)
            for name in names:
                _inspect(context, server, traffic, out[name], folders)
            context.close()

    start = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        for future in [pool.submit(work, PAGES[k::WORKERS]) for k in range(WORKERS)]:
            future.result()
    total = time.perf_counter() - start
    lines = [f"{page}\t{kind}\t{url}" for page, kind, url in traffic.blocked]
    (SCREENSHOTS / "blocked-requests.txt").write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    timings = [f"{r.seconds:6.2f} s  {r.name}" for r in out.values()] + [
        f"{total:6.2f} s  all pages ({WORKERS} browsers)"
    ]
    (SCREENSHOTS / "timings.txt").write_text("\n".join(timings) + "\n", encoding="utf-8")
    return out


def _open_drawer(page: object) -> dict:
    """Tap the phone header's navigation button; report whether the drawer opened and which chapter links it shows."""
    toggles = [t for t in page.query_selector_all("button.primary-toggle") if t.is_visible()]
    if not toggles:
        return {"toggle": False}
    toggles[0].click()
    drawer = page.wait_for_selector("#pst-primary-sidebar-modal[open]", state="visible")
    links = [a for a in drawer.query_selector_all("nav.bd-docs-nav a.reference.internal") if a.is_visible()]
    boxes = [a.bounding_box() for a in links]
    inside = all(b is not None and b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] + 1 for b in boxes)
    page.keyboard.press("Escape")
    closed = page.wait_for_selector("#pst-primary-sidebar-modal", state="hidden") is None
    return {"toggle": True, "links": len(links), "inside": inside, "closed": closed}


def _repository() -> tuple[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    url = config["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+?)(?:\.git)?", url)
    assert match, f"_config.yml repository.url is not a GitHub repository: {url}"
    return match.group(1), match.group(2)


def _tracked_files() -> set[str]:
    """Files git tracks in this checkout: what the launch links on ``main`` will find once it is pushed."""
    try:
        listing = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.fail(f"git ls-files failed ({exc}); the launch links cannot be checked")
    return set(listing.splitlines())


@pytest.fixture(scope="session")
def tracked() -> set[str]:
    return _tracked_files()


def test_toc_has_pages() -> None:
    assert PAGES, "_toc.yml lists no pages"


def test_no_failed_execution_reports(site: Path) -> None:
    assert not (site / "reports").exists(), f"the build left execution error reports in {site / 'reports'}"


@pytest.mark.parametrize("name", PAGES)
def test_page_loads(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    assert report.status == 200, f"{name}: HTTP {report.status}"
    assert report.state["article"] and report.state["title"], f"{name}: no article or title"
    assert report.http_errors == [], f"{name}: failed requests {report.http_errors}"


@pytest.mark.parametrize("name", PAGES)
def test_math_renders(name: str, reports: dict[str, PageReport]) -> None:
    state = reports[name].state
    assert state["mathErrors"] == [], f"{name}: MathJax errors {state['mathErrors']}"
    assert state["mathTypeset"] == state["math"], (
        f"{name}: {state['math'] - state['mathTypeset']} of {state['math']} formulas not typeset"
    )


@pytest.mark.parametrize("name", PAGES)
def test_images_load(name: str, reports: dict[str, PageReport]) -> None:
    broken = [i["src"][:120] for i in reports[name].state["images"] if not i["ok"]]
    assert broken == [], f"{name}: images that did not load: {broken}"


@pytest.mark.parametrize("name", PAGES)
def test_no_console_errors(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    assert report.page_errors == [], f"{name}: uncaught exceptions {report.page_errors}"
    assert report.console_errors == [], f"{name}: console errors {report.console_errors}"


@pytest.mark.parametrize("name", PAGES)
def test_launch_links_point_at_tracked_notebooks_on_main(
    name: str, reports: dict[str, PageReport], tracked: set[str]
) -> None:
    repo = "/".join(_repository())
    targets = [t for t in (launch_target(href) for href in reports[name].state["links"]) if t is not None]
    for service, where, branch, path in targets:
        assert (where, branch) == (repo, "main"), f"{name}: {service} link to {where}@{branch}, expected {repo}@main"
        assert path.endswith(".ipynb") and path in tracked, (
            f"{name}: {service} link to {path!r}, which git does not track"
        )
    if (ROOT / f"{name}.ipynb").exists():  # a notebook page: its launch buttons open this very notebook
        own = {service for service, _, _, path in targets if path == f"{name}.ipynb"}
        assert own == {"binder", "colab"}, f"{name}: launch buttons for its own notebook: {sorted(own)}"


@pytest.mark.parametrize("name", PAGES)
def test_stored_widgets_render(name: str, reports: dict[str, PageReport]) -> None:
    state = reports[name].state
    assert state["widgetsRendered"] == state["widgetViews"], (
        f"{name}: {state['widgetViews'] - state['widgetsRendered']} of {state['widgetViews']} "
        "stored widget views did not render"
    )


def test_some_page_renders_widgets(reports: dict[str, PageReport]) -> None:
    """The explorers (sliders plus the output area's stored figure) render somewhere in the book."""
    with_widgets = [r for r in reports.values() if r.state["widgetViews"]]
    if not any(
        (ROOT / f"{p}.ipynb").exists() and "widget-state" in (ROOT / f"{p}.ipynb").read_text(encoding="utf-8")
        for p in PAGES
    ):
        pytest.skip("no chapter stores widget state yet")
    assert with_widgets and all(r.state["widgetImages"] > 0 for r in with_widgets), (
        "an explorer rendered without its figure"
    )


@pytest.mark.parametrize("name", PAGES)
def test_phone_width_is_usable(name: str, reports: dict[str, PageReport]) -> None:
    report = reports[name]
    phone, drawer = report.phone, report.drawer
    assert phone["scrollWidth"] <= phone["width"] + 1, (
        f"{name}: the page scrolls sideways at 390 px ({phone['scrollWidth']} px wide)"
    )
    wide = [f for f in phone["figures"] if f["left"] < -1 or f["right"] > phone["width"] + 1]
    assert wide == [], f"{name}: figures wider than the screen: {[f['src'][-60:] for f in wide]}"
    assert drawer.get("toggle"), f"{name}: no visible navigation button at 390 px"
    assert drawer["links"] >= len(PAGES) - 1 and drawer["inside"], (
        f"{name}: the navigation drawer shows {drawer['links']} links (inside screen: {drawer['inside']})"
    )
    assert drawer["closed"], f"{name}: the navigation drawer does not close with Escape"


def test_nothing_needed_was_blocked(reports: dict[str, PageReport], traffic: Traffic) -> None:
    needed = [(page, kind, url) for page, kind, url in traffic.blocked if kind in BLOCKING_TYPES]
    assert needed == [], (
        f"external scripts/styles blocked (mirror them: CDN in tests/e2e/site_browser.py): {needed[:5]}"
    )
    assert any("/__cdn__/mathjax/" in url for url in traffic.served), "MathJax was never served from the local copy"


def test_screenshots_written(reports: dict[str, PageReport]) -> None:
    for name in PAGES:
        for width in ("desktop", "phone"):
            shot = SCREENSHOTS / width / _shot_name(name)
            assert shot.exists() and shot.stat().st_size > 10_000, f"missing or empty screenshot {shot}"
