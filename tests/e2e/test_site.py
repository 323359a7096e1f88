"""End-to-end test of the built site in headless Chromium (run after ``make book``; ``make e2e``).

Every page of ``_toc.yml`` is loaded once at a desktop width (1280 px) and then narrowed to a phone width (390 px;
the theme's layout follows the width through CSS media queries). The browser has no network: every request that
leaves the site is aborted (``site_browser.watch``), so the site must serve MathJax, require.js and the widget
manager itself (``tools/sphinx_offline_assets.py``). Checked: the page loads; every formula is typeset by MathJax
(an ``mjx-container``, no ``mjx-merror``, no undefined macro, no empty formula, no TeX left as text) with the book's
macros; every image loads; the Binder and Colab links point at this repository's branch (``_config.yml``) and at
notebooks that git tracks (a chapter's launch buttons at its own notebook); stored widget state renders as widgets; the
browser console shows no error and no uncaught exception (there is no allow-list: the errors of the stock pages are
fixed by ``tools/sphinx_dedupe.py`` and ``tools/sphinx_page_fixes.py``); no request needed to leave the site, and
the scripts came from its ``_static/``. At 390 px the page does not scroll sideways, figures fit the screen and the
navigation drawer opens and shows the chapters. The site also works opened from files (``file://``, as after
downloading it), and in dark mode every plot is drawn light on dark, judged on its pixels
(``_static/mmcl-dark.css``). Full-page screenshots of each page at both widths, and of two pages in dark mode, go
to ``_build/screenshots/`` for inspection, with a list of the blocked requests.
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

import numpy as np
import pytest
import yaml
from site_browser import ASSETS, ROOT, SCREENSHOTS, Traffic, launch_target, toc_pages, watch

pytestmark = pytest.mark.e2e

PAGES = toc_pages()
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 60_000
WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Browsers loading pages in parallel: two on a two-core machine (the test takes about half as long)."""
DARK_PAGES = ("book/02_problem_setting", "book/09_synthetic_experiments")
"""Pages shown in dark mode (figures and a widget explorer each)."""

PAGE_STATE = r"""async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const mj = window.MathJax;
  const math = Array.from(document.querySelectorAll('.math'));
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const items = mj && mj.startup && mj.startup.document && mj.startup.toMML ? Array.from(mj.startup.document.math) : [];
  const article = document.querySelector('article.bd-article') || document.body;
  const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .output';
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const rawTex = [];
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent;
    if (/\$\$|\\\(|\\\[|\\begin\{|\\[A-Za-z]+\{/.test(text)) { rawTex.push(text.trim().slice(0, 80)); }
  }
  return {
    title: document.title,
    article: !!document.querySelector('article.bd-article'),
    math: math.length,
    mathTypeset: math.filter(m => m.querySelector('mjx-container')).length,
    mathErrors: Array.from(document.querySelectorAll('mjx-merror'))
      .map(e => e.getAttribute('data-mjx-error') || e.textContent),
    undefinedMacros: items.map(m => mj.startup.toMML(m.root))
      .filter(mml => /<merror|mathcolor="red"/.test(mml)).map(mml => mml.slice(0, 160)),
    rawTex,
    emptyMath: items.filter(m => !m.math.trim()).length,
    mathjax: mj && mj.version ? mj.version : null,
    macros: mj && mj.config && mj.config.tex && mj.config.tex.macros ? Object.keys(mj.config.tex.macros) : [],
    scripts: Array.from(document.scripts).map(s => s.src).filter(src => src),
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
    from tools import repository

    repo = repository.read(ROOT / "_config.yml")
    return repo.owner, repo.name


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
    assert state["undefinedMacros"] == [], f"{name}: formulas with an undefined macro: {state['undefinedMacros'][:3]}"
    assert state["rawTex"] == [], f"{name}: TeX left as text: {state['rawTex'][:5]}"
    assert state["emptyMath"] == 0, f"{name}: {state['emptyMath']} empty formulas (two $$ lines in a row in its TeX?)"
    if state["math"]:
        assert state["mathjax"], f"{name}: has formulas but MathJax did not load"
        missing = sorted(set(_macros()) - set(state["macros"]))
        assert missing == [], f"{name}: MathJax runs without the book's macros {missing}"


def _macros() -> list[str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return list(config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"])


def test_the_book_has_math(reports: dict[str, PageReport]) -> None:
    """Most chapters have formulas: a page list where none has any would make test_math_renders vacuous."""
    with_math = [name for name, report in reports.items() if report.state["mathTypeset"]]
    assert len(with_math) >= len(PAGES) // 2, f"only {with_math} show typeset formulas"


@pytest.mark.parametrize("name", PAGES)
def test_scripts_come_from_the_site(name: str, reports: dict[str, PageReport], server: str) -> None:
    foreign = [src for src in reports[name].state["scripts"] if not src.startswith(server + "/")]
    assert foreign == [], f"{name}: scripts loaded from outside the site: {foreign}"


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
    """Every chapter's launch links open its notebook on the book's branch (``_config.yml``); the student edition's
    page opens each student notebook, the book's chapter of the same name, on the student branch."""
    from tools import repository

    book = repository.read(ROOT / "_config.yml")
    student = name == "book/student_edition"
    ref = book.student_ref if student else book.ref
    targets = [t for t in (launch_target(href) for href in reports[name].state["links"]) if t is not None]
    if student:
        assert len(targets) == 2 * len(list((ROOT / "book").glob("*.ipynb"))), f"{name}: {len(targets)} launch links"
    for service, where, branch, path in targets:
        assert (where, branch) == (book.slug, ref), (
            f"{name}: {service} link to {where}@{branch}, expected {book.slug}@{ref}"
        )
        assert path.endswith(".ipynb") and path in tracked, (
            f"{name}: {service} link to {path!r}, which git does not track"
        )


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


