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
import re
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
    WRITTEN,
    WRITTEN_PLACEHOLDER,
    Exercise,
    exercise_id,
    exercise_section,
    exercises,
    written_prompt,
)
from mmcl.grading.catalog import tags as _tags
from tools import repository
from tools.repository import colab_cell
from tools.student_markdown import bibliography, book_macros, plain_markdown

ROOT = Path(__file__).resolve().parent.parent
STUDENT_TAGS = ("raises-exception",)
"""Tags the student edition adds to stubs and auto-checks (the stubs, its answer cells, are also tagged ``answer``)."""
COPIED = (
    "mmcl",
    "results",
    "book/_execution_stats.json",
    "pyproject.toml",
    "requirements.lock",
    "environment.yml",
    "postBuild",
    "LICENSE",
)
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
    "written_exercise",
    "written_answer_cell",
    "WRITTEN",
    "write_student_edition",
    "edition_repository",
    "zip_edition",
    "main",
]


BOOK = repository.read(ROOT / "_config.yml")
"""The book's repository and the branch or tag of its chapters (``_config.yml``: see :mod:`tools.repository`)."""


def edition_repository(slug: str | None = None, ref: str | None = None) -> repository.Repository:
    """Where the student edition lives: the book's repository (or ``slug``, ``owner/name``) on the student branch
    of ``_config.yml`` (or ``ref``)."""
    if slug is not None and (slug.count("/") != 1 or not all(slug.split("/"))):
        raise ValueError(f"repository must be 'owner/name', got {slug!r}")
    owner, name = slug.split("/") if slug else (BOOK.owner, BOOK.name)
    return repository.Repository(owner, name, ref or BOOK.student_ref, ref or BOOK.student_ref)


def _relink(text: str, target: repository.Repository) -> str:
    """The chapter's Binder and Colab links to the book, pointed at ``target`` (its repository and branch)."""
    slug = re.escape(BOOK.slug)
    text = re.sub(rf"mybinder\.org/v2/gh/{slug}/[^?\s)]+", f"mybinder.org/v2/gh/{target.slug}/{target.ref}", text)
    return re.sub(
        rf"colab\.research\.google\.com/github/{slug}/blob/[^/\s)]+",
        f"colab.research.google.com/github/{target.slug}/blob/{target.ref}",
        text,
    )


def student_notebook(
    nb: nbformat.NotebookNode, name: str = "notebook", repository: str | None = None, ref: str | None = None
) -> nbformat.NotebookNode:
    """The student version of one instructor notebook (the input is not modified). Its Colab cell clones, and its
    Binder and Colab links open, the student edition: :func:`edition_repository` of ``repository`` (``owner/name``
    on GitHub; default: the book's) and ``ref`` (default: the student branch of ``_config.yml``)."""
    found = exercises(nb, name)  # validate first
    target = edition_repository(repository, ref)
    macros, cites = book_macros(), bibliography()
    out = copy.deepcopy(nb)
    for exercise in found:  # the stub becomes the answer cell of its exercise
        out.cells[exercise.stub].metadata[GRADING] = {"exercise": exercise_id(nb.cells[exercise.autocheck], name)}
    kept = []
    for cell in out.cells:
        tags = _tags(cell)
        if SOLUTION in tags:
            written = written_exercise(cell)
            if written is not None:  # a written answer: the student gets an empty answer cell in its place
                kept.append(written_answer_cell(written))
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_markdown(cell.source, macros, cites)
        if cell is out.cells[0] and cell.cell_type == "code" and "google.colab" in cell.source:
            cell.source = colab_cell(target)
        else:
            cell.source = _relink(cell.source, target)
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


_SOLUTION_LABEL = re.compile(r"^(`{3,}|:{3,})\{solution\}\s*ex-(?P<label>[\w-]+)", re.M)


def written_exercise(cell: nbformat.NotebookNode) -> str | None:
    """The exercise (``"3.1"``) whose written reference answer ``cell`` holds, or ``None`` for a code cell or a
    markdown solution without an exercise label."""
    if cell.cell_type != "markdown":
        return None
    match = _SOLUTION_LABEL.search(cell.source)
    return match["label"].replace("-", ".") if match else None


def written_answer_cell(exercise: str) -> nbformat.NotebookNode:
    """An empty markdown answer cell for the written part of ``exercise``."""
    cell = nbformat.v4.new_markdown_cell(f"{written_prompt(exercise)}\n\n{WRITTEN_PLACEHOLDER}")
    cell.id = f"answer-{exercise.replace('.', '-')}-written"
    cell.metadata["tags"] = [ANSWER, WRITTEN]
    cell.metadata[GRADING] = {"exercise": exercise, "written": True}
    return cell


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


def write_student_edition(
    out: Path, root: Path = ROOT, repository: str | None = None, ref: str | None = None
) -> list[Path]:
    """Write the student edition into ``out`` (replacing it); returns the notebooks written. ``repository`` and
    ``ref``: see :func:`student_notebook`."""
    edition_repository(repository, ref)  # validate before writing anything
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
        student = student_notebook(nb, path.name, repository, ref)
        nbformat.validate(student)
        target = out / "book" / path.name
        nbformat.write(student, target)
        written.append(target)
    for name in COPIED:
        if (root / name).exists():
            _copy(root / name, out / name)
    (out / "README.md").write_text(README, encoding="utf-8")
    return written


ZIP_FOLDER = "mmcl-book-student"


def zip_edition(edition: Path, target: Path) -> Path:
    """``edition`` (a folder written by :func:`write_student_edition`) as one zip file at ``target``, every file under
    a folder ``mmcl-book-student/``, in sorted order with fixed timestamps (the same edition gives the same bytes);
    written atomically."""
    import io
    import zipfile

    from mmcl.storage.atomic import write_bytes

    files = sorted(p for p in edition.rglob("*") if p.is_file())
    if not any(p.suffix == ".ipynb" for p in files):
        raise ValueError(f"edition must be a student edition folder with notebooks, got {edition}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            info = zipfile.ZipInfo(
                f"{ZIP_FOLDER}/{path.relative_to(edition).as_posix()}", date_time=(2024, 1, 1, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return write_bytes(target, buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.make_student", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "dist" / "student", help="output folder (default: dist/student)"
    )
    parser.add_argument(
        "--repo",
        help="GitHub 'owner/name' where the edition will live (default: the book's repository, _config.yml): "
        "the Colab cell of every chapter clones it, and the chapters' launch links open it",
    )
    parser.add_argument(
        "--branch",
        help=f"the branch or tag of the edition there (default: {BOOK.student_ref}, sphinx.config.mmcl_student_branch)",
    )
    parser.add_argument("--zip", type=Path, help="also write the edition as one zip file (a folder mmcl-book-student/)")
    args = parser.parse_args(argv)
    written = write_student_edition(args.out, repository=args.repo, ref=args.branch)
    if args.zip:
        zip_edition(args.out, args.zip)
    count = sum(len(exercises(nbformat.read(p, as_version=4))) for p in sorted((ROOT / "book").glob("*.ipynb")))
    print(f"student edition: {len(written)} notebook(s), {count} coded exercise(s) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
