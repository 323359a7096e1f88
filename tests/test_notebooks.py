"""Guards on the committed chapter notebooks that strict nbval cannot give on its own.

nbval passes an unexecuted cell vacuously, so these tests check that every chapter was executed (by
``make notebooks``), carries no error output, follows the chapter conventions and is part of the site.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from tools import repository
from tools.execute_notebooks import toc_notebooks

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
SKIP_TAGS = {"nbval-skip", "skip-execution"}
COLAB_CELL = repository.colab_cell(repository.read()).splitlines()
"""Every chapter's first cell, derived from _config.yml (tools/repository.py)."""
# Things a stored output must never show: local paths and the machine's devices.
FORBIDDEN = re.compile(
    r"(/home/|/root/|/work/|/Users/|/tmp/|[A-Z]:\\\\|site-packages|\.venv"
    r"|cuda:\d|device\(type=|NVIDIA|GeForce|Tesla|\bH100\b|\bA100\b|\bV100\b)"
)
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _output_texts(cell: nbformat.NotebookNode) -> list[str]:
    texts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            texts.append(out.get("text", ""))
        for mime in TEXT_MIMES:
            value = out.get("data", {}).get(mime)
            if value is not None:
                texts.append(value if isinstance(value, str) else "".join(value))
    return texts


def _config_macros() -> dict[str, str]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["sphinx"]["config"]["mathjax3_config"]["tex"]["macros"]


def test_there_are_chapters() -> None:
    assert NOTEBOOKS, "no notebooks found in book/"


def test_toc_lists_exactly_the_notebooks_in_book() -> None:
    listed = {p.resolve() for p in toc_notebooks()}
    present = {p.resolve() for p in NOTEBOOKS}
    assert present - listed == set(), f"notebooks missing from _toc.yml: {sorted(p.name for p in present - listed)}"
    assert listed - present == set(), (
        f"_toc.yml lists notebooks that do not exist: {sorted(p.name for p in listed - present)}"
    )


def test_every_toc_entry_exists() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    for f in files:
        assert (ROOT / f"{f}.ipynb").exists() or (ROOT / f"{f}.md").exists(), f"_toc.yml entry {f} has no file"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_valid_and_uses_python3(path: Path) -> None:
    nb = _read(path)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec must be python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_code_cell_was_executed_without_error(path: Path) -> None:
    nb = _read(path)
    counts = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or _tags(cell) & SKIP_TAGS:
            continue
        assert cell.get("execution_count") is not None, (
            f"{path.name}: code cell {index} was never executed; run `make notebooks`"
        )
        counts.append(cell.execution_count)
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: code cell {index} stores an error"
            if out.get("output_type") == "stream":
                assert out.get("name") != "stderr" or "raises-exception" in _tags(cell), (
                    f"{path.name}: code cell {index} wrote to stderr (a warning?): {out.get('text', '')[:200]!r}"
                )
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: cells were not executed top to bottom in one kernel (execution counts {counts})"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_chapter_conventions(path: Path) -> None:
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert code and code[0].source.splitlines() == COLAB_CELL, (
        f"{path.name}: the first code cell must be the Colab install cell"
    )
    assert "remove-cell" in _tags(code[0]), f"{path.name}: tag the Colab install cell remove-cell"
    assert code[0].get("outputs", []) == [], f"{path.name}: the Colab install cell must print nothing outside Colab"
    assert len(code) > 1 and "import mmcl" in code[1].source, f"{path.name}: the second code cell must import mmcl"
    assert markdown and markdown[0].source.startswith("# "), (
        f"{path.name}: the first markdown cell must be the '# Title'"
    )
    assert nb.cells[0] is code[0], f"{path.name}: the Colab install cell must come first"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_macros_for_jupyter_match_the_site(path: Path) -> None:
    """A chapter using the site's MathJax macros defines the same ones in a hidden cell for Jupyter and Colab."""
    nb = _read(path)
    macros = _config_macros()
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown" and "remove-cell" not in _tags(c))
    used = {name for name in macros if re.search(rf"\\{name}(?![A-Za-z])", text)}
    if not used:
        return
    hidden = [
        c for c in nb.cells if c.cell_type == "markdown" and "remove-cell" in _tags(c) and "\\newcommand" in c.source
    ]
    assert len(hidden) == 1, f"{path.name}: uses macros {sorted(used)} but has no hidden \\newcommand cell"
    defined = dict(re.findall(r"\\newcommand\{\\([A-Za-z]+)\}\{(.*?)\}(?=\s*\\newcommand|\s*\$)", hidden[0].source))
    assert defined == macros, f"{path.name}: the hidden macro cell differs from _config.yml's mathjax3_config macros"
    position = nb.cells.index(hidden[0])
    first_math = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "$" in c.source)
    assert position <= first_math, f"{path.name}: define the macros before the first formula"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_outputs_show_no_paths_devices_or_raw_reprs(path: Path) -> None:
    nb = _read(path)
    for index, cell in enumerate(nb.cells):
        for text in _output_texts(cell):
            match = FORBIDDEN.search(text)
            assert match is None, f"{path.name}: cell {index} output shows {match.group(0)!r}: {text[:200]!r}"
            assert "tensor(" not in text, f"{path.name}: cell {index} prints a raw tensor"
            assert " at 0x" not in text, f"{path.name}: cell {index} prints an object address: {text[:200]!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_volatile_metadata(path: Path) -> None:
    nb = _read(path)
    for index, cell in enumerate(nb.cells):
        assert "execution" not in cell.get("metadata", {}), f"{path.name}: cell {index} stores execution timestamps"
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: cell ids must be present and unique"
