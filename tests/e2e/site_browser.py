"""Helpers for the end-to-end test of the built site (``_build/html``): the test server, the page list, link parsing.

The site is served by Python's ``http.server`` on ``127.0.0.1`` (its handler, quiet: :class:`SiteHandler`) and
driven by Playwright with Debian's Chromium (``/usr/bin/chromium``; no browser download). The site serves MathJax,
require.js and the widget manager itself, from ``_static/`` (``tools/sphinx_offline_assets.py``), so it must work
with no network at all: :func:`watch` routes every request of a page and aborts any that is neither for the local
server nor a ``file://``, ``data:`` or ``blob:`` URL, and logs it. Chromium also resolves no host but ``127.0.0.1``
(``LAUNCH_FLAGS``), in case a request escaped the route.

Missing pieces (no built site, no Chromium, no ``playwright`` package) skip the test with the reason, except when
``MMCL_E2E_REQUIRED=1`` (set by ``.ci/run``), where they fail it.
"""

from __future__ import annotations

import http.server
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tools import print_pdf

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("MMCL_SITE", ROOT / "_build" / "html"))
SCREENSHOTS = SITE.parent / "screenshots"
CHROMIUM = print_pdf.CHROMIUM
REQUIRED = os.environ.get("MMCL_E2E_REQUIRED") == "1"
LAUNCH_FLAGS = print_pdf.LAUNCH_FLAGS  # the browser of the book's PDF, resolving no host but 127.0.0.1
ASSETS = {
    "MathJax": "_static/mathjax/es5/tex-mml-chtml.js",
    "require.js": "_static/requirejs/require.js",
    "the widget manager": "_static/@jupyter-widgets/html-manager/dist/embed-amd.js",
}
"""The scripts the pages load from the site itself (name → path in the site)."""
LOCAL_SCHEMES = ("file:", *print_pdf.LOCAL_SCHEMES)  # and the site opened from files


def unavailable(reason: str) -> None:
    """Skip (locally) or fail (in CI, ``MMCL_E2E_REQUIRED=1``) because something the test needs is missing."""
    if REQUIRED:
        pytest.fail(f"{reason} (required: MMCL_E2E_REQUIRED=1)")
    pytest.skip(reason)


def toc_pages() -> list[str]:
    """The pages of ``_toc.yml`` in reading order, as paths without suffix (``book/02_problem_setting``), as the
    book's PDF prints them (:func:`tools.print_pdf.toc_pages`); none without a ``_toc.yml``."""
    toc = ROOT / "_toc.yml"
    return print_pdf.toc_pages(toc) if toc.exists() else []


@dataclass
class Traffic:
    """Requests that were aborted because they left the site (page, resource type, URL), and the requests for the
    site's own copies of the scripts (``ASSETS``)."""

    blocked: list[tuple[str, str, str]] = field(default_factory=list)
    served: list[str] = field(default_factory=list)


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """``python -m http.server``'s handler, quiet."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        pass


def is_local(url: str, server: str | None) -> bool:
    """Whether ``url`` stays on this machine: the test server (``server``, its base URL) or a local scheme."""
    return url.startswith(LOCAL_SCHEMES) or (server is not None and (url == server or url.startswith(server + "/")))


def watch(page: object, server: str | None, traffic: Traffic, name: str) -> None:
    """Abort every request of page ``name`` that leaves the site (logged in ``traffic.blocked``), and log its
    requests for the site's copies of the scripts (``traffic.served``). ``server``: the test server's base URL, or
    None for a page opened from ``file://``."""

    def route(route: object) -> None:
        request = route.request
        if is_local(request.url, server):
            if any(path.rsplit("/", 1)[0] in request.url for path in ASSETS.values()):
                traffic.served.append(request.url)
            route.continue_()
        else:
            traffic.blocked.append((name, request.resource_type, request.url))
            route.abort("blockedbyclient")

    page.route("**/*", route)


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
