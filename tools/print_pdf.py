"""The book as one PDF: every page of the built site printed by headless Chromium, in ``_toc.yml`` order.

Usage::

    python -m tools.print_pdf            # after `make book`; writes _build/pdf/mmcl-book.pdf (make pdf)

The built site (``_build/html``) is served on ``127.0.0.1`` and each page of ``_toc.yml`` is opened in Debian's
Chromium (``/usr/bin/chromium``, or ``MMCL_CHROMIUM``) through Playwright, with no network: any request that leaves
the site is aborted and fails the run (the site serves its own MathJax and widget scripts). On each page the tool
waits for MathJax and the stored widgets, unfolds the folded cells and solutions (``_static/mmcl-print.js``),
switches to print media (``_static/mmcl-print.css``: no navigation or sidebars; code, outputs, figures, tables and
formulas whole) and checks that every figure has loaded and is visible, every formula is typeset (none empty, no
TeX left as text), every table and code cell is visible and the sidebars are not; a page that fails stops the run
(``--keep-going``: after writing the PDF). The page is then printed to A4 (``page.pdf``,
with its outline), and the parts are merged into one file with poppler's ``pdfunite`` (Debian: poppler-utils; or
``pypdf`` where installed). ``_build/pdf/manifest.json`` records, for each page, its first page in the PDF, its
number of pages and what it showed (figures, formulas, tables), for the test that checks the PDF
(``tests/e2e/test_pdf.py``). The PDF is also copied into the site (``_build/html/mmcl-book.pdf``), which links it
from every page's download menu once built with it (``tools/sphinx_offline_assets.py``).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from mmcl.storage.atomic import write_text

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "pdf" / "mmcl-book.pdf"
CHROMIUM = Path(os.environ.get("MMCL_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
LOCAL_SCHEMES = ("data:", "blob:", "about:")
TIMEOUT_MS = 60_000
MARGIN = {"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}

__all__ = ["toc_pages", "page_count", "merge", "print_book", "main"]

READY = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const views = () => Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  const rendered = () => views().every(v => v.parentElement.querySelector('.widget-subarea .jupyter-widgets'));
  for (let i = 0; i < 600 && !rendered(); i++) { await new Promise(r => setTimeout(r, 100)); }
  await Promise.all(Array.from(document.images).filter(i => !i.complete)
    .map(i => new Promise(r => { i.onload = i.onerror = r; })));
  const unfolded = window.mmclPrintPrepare ? window.mmclPrintPrepare() : 0;
  if (document.fonts) { await document.fonts.ready; }
  return {unfolded, views: views().length, rendered: rendered()};
}"""

