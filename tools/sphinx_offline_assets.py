"""A tiny Sphinx extension: the site serves MathJax and the widget scripts from its own ``_static/`` folder.

Stock Jupyter Book pages load MathJax 3 and ``@jupyter-widgets/html-manager`` from jsdelivr and require.js from
cdnjs, so a copy of the site opened offline shows raw TeX and no widgets. Here ``_config.yml`` points the two
settings that name those scripts at files of the site instead:

* ``mathjax_path`` (``sphinx.ext.mathjax``): ``mathjax/es5/tex-mml-chtml.js``, the component Sphinx loads from the
  CDN by default; MathJax finds its fonts and the TeX extensions it loads on demand next to it;
* ``nb_ipywidgets_js`` (MyST-NB: the scripts added to a page that stores widget state, in order):
  ``requirejs/require.js`` and ``@jupyter-widgets/html-manager/dist/embed-amd.js``.

(Both are relative to ``_static/``, as every script Sphinx adds.) At ``builder-inited`` this extension fetches the
npm packages and versions pinned by ``package.json`` into ``node_modules/`` with :mod:`tools.cdn_copies` (``npm
pack``; nothing is fetched when the right versions are already there) and copies the files the pages need into the
site's ``_static/``: MathJax's ``es5/`` folder, require.js, and html-manager's ``dist/`` folder without its source
maps (about 30 MB in all). ``sphinx.ext.mathjax`` still writes ``mathjax3_config`` (the book's macros) inline
before the script, so the macros apply as before.

Without npm (or without the registry) and without the packages already in ``node_modules/``, the build falls back
to the CDN: both settings are pointed at the same versions on jsdelivr and cdnjs, and the build log shows
``WARNING: offline assets: ...``, a message that does not fail ``-W`` builds, so that the book still builds where
npm is missing (the site then needs the network, as stock Jupyter Book pages do). With ``MMCL_OFFLINE_ASSETS=1``
(set by CI through ``MMCL_E2E_REQUIRED=1`` too) the fallback is an error instead. The browser test
(``tests/e2e``) blocks every request that leaves the site, so a site that fell back fails it.

The extension also adds the whole book's PDF to the download menu of every page ("Book (.pdf)", a link to
``mmcl-book.pdf`` at the site's root), and copies ``_build/pdf/mmcl-book.pdf`` into the site when it exists. The PDF
is printed from the built site, so it comes after the build: ``make book`` then ``make pdf``, which also copies it
into ``_build/html`` (until then the link finds nothing).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.console import bold, red

try:
    from tools import cdn_copies
except ImportError:  # loaded by Sphinx from tools/ as a top-level module
    import cdn_copies  # type: ignore[no-redef]

logger = logging.getLogger(__name__)

PDF_NAME = "mmcl-book.pdf"


@dataclass(frozen=True)
class Asset:
    """One npm package's files in the site: ``source`` (a file or folder of the package) is copied to
    ``_static/<target>``; ``cdn`` is the same path on a CDN (``{version}``: the pinned version)."""

    package: str
    source: str
    target: str
    cdn: str
    skip: tuple[str, ...] = ()


ASSETS = (
    Asset("mathjax", "es5", "mathjax/es5", "https://cdn.jsdelivr.net/npm/mathjax@{version}/es5"),
    Asset(
        "requirejs",
        "require.js",
        "requirejs/require.js",
        "https://cdnjs.cloudflare.com/ajax/libs/require.js/{version}/require.min.js",
    ),
    Asset(
        "@jupyter-widgets/html-manager",
        "dist",
        "@jupyter-widgets/html-manager/dist",
        "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@{version}/dist",
        skip=("*.map",),
    ),
)


def required() -> bool:
    """Whether falling back to the CDN is an error (``MMCL_OFFLINE_ASSETS=1`` or ``MMCL_E2E_REQUIRED=1``)."""
    return "1" in (os.environ.get("MMCL_OFFLINE_ASSETS"), os.environ.get("MMCL_E2E_REQUIRED"))


def local_url(asset: Asset, url: str) -> bool:
    return url == asset.target or url.startswith(asset.target + "/")


def cdn_url(url: str, versions: dict[str, str]) -> str:
    """The CDN URL of a script path of the site (``url`` itself if no asset serves it)."""
    for asset in ASSETS:
        if local_url(asset, url):
            return asset.cdn.format(version=versions[asset.package]) + url[len(asset.target) :]
    return url


def fetch(modules: Path) -> str | None:
    """Put every pinned package into ``modules``; returns None, or why it could not."""
    try:
        for name, version in cdn_copies.packages().items():
            cdn_copies.fetch(name, version, modules)
    except (OSError, RuntimeError, ValueError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", None) or exc
        return f"{type(exc).__name__}: {str(detail).strip().splitlines()[-1] if str(detail).strip() else ''}"
    return None


def use_cdn(config: Any, versions: dict[str, str]) -> None:
    """Point ``mathjax_path`` and ``nb_ipywidgets_js`` at the CDN (the fallback)."""
    config.mathjax_path = cdn_url(config.mathjax_path, versions)
    config.nb_ipywidgets_js = {cdn_url(url, versions): attrs for url, attrs in config.nb_ipywidgets_js.items()}


def copy_assets(modules: Path, static: Path) -> list[Path]:
    """Copy every asset from ``modules`` into ``static``; returns the targets."""
    targets = []
    for asset in ASSETS:
        source, target = modules / asset.package / asset.source, static / asset.target
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(*asset.skip), dirs_exist_ok=True)
        else:
            shutil.copy2(source, target)
        targets.append(target)
    return targets


def install_assets(app: Any) -> None:
    """``builder-inited``: fetch and copy the assets into an HTML build, or fall back to the CDN."""
    if getattr(app.builder, "format", None) != "html":
        return
    modules = Path(app.srcdir) / "node_modules"
    versions = cdn_copies.packages(Path(app.srcdir) / "package.json")
    problem = fetch(modules)
    if problem is None:
        copy_assets(modules, Path(app.outdir) / "_static")
        logger.info("offline assets: MathJax, require.js and the widget manager copied into _static/")
        return
    message = (
        f"offline assets: could not install the npm packages of package.json ({problem}); the site loads MathJax, "
        "require.js and the widget manager from CDNs and needs the network (install npm: apt-get install npm)"
    )
    if required():
        raise ExtensionError(message, modname=__name__)
    logger.info(bold(red(f"WARNING: {message}")))
    use_cdn(app.config, versions)  # the environment's configuration is the same object


def pdf_source(app: Any) -> Path:
    """Where ``make pdf`` writes the book's PDF: ``_build/pdf/`` beside the site's folder."""
    return Path(app.outdir).parent / "pdf" / PDF_NAME


def add_pdf_button(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """``html-page-context`` (after sphinx-book-theme's buttons): the whole book's PDF in the download menu."""
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](PDF_NAME, 1),
                    "text": "Book (.pdf)",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def copy_pdf(app: Any, exception: Exception | None) -> None:
    """``build-finished``: copy the book's PDF into the site when ``make pdf`` has written one."""
    source = pdf_source(app)
    if exception is None and getattr(app.builder, "format", None) == "html" and source.exists():
        shutil.copy2(source, Path(app.outdir) / PDF_NAME)


def setup(app: Any) -> dict[str, Any]:
    # Before myst-nb reads nb_ipywidgets_js into its configuration (builder-inited, priority 500).
    app.connect("builder-inited", install_assets, priority=400)
    app.connect("html-page-context", add_pdf_button, priority=600)
    app.connect("build-finished", copy_pdf)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
