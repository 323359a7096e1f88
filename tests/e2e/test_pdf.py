"""The book's PDF (``make pdf``, after ``make book``): every page of the site, in order, with all its figures.

``tools/print_pdf.py`` prints each page of ``_toc.yml`` and records in ``_build/pdf/manifest.json`` where each one
starts in the merged PDF and what it showed when printed. Checked here, against the PDF itself (poppler's
``pdfinfo`` and ``pdfimages``) and against the site's HTML files, read independently of the browser: the parts are
the site's pages in ``_toc.yml`` order and add up to the PDF's pages; each part holds exactly as many distinct
images as its page showed figures, and at least as many as the page's HTML has (explorers add the figures of their
stored widget state); each part had every formula and every table of the page's HTML; nothing was reported missing;
the site links the PDF from every page, and serves it. Skips when there is no PDF, unless ``MMCL_E2E_REQUIRED=1``.
"""

from __future__ import annotations

import html.parser
import json
import shutil
import subprocess

import pytest
from site_browser import SITE, toc_pages, unavailable

pytestmark = pytest.mark.e2e

PDF = SITE.parent / "pdf" / "mmcl-book.pdf"
MANIFEST = PDF.with_name("manifest.json")
PAGES = toc_pages()


class ArticleCounts(html.parser.HTMLParser):
    """Counts, inside the page's ``<article class="bd-article">``: distinct image sources, formulas (elements of
    class ``math``) and tables."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # > 0 inside the article
        self.images: set[str] = set()
        self.math = 0
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self.depth:
            self.depth += tag == "article"
            if tag == "img":
                self.images.add(attributes.get("src") or "")
            self.math += "math" in classes
            self.tables += tag == "table"
        elif tag == "article" and "bd-article" in classes:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "article":
            self.depth -= 1


def article_counts(page: str) -> ArticleCounts:
    counts = ArticleCounts()
    counts.feed((SITE / f"{page}.html").read_text(encoding="utf-8"))
    return counts


@pytest.fixture(scope="module")
def manifest() -> dict:
    if not PDF.exists() or not MANIFEST.exists():
        unavailable(f"no PDF at {PDF}: run `make pdf` (after `make book`)")
    for tool in ("pdfinfo", "pdfimages"):
        if shutil.which(tool) is None:
            unavailable(f"no {tool} (Debian: apt-get install poppler-utils)")
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def images(manifest: dict) -> dict[int, set[int]]:
    """The PDF's page number → the object ids of the images drawn on it (``pdfimages -list``; soft masks left out)."""
    listing = subprocess.run(["pdfimages", "-list", str(PDF)], check=True, capture_output=True, text=True).stdout
    found: dict[int, set[int]] = {}
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if len(fields) > 10 and fields[2] == "image":
            found.setdefault(int(fields[0]), set()).add(int(fields[10]))
    return found


def test_the_pdf_has_every_page_in_order(manifest: dict) -> None:
    parts = manifest["parts"]
    assert [p["page"] for p in parts] == PAGES, "the PDF's parts are not the pages of _toc.yml in order"
    first = 1
    for part in parts:
        assert part["first"] == first and part["pages"] >= 1, f"{part['page']}: starts at {part['first']}"
        first += part["pages"]
    info = subprocess.run(["pdfinfo", str(PDF)], check=True, capture_output=True, text=True).stdout
    pages = next(int(line.split()[1]) for line in info.splitlines() if line.startswith("Pages:"))
    assert pages == first - 1 == manifest["pages"], f"the PDF has {pages} pages, its parts {first - 1}"
    assert manifest["problems"] == [], f"the PDF misses content: {manifest['problems']}"


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_is_in_the_pdf(name: str, manifest: dict, images: dict[int, set[int]]) -> None:
    part = next(p for p in manifest["parts"] if p["page"] == name)
    drawn = set().union(*(images.get(n, set()) for n in range(part["first"], part["first"] + part["pages"])))
    on_site = len(article_counts(name).images)
    assert len(drawn) == part["figures"] >= on_site, (
        f"{name}: {len(drawn)} images in its {part['pages']} PDF pages, {part['figures']} figures when printed, "
        f"{on_site} in its HTML"
    )


@pytest.mark.parametrize("name", PAGES)
def test_every_formula_and_table_was_printed(name: str, manifest: dict) -> None:
    part = next(p for p in manifest["parts"] if p["page"] == name)
    counts = article_counts(name)
    assert (part["math"], part["tables"]) == (counts.math, counts.tables), (
        f"{name}: printed {part['math']} formulas and {part['tables']} tables, its HTML has {counts.math} "
        f"and {counts.tables}"
    )


def test_the_book_pdf_has_figures(manifest: dict, images: dict[int, set[int]]) -> None:
    assert sum(p["figures"] for p in manifest["parts"]) >= 10 and images, "a book PDF without figures"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_links_the_pdf(name: str, manifest: dict) -> None:
    page = (SITE / f"{name}.html").read_text(encoding="utf-8")
    assert "download-book-pdf-button" in page, f"{name}: no link to the book's PDF in its download menu"
    assert (SITE / PDF.name).exists(), f"the site does not serve {PDF.name}: `make pdf` copies it there"
