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
goes on to the next exercise), makes each stub the exercise's **answer cell** (tag ``answer``, metadata
``"grading": {"exercise": "N.k"}``: what ``python -m mmcl grade`` takes from a submission), clears every output and
the stored widget state, and copies what is needed to run the notebooks (the ``mmcl`` package and the environment
files) next to them. The cell rules live in :mod:`mmcl.grading.catalog`.
"""

from __future__ import annotations

import argparse
import copy
import shutil
from pathlib import Path

import nbformat

from mmcl.grading.catalog import (
    ANSWER,
    AUTOCHECK,
    GRADING,
    SOLUTION,
    STUB,
    STUB_HIDING_TAGS,
    Exercise,
    exercise_id,
    exercise_section,
    exercises,
)
from mmcl.grading.catalog import tags as _tags

ROOT = Path(__file__).resolve().parent.parent
STUDENT_TAGS = ("raises-exception",)
"""Tags the student edition adds to stubs and auto-checks (the stubs, its answer cells, are also tagged ``answer``)."""
COPIED = ("mmcl", "results", "pyproject.toml", "requirements.lock", "environment.yml", "postBuild", "LICENSE")
"""What the student edition needs besides the notebooks (paths relative to the repository; missing ones skipped)."""

__all__ = [
    "SOLUTION",
    "STUB",
    "AUTOCHECK",
    "ANSWER",
    "Exercise",
    "exercises",
    "exercise_section",
    "student_notebook",
    "write_student_edition",
    "main",
]


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
    found = exercises(nb, name)  # validate first
    out = copy.deepcopy(nb)
    for exercise in found:  # the stub becomes the answer cell of its exercise
        out.cells[exercise.stub].metadata[GRADING] = {"exercise": exercise_id(nb.cells[exercise.autocheck], name)}
    kept = []
    for cell in out.cells:
        tags = _tags(cell)
        if SOLUTION in tags:
            continue
        if repository is not None:
            for prefix in REPOSITORY_PREFIXES:
                cell.source = cell.source.replace(prefix + BOOK_SLUG, prefix + repository)
        if STUB in tags or AUTOCHECK in tags:
            tags = (tags - set(STUB_HIDING_TAGS)) | set(STUDENT_TAGS) | ({ANSWER} if STUB in tags else set())
        if AUTOCHECK in tags:
            cell.metadata.pop(GRADING, None)  # the exercise's id marks its answer cell only; points stay with the book
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

If your exercises are graded (`python -m mmcl grade`): only the answer cells count, the cells tagged `answer` that
first raised `NotImplementedError`. Keep them (do not delete or split them), and put everything an answer needs
into its own cell: each one is run on its own after the chapter's first cells, followed by your instructor's copy of
the check (the check cells of your notebook are not used). An answer that calls the implementation in `mmcl` that
the check compares against scores 0.
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
