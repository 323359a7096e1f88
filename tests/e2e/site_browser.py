"""Helpers for the end-to-end test of the built site (``_build/html``): the test server, the page list, link parsing.

The site is served by Python's ``http.server`` on ``127.0.0.1`` (its handler, extended by :class:`SiteHandler`)
and driven by Playwright with Debian's Chromium (``/usr/bin/chromium``; no browser download). The pages load
MathJax, require.js and the widget manager from CDNs. The test server rewrites those URLs in every page it serves
to ``/__cdn__/…`` and answers them from the local copies that ``python -m tools.cdn_copies`` unpacks into
``node_modules/`` (test only; it also drops the ``integrity`` attribute, which the local copy of require.js cannot
match). Chromium resolves no host but ``127.0.0.1``, so every other external request fails; the test logs them.
Rewriting instead of intercepting requests keeps the browser's cache on, which makes the test about a third
cheaper.

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
LOCAL = "/__cdn__/"
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
CDN = {
    "https://cdn.jsdelivr.net/npm/mathjax@3/": ("mathjax/", MODULES / "mathjax"),
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/": (
        "html-manager/",
        MODULES / "@jupyter-widgets" / "html-manager",
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js": (
        "require.min.js",
        MODULES / "requirejs" / "require.js",
    ),
}
"""CDN URL (a folder when it ends in '/', else one file) → (its path under ``/__cdn__/``, the local copy)."""
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


def local_copy(path: str) -> Path | None:
    """The local file that answers the request path ``/__cdn__/…`` (``None`` for any other path or a missing file)."""
    clean = path.split("?")[0].split("#")[0]
    if not clean.startswith(LOCAL):
        return None
    rest = clean[len(LOCAL) :]
    for name, target in CDN.values():
        if name.endswith("/") and rest.startswith(name):
            found = (target / rest[len(name) :]).resolve()
            return found if found.is_file() and target.resolve() in found.parents else None
        if rest == name:
            return target
    return None


def localize(html: str) -> str:
    """A page as the test serves it: the mirrored CDN URLs point at ``/__cdn__/…`` and their script tags carry no
    ``integrity`` attribute (test only)."""

    def fix(match: re.Match[str]) -> str:
        tag = match.group(0)
        src = re.search(r"src=\"([^\"]+)\"", tag)
        return INTEGRITY.sub("", tag) if src and any(src.group(1).startswith(p) for p in CDN) else tag

    html = SCRIPT_TAG.sub(fix, html)
    for url, (name, _) in CDN.items():
        html = html.replace(url, LOCAL + name)
    return html


@dataclass
class Traffic:
    """External requests that failed because the browser may not leave ``127.0.0.1`` (page, resource type, URL),
    and the requests answered from the local CDN copies."""

    blocked: list[tuple[str, str, str]] = field(default_factory=list)
    served: list[str] = field(default_factory=list)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, quiet, serving pages through :func:`localize` and ``/__cdn__/…`` from
    the local copies."""

    def translate_path(self, path: str) -> str:
        local = local_copy(path)
        if local is not None:
            return str(local)
        if path.split("?")[0].startswith(LOCAL):
            return str(MODULES / "__missing__")  # a 404, never a file of the site
        return super().translate_path(path)

    def send_head(self):  # noqa: ANN201 - the stdlib's signature
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.suffix != ".html" or not path.is_file() or self.path.startswith(LOCAL):
            return super().send_head()
        body = localize(path.read_text(encoding="utf-8")).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


def watch(page: object, server: str, traffic: Traffic, name: str) -> None:
    """Log page ``name``'s requests to the local CDN copies and its failed external requests into ``traffic``."""
    page.on("request", lambda r: r.url.startswith(server + LOCAL) and traffic.served.append(r.url))
    page.on(
        "requestfailed",
        lambda r: not r.url.startswith(server) and traffic.blocked.append((name, r.resource_type, r.url)),
    )


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
