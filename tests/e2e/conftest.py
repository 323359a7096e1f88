"""Fixtures of the end-to-end test: the built site, a local HTTP server, Chromium, the log of external requests."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from site_browser import CHROMIUM, LAUNCH_FLAGS, SITE, SiteHandler, Traffic, unavailable


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
def browser() -> Callable[[], AbstractContextManager[object]]:
    """A factory of Chromium instances, one per worker thread (Playwright's sync API is per thread)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the Python package `playwright` is not installed (pip install -e '.[e2e]')")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium; or set MMCL_CHROMIUM)")

    @contextlib.contextmanager
    def launch() -> Iterator[object]:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_FLAGS)
            try:
                yield chromium
            finally:
                chromium.close()

    return launch


@pytest.fixture(scope="session")
def traffic() -> Traffic:
    return Traffic()
