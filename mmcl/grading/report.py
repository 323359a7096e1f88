"""Grade a class: every student's folder of notebooks, one CSV of points and one feedback file per student.

Layout: ``SUBMISSIONS/<student>/<chapter notebooks>``, one folder per student (its name is the ``student`` column),
holding any subset of the chapters under the student edition's file names (``02_problem_setting.ipynb``), at any
depth; a file whose name starts with the chapter's number and an underscore (``02_alice.ipynb``) is taken when it
is the only one. The CSV has the columns ``student``, ``ex_<id>`` (one per auto-checked exercise of the chapters
graded, in the book's order: the points scored) and ``total``. Each feedback file (``<student>.md``) lists every
exercise with its points and the check's message, and the written exercises, which are graded by hand.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import nbformat

from ..storage.atomic import write_text
from .catalog import GRADING, WRITTEN, Chapter, read_book, tags, written_text
from .runner import EXERCISE_TIMEOUT, Outcome, grade_notebook

__all__ = ["StudentGrade", "find_notebooks", "grade_class", "csv_text", "feedback_text", "write_reports"]


@dataclass
class StudentGrade:
    """One student's outcomes, chapter by chapter (file name → outcomes), and notes on the submission."""

    student: str
    chapters: dict[str, list[Outcome]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    written: dict[str, dict[str, str]] = field(default_factory=dict)
    """Chapter file name → exercise → the student's written answer (the markdown answer cells), for the grader."""

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for outcomes in self.chapters.values() for o in outcomes]

    @property
    def total(self) -> int:
        return sum(o.points for o in self.outcomes)


def _students(submissions: Path) -> list[Path]:
    if not submissions.is_dir():
        raise ValueError(f"{submissions} is not a folder (it must hold one folder per student)")
    folders = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        raise ValueError(f"no student folders in {submissions}: it must hold one folder per student")
    return folders


def find_notebooks(folder: Path, chapters: list[Chapter]) -> tuple[dict[str, Path], list[str]]:
    """A student's notebook for each chapter they submitted (chapter file name → path), and notes on the rest."""
    files = sorted(
        p for p in folder.rglob("*.ipynb") if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    found: dict[str, Path] = {}
    notes: list[str] = []
    used: set[Path] = set()
    for chapter in chapters:
        exact = [p for p in files if p.name == chapter.name]
        prefix = chapter.name.split("_", 1)[0] + "_"
        loose = [p for p in files if p.name.startswith(prefix)]
        candidates = exact or (loose if len(loose) == 1 else [])
        if not exact and len(loose) > 1:
            notes.append(f"{len(loose)} notebooks start with {prefix!r} and none is named {chapter.name}: not graded")
        if candidates:
            found[chapter.name] = candidates[0]
            used.add(candidates[0])
            if len(candidates) > 1:
                shown = ", ".join(str(p.relative_to(folder)) for p in candidates)
                notes.append(f"several notebooks named {chapter.name} ({shown}); graded the first")
    ignored = [str(p.relative_to(folder)) for p in files if p not in used]
    if ignored:
        notes.append(f"not graded (not a chapter being graded): {', '.join(ignored)}")
    return found, notes


def written_answers(path: Path) -> dict[str, str]:
    """Exercise → the text of a submission's written answer cells (empty answers left out)."""
    nb = nbformat.read(path, as_version=4)
    out: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown" or WRITTEN not in tags(cell):
            continue
        ident = cell.metadata.get(GRADING, {}).get("exercise")
        text = written_text(cell.source)
        if ident and text:
            out[ident] = (out.get(ident, "") + "\n\n" + text).strip()
    return out


def _grade_task(chapter: Chapter, path: Path | None, timeout: float) -> list[Outcome]:
    return grade_notebook(chapter, path, timeout)


def grade_class(
    submissions: Path,
    book: Path,
    *,
    chapters: list[str] | None = None,
    timeout: float = EXERCISE_TIMEOUT,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Chapter], list[StudentGrade]]:
    """Grade every student of ``submissions`` against the instructor notebooks of ``book``.

    ``chapters`` selects chapters by number or file name (default: every chapter with auto-checked exercises);
    ``timeout`` bounds each exercise in seconds; ``jobs`` grades that many notebooks at once (one kernel each).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    graded = [c for c in read_book(book, chapters) if c.exercises]
    if not graded:
        raise ValueError("the chapters chosen have no auto-checked exercises")
    grades: list[StudentGrade] = []
    tasks: list[tuple[StudentGrade, Chapter, Path | None]] = []
    for folder in _students(submissions):
        found, notes = find_notebooks(folder, graded)
        grade = StudentGrade(folder.name, notes=notes)
        for name, path in found.items():
            try:
                grade.written[name] = written_answers(path)
            except Exception as exc:  # an unreadable notebook is reported by the grading itself
                grade.notes.append(f"{name}: written answers not readable ({type(exc).__name__})")
        grades.append(grade)
        tasks.extend((grade, chapter, found.get(chapter.name)) for chapter in graded)
    if jobs == 1:
        results = (_grade_task(chapter, path, timeout) for _, chapter, path in tasks)
        _collect(tasks, results, progress)
    else:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(_grade_task, chapter, path, timeout) for _, chapter, path in tasks]
            _collect(tasks, (f.result() for f in futures), progress)
    return graded, grades


def _collect(
    tasks: list[tuple[StudentGrade, Chapter, Path | None]],
    results: Iterable[list[Outcome]],
    progress: Callable[[str], None] | None,
) -> None:
    """Store each task's outcomes with its student, reporting progress as they come."""
    for (grade, chapter, path), outcomes in zip(tasks, results):
        grade.chapters[chapter.name] = outcomes
        if progress is not None and path is not None:
            points = sum(o.points for o in outcomes)
            progress(f"{grade.student}: {chapter.name} {points}/{chapter.max_points}")


