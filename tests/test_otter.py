"""The exercises exported to otter-grader (``tools/export_otter.py``), and graded by otter-grader itself.

The export is checked here against the book's catalogue (one question per exercise, the book's points, the
solution cells marked so that otter removes them). Then, when otter-grader is installed (``make otter``:
``.otter-venv``; or ``MMCL_OTTER`` naming the ``otter`` command), ``otter assign`` builds the assignment and
``otter run`` grades three notebooks with the autograder it made: the solutions (full marks), the student
notebook as handed out (0), and answers that type in the check's visible results (0 on the hidden tests, drawn when
the tests run). Skips without otter-grader, unless ``MMCL_E2E_REQUIRED=1`` (``.ci/run``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from lookup_answers import stage_one_lengths_table

from mmcl.grading.catalog import read_chapter
from tools.export_otter import WRITTEN_POINTS, otter_master

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "book" / "03_main_results.ipynb"


def _questions(master: nbformat.NotebookNode) -> dict[str, str]:
    import yaml

    found = {}
    for cell in master.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            config = yaml.safe_load(cell.source.split("\n", 1)[1])
            found[config["name"]] = config
    return found


def test_every_exercise_becomes_a_question_with_its_points() -> None:
    chapter = read_chapter(CHAPTER)
    master = otter_master(CHAPTER)
    questions = _questions(master)
    for exercise in chapter.exercises:
        config = questions["q" + exercise.id.replace(".", "_")]
        assert config["points"] == exercise.points and config["all_or_nothing"] is True
    for ident in chapter.written:
        config = questions["q" + ident.replace(".", "_")]
        assert config["manual"] is True and config["points"] == WRITTEN_POINTS
    raw = [c.source.split("\n", 1)[0] for c in master.cells if c.cell_type == "raw"]
    assert raw[0] == "# ASSIGNMENT CONFIG" and raw.count("# BEGIN QUESTION") == raw.count("# END QUESTION")
    solutions = [c.source for c in master.cells if c.cell_type == "code" and "BEGIN SOLUTION" in c.source]
    assert len(solutions) == len(chapter.exercises)
    assert all(s.startswith("# BEGIN SOLUTION NO PROMPT\n") and s.endswith("\n# END SOLUTION") for s in solutions)
    assert sum("hidden: true" in c.source for c in master.cells if c.cell_type == "code") == len(chapter.exercises)
    with pytest.raises(ValueError, match="Exercises"):
        otter_master(ROOT / "book" / "00_preface.ipynb")


def _otter() -> str | None:
    for candidate in (os.environ.get("MMCL_OTTER"), str(ROOT / ".otter-venv" / "bin" / "otter"), shutil.which("otter")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _run(otter: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([otter, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"otter {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def _scores(otter: str, autograder: Path, notebook: Path, work: Path) -> dict[str, float]:
    out = work / f"results-{notebook.parent.name}"
    out.mkdir()
    _run(otter, "run", "-a", str(autograder), "-o", str(out), str(notebook), cwd=notebook.parent)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {t["name"]: t["score"] for t in results["tests"] if t.get("score") is not None}


def _lookup_table(student: Path, target: Path) -> None:
    """Otter's student notebook with 3.1 answered by a table of the visible cases."""
    nb = nbformat.read(student, as_version=4)
    stub = next(c for c in nb.cells if c.cell_type == "code" and "def stage_one_lengths" in c.source)
    stub.source = stage_one_lengths_table()
    nbformat.write(nb, target)


def test_otter_grades_the_exported_assignment(tmp_path: Path) -> None:
    otter = _otter()
    if otter is None:
        if os.environ.get("MMCL_E2E_REQUIRED") == "1":
            pytest.fail("otter-grader is not installed: run `make otter-env`")
        pytest.skip("otter-grader is not installed (make otter-env)")
    master = tmp_path / "03_main_results.ipynb"
    nbformat.write(otter_master(CHAPTER), master)
    _run(otter, "assign", str(master), "dist", cwd=tmp_path)
    autograder = next((tmp_path / "dist" / "autograder").glob("*.zip"))
    solved = tmp_path / "dist" / "autograder" / master.name
    student = tmp_path / "dist" / "student" / master.name
    text = student.read_text(encoding="utf-8")
    assert "0.96 * c.lr" not in text and "raise NotImplementedError" in text, "otter kept a solution"
    points = {"q" + e.id.replace(".", "_"): float(e.points) for e in read_chapter(CHAPTER).exercises}
    assert _scores(otter, autograder, solved, tmp_path) == points
    assert _scores(otter, autograder, student, tmp_path) == {name: 0.0 for name in points}
    table = tmp_path / "table" / master.name
    table.parent.mkdir()
    _lookup_table(student, table)
    assert _scores(otter, autograder, table, tmp_path)["q3_1"] == 0.0
    # the book's grader reads otter's student notebooks too: the answer cells keep the stub's cell id
    from mmcl.grading.runner import grade_notebook

    answered = nbformat.read(student, as_version=4)
    solutions = {e.id: e for e in read_chapter(CHAPTER).exercises}
    book = nbformat.read(CHAPTER, as_version=4)
    for cell in answered.cells:
        match = [e for e in solutions.values() if cell.get("id") == e.stub_cell_id]
        if match:
            index = next(i for i, c in enumerate(book.cells) if c.get("id") == match[0].stub_cell_id)
            cell.source = book.cells[index - 1].source  # the reference solution, just before the stub
    nbformat.write(answered, tmp_path / "answered.ipynb")
    outcomes = grade_notebook(read_chapter(CHAPTER), tmp_path / "answered.ipynb", 300)
    assert {o.exercise: o.points for o in outcomes} == {i: e.points for i, e in solutions.items()}
