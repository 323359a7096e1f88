"""A tiny Sphinx extension: fixes for what the end-to-end browser test found wrong on the stock Jupyter Book 1 pages.

1. **Widget fonts.** html-manager's bundle locates its own files (the Font Awesome fonts of its CSS) from the
   require.js URL of the module ``@jupyter-widgets/html-manager/dist/embed-amd``. Loaded by a plain script tag, that
   URL resolved against the *page*, so every widget page asked the book's server for six font files and got 404s.
   A ``require.config`` right after require.js maps the module to the folder it is loaded from (the site's
   ``_static/`` copy, ``tools/sphinx_offline_assets.py``, as a path relative to the page; or a CDN).
2. **Widget labels and MathJax 3.** ``@jupyter-widgets/html-manager@1.0.6``, which renders the stored widget state
   of a page, typesets every widget label with the MathJax 2 API (``MathJax.Hub.Queue``). The book loads MathJax 3,
   which has no ``Hub``, so each label raised ``Cannot read properties of undefined (reading 'Queue')``. On pages
   that load both, a deferred script (run after MathJax 3, before the widgets render on ``DOMContentLoaded``)
   provides ``MathJax.Hub.Queue`` by forwarding ``["Typeset", hub, element]`` to MathJax 3's ``typesetPromise``.
3. **Theme mode.** pydata-sphinx-theme writes ``html_context["default_mode"]`` into every page and reports
   ``Got invalid theme mode: . Resetting to auto.`` when it is unset; it is set to ``"auto"`` (the theme's own
   fallback) unless the configuration chose a mode.
4. **Sidebar buttons.** pydata-sphinx-theme 0.17 adds its own ``.primary-toggle``/``.secondary-toggle`` buttons to
   the (hidden) top bar, and both themes attach their handlers to the *first* such button in the page only
   (pydata-sphinx-theme#2451). sphinx-book-theme's visible buttons then did nothing: on a phone the navigation
   drawer could not be opened. A small script forwards clicks on the other buttons to the first one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHIM = "mathjax2-hub-shim.js"
SHIM_JS = """\
// ipywidgets' html-manager 1.0.6 typesets widget labels with MathJax 2's MathJax.Hub.Queue; this page loads MathJax 3.
(function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub || !mj.startup) { return; }
  mj.Hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        if (Array.isArray(job) && job[0] === "Typeset" && job[2]) {
          mj.startup.promise.then(function () { return mj.typesetPromise([job[2]]); });
        }
      });
    },
  };
})();
"""


TOGGLES = "sidebar-toggle-fix.js"
TOGGLES_JS = """\
// pydata-sphinx-theme 0.17 and sphinx-book-theme 1.3 attach their sidebar handlers to the first .primary-toggle
// (.secondary-toggle) only (pydata-sphinx-theme#2451): forward clicks on the visible buttons to it.
document.addEventListener("DOMContentLoaded", function () {
  ["primary-toggle", "secondary-toggle"].forEach(function (name) {
    var buttons = document.querySelectorAll("." + name);
    Array.prototype.slice.call(buttons, 1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        buttons[0].click();
      });
    });
  });
});
"""
SCRIPTS = {SHIM: SHIM_JS, TOGGLES: TOGGLES_JS}


def _name(script: Any) -> str:
    return str(getattr(script, "filename", script) or "")


MANAGER = "@jupyter-widgets/html-manager/dist"


def require_config(embed_url: str, pathto: Any = None) -> str:
    """The inline script that maps html-manager's AMD modules to the folder of ``embed_url``: a URL, or a path of
    the site that ``pathto`` (the page context's) makes relative to the page, as require.js resolves it."""
    folder = embed_url.split("?", 1)[0].rsplit("/", 1)[0]
    if "://" not in folder and not folder.startswith("/") and pathto is not None:
        folder = pathto(folder, 1)
    return f'require.config({{paths: {{"{MANAGER}": "{folder}"}}}});'


def add_widget_fixes(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """``html-page-context``: on a page that renders widgets, configure require.js (fix 1) and, when the page also
    loads MathJax, add the ``MathJax.Hub`` shim after it (fix 2)."""
    scripts = context.get("script_files", [])
    names = [_name(s) for s in scripts]
    embed = next((n for n in names if "@jupyter-widgets/html-manager" in n and n.endswith("embed-amd.js")), None)
    if embed is None:
        return
    loader = next((i for i, n in enumerate(names) if n.rsplit("/", 1)[-1].startswith("require")), None)
    if loader is not None:
        app.add_js_file(
            None, body=require_config(embed, context.get("pathto")), priority=getattr(scripts[loader], "priority", 500)
        )
        scripts.insert(loader + 1, scripts.pop())  # right after require.js, before the widget manager
    if any("mathjax" in n.lower() for n in names):
        app.add_js_file(SHIM, defer="defer", priority=501)


def set_default_mode(app: Any, config: Any) -> None:
    """``config-inited``: give pydata-sphinx-theme a valid default mode."""
    config.html_context.setdefault("default_mode", "auto")


def write_scripts(app: Any) -> None:
    """``builder-inited``: write the scripts into ``_static`` of an HTML build (before the pages, which reference
    them with a checksum)."""
    if getattr(app.builder, "format", None) == "html":
        for name, text in SCRIPTS.items():
            target = Path(app.outdir) / "_static" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("config-inited", set_default_mode)
    # After myst-nb and sphinx.ext.mathjax have added their scripts (priority 500), before sphinx_dedupe (900),
    # which replaces the page's script list.
    app.connect("html-page-context", add_widget_fixes, priority=800)
    app.connect("builder-inited", write_scripts)
    app.add_js_file(TOGGLES, defer="defer")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
