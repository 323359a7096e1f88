"""The exercises of the instructor notebooks, as the student edition and the grader read them.

Every coded exercise of a chapter is three cells in its ``## Exercises`` section (see :mod:`mmcl.exercises`):

* the reference solution, a code cell tagged ``solution`` (a markdown cell tagged ``solution`` holds a written
  answer);
* the student's stub, tagged ``student-stub`` and the hiding tags ``remove-cell``, ``skip-execution``,
  ``nbval-skip``; in the student edition it is the **answer cell**, tagged ``answer`` and carrying the exercise's id
  in its metadata (``"grading": {"exercise": "3.1"}``);
* the automatic check, tagged ``autocheck``, whose metadata ``"grading"`` holds the exercise's id and its points,
  ``{"exercise": "3.1", "points": 2}``: the one place where points are set. An optional ``"references"`` list names
  further ``mmcl`` objects (``"mmcl.model.config.SyntheticConfig.snr"``: functions, methods or properties) that an
  answer must not call, besides the ``mmcl`` functions the check's code names, which are found by themselves.

The **set-up** of an exercise when it is graded is the chapter's import cell (its second code cell, after the Colab
cell), every code cell tagged ``grading-setup``, and every code cell of the ``## Exercises`` section that belongs to
no exercise (such as ``import numpy as np``), in the notebook's order. Set-up cells must not use the answers.

Written exercises (an ``{exercise}`` directive without an automatic check) are listed, to be graded by hand.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

__all__ = [
    "SOLUTION",
    "STUB",
    "AUTOCHECK",
    "ANSWER",
    "GRADING_SETUP",
    "GRADING",
    "WRITTEN",
    "written_prompt",
    "written_text",
    "STUB_HIDING_TAGS",
    "EXERCISES_HEADING",
    "CHECKERS",
    "Exercise",
    "GradedExercise",
    "Chapter",
    "tags",
    "exercises",
    "exercise_section",
    "check_exercise_id",
    "exercise_id",
    "checked_names",
    "setup_cells",
    "read_chapter",
    "read_book",
]

SOLUTION, STUB, AUTOCHECK, ANSWER, GRADING_SETUP = "solution", "student-stub", "autocheck", "answer", "grading-setup"
GRADING = "grading"
"""The cell-metadata key of an exercise's id, points and extra references."""
STUB_HIDING_TAGS = ("remove-cell", "skip-execution", "nbval-skip")
WRITTEN = "answer-written"
"""Tag of the student edition's markdown answer cells for written exercises (graded by hand)."""
WRITTEN_PLACEHOLDER = "…"
"""What a written answer cell holds below its prompt until the student writes."""
EXERCISES_HEADING = "## Exercises"
CHECKERS = ("check_function", "check_value", "check_choice")
"""The functions of :mod:`mmcl.exercises` that an auto-check calls; the first argument is the exercise's id."""
_STATEMENT = re.compile(r"^```\{exercise\}\s+(\d+\.\d+)\b", re.M)


@dataclass(frozen=True)
class Exercise:
    """Cell indices of one coded exercise in an instructor notebook."""

    solution: int
    stub: int
    autocheck: int


@dataclass(frozen=True)
class GradedExercise:
    """What the grader needs of one auto-checked exercise (all of it taken from the instructor notebook)."""

    id: str
    points: int
    stub_source: str
    stub_cell_id: str | None
    check_source: str
    names: tuple[str, ...]
    """Dotted names that the check's code uses (``predictions.t1_single``): the candidates for reference traps."""
    references: tuple[str, ...]
    """Further ``mmcl`` objects, by full dotted path, that an answer must not call."""


@dataclass(frozen=True)
class Chapter:
    """One instructor chapter: its file, the set-up code, its auto-checked and its written exercises."""

    path: Path
    setup: tuple[str, ...]
    exercises: tuple[GradedExercise, ...]
    written: tuple[str, ...]

    @property
    def name(self) -> str:
        """The notebook's file name, as in the student edition (``02_problem_setting.ipynb``)."""
        return self.path.name

    @property
    def number(self) -> str:
        """The chapter's number without leading zeros (``"2"``)."""
        return self.path.name.split("_", 1)[0].lstrip("0") or "0"

    @property
    def max_points(self) -> int:
        return sum(e.points for e in self.exercises)


def tags(cell: Any) -> set[str]:
    """A cell's tags."""
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
        cell_tags = tags(cell)
        if cell.cell_type == "markdown" and "{solution}" in cell.source and SOLUTION not in cell_tags:
            raise ValueError(
                f"{name}: markdown cell {index} holds a {{solution}} directive but is not tagged '{SOLUTION}'"
            )
        if SOLUTION not in cell_tags or cell.cell_type != "code":
            continue
        if index + 2 >= len(cells):
            raise ValueError(f"{name}: solution cell {index} must be followed by a stub cell and an auto-check cell")
        stub, check = cells[index + 1], cells[index + 2]
        if stub.cell_type != "code" or STUB not in tags(stub):
            raise ValueError(
                f"{name}: cell {index + 1} after solution cell {index} must be a code cell tagged '{STUB}'"
            )
        missing = [t for t in STUB_HIDING_TAGS if t not in tags(stub)]
        if missing:
            raise ValueError(
                f"{name}: stub cell {index + 1} must also be tagged {missing} (hidden and never executed in the book)"
            )
        if check.cell_type != "code" or AUTOCHECK not in tags(check):
            raise ValueError(
                f"{name}: cell {index + 2} after stub cell {index + 1} must be a code cell tagged '{AUTOCHECK}'"
            )
        found.append(Exercise(index, index + 1, index + 2))
        used.update((index + 1, index + 2))
    for index, cell in enumerate(cells):
        if (tags(cell) & {STUB, AUTOCHECK}) and index not in used:
            raise ValueError(f"{name}: cell {index} is a stub or auto-check without a solution cell right before it")
    return found


