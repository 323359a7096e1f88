"""A tiny Sphinx extension: the table of the chapters' execution statistics, generated from the committed file.

``python -m tools.execute_notebooks`` (``make notebooks``, the execution of record) records each notebook's wall
time and peak memory, with the date and the machine, in ``book/_execution_stats.json``. The directive

.. code-block:: md

    ```{execution-statistics} _execution_stats.json
    ```

(the path is relative to the page, or to the book's root when it starts with ``/``) shows that file as a table: one
row per page of the build that has an entry (the page's title, linked), in the order of the file, then the total.
When every entry comes from one machine, that machine is named once below the table; otherwise each row names its
own. The build stops (Sphinx's "Extension error", with or without ``-W``) when the file is missing or unreadable, or
when a notebook page of the build has no entry: the table is never hand-typed, and never silently incomplete.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

SCHEMA = 1
COLUMNS = ("Chapter", "Executed", "Wall time (s)", "Peak memory (MiB)")
MACHINE_KEYS = ("cpu_count", "cpu_model", "torch", "python")


class StatisticsError(ValueError):
    """The statistics file is missing, unreadable or incomplete."""


def load(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of the statistics file ``path`` (``{notebook: entry}``); raises StatisticsError."""
    if not path.is_file():
        raise StatisticsError(
            f"{path.name} not found: it is written by the execution of record, `make notebooks` "
            "(python -m tools.execute_notebooks)"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StatisticsError(f"{path.name}: not readable as JSON ({exc})") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("notebooks"), dict):
        raise StatisticsError(f"{path.name}: not an execution statistics file (schema {SCHEMA})")
    for key, entry in data["notebooks"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("wall_s"), (int, float)):
            raise StatisticsError(f"{path.name}: the entry of {key} has no wall time")
    return data["notebooks"]


def docname(notebook: str) -> str:
    """``"book/01_introduction.ipynb"`` → ``"book/01_introduction"``."""
    return notebook.rsplit(".", 1)[0] if notebook.endswith(".ipynb") else notebook


def machine_text(entry: dict[str, Any]) -> str:
    """``"2 CPUs (Intel(R) Xeon(R) Processor), PyTorch 2.13.0+cpu, Python 3.11.9"`` (what the entry knows)."""
    parts = []
    count, model = entry.get("cpu_count"), entry.get("cpu_model")
    if count or model:
        cpus = f"{count} CPU{'s' if count != 1 else ''}" if count else "CPU"
        parts.append(f"{cpus} ({model})" if model else cpus)
    if entry.get("torch"):
        parts.append(f"PyTorch {entry['torch']}")
    if entry.get("python"):
        parts.append(f"Python {entry['python']}")
    return ", ".join(parts) or "unknown machine"


def missing(entries: dict[str, dict[str, Any]], notebooks: list[str]) -> list[str]:
    """The notebook pages (docnames) among ``notebooks`` that have no entry."""
    recorded = {docname(key) for key in entries}
    return [doc for doc in notebooks if doc not in recorded]


def rows(entries: dict[str, dict[str, Any]], docs: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(docname, entry)`` for each entry whose page is in ``docs``, in the file's order."""
    return [(docname(key), entry) for key, entry in entries.items() if docname(key) in docs]


def _cell(content: nodes.Node | str) -> nodes.entry:
    paragraph = nodes.paragraph()
    paragraph += nodes.Text(content) if isinstance(content, str) else content
    return nodes.entry("", paragraph)


def _row(cells: list[nodes.Node | str]) -> nodes.row:
    row = nodes.row()
    for content in cells:
        row += _cell(content)
    return row


def _link(target: str, refdoc: str) -> addnodes.pending_xref:
    """A ``{doc}`` reference to ``target``, shown with the page's title."""
    ref = addnodes.pending_xref(
        "", refdomain="std", reftype="doc", reftarget="/" + target, refexplicit=False, refdoc=refdoc, refwarn=True
    )
    ref += nodes.inline("", target, classes=["xref", "std", "std-doc"])
    return ref


def _number(value: Any, digits: int) -> str:
    return "?" if value is None else f"{value:,.{digits}f}"


def table(found: list[tuple[str, dict[str, Any]]], refdoc: str) -> list[nodes.Node]:
    """The table of ``found`` (from :func:`rows`) and, when one machine ran every notebook, the sentence naming it."""
    machines = {machine_text(entry) for _, entry in found}
    columns = COLUMNS + (() if len(machines) == 1 else ("Machine",))
    group = nodes.tgroup(cols=len(columns))
    for width in (40, 14, 14, 16, 30)[: len(columns)]:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row(list(columns))
    group += head
    body = nodes.tbody()
    for doc, entry in found:
        wall = _number(entry["wall_s"], 1) + (
            f" ({entry['attempts']} attempts)" if entry.get("attempts", 1) > 1 else ""
        )
        cells: list[nodes.Node | str] = [_link(doc, refdoc), str(entry.get("date", "?")), wall]
        cells.append(_number(entry.get("peak_rss_mib"), 0))
        if len(columns) > len(COLUMNS):
            cells.append(machine_text(entry))
        body += _row(cells)
    total: list[nodes.Node | str] = [nodes.strong(text="Total"), "", _number(sum(e["wall_s"] for _, e in found), 1)]
    peaks = [e["peak_rss_mib"] for _, e in found if e.get("peak_rss_mib") is not None]
    total.append(f"{_number(max(peaks), 0)} (largest)" if peaks else "?")
    body += _row(total + [""] * (len(columns) - len(total)))
    group += body
    out: list[nodes.Node] = [nodes.table("", group, classes=["execution-statistics"])]
    if len(machines) == 1:
        out.append(nodes.paragraph(text=f"Every chapter was executed on one machine: {machines.pop()}."))
    return out


class ExecutionStatistics(SphinxDirective):
    """``{execution-statistics} FILE``: the table of FILE's execution statistics (see the module's docstring)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        relative, absolute = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(relative)
        try:
            entries = load(Path(absolute))
        except StatisticsError as exc:
            raise ExtensionError(f"execution-statistics: {relative}: {exc}", modname=__name__) from exc
        docs = set(self.env.found_docs)
        notebooks = sorted(d for d in docs if str(self.env.doc2path(d)).endswith(".ipynb"))
        absent = missing(entries, notebooks)
        if absent:
            raise ExtensionError(
                f"execution-statistics: {relative} has no entry for {', '.join(absent)}: run "
                f"`python -m tools.execute_notebooks {' '.join(d + '.ipynb' for d in absent)}`",
                modname=__name__,
            )
        found = rows(entries, docs)
        if not found:
            raise ExtensionError(
                f"execution-statistics: {relative} has no entry for a page of this build", modname=__name__
            )
        return table(found, self.env.docname)


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("execution-statistics", ExecutionStatistics)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