PRINT_STATE = r"""() => {
  const article = document.querySelector('article.bd-article');
  const shown = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && e.getBoundingClientRect().width > 0;
  const images = article ? Array.from(article.querySelectorAll('img')) : [];
  const math = article ? Array.from(article.querySelectorAll('.math')) : [];
  const tex = e => window.MathJax && MathJax.startup && MathJax.startup.document
    ? MathJax.startup.document.getMathItemsWithin(e).map(m => m.math).join('') : e.textContent;
  const empty = math.filter(m => !tex(m).trim());
  const rawTex = [];
  if (article) {
    const skip = 'pre, code, script, style, textarea, mjx-container, .highlight, .output';
    const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
      acceptNode: n => n.parentElement.closest(skip) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent;
      if (/\$\$|\\\(|\\\[|\\begin\{|\\[A-Za-z]+\{/.test(text)) { rawTex.push(text.trim().slice(0, 60)); }
    }
  }
  const tables = article ? Array.from(article.querySelectorAll('table')) : [];
  const sidebars = Array.from(document.querySelectorAll('.bd-sidebar-primary, .bd-sidebar-secondary, .bd-header'));
  return {
    title: document.title,
    figures: new Set(images.map(i => i.currentSrc || i.src)).size,
    figuresBroken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.currentSrc || i.src).slice(-60)),
    figuresHidden: images.filter(i => !shown(i)).map(i => (i.currentSrc || i.src).slice(-60)),
    math: math.length,
    mathTypeset: math.filter(m => m.querySelector('mjx-container')).length,
    mathErrors: document.querySelectorAll('mjx-merror').length,
    rawTex,
    mathEmpty: empty.map(m => m.parentElement.textContent.trim().slice(0, 60)),
    mathHidden: math.filter(m => !empty.includes(m) && !shown(m)).length,
    tables: tables.length,
    tablesHidden: tables.filter(t => !shown(t)).length,
    sidebarsShown: sidebars.filter(shown).length,
    codeCells: article ? article.querySelectorAll('div.cell_input').length : 0,
    codeHidden: article ? Array.from(article.querySelectorAll('div.cell_input')).filter(c => !shown(c)).length : 0,
  };
}"""


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as paths without suffix (``book/02_problem_setting``)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages = [data["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in data.get("parts", []):
        walk(part.get("chapters", []))
    walk(data.get("chapters", []))
    return pages


def page_count(pdf: Path) -> int:
    """The number of pages of ``pdf`` (poppler's ``pdfinfo``, or ``pypdf``)."""
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        return next(int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:"))
    from pypdf import PdfReader  # noqa: PLC0415 - optional

    return len(PdfReader(pdf).pages)


def merge(parts: list[Path], out: Path) -> None:
    """Concatenate ``parts`` into ``out`` (poppler's ``pdfunite``, or ``pypdf``), atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        if shutil.which("pdfunite"):
            subprocess.run(["pdfunite", *map(str, parts), str(tmp)], check=True, capture_output=True, text=True)
        else:
            try:
                from pypdf import PdfWriter  # noqa: PLC0415 - optional
            except ImportError:
                raise RuntimeError(
                    "merging the pages needs poppler's pdfunite (Debian: apt-get install poppler-utils) or pypdf"
                ) from None
            writer = PdfWriter()
            for part in parts:
                writer.append(str(part))
            with open(tmp, "wb") as fh:
                writer.write(fh)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """The site on ``127.0.0.1`` (a free port), in a thread; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def problems(name: str, state: dict, ready: dict) -> list[str]:
    """What is missing from page ``name`` as it will be printed (empty when all is there)."""
    found = []
    if ready["views"] and not ready["rendered"]:
        found.append(f"{name}: the stored widgets did not render")
    if state["figuresBroken"]:
        found.append(f"{name}: figures that did not load: {state['figuresBroken']}")
    if state["figuresHidden"]:
        found.append(f"{name}: figures hidden in print: {state['figuresHidden']}")
    if state["mathTypeset"] != state["math"] or state["mathErrors"]:
        found.append(
            f"{name}: {state['mathTypeset']} of {state['math']} formulas typeset, {state['mathErrors']} errors"
        )
    if state["rawTex"]:
        found.append(f"{name}: TeX printed as text (a formula MyST did not parse): {state['rawTex'][:3]}")
    if state["mathEmpty"]:
        found.append(f"{name}: empty formulas (TeX source: two $$ lines in a row?) after {state['mathEmpty']}")
    if state["mathHidden"]:
        found.append(f"{name}: {state['mathHidden']} formulas hidden in print")
    if state["tablesHidden"]:
        found.append(f"{name}: {state['tablesHidden']} of {state['tables']} tables hidden in print")
    if state["codeHidden"]:
        found.append(f"{name}: {state['codeHidden']} of {state['codeCells']} code cells hidden in print")
    if state["sidebarsShown"]:
        found.append(f"{name}: the navigation or a sidebar shows in print")
    return found


def print_book(
    site: Path = SITE,
    out: Path = OUT,
    chromium: Path = CHROMIUM,
    toc: Path = ROOT / "_toc.yml",
    keep_going: bool = False,
) -> dict:
    """Print every page of ``toc`` from ``site`` into ``out``; returns the manifest (also written beside ``out``).
    Raises RuntimeError when a page is missing something, or needed the network (with ``keep_going``, only after
    writing the PDF; the manifest lists the problems)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - the e2e extra

    pages = toc_pages(toc)
    missing = [p for p in pages if not (site / f"{p}.html").exists()]
    if missing:
        raise RuntimeError(f"the site at {site} has no page for {missing}: run `make book` first")
    blocked: list[str] = []
    entries: list[dict] = []
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, serve(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=LAUNCH_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def route(route: object) -> None:
            url = route.request.url
            if url.startswith(server + "/") or url.startswith(LOCAL_SCHEMES):
                route.continue_()
            else:
                blocked.append(url)
                route.abort("blockedbyclient")

        context.route("**/*", route)
        first = 1
        for index, name in enumerate(pages):
            start = time.perf_counter()
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(f"{server}/{name}.html", wait_until="load")
            ready = page.evaluate(READY)
            page.emulate_media(media="print")
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            state = page.evaluate(PRINT_STATE)
            found += problems(name, state, ready)
            part = Path(tmp) / f"{index:03d}.pdf"
            page.pdf(path=str(part), format="A4", print_background=True, margin=MARGIN, outline=True, tagged=True)
            page.close()
            count = page_count(part)
            entries.append(
                {
                    "page": name,
                    "title": state["title"],
                    "first": first,
                    "pages": count,
                    "figures": state["figures"],
                    "math": state["math"],
                    "tables": state["tables"],
                    "code_cells": state["codeCells"],
                    "unfolded": ready["unfolded"],
                }
            )
            print(f"{time.perf_counter() - start:6.1f} s {count:4d} pages  {name}", file=sys.stderr, flush=True)
            first += count
        browser.close()
        if blocked:
            found.append(f"requests that left the site: {sorted(set(blocked))[:5]}")
        if found and not keep_going:
            raise RuntimeError("the PDF would miss content:\n  " + "\n  ".join(found))
        merge([Path(tmp) / f"{i:03d}.pdf" for i in range(len(pages))], out)
    manifest = {"pdf": out.name, "pages": first - 1, "parts": entries, "problems": found}
    write_text(out.with_name("manifest.json"), json.dumps(manifest, indent=2) + "\n")
    if page_count(out) != manifest["pages"]:
        raise RuntimeError(f"{out}: {page_count(out)} pages after merging, expected {manifest['pages']}")
    shutil.copy2(out, site / out.name)
    if found:
        raise RuntimeError(f"{out} written, but it misses content:\n  " + "\n  ".join(found))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.print_pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=SITE, help="the built site (default: _build/html)")
    parser.add_argument("--out", type=Path, default=OUT, help="the PDF to write (default: _build/pdf/mmcl-book.pdf)")
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="Chromium (default: /usr/bin/chromium)")
    parser.add_argument(
        "--keep-going", action="store_true", help="write the PDF even when a page misses content (still exit 1)"
    )
    args = parser.parse_args(argv)
    if not args.chromium.exists():
        print(f"no Chromium at {args.chromium} (Debian: apt-get install chromium; or MMCL_CHROMIUM)", file=sys.stderr)
        return 1
    try:
        manifest = print_book(args.site, args.out, args.chromium, keep_going=args.keep_going)
    except RuntimeError as exc:
        print(f"FAILED  {exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {manifest['pages']} pages, {len(manifest['parts'])} parts of the book")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