def written_prompt(exercise: str) -> str:
    """The first line of the written answer cell of ``exercise``, followed by :data:`WRITTEN_PLACEHOLDER`."""
    return f"**Your answer to Exercise {exercise}** (written; double-click to edit):"


def written_text(source: str) -> str:
    """What a student wrote in a written answer cell: its source without the prompt line, ``""`` while it still holds
    only :data:`WRITTEN_PLACEHOLDER`."""
    text = source.split("\n", 1)[1].strip() if "\n" in source else ""
    return "" if text == WRITTEN_PLACEHOLDER else text


def exercise_section(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the cells from the ``## Exercises`` heading to the end (empty when the notebook has none)."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith(EXERCISES_HEADING):
            return list(range(index, len(nb.cells)))
    return []


def check_exercise_id(source: str) -> str | None:
    """The exercise id that an auto-check's code passes to ``check_function``/``check_value``/``check_choice``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            first = node.args[0]
            if called in CHECKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
    return None


def exercise_id(check: Any, name: str = "notebook") -> str:
    """An auto-check cell's exercise id: its metadata ``grading.exercise``, else the id its code passes."""
    found = check.get("metadata", {}).get(GRADING, {}).get("exercise") or check_exercise_id(check.source)
    if not isinstance(found, str) or not found:
        raise ValueError(f"{name}: auto-check cell {check.get('id')!r} names no exercise id")
    return found


def checked_names(source: str) -> tuple[str, ...]:
    """Every name and dotted attribute chain (``mmcl.explorers.training_runs``) in a check's code, sorted."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            found.add(".".join(reversed(parts)))
    return tuple(sorted(found))


def setup_cells(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of the set-up cells that run before any answer is graded (the rule is in the module's docstring)."""
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    chosen = set(code[1:2])
    chosen |= {i for i in code if GRADING_SETUP in tags(nb.cells[i])}
    exercise_tags = {SOLUTION, STUB, AUTOCHECK}
    chosen |= {i for i in exercise_section(nb) if i in code and not tags(nb.cells[i]) & exercise_tags}
    return sorted(chosen)


def _points(check: Any, exercise: str, name: str) -> int:
    points = check.get("metadata", {}).get(GRADING, {}).get("points")
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(
            f"{name}: the auto-check of exercise {exercise} needs an integer 'points' >= 1 in its cell metadata "
            f"'{GRADING}', got {points!r}"
        )
    return points


def read_chapter(path: Path) -> Chapter:
    """One instructor notebook's set-up, exercises (with their points) and written exercises."""
    nb = nbformat.read(path, as_version=4)
    graded = []
    for found in exercises(nb, path.name):
        stub, check = nb.cells[found.stub], nb.cells[found.autocheck]
        ident = exercise_id(check, path.name)
        spoken = check_exercise_id(check.source)
        if spoken is not None and spoken != ident:
            raise ValueError(f"{path.name}: the auto-check's metadata says exercise {ident}, its code {spoken}")
        references = check.metadata.get(GRADING, {}).get("references", [])
        if not isinstance(references, list) or not all(isinstance(r, str) for r in references):
            raise ValueError(f"{path.name}: 'references' of exercise {ident} must be a list of dotted names")
        graded.append(
            GradedExercise(
                id=ident,
                points=_points(check, ident, path.name),
                stub_source=stub.source,
                stub_cell_id=stub.get("id"),
                check_source=check.source,
                names=checked_names(check.source),
                references=tuple(references),
            )
        )
    ids = [e.id for e in graded]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: two auto-checks share an exercise id ({ids})")
    statements = [m for i in exercise_section(nb) for m in _STATEMENT.findall(nb.cells[i].source)]
    written = tuple(s for s in statements if s not in ids)
    setup = tuple(nb.cells[i].source for i in setup_cells(nb))
    return Chapter(path=path, setup=setup, exercises=tuple(graded), written=written)


def read_book(book: Path, chapters: list[str] | None = None) -> list[Chapter]:
    """The chapters of ``book`` (a folder of instructor notebooks) that have exercises, in file order.

    ``chapters`` selects some of them by number (``"2"``, ``"02"``) or file name; an unknown one is a ``ValueError``.
    """
    paths = sorted(p for p in book.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        raise ValueError(f"no instructor notebooks in {book}; pass the book/ folder of a clone of the repository")
    if chapters:
        by_key: dict[str, Path] = {}
        for p in paths:
            prefix = p.name.split("_", 1)[0]
            for key in (p.name, p.stem, prefix, prefix.lstrip("0") or "0"):
                by_key[key] = p
        unknown = [c for c in chapters if c not in by_key]
        if unknown:
            raise ValueError(f"unknown chapter(s) {unknown}; the book has {[p.name for p in paths]}")
        paths = sorted({by_key[c] for c in chapters})
    found = [read_chapter(p) for p in paths]
    return [c for c in found if c.exercises or c.written]