def csv_text(chapters: list[Chapter], grades: list[StudentGrade]) -> str:
    """The class's CSV: ``student``, one ``ex_<id>`` column of points per exercise, ``total``."""
    ids = [e.id for c in chapters for e in c.exercises]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *(f"ex_{i}" for i in ids), "total"])
    for grade in grades:
        points = {o.exercise: o.points for o in grade.outcomes}
        writer.writerow([grade.student, *(points.get(i, 0) for i in ids), grade.total])
    return buffer.getvalue()


def _points(n: int) -> str:
    return f"{n} point" if n == 1 else f"{n} points"


def feedback_text(chapters: list[Chapter], grade: StudentGrade) -> str:
    """One student's feedback, in Markdown: every exercise, its points and the check's message."""
    possible = sum(c.max_points for c in chapters)
    lines = [f"# Feedback for {grade.student}", ""]
    lines.append(f"Automatically checked exercises: **{grade.total} of {_points(possible)}**.")
    written = [w for c in chapters for w in c.written]
    if written:
        lines.append(f"Written exercises ({', '.join(written)}) are graded by hand and not counted here.")
    lines.append("")
    for note in grade.notes:
        lines.append(f"Note: {note}.")
    if grade.notes:
        lines.append("")
    for chapter in chapters:
        outcomes = grade.chapters.get(chapter.name, [])
        scored = sum(o.points for o in outcomes)
        lines += [f"## {chapter.name}: {scored} of {_points(chapter.max_points)}", ""]
        for outcome in outcomes:
            lines.append(
                f"- **Exercise {outcome.exercise}**: {outcome.points} of {_points(outcome.max_points)}, "
                f"{outcome.status}."
            )
            if outcome.status not in ("not submitted",):
                lines.append("")
                lines += ["  " + line if line else "" for line in ("```\n" + outcome.message + "\n```").splitlines()]
                lines.append("")
        for ident in chapter.written:
            lines.append(f"- **Exercise {ident}**: written exercise, graded by hand.")
        answers = grade.written.get(chapter.name, {})
        if answers:
            lines += ["", "Written answers (graded by hand):", ""]
            for ident, text in answers.items():
                lines += [f"- **Exercise {ident}**:", ""] + [
                    "  > " + line if line else "  >" for line in text.splitlines()
                ]
                lines.append("")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_reports(chapters: list[Chapter], grades: list[StudentGrade], out: Path, feedback: Path) -> list[Path]:
    """Write the CSV to ``out`` and ``<student>.md`` into ``feedback``; returns the files written."""
    written = [write_text(out, csv_text(chapters, grades))]
    for grade in grades:
        written.append(write_text(feedback / f"{grade.student}.md", feedback_text(chapters, grade)))
    return written
