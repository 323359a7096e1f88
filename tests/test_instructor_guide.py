"""The instructor guide covers the whole book: every chapter, every exercise with its points, every written part with
a rubric, and a session plan that assigns every exercise (``book/instructor_guide.md``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from mmcl.grading.catalog import read_chapter
from tools.make_student import written_exercise

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "book" / "instructor_guide.md").read_text(encoding="utf-8")
CHAPTERS = [
    ROOT / f"{entry['file']}.ipynb"
    for part in yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))["parts"]
    for entry in part["chapters"]
    if re.match(r"book/\d\d_", entry["file"]) and (ROOT / f"{entry['file']}.ipynb").exists()
]


def _section(title: str) -> str:
    start = GUIDE.index(title)
    end = GUIDE.find("\n## ", start + len(title))
    return GUIDE[start : end if end != -1 else len(GUIDE)]


def _statements(path: Path) -> dict[str, bool]:
    """Exercise id → whether it has a written part (a model answer in a markdown solution cell)."""
    nb = nbformat.read(path, as_version=4)
    ids = re.findall(r"^```\{exercise\}\s+(\d+\.\d+)", "\n".join(c.source for c in nb.cells), re.M)
    written = {w for w in (written_exercise(c) for c in nb.cells) if w}
    return {i: i in written for i in ids}


def test_every_chapter_has_objectives_prerequisites_and_a_reading_time() -> None:
    table = _section("## The chapters at a glance")
    for path in CHAPTERS:
        number = int(path.name[:2])
        row = re.search(rf"^\| {number} [^|]+\|(?P<objectives>[^|]+)\|(?P<pre>[^|]+)\|(?P<time>[^|]+)\|$", table, re.M)
        assert row, f"the guide's chapter table has no row for chapter {number}"
        assert len(row["objectives"].strip()) > 20 and re.search(r"\d+ min", row["time"]), row.group(0)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_every_exercise_is_in_the_table_with_its_points_and_time(path: Path) -> None:
    table = _section("### The exercises")
    rubrics = _section("### Rubrics for the written parts")
    points = {e.id: e.points for e in read_chapter(path).exercises}
    for ident, has_written in _statements(path).items():
        row = re.search(
            rf"^\| {re.escape(ident)} [^|]+\| (?P<kind>[^|]+) \| (?P<points>[^|]+) \| (?P<time>\d+) min \|$",
            table,
            re.M,
        )
        assert row, f"exercise {ident} is missing from the guide's exercise table"
        kind = ("code + written" if has_written else "code") if ident in points else "written"
        assert row["kind"].strip() == kind, f"exercise {ident}: the guide says {row['kind']!r}, the chapter {kind!r}"
        assert row["points"].strip() == (str(points[ident]) if ident in points else "—"), f"exercise {ident} points"
        if has_written or ident not in points:
            assert re.search(rf"^- \*\*{re.escape(ident)}\*\* — .{{30,}}", rubrics, re.M), f"no rubric for {ident}"


def test_the_course_plan_assigns_every_exercise() -> None:
    plan = _section("## A course plan")
    assigned = set(re.findall(r"\b(\d+\.\d+)\b", plan))
    every = {i for path in CHAPTERS for i in _statements(path)}
    assert every - assigned == set(), f"exercises no session assigns: {sorted(every - assigned)}"
    sessions = re.findall(r"^\| (\d+) \|", plan, re.M)
    assert 6 <= len(sessions) <= 12, f"the plan has {len(sessions)} sessions"


def test_the_totals_the_guide_states_are_the_books() -> None:
    exercises = [e for path in CHAPTERS for e in read_chapter(path).exercises]
    stated = re.search(r"The book's (\d+) auto-checked exercises carry (\d+) points", GUIDE)
    assert stated, "the guide must state how many auto-checked exercises and points the book has"
    assert (int(stated[1]), int(stated[2])) == (len(exercises), sum(e.points for e in exercises))
