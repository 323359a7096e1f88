"""Grading a class (``python -m mmcl grade``): points in the book, answer cells, integrity, the CSV and feedback.

The class is built from the real student edition (chapters 2-4, whose exercises take milliseconds): student A hands
in the edition unchanged, B the instructor's reference solutions in the answer cells, C forged success lines and
edited or removed check cells, D answers that call the implementation in ``mmcl`` that the checks compare against.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from lookup_answers import stage_one_lengths_table

from mmcl.cli import main
from mmcl.grading.catalog import (
    AUTOCHECK,
    GRADING,
    check_exercise_id,
    exercise_id,
    exercises,
    read_book,
    read_chapter,
    tags,
)
from mmcl.grading.catalog import WRITTEN as WRITTEN_TAG
from mmcl.grading.report import find_notebooks
from mmcl.grading.runner import answer_sources, grade_notebook
from tools.make_student import write_student_edition

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTERS = ("02_problem_setting.ipynb", "03_main_results.ipynb", "04_preliminary_lemmas.ipynb")
IDS = ("2.1", "2.2", "2.3", "3.1", "3.2", "4.1", "4.2", "4.4")
WRITTEN = ("2.4", "3.3", "4.3")
CHEATS = {
    "2.1": (
        "def snr_and_n_snr2(mu_norm, sigma_xi, d, n):\n"
        "    config = mmcl.SyntheticConfig(\n"
        "        n=n, d=d, mu_norm=mu_norm, mu_tilde_norm=3 * mu_norm, sigma_xi=sigma_xi\n"
        "    )\n"
        "    return config.snr, config.n_snr2\n"
    ),
    "2.2": (
        "def augmented_snr(mu_norm, sigma_xi, sigma_eps, d):\n"
        "    return mmcl.model.snr.augmented_snr(mmcl.SyntheticConfig(d=d, mu_norm=mu_norm, "
        "mu_tilde_norm=3 * mu_norm, sigma_xi=sigma_xi, sigma_eps=sigma_eps))\n"
    ),
    "3.1": "stage_one_lengths = lambda config: (predictions.t1_single(config), predictions.t1_multi(config))\n",
    "4.2": "from mmcl.theory.appendix_b import dimension_b2 as b2_dimension\n",
}


def _solutions(name: str) -> dict[str, str]:
    nb = nbformat.read(BOOK / name, as_version=4)
    return {exercise_id(nb.cells[e.autocheck]): nb.cells[e.solution].source for e in exercises(nb)}


def _answer_cells(nb: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    return {c.metadata[GRADING]["exercise"]: c for c in nb.cells if "answer" in tags(c) and c.cell_type == "code"}


def _check_cell(nb: nbformat.NotebookNode, ident: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if AUTOCHECK in tags(c) and check_exercise_id(c.source) == ident)


def _submission(edition: Path, name: str, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(edition / "book" / name, as_version=4)
    for ident, cell in _answer_cells(nb).items():
        if ident in answers:
            cell.source = answers[ident]
    return nb


WRITTEN_ANSWER = "Same-label negatives share the signal activation of the positive."


def _with_written_answer(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Student B also writes the answer to 2.4 in its markdown answer cell."""
    for cell in nb.cells:
        if WRITTEN_TAG in tags(cell) and cell.metadata[GRADING]["exercise"] == "2.4":
            cell.source = cell.source.split("\n", 1)[0] + "\n\n" + WRITTEN_ANSWER
    return nb


