"""Fixtures of the end-to-end test: the built site, a local HTTP server, Chromium, the router's log."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_browser import CDN, CHROMIUM, LAUNCH_FLAGS, ROOT, SITE, Traffic, SiteHandler, unavailable


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").exists():
        unavailable(f"no built site at {SITE}: run `make book` first")
    return SITE


@pytest.fixture(scope="session")
def server(site: Path) -> Iterator[str]:
    """``python -m http.server --bind 127.0.0.1`` (its handler; see ``SiteHandler``) on a free port, in a thread;
    yields the base URL."""
    handler = functools.partial(SiteHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package `playwright` is not installed (pip install -e '.[e2e]')")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set MMCL_CHROMIUM)")
    missing = [str(p.relative_to(ROOT)) for p in CDN.values() if not p.exists()]
    if missing:
        unavailable(f"no local CDN copies ({', '.join(missing)}): run `make e2e-assets`")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return Traffic()


