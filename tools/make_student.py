"""Write the student edition of the book: reference solutions removed, student stubs in their place, outputs cleared.

Usage::

    python -m tools.make_student                 # writes dist/student/
    python -m tools.make_student --out DIR
    python -m tools.make_student --repo OWNER/NAME   # Colab cells clone github.com/OWNER/NAME

The instructor notebooks in ``book/`` are the source of truth. Each exercise there has three cells (see
``mmcl.exercises``):

* the reference solution, tag ``solution`` (a markdown cell tagged ``solution`` holds a written answer);
* the student stub, tags ``student-stub``, ``remove-cell``, ``skip-execution``, ``nbval-skip`` (hidden from the site,
  never executed by the book build or the tests);
* the auto-check, tag ``autocheck``.

The student edition drops every ``solution`` cell (the text is absent from the files, not hidden), removes the
hiding tags from the stubs so that they show and run, tags stubs and auto-checks ``raises-exception`` (a stub raises
``NotImplementedError`` and its check fails with a helpful message until the student has answered, and "run all"
goes on to the next exercise), clears every output and the stored widget state, and copies what is needed to run the
notebooks (the ``mmcl`` package and the environment files) next to them.
"""

from __future__ import annotations

import argparse
import copy
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTION, STUB, AUTOCHECK = "solution", "student-stub", "autocheck"
STUB_HIDING_TAGS = ("remove-cell", "skip-execution", "nbval-skip")
STUDENT_TAGS = ("raises-exception",)
COPIED = ("mmcl", "results", "pyproject.toml", "requirements.lock", "environment.yml", "postBuild", "LICENSE")
"""What the student edition needs besides the notebooks (paths relative to the repository; missing ones skipped)."""
EXERCISES_HEADING = "## Exercises"

__all__ = ["Exercise", "exercises", "exercise_section", "student_notebook", "write_student_edition", "main"]