def _forged(edition: Path, name: str) -> nbformat.NotebookNode:
    """Student C: success lines printed by hand, check cells edited, removed or given forged outputs."""
    solutions = _solutions(name)
    nb = _submission(edition, name, {"2.3": solutions.get("2.3", "")} if name.startswith("02") else {})
    answers = _answer_cells(nb)
    if name.startswith("02"):
        answers["2.1"].source += '\nprint("Exercise 2.1: correct (3 test inputs).")\n'
        answers["2.2"].source = "def augmented_snr(mu_norm, sigma_xi, sigma_eps, d):\n    return mu_norm\n"
        nb.cells[_check_cell(nb, "2.2")].source = 'print("Exercise 2.2: correct (3 test inputs).")'
    if name.startswith("03"):
        answers["3.1"].source = (
            "import mmcl.reader.exercises as checks\n"
            "checks.check_function = lambda *args, **kwargs: print('Exercise 3.1: correct.')\n"
            "def stage_one_lengths(config):\n    return 0.0, 0.0\n"
        )
        del nb.cells[_check_cell(nb, "3.1")]
        forged = nbformat.v4.new_output("stream", name="stdout", text="Exercise 3.2: correct (3 test inputs).\n")
        nb.cells[_check_cell(nb, "3.2")].outputs = [forged]
        nb.cells.append(nbformat.v4.new_code_cell('print("Exercise 3.2: correct (3 test inputs).")'))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class graded by the command line: ``grades.csv`` and ``feedback/`` in the returned folder."""
    work = tmp_path_factory.mktemp("class")
    edition = work / "student"
    write_student_edition(edition)
    submissions = work / "submissions"
    for name in CHAPTERS:
        (submissions / "A" / "book").mkdir(parents=True, exist_ok=True)
        shutil.copy(edition / "book" / name, submissions / "A" / "book" / name)  # as unzipped, in a subfolder
        notebooks = {
            "B": _with_written_answer(_submission(edition, name, _solutions(name))),
            "C": _forged(edition, name),
            "D": _submission(edition, name, {**_solutions(name), **CHEATS}),
            "E": _submission(edition, name, {**_solutions(name), "3.1": stage_one_lengths_table()}),
        }
        for student, nb in notebooks.items():
            (submissions / student).mkdir(exist_ok=True)
            nbformat.write(nb, submissions / student / name)
    out = work / "grades.csv"
    args = ["grade", str(submissions), "--out", str(out), "--chapters", "2", "3", "4", "--timeout", "120"]
    assert main([*args, "--jobs", "2", "--quiet"]) == 0
    return work


def _rows(work: Path) -> dict[str, dict[str, str]]:
    with (work / "grades.csv").open(newline="", encoding="utf-8") as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


def _feedback(work: Path, student: str) -> str:
    return (work / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def _points() -> dict[str, int]:
    return {e.id: e.points for name in CHAPTERS for e in read_chapter(BOOK / name).exercises}


def test_csv_has_one_column_per_exercise_and_a_total(graded: Path) -> None:
    header = (graded / "grades.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == ["student", *(f"ex_{i}" for i in IDS), "total"]
    rows = _rows(graded)
    assert sorted(rows) == ["A", "B", "C", "D", "E"]
    for row in rows.values():
        assert int(row["total"]) == sum(int(row[f"ex_{i}"]) for i in IDS)


def test_unchanged_student_edition_scores_nothing(graded: Path) -> None:
    row = _rows(graded)["A"]
    assert row["total"] == "0"
    text = _feedback(graded, "A")
    assert text.count("not answered") == len(IDS) and "121" not in text
    for ident in WRITTEN:
        assert f"**Exercise {ident}**: written exercise, graded by hand." in text


def test_reference_solutions_score_full_marks(graded: Path) -> None:
    row, points = _rows(graded)["B"], _points()
    assert {i: int(row[f"ex_{i}"]) for i in IDS} == points
    assert int(row["total"]) == sum(points.values())
    text = _feedback(graded, "B")
    assert f"**{sum(points.values())} of {sum(points.values())} points**" in text
    assert "Exercise 3.2: correct (3 test inputs and 4 hidden ones)." in text


def test_forged_output_and_edited_checks_score_nothing(graded: Path) -> None:
    row, points = _rows(graded)["C"], _points()
    for ident in ("2.1", "2.2", "3.1", "3.2"):
        assert row[f"ex_{ident}"] == "0", ident
    assert row["ex_2.3"] == str(points["2.3"]), "an honest answer in the same notebook still counts"
    text = _feedback(graded, "C")
    assert "`snr_and_n_snr2` is not written yet (it raises NotImplementedError)" in text
    assert "0.111803" not in text, "an unwritten stub is not told the expected value (SNR = 0.111803)"
    assert "augmented_snr(5, 1, 0.1, 2000) is not right" in text, "the instructor's check ran, not the edited one"
    assert "stage_one_lengths(SyntheticConfig() (all defaults)) is not right" in text, "the real checker ran"


def test_calling_the_reference_scores_nothing_with_a_message(graded: Path) -> None:
    row, points = _rows(graded)["D"], _points()
    for ident in CHEATS:
        assert row[f"ex_{ident}"] == "0", ident
    for ident in set(IDS) - set(CHEATS):
        assert row[f"ex_{ident}"] == str(points[ident]), f"{ident}: a legitimate answer next to the traps"
    text = _feedback(graded, "D")
    for used in (
        "mmcl.model.config.SyntheticConfig.snr",
        "mmcl.model.snr.augmented_snr",
        "mmcl.theory.predictions.t1_single",
        "mmcl.theory.appendix_b.dimension_b2",
    ):
        assert f"your answer calls {used}" in text
    assert text.count("reference used") == len(CHEATS)


def test_written_answers_reach_the_feedback(graded: Path) -> None:
    feedback = _feedback(graded, "B")
    assert f"  > {WRITTEN_ANSWER}" in feedback and "Written answers (graded by hand)" in feedback
    assert "Written answers" not in _feedback(graded, "A")  # the unchanged edition has none


def test_hidden_inputs_defeat_a_lookup_table(graded: Path) -> None:
    """Student E types the reference's results on the check's visible inputs into a table: the book's own check
    passes it (those are the only inputs it tries), the grader's hidden inputs, drawn at grading time, do not."""
    rows, points = _rows(graded), _points()
    assert rows["E"]["ex_3.1"] == "0", rows["E"]
    assert all(rows["E"][f"ex_{i}"] == str(points[i]) for i in IDS if i != "3.1"), rows["E"]
    assert "hidden test input" in _feedback(graded, "E")


