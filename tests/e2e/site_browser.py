"""Helpers for the end-to-end test of the built site (``_build/html``): server, browser routing, page list.

The site is served by Python's ``http.server`` on ``127.0.0.1`` and driven by Playwright with Debian's Chromium
(``/usr/bin/chromium``; no browser download). The pages load MathJax, require.js and the widget manager from CDNs:
those requests are answered from the local copies that ``python -m tools.cdn_copies`` unpacks into
``node_modules/``; every other external request is blocked and logged.

Missing pieces (no built site, no Chromium, no ``playwright`` package, no local CDN copies) skip the test with the
reason, except when ``MMCL_E2E_REQUIRED=1`` (set by ``.ci/run``), where they fail it.
"""

from __future__ import annotations

import http.server
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("MMCL_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = SITE.parent / "screenshots"
CHROMIUM = Path(os.environ.get("MMCL_CHROMIUM", "/usr/bin/chromium"))
MODULES = ROOT / "node_modules"
REQUIRED = os.environ.get("MMCL_E2E_REQUIRED") == "1"
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
CDN = {
    "https://cdn.jsdelivr.net/npm/mathjax@3/": MODULES / "mathjax",
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/": MODULES / "@jupyter-widgets" / "html-manager",
    "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js": MODULES / "requirejs" / "require.js",
}
"""CDN URL prefix → local copy (a folder for a prefix ending in '/', else a file)."""
SCRIPT_TAG = re.compile(r"<script\b[^>]*>")
INTEGRITY = re.compile(r"\s+integrity=\"[^\"]*\"")


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (in CI, ``MMCL_E2E_REQUIRED=1``) because something the test needs is missing."""
    if REQUIRED:
        pytest.fail(f"{reason} (required: MMCL_E2E_REQUIRED=1)")
    pytest.skip(reason)


def toc_pages() -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as paths without suffix (``book/02_problem_setting``)."""
    toc = ROOT / "_toc.yml"
    if not toc.exists():
        return []
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


def local_copy(url: str) -> Path | None:
    """The local file that answers a CDN ``url`` (``None`` if the URL is not one of the mirrored CDNs)."""
    clean = url.split("?")[0].split("#")[0]
    for prefix, target in CDN.items():
        if prefix.endswith("/") and clean.startswith(prefix):
            path = (target / clean[len(prefix):]).resolve()
            return path if path.is_file() and target.resolve() in path.parents else None
        if clean == prefix:
            return target
    return None


def strip_cdn_integrity(html: str) -> str:
    """Drop ``integrity`` from script tags whose ``src`` is a mirrored CDN URL (the local copy cannot match the
    CDN's minified file; test only)."""

    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = re.search(r"src=\"([^\"]+)\"", tag)
        return INTEGRITY.sub("", tag) if src and any(src.group(1).startswith(p) for p in CDN) else tag

    return SCRIPT_TAG.sub(fix, html)


@dataclass
class Traffic:
    """What the router saw: external requests blocked (page, resource type, URL) and CDN requests served locally."""

    blocked: list[tuple[str, str, str]] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    page: str = ""


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, quiet, serving HTML pages with :func:`strip_cdn_integrity` applied."""

    def send_head(self):  # noqa: ANN201 - the stdlib's signature
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file():
            return super().send_head()
        body = strip_cdn_integrity(path.read_text(encoding="utf-8")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


def new_context(browser: object, server: str, traffic: Traffic, **options: object) -> object:
    """A browser context whose requests go to the local server, the local CDN copies, or nowhere (logged)."""
    context = browser.new_context(**options)

    def external(route: object, request: object) -> None:
        local = local_copy(request.url)
        if local is not None:
            traffic.served.append(request.url)
            route.fulfill(path=str(local))
            return
        traffic.blocked.append((traffic.page, request.resource_type, request.url))
        route.abort()

    # Only external requests go through Python; the site's own files come straight from the server.
    context.route(lambda url: not url.startswith(server), external)
    return context


def launch_target(href: str) -> tuple[str, str, str, str] | None:
    """``(service, org/repo, branch, path)`` of a Binder or Colab launch link, ``None`` for other links (including
    plain links to the two services' home pages)."""
    url = urlparse(href)
    if url.netloc == "mybinder.org" and url.path.startswith("/v2/"):
        match = re.fullmatch(r"/v2/gh/([^/]+/[^/]+)/([^/]+)/?", url.path)
        urlpath = parse_qs(url.query).get("urlpath", [""])[0]
        path = re.sub(r"^(lab/tree|tree|notebooks)/", "", urlpath)
        return ("binder", match.group(1), match.group(2), path) if match else ("binder", "", "", href)
    if url.netloc == "colab.research.google.com" and url.path.startswith("/github/"):
        match = re.fullmatch(r"/github/([^/]+/[^/]+)/blob/([^/]+)/(.+)", url.path)
        return ("colab", match.group(1), match.group(2), match.group(3)) if match else ("colab", "", "", href)
    return None