@dataclass(frozen=True)
class Exercise:
    """Cell indices of one coded exercise in an instructor notebook."""

    solution: int
    stub: int
    autocheck: int


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def exercises(nb: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """The coded exercises of an instructor notebook, with a ``ValueError`` for any malformed one.

    Rules: a code cell tagged ``solution`` is followed immediately by its stub (code, tagged ``student-stub`` and
    every hiding tag) and then by its auto-check (code, tagged ``autocheck``); a stub or auto-check never stands
    alone; a markdown cell that contains a ``{solution}`` directive is tagged ``solution``.
    """
    found: list[Exercise] = []
    used: set[int] = set()
    cells = nb.cells
    for index, cell in enumerate(cells):
        tags = _tags(cell)
        if cell.cell_type == "markdown" and "{solution}" in cell.source and SOLUTION not in tags:
            raise ValueError(
                f"{name}: markdown cell {index} holds a {{solution}} directive but is not tagged '{SOLUTION}'"
            )
        if SOLUTION not in tags or cell.cell_type != "code":
            continue
        if index + 2 >= len(cells):
            raise ValueError(f"{name}: solution cell {index} must be followed by a stub cell and an auto-check cell")
        stub, check = cells[index + 1], cells[index + 2]
        if stub.cell_type != "code" or STUB not in _tags(stub):
            raise ValueError(
                f"{name}: cell {index + 1} after solution cell {index} must be a code cell tagged '{STUB}'"
            )
        missing = [t for t in STUB_HIDING_TAGS if t not in _tags(stub)]
        if missing:
            raise ValueError(
                f"{name}: stub cell {index + 1} must also be tagged {missing} (hidden and never executed in the book)"
            )
        if check.cell_type != "code" or AUTOCHECK not in _tags(check):
            raise ValueError(
                f"{name}: cell {index + 2} after stub cell {index + 1} must be a code cell tagged '{AUTOCHECK}'"
            )
        found.append(Exercise(index, index + 1, index + 2))
        used.update((index + 1, index + 2))
    for index, cell in enumerate(cells):
        if (_tags(cell) & {STUB, AUTOCHECK}) and index not in used:
            raise ValueError(f"{name}: cell {index} is a stub or auto-check without a solution cell right before it")
    return found


def exercise_section(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells from the ``## Exercises`` heading to the end (empty when the notebook has none)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(EXERCISES_HEADING):
            return list(range(index, len(nb.cells)))
    return []


BOOK_SLUG = "mmcl-book/mmcl-book"
BOOK_REPOSITORY = f"https://github.com/{BOOK_SLUG}"
"""The repository that the first (Colab) cell of every chapter clones."""
REPOSITORY_PREFIXES = ("github.com/", "mybinder.org/v2/gh/", "colab.research.google.com/github/")
"""How the chapters name the repository: the Colab cell's clone, the Binder and the Colab links."""


def student_notebook(
    nb: nbformat.NotebookNode, name: str = "notebook", repository: str | None = None
) -> nbformat.NotebookNode:
    """The student version of one instructor notebook (the input is not modified). ``repository`` (``owner/name`` on
    GitHub), if given, replaces the book's repository in the Colab cell and in the Binder and Colab links, so that
    they open the student edition."""
    exercises(nb, name)  # validate first
    out = copy.deepcopy(nb)
    kept = []
    for cell in out.cells:
        tags = _tags(cell)
        if SOLUTION in tags:
            continue
        if repository is not None:
            for prefix in REPOSITORY_PREFIXES:
                cell.source = cell.source.replace(prefix + BOOK_SLUG, prefix + repository)
        if STUB in tags or AUTOCHECK in tags:
            tags = (tags - set(STUB_HIDING_TAGS)) | set(STUDENT_TAGS)
        if tags:
            cell.metadata["tags"] = sorted(tags)
        else:
            cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        kept.append(cell)
    out.cells = kept
    out.metadata.pop("widgets", None)
    out.metadata["mmcl"] = {"edition": "student"}
    return out


README = """# Student edition

These notebooks are the chapters of *Multi-modal vs single-modal contrastive learning* with the exercises left for
you: each exercise has a cell that still raises `NotImplementedError` (write your answer there) followed by an
automatic check that tells you what it expected and what it got.

Set up once (Python >= 3.10), then open the notebooks in Jupyter:

```bash
pip install -e ".[book]" jupyterlab
jupyter lab book/
```

With conda (or on Binder): `conda env create -f environment.yml`, then the commands of `postBuild` (the locked
environment of `requirements.lock`, with CPU PyTorch).
Run each chapter from the top: the exercises use the imports of the chapter's first cells.
"""


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(
            source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "checkpoints")
        )
    else:
        shutil.copy2(source, target)


def write_student_edition(out: Path, root: Path = ROOT, repository: str | None = None) -> list[Path]:
    """Write the student edition into ``out`` (replacing it); returns the notebooks written. ``repository``: see
    :func:`student_notebook`."""
    if repository is not None and (repository.count("/") != 1 or not all(repository.split("/"))):
        raise ValueError(f"repository must be 'owner/name', got {repository!r}")
    book = root / "book"
    notebooks = sorted(book.glob("*.ipynb"))
    if not notebooks:
        raise ValueError(f"no notebooks found in {book}")
    if out.exists():
        shutil.rmtree(out)
    (out / "book").mkdir(parents=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        student = student_notebook(nb, path.name, repository)
        nbformat.validate(student)
        target = out / "book" / path.name
        nbformat.write(student, target)
        written.append(target)
    for name in COPIED:
        if (root / name).exists():
            _copy(root / name, out / name)
    (out / "README.md").write_text(README, encoding="utf-8")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_student", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist" / "student", help="output folder (default: dist/student)"
    )
    parser.add_argument(
        "--repo",
        help="GitHub 'owner/name' where the edition will live: the Colab cell of every chapter "
        "clones it instead of the book's repository",
    )
    args = parser.parse_args(argv)
    written = write_student_edition(args.out, repository=args.repo)
    count = sum(len(exercises(nbformat.read(p, as_version=4))) for p in sorted((ROOT / "book").glob("*.ipynb")))
    print(f"student edition: {len(written)} notebook(s), {count} coded exercise(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