def test_hidden_cases_move_floats_only_and_skip_invalid_inputs() -> None:
    import numpy as np

    from mmcl import FIGURE1
    from mmcl.reader.exercises import hidden_cases

    def reference(config, k):
        if config.tau > 0.11:
            raise ValueError("outside the domain")
        return config.tau * k

    found = hidden_cases([(FIGURE1, 3)], reference, np.random.default_rng(0), count=6)
    assert 0 < len(found) <= 6
    for (config, k), expected in found:
        assert k == 3 and config.d == FIGURE1.d and config.tau != FIGURE1.tau and config.tau <= 0.11
        assert expected == config.tau * 3
    with pytest.raises(ValueError, match="count"):
        hidden_cases([(FIGURE1,)], reference, np.random.default_rng(0), count=-1)


def test_time_limit_and_a_fresh_kernel_for_the_next_exercise(tmp_path: Path) -> None:
    chapter = read_chapter(BOOK / "03_main_results.ipynb")
    write_student_edition(tmp_path / "student")
    answers = {**_solutions(chapter.name), "3.1": "while True:\n    pass\n"}
    nb = _submission(tmp_path / "student", chapter.name, answers)
    nbformat.write(nb, tmp_path / chapter.name)
    first, second = grade_notebook(chapter, tmp_path / chapter.name, timeout=4)
    assert (first.status, first.points) == ("time limit", 0) and "time limit of 4 s" in first.message
    assert (second.status, second.points) == ("correct", second.max_points)


def test_answer_cells_fall_back_on_the_stubs_cell_id(tmp_path: Path) -> None:
    chapter = read_chapter(BOOK / "02_problem_setting.ipynb")
    write_student_edition(tmp_path / "student")
    nb = nbformat.read(tmp_path / "student" / "book" / chapter.name, as_version=4)
    first = chapter.exercises[0]
    assert answer_sources(nb, first) == [first.stub_source]
    for cell in nb.cells:
        cell.metadata.pop(GRADING, None)  # an editor that drops unknown metadata
    assert answer_sources(nb, first) == [first.stub_source], "the cell id identifies the answer cell"
    nb.cells = [c for c in nb.cells if c.get("id") != first.stub_cell_id]
    assert answer_sources(nb, first) is None
    assert grade_notebook(chapter, None)[0].status == "not submitted"


def test_find_notebooks_takes_exact_or_unique_prefixed_names(tmp_path: Path) -> None:
    chapters = read_book(BOOK, ["2", "03"])
    (tmp_path / "sub" / ".ipynb_checkpoints").mkdir(parents=True)
    for name in ("sub/03_alice.ipynb", "sub/.ipynb_checkpoints/02_problem_setting.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    found, notes = find_notebooks(tmp_path, chapters)
    assert found == {"03_main_results.ipynb": tmp_path / "sub" / "03_alice.ipynb"}
    assert notes == ["not graded (not a chapter being graded): notes.ipynb"]
    with pytest.raises(ValueError, match="unknown chapter"):
        read_book(BOOK, ["99"])


def test_every_auto_checked_exercise_has_points() -> None:
    """One source of points: ``"grading": {"exercise": ..., "points": n}`` on each auto-check cell, 1 <= n <= 3."""
    count = 0
    for path in sorted(BOOK.glob("*.ipynb")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        for cell in raw["cells"]:
            if AUTOCHECK in cell["metadata"].get("tags", []):
                count += 1
                grading = cell["metadata"].get(GRADING, {})
                points = grading.get("points")
                assert type(points) is int and 1 <= points <= 3, f"{path.name}: points {points!r}"
                assert grading.get("exercise") == check_exercise_id("".join(cell["source"])), path.name
    assert count == sum(len(c.exercises) for c in read_book(BOOK)) > 0


def test_command_line_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", str(tmp_path / "missing"), "--out", str(tmp_path / "g.csv")]) == 2
    assert "one folder per student" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--out", str(tmp_path / "g.csv"), "--book", str(tmp_path / "nb")]) == 2
    assert "no instructor notebooks" in capsys.readouterr().err
