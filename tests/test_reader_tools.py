"""The tools behind the reader experience that need no browser: the page fixes (Sphinx), the local copies of the
CDN scripts and the browser test's URL helpers."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from tools import cdn_copies, sphinx_page_fixes

ROOT = Path(__file__).resolve().parent.parent
EMBED = "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist/embed-amd.js"
REQUIRE = "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js"
MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"


def _site_browser():
    """The browser test's helper module (its folder is not a package)."""
    name = "site_browser_helpers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "e2e" / "site_browser.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@dataclass
class Script:
    filename: str | None
    priority: int = 500
    body: str = ""
    attributes: dict | None = None


class FakeApp:
    """Just enough of Sphinx: ``add_js_file`` appends to the page's script list, as Sphinx does during the event."""

    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts

    def add_js_file(self, filename: str | None, priority: int = 500, body: str = "", **attributes: str) -> None:
        self.scripts.append(Script(filename, priority, body, attributes))


def test_widget_page_gets_require_config_after_requirejs_and_the_mathjax_shim() -> None:
    scripts = [Script("_static/doctools.js"), Script(MATHJAX), Script(REQUIRE), Script(EMBED)]
    sphinx_page_fixes.add_widget_fixes(FakeApp(scripts), "book/02", "page.html", {"script_files": scripts}, None)
    names = [s.filename for s in scripts]
    assert names[:4] == ["_static/doctools.js", MATHJAX, REQUIRE, None]
    assert (
        scripts[3].body
        == 'require.config({paths: {"@jupyter-widgets/html-manager/dist": "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/dist"}});'
    )
    assert names[4] == EMBED and names[5] == sphinx_page_fixes.SHIM
    assert scripts[5].priority == 501 and scripts[5].attributes == {"defer": "defer"}


def test_pages_without_widgets_are_left_alone_and_no_mathjax_means_no_shim() -> None:
    plain = [Script(MATHJAX)]
    sphinx_page_fixes.add_widget_fixes(FakeApp(plain), "p", "page.html", {"script_files": plain}, None)
    assert [s.filename for s in plain] == [MATHJAX]
    widgets = [Script(REQUIRE), Script(EMBED)]
    sphinx_page_fixes.add_widget_fixes(FakeApp(widgets), "p", "page.html", {"script_files": widgets}, None)
    assert [s.filename for s in widgets] == [REQUIRE, None, EMBED]


def test_default_mode_is_set_unless_chosen(tmp_path: Path) -> None:
    config = SimpleNamespace(html_context={})
    sphinx_page_fixes.set_default_mode(None, config)
    assert config.html_context == {"default_mode": "auto"}
    config = SimpleNamespace(html_context={"default_mode": "dark"})
    sphinx_page_fixes.set_default_mode(None, config)
    assert config.html_context == {"default_mode": "dark"}


def test_scripts_are_written_for_html_builds_only(tmp_path: Path) -> None:
    sphinx_page_fixes.write_scripts(SimpleNamespace(builder=SimpleNamespace(format="latex"), outdir=str(tmp_path)))
    assert not (tmp_path / "_static").exists()
    sphinx_page_fixes.write_scripts(SimpleNamespace(builder=SimpleNamespace(format="html"), outdir=str(tmp_path)))
    for name, text in sphinx_page_fixes.SCRIPTS.items():
        assert (tmp_path / "_static" / name).read_text() == text
    assert "MathJax.Hub" not in sphinx_page_fixes.TOGGLES_JS and "primary-toggle" in sphinx_page_fixes.TOGGLES_JS


def test_cdn_packages_are_pinned_exactly(tmp_path: Path) -> None:
    assert cdn_copies.packages() == {"mathjax": "3.2.2", "requirejs": "2.3.4", "@jupyter-widgets/html-manager": "1.0.6"}
    loose = tmp_path / "package.json"
    loose.write_text(json.dumps({"devDependencies": {"mathjax": "^3"}}))
    with pytest.raises(ValueError, match="pin mathjax to an exact version"):
        cdn_copies.packages(loose)
    (tmp_path / "node_modules" / "mathjax").mkdir(parents=True)
    (tmp_path / "node_modules" / "mathjax" / "package.json").write_text(json.dumps({"version": "3.2.2"}))
    assert cdn_copies.installed_version("mathjax", tmp_path / "node_modules") == "3.2.2"
    assert cdn_copies.installed_version("requirejs", tmp_path / "node_modules") is None
    assert cdn_copies.fetch("mathjax", "3.2.2", tmp_path / "node_modules") is False  # present: nothing fetched