def test_nothing_left_the_site(reports: dict[str, PageReport], traffic: Traffic) -> None:
    """Every request that left the site was aborted: none may have been made, and the scripts came from _static/."""
    assert traffic.blocked == [], f"requests that left the site (it must serve them itself): {traffic.blocked[:5]}"
    for what, path in ASSETS.items():
        folder = path.rsplit("/", 1)[0]
        assert any(folder in url for url in traffic.served), f"{what} was never served from the site's {folder}/"


def test_screenshots_written(reports: dict[str, PageReport]) -> None:
    for name in PAGES:
        for width in ("desktop", "phone"):
            shot = SCREENSHOTS / width / _shot_name(name)
            assert shot.exists() and shot.stat().st_size > 10_000, f"missing or empty screenshot {shot}"


def _fresh_page(browser: Any, server: str | None, traffic: Traffic, name: str) -> tuple[Any, list[str]]:
    """A page in a new context of ``browser`` (a launched Chromium), its requests watched; returns it and the list
    its console errors and uncaught exceptions go to."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(f"{m.text} [{m.location.get('url', '')}]"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    watch(page, server, traffic, name)
    return page, errors


FONTS = """async () => { await document.fonts.ready;
  return Array.from(document.fonts).filter(f => f.status === 'error').map(f => f.family); }"""


def _widget_page() -> str:
    """The first page whose notebook stores widget state."""
    for name in PAGES:
        notebook = ROOT / f"{name}.ipynb"
        if notebook.exists() and "widget-state" in notebook.read_text(encoding="utf-8"):
            return name
    pytest.skip("no chapter stores widget state yet")


def test_site_works_opened_from_files(browser: Any, site: Path) -> None:
    """``_build/html/index.html`` opened from disk with no network (a downloaded copy of the site): the first chapter
    typesets its formulas, a widget page renders its widgets, and every font (MathJax's included) loads."""
    traffic = Traffic()
    with browser() as chromium:
        for start, name in (("index", PAGES[0]), (_widget_page(), _widget_page())):
            page, errors = _fresh_page(chromium, None, traffic, name)
            page.goto((site / f"{start}.html").as_uri(), wait_until="load")
            page.wait_for_url(f"**/{name}.html")
            page.wait_for_load_state("load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; } }")
            page.wait_for_function(WIDGETS_RENDERED, timeout=TIMEOUT_MS)
            state = page.evaluate(PAGE_STATE)
            failed_fonts = page.evaluate(FONTS)
            page.context.close()
            assert state["math"] and state["mathTypeset"] == state["math"] and not state["mathErrors"], (
                f"{name} from file://: {state['mathTypeset']} of {state['math']} formulas typeset, "
                f"errors {state['mathErrors']}"
            )
            assert state["widgetsRendered"] == state["widgetViews"], f"{name} from file://: widgets did not render"
            assert failed_fonts == [], f"{name} from file://: fonts that did not load: {failed_fonts}"
            assert errors == [], f"{name} from file://: console errors {errors}"
    assert traffic.blocked == [], f"requests that left the site from file://: {traffic.blocked[:5]}"


DARK = """() => new Promise(done => {
  document.documentElement.dataset.mode = 'dark';
  document.documentElement.dataset.theme = 'dark';
  requestAnimationFrame(() => requestAnimationFrame(done));
})"""

DARK_STATE = r"""() => {
  const luminance = color => {
    const m = color.match(/[\d.]+/g) || [];
    const alpha = m.length > 3 ? Number(m[3]) : 1;
    return m.length < 3 || alpha < 0.99 ? null : (0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2]) / 255;
  };
  const look = e => { const s = getComputedStyle(e); return {
    background: luminance(s.backgroundColor), text: luminance(s.color),
    radius: parseFloat(s.borderTopLeftRadius), padding: parseFloat(s.paddingTop)}; };
  const figures = Array.from(document.querySelectorAll('article.bd-article img'))
    .filter(i => i.closest('.cell_output, figure'));
  return {
    theme: document.documentElement.dataset.theme,
    page: luminance(getComputedStyle(document.body).backgroundColor),
    figures: figures.map(i => Object.assign({src: (i.currentSrc || i.src).slice(-50)}, look(i))),
    widgets: Array.from(document.querySelectorAll('.cell_output .widget-subarea'))
      .slice(0, 1).map(look),
  };
}"""


FIGURES = """() => Array.from(document.querySelectorAll('article.bd-article img'))
  .filter(i => i.closest('.cell_output, figure') && !i.closest('.widget-subarea, .tag_picture'))
  .map((i, k) => { i.dataset.mmclFigure = String(k); return k; })"""


def _pixels(png: bytes) -> Any:
    """Luminance (0 black … 1 white) of every pixel of a screenshot."""
    import io

    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def test_dark_mode_figures_are_readable(browser: Any, server: str) -> None:
    """Dark mode (``data-theme="dark"``) on two chapters, judged on the rendered pixels: the page turns dark; every
    plot is shown on a dark background (the median of its border pixels, as drawn, below 0.3) with light strokes and
    text on it (its brightest pixels at least 0.45 above that background) — no opaque white rectangle on the dark
    page; pictures and widget explorers sit on a light card with dark text (``_static/mmcl-dark.css``).
    Screenshots: ``_build/screenshots/dark/``."""
    folder = SCREENSHOTS / "dark"
    folder.mkdir(parents=True, exist_ok=True)
    traffic = Traffic()
    problems = []
    checked = 0
    with browser() as chromium:
        for name in [p for p in DARK_PAGES if p in PAGES]:
            page, errors = _fresh_page(chromium, server, traffic, name)
            page.goto(f"{server}/{name}.html", wait_until="load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; } }")
            page.wait_for_function(WIDGETS_RENDERED, timeout=TIMEOUT_MS)
            page.wait_for_function("Array.from(document.images).every(i => i.complete)")
            page.evaluate(DARK)
            state = page.evaluate(DARK_STATE)
            figures = page.evaluate(FIGURES)
            for k in figures:
                image = page.locator(f'img[data-mmcl-figure="{k}"]')
                image.scroll_into_view_if_needed()
                shown = _pixels(image.screenshot())
                border = np.concatenate([shown[0], shown[-1], shown[:, 0], shown[:, -1]])
                background, bright = float(np.median(border)), float(np.percentile(shown, 99.5))
                checked += 1
                if not (background < 0.3 and bright - background > 0.45):
                    problems.append(f"{name}: figure {k} background {background:.2f}, brightest {bright:.2f}")
            page.screenshot(path=str(folder / _shot_name(name)), full_page=True)
            page.context.close()
            assert state["theme"] == "dark" and state["page"] is not None and state["page"] < 0.3, (
                f"{name}: the page did not turn dark ({state['page']})"
            )
            assert figures, f"{name}: no figure to check"
            for panel in state["widgets"]:
                if not (panel["background"] or 0) > 0.85 or panel["text"] is None or panel["text"] > 0.3:
                    problems.append(f"{name}: widget panel {panel}")
    assert checked > 0 and problems == [], f"in dark mode, unreadable figures or widget panels: {problems[:5]}"
    assert traffic.blocked == []
    for name in DARK_PAGES:
        shot = folder / _shot_name(name)
        assert shot.exists() and shot.stat().st_size > 10_000, f"missing or empty dark-mode screenshot {shot}"


def test_the_student_edition_is_downloadable(server: str) -> None:
    """The student edition's page links a zip of the edition, built with the site: it holds every chapter as a
    student notebook (answer cells, no solution cell) and the package the chapters import."""
    import io
    import json
    import urllib.parse
    import urllib.request
    import zipfile

    page = f"{server}/book/student_edition.html"
    html = urllib.request.urlopen(page, timeout=30).read().decode("utf-8")
    hrefs = [h for h in re.findall(r'href="([^"]+\.zip)"', html)]
    assert len(hrefs) == 1, f"the student edition's page must link one zip, found {hrefs}"
    data = urllib.request.urlopen(urllib.parse.urljoin(page, hrefs[0]), timeout=30).read()
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    notebooks = sorted(n for n in names if n.endswith(".ipynb"))
    assert [Path(n).name for n in notebooks] == sorted(p.name for p in (ROOT / "book").glob("*.ipynb"))
    assert "mmcl-book-student/mmcl/__init__.py" in names and "mmcl-book-student/README.md" in names
    answers = 0
    for name in notebooks:
        nb = json.loads(archive.read(name))
        tags = [set(c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
        assert not any("solution" in t for t in tags), f"{name}: a solution cell in the downloadable edition"
        answers += sum("answer" in t for t in tags)
    assert answers >= 32, f"only {answers} answer cells in the downloadable edition"
