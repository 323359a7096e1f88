"""A tiny Sphinx extension: the student edition, built with the site and published with it.

When the HTML build finishes, the student edition (``tools/make_student.py``: solutions removed, answer cells,
plain Markdown) is written afresh from the chapters of this build and stored in the site as one zip file,
``downloads/mmcl-book-student.zip``. The directive

.. code-block:: md

    ```{student-edition}
    ```

shows the download link and, for every chapter, the Binder and Colab links that open its student notebook on the
student branch of the book's repository (``sphinx.config.mmcl_student_branch`` in ``_config.yml``, see
``tools/repository.py``). A failure to write the edition stops the build.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the build puts tools/ on the path; the package `tools` needs the repository's root
    sys.path.insert(0, str(ROOT))

from tools import repository  # noqa: E402
from tools.make_student import write_student_edition, zip_edition  # noqa: E402

ZIP = "downloads/mmcl-book-student.zip"
"""Where the zip lies in the built site."""


def _link(text: str, url: str) -> nodes.reference:
    return nodes.reference("", text, refuri=url)


class StudentEdition(SphinxDirective):
    """``{student-edition}``: the zip's download link and each chapter's student launch links."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        builder = self.env.app.builder
        target = (
            relative_uri(builder.get_target_uri(self.env.docname), ZIP) if hasattr(builder, "get_target_uri") else ZIP
        )
        download = nodes.paragraph()
        download += nodes.raw(
            "",
            f'<a class="reference download mmcl-student-zip" href="{target}" download>'
            "Download the student edition (zip)</a>",
            format="html",
        )
        repo = repository.read(Path(self.env.app.confdir) / "_config.yml")  # its student_ref: mmcl_student_branch
        notebooks = sorted(p.name for p in (Path(self.env.app.confdir) / "book").glob("*.ipynb"))
        table = nodes.table(classes=["mmcl-student-links"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (50, 25, 25):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        body = nodes.tbody()
        group += body
        header = nodes.row()
        for text in ("Student notebook", "Binder", "Colab"):
            header += nodes.entry("", nodes.paragraph("", text))
        head += header
        for name, binder, colab in repository.student_links(repo, notebooks):
            row = nodes.row()
            row += nodes.entry("", nodes.paragraph("", "", nodes.literal("", name)))
            for text, url in (("open on Binder", binder), ("open in Colab", colab)):
                cell = nodes.paragraph()
                cell += _link(text, url)
                row += nodes.entry("", cell)
            body += row
        return [download, table]


def _write_zip(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    try:
        with tempfile.TemporaryDirectory() as tmp:
            edition = Path(tmp) / "student"
            write_student_edition(edition, Path(app.confdir))
            zip_edition(edition, Path(app.outdir) / ZIP)
    except Exception as exc:  # the site must not link a zip that is not there
        raise ExtensionError(f"the student edition could not be written: {exc}") from exc


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("mmcl_student_branch", "student", "html")
    app.add_directive("student-edition", StudentEdition)
    app.connect("build-finished", _write_zip)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