def test_only_the_site_and_local_schemes_count_as_local() -> None:
    helpers = _site_browser()
    server = "http://127.0.0.1:8123"
    for url in (f"{server}/book/02.html", f"{server}/_static/mathjax/es5/tex-mml-chtml.js", "data:image/png;base64,x"):
        assert helpers.is_local(url, server), url
    assert helpers.is_local("file:///site/index.html", None) and helpers.is_local("blob:null/1", None)
    for url in (MATHJAX, REQUIRE, "http://127.0.0.1:8124/x.js", "http://127.0.0.1:81234/x", "https://example.org"):
        assert not helpers.is_local(url, server), url


def test_requests_that_leave_the_site_are_aborted_and_logged() -> None:
    helpers = _site_browser()
    server = "http://127.0.0.1:8123"

    class Route:
        def __init__(self, url: str, kind: str) -> None:
            self.request = SimpleNamespace(url=url, resource_type=kind)
            self.outcome = ""

        def continue_(self) -> None:
            self.outcome = "continued"

        def abort(self, reason: str) -> None:
            self.outcome = f"aborted ({reason})"

    handlers = []
    page = SimpleNamespace(route=lambda pattern, handler: handlers.append((pattern, handler)))
    traffic = helpers.Traffic()
    helpers.watch(page, server, traffic, "book/02")
    ((pattern, handler),) = handlers
    assert pattern == "**/*"
    local = Route(f"{server}/_static/mathjax/es5/tex-mml-chtml.js?v=1", "script")
    page_request, outside = Route(f"{server}/book/02.html", "document"), Route(MATHJAX, "script")
    for route in (local, page_request, outside):
        handler(route)
    assert (local.outcome, page_request.outcome, outside.outcome) == (
        "continued",
        "continued",
        "aborted (blockedbyclient)",
    )
    assert traffic.blocked == [("book/02", "script", MATHJAX)] and traffic.served == [local.request.url]


@pytest.mark.parametrize(
    ("href", "target"),
    [
        (
            "https://mybinder.org/v2/gh/org/repo/main?urlpath=lab/tree/book/02_x.ipynb",
            ("binder", "org/repo", "main", "book/02_x.ipynb"),
        ),
        (
            "https://colab.research.google.com/github/org/repo/blob/main/book/02_x.ipynb",
            ("colab", "org/repo", "main", "book/02_x.ipynb"),
        ),
        ("https://mybinder.org", None),
        ("https://colab.research.google.com", None),
        ("https://github.com/org/repo", None),
    ],
)
def test_launch_links_are_parsed(href: str, target: tuple | None) -> None:
    assert _site_browser().launch_target(href) == target


def test_execution_record_reads_the_committed_statistics(tmp_path: Path) -> None:
    from mmcl.reader.notebook import execution_record

    root = Path(__file__).resolve().parent.parent
    record = execution_record(root / "book" / "_execution_stats.json")
    recorded = json.loads((root / "book" / "_execution_stats.json").read_text(encoding="utf-8"))["notebooks"]
    assert len(record.chapters) == len(recorded)
    assert record.total_s == pytest.approx(sum(e["wall_s"] for e in recorded.values()))
    assert record.slowest[1] == max(e["wall_s"] for e in recorded.values())
    assert "min in all" in str(record)
    bad = tmp_path / "stats.json"
    bad.write_text('{"notebooks": {"a.ipynb": {"peak_rss_mib": 1}}}', encoding="utf-8")
    with pytest.raises(ValueError, match="not an execution statistics file"):
        execution_record(bad)
    bad.write_text('{"notebooks": {}}', encoding="utf-8")
    with pytest.raises(ValueError, match="records no notebook"):
        execution_record(bad)
