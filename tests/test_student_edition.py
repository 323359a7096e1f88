"""The student edition (``make student``) and the chapters' exercises.

* ``tools.make_student`` on a small synthetic notebook: what is removed, what is kept, what is rejected.
* The real book: the student edition holds no trace of any reference solution; every chapter ends with 2-4
  exercises, at least one of them auto-checked; every auto-check passes on the reference solution and fails on the
  student's stub with a message that says what was expected.

The exercises are run by ``exec`` of the chapter's import cell and its ``## Exercises`` section (exercises are
self-contained by convention), which takes seconds instead of executing whole chapters.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mmcl.reader.exercises import ExerciseCheckFailed
from tools.make_student import (
    ANSWER,
    AUTOCHECK,
    SOLUTION,
    STUB,
    WRITTEN,
    exercise_section,
    exercises,
    student_notebook,
    write_student_edition,
    written_exercise,
)
from tools.student_markdown import label_name, leftover_myst, plain_markdown

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
TOC = ROOT / "_toc.yml"
HELPFUL = ("expected", "not written yet", "choose one of")


# --- running exercise cells -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    cell: nbformat.NotebookNode
    stdout: str
    error: BaseException | None


def _tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _run(cells: list[nbformat.NotebookNode]) -> list[Outcome]:
    """Execute code cells in order in one fresh namespace; an exception is recorded and execution goes on."""
    namespace: dict = {"__name__": "__main__"}
    transform = TransformerManager().transform_cell
    outcomes = []
    for index, cell in enumerate(cells):
        buffer = io.StringIO()
        error = None
        try:
            with contextlib.redirect_stdout(buffer):
                exec(compile(transform(cell.source), f"<exercise cell {index}>", "exec"), namespace)  # noqa: S102
        except Exception as exc:  # recorded; the test decides whether it was expected
            error = exc
        outcomes.append(Outcome(cell, buffer.getvalue(), error))
    return outcomes


def _import_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The chapter's second code cell: ``import mmcl`` and friends (the first only installs mmcl on Colab)."""
    return [c for c in nb.cells if c.cell_type == "code"][1]


def _section_code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [nb.cells[i] for i in exercise_section(nb) if nb.cells[i].cell_type == "code"]


def _instructor_run(nb: nbformat.NotebookNode) -> list[Outcome]:
    return _run([_import_cell(nb)] + [c for c in _section_code(nb) if STUB not in _tags(c)])


def _student_run(nb: nbformat.NotebookNode) -> list[Outcome]:
    return _run([_import_cell(nb)] + _section_code(nb))


def _assert_instructor_passes(outcomes: list[Outcome], name: str) -> int:
    checks = 0
    for outcome in outcomes:
        assert outcome.error is None, (
            f"{name}: cell {outcome.cell.get('id')} raised {outcome.error!r} with the reference solution"
        )
        if AUTOCHECK in _tags(outcome.cell):
            checks += 1
            assert re.match(r"Exercise \S+: correct", outcome.stdout), (
                f"{name}: auto-check {outcome.cell.get('id')} printed {outcome.stdout!r}"
            )
    return checks


def _assert_student_fails_helpfully(outcomes: list[Outcome], name: str) -> int:
    checks = 0
    for outcome in outcomes:
        tags = _tags(outcome.cell)
        if STUB in tags:
            assert outcome.error is None or isinstance(outcome.error, NotImplementedError), (
                f"{name}: stub {outcome.cell.get('id')} raised {outcome.error!r} instead of NotImplementedError"
            )
        elif AUTOCHECK in tags:
            checks += 1
            error = outcome.error
            assert isinstance(error, ExerciseCheckFailed), (
                f"{name}: auto-check {outcome.cell.get('id')} on the stub gave {error!r}, not an ExerciseCheckFailed"
            )
            message = str(error)
            assert message.startswith("Exercise ") and any(word in message for word in HELPFUL), (
                f"{name}: unhelpful message {message!r}"
            )
        else:
            assert outcome.error is None, (
                f"{name}: cell {outcome.cell.get('id')} raised {outcome.error!r} in the student edition"
            )
    return checks


# --- the tool on a synthetic notebook -------------------------------------------------------------------------------

SOLUTION_CODE = "answer = sum(k for k in range(7)) * 2"
SOLUTION_TEXT = "The answer is forty-two because 0 + 1 + ... + 6 = 21."


def _cell(cell: nbformat.NotebookNode, *tags: str) -> nbformat.NotebookNode:
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _instructor() -> nbformat.NotebookNode:
    executed = new_code_cell("print(1)", execution_count=3, outputs=[nbformat.v4.new_output("stream", text="1\n")])
    nb = new_notebook(
        cells=[
            _cell(new_code_cell("import sys"), "remove-cell"),
            new_code_cell("from mmcl import exercises"),
            new_markdown_cell("# 0. Test"),
            executed,
            new_markdown_cell("## Exercises"),
            new_markdown_cell("```{exercise}\n:label: ex-0-1\nCompute twice the sum 0 + ... + 6.\n```"),
            _cell(new_code_cell(SOLUTION_CODE), SOLUTION, "hide-input"),
            _cell(
                new_code_cell("answer = ...  # your code\nraise NotImplementedError('Exercise 0.1')"),
                STUB,
                "remove-cell",
                "skip-execution",
                "nbval-skip",
            ),
            _cell(new_code_cell('exercises.check_value("0.1", "answer", answer, 42)'), AUTOCHECK),
            _cell(new_markdown_cell(f"```{{solution}} ex-0-1\n:class: dropdown\n{SOLUTION_TEXT}\n```"), SOLUTION),
        ]
    )
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}
    }
    return nb


def test_student_notebook_removes_solutions_and_shows_stubs() -> None:
    nb = _instructor()
    before = nbformat.writes(nb)
    student = student_notebook(nb)
    assert nbformat.writes(nb) == before, "the instructor notebook must not be modified"
    text = nbformat.writes(student)
    assert SOLUTION_CODE not in text and "forty-two" not in text
    assert not any(SOLUTION in _tags(c) for c in student.cells)
    stub = next(c for c in student.cells if STUB in _tags(c))
    assert _tags(stub) == {STUB, ANSWER, "raises-exception"}
    assert stub.metadata["grading"] == {"exercise": "0.1"}, "the answer cell names its exercise, for the grader"
    check = next(c for c in student.cells if AUTOCHECK in _tags(c))
    assert _tags(check) == {AUTOCHECK, "raises-exception"}
    assert "grading" not in check.metadata, "only the answer cell carries the exercise's id"
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert "widgets" not in student.metadata and student.metadata["mmcl"] == {"edition": "student"}
    assert _tags(student.cells[0]) == {"remove-cell"}, "tags of other cells are kept"


def test_synthetic_exercise_passes_on_solution_and_fails_on_stub() -> None:
    nb = _instructor()
    assert _assert_instructor_passes(_instructor_run(nb), "synthetic") == 1
    assert _assert_student_fails_helpfully(_student_run(student_notebook(nb)), "synthetic") == 1


def test_a_wrong_solution_is_caught_by_the_runner() -> None:
    nb = _instructor()
    nb.cells[6].source = "answer = 41"
    with pytest.raises(AssertionError, match="raised ExerciseCheckFailed"):
        _assert_instructor_passes(_instructor_run(nb), "synthetic")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda nb: nb.cells.pop(7), "must be a code cell tagged 'student-stub'"),
        (lambda nb: nb.cells[7].metadata["tags"].remove("nbval-skip"), r"must also be tagged \['nbval-skip'\]"),
        (lambda nb: nb.cells.pop(8), "must be a code cell tagged 'autocheck'"),
        (lambda nb: nb.cells[9].metadata.pop("tags"), "holds a {solution} directive but is not tagged"),
        (lambda nb: nb.cells.pop(6), "without a solution cell right before it"),
    ],
)
def test_malformed_exercises_are_rejected(edit, message: str) -> None:
    nb = _instructor()
    edit(nb)
    with pytest.raises(ValueError, match=message):
        student_notebook(nb, "bad.ipynb")


def test_write_student_edition_layout(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "book").mkdir(parents=True)
    (root / "mmcl" / "__pycache__").mkdir(parents=True)
    (root / "mmcl" / "__init__.py").write_text("")
    (root / "mmcl" / "__pycache__" / "x.pyc").write_bytes(b"")
    (root / "pyproject.toml").write_text("[project]\nname = 'mmcl'\n")
    nbformat.write(_instructor(), root / "book" / "00_test.ipynb")
    out = tmp_path / "student"
    (out / "stale").mkdir(parents=True)
    written = write_student_edition(out, root)
    assert written == [out / "book" / "00_test.ipynb"]
    assert not (out / "stale").exists(), "the output folder is replaced"
    assert (out / "mmcl" / "__init__.py").exists() and not (out / "mmcl" / "__pycache__").exists()
    assert (out / "pyproject.toml").exists() and "Student edition" in (out / "README.md").read_text()
    assert SOLUTION_CODE not in (out / "book" / "00_test.ipynb").read_text()


# --- the real book --------------------------------------------------------------------------------------------------


def _chapters() -> list[Path]:
    """Notebook chapters in the table of contents, without the preface (the root page)."""
    if not TOC.exists():
        return []
    from tools.execute_notebooks import toc_notebooks

    return [p for p in toc_notebooks()[1:] if p.suffix == ".ipynb"]


CHAPTERS = _chapters()


@pytest.fixture(scope="module")
def student_edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student")
    write_student_edition(out)
    return out


def _solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Lines of the reference solutions that the stubs do not share (a signature or a comment may be shared)."""
    stubs = {line.strip() for c in nb.cells if STUB in _tags(c) for line in c.source.splitlines()}
    lines = []
    for cell in nb.cells:
        if SOLUTION in _tags(cell):
            for line in cell.source.splitlines():
                line = line.strip()
                if len(line) >= 12 and line not in stubs and not line.startswith(("```", ":class:", ":label:")):
                    lines.append(line)
                    if cell.cell_type == "markdown":  # as the student edition would write it (macros expanded)
                        lines.append(plain_markdown(line).strip())
    return lines


def _readable_text(path: Path) -> str:
    """A file's text as a reader sees it: a notebook's cell sources and outputs decoded (no JSON escapes)."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8", errors="replace")
    nb = nbformat.read(path, as_version=4)
    parts = []
    for cell in nb.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(str(output.get("text", "")))
            parts.extend(str(v) for v in output.get("data", {}).values())
    return "\n".join(parts)


def test_student_edition_holds_no_solution(student_edition: Path) -> None:
    texts = {
        p: _readable_text(p) for p in student_edition.rglob("*") if p.is_file() and p.suffix not in (".pyc", ".png")
    }
    checked = 0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        student = nbformat.read(student_edition / "book" / path.name, as_version=4)
        assert not any(SOLUTION in _tags(c) for c in student.cells), f"{path.name}: a solution cell survived"
        for line in _solution_lines(nb):
            checked += 1
            leaks = [str(p.relative_to(student_edition)) for p, text in texts.items() if line in text]
            assert not leaks, f"{path.name}: solution line {line!r} found in the student edition: {leaks}"
    if CHAPTERS:
        assert checked > 0, "the chapters have exercises, so some solution lines must have been checked"


def test_student_markdown_is_plain(student_edition: Path) -> None:
    """No MyST is left in the student edition's markdown: CommonMark (what JupyterLab, Colab and VS Code render)
    shows every exercise and lemma as a bold heading, never as a fenced code block."""
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark")
    headings = 0
    for path in sorted((student_edition / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            assert leftover_myst(cell.source) == [], f"{path.name}: MyST left in a markdown cell: {cell.source[:200]!r}"
            html = render.render(cell.source)
            assert "language-{" not in html, f"{path.name}: a directive renders as code: {cell.source[:200]!r}"
            headings += len(re.findall(r"<strong>(Exercise|Lemma|Theorem|Proposition|Assumption) ", html))
    if CHAPTERS:
        assert headings >= 32, f"only {headings} exercise/lemma headings in the student edition's markdown"


def test_plain_markdown_rewrites_directives_roles_and_macros() -> None:
    text = (
        "(sec-x)=\n## Title\n\n```{exercise} 9.9: A title\n:label: ex-9-9\n:nonumber:\n\nShow $\\bmu$.\n```\n\n"
        "````{prf:lemma} Named\n:label: lem-c-3\n\nBody, see {prf:ref}`lem-b-2` and {prf:ref}`this <lem-5-1>`.\n"
        "```{note}\nInner.\n```\n````\nAs {cite:t}`huang2024comparison` and {cite:p}`huang2024comparison`."
    )
    out = plain_markdown(text)
    assert leftover_myst(out) == []
    assert '<a id="ex-9-9"></a>**Exercise 9.9: A title**' in out and "\\boldsymbol{\\mu}" in out
    assert "**Lemma C.3** (Named)." in out and "see Lemma B.2 and this." in out and "**Note**" in out
    assert "As Huang et al. (2024) and (Huang et al., 2024)." in out and "(sec-x)=" not in out
    assert plain_markdown("$\\newcommand{\\bmu}{x}$") == "$\\newcommand{\\bmu}{x}$"  # the macro cell is kept
    assert label_name("thm-4-2") == "Theorem 4.2" and label_name("fig-1") is None


def test_written_exercises_get_answer_cells(student_edition: Path) -> None:
    """Every written reference answer of the book becomes an empty, tagged answer cell in the student edition."""
    total = 0
    for path in sorted((ROOT / "book").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        written = [w for w in (written_exercise(c) for c in nb.cells if SOLUTION in _tags(c)) if w]
        student = nbformat.read(student_edition / "book" / path.name, as_version=4)
        cells = [c for c in student.cells if WRITTEN in _tags(c)]
        assert [c.metadata["grading"]["exercise"] for c in cells] == written, path.name
        assert all(c.cell_type == "markdown" and ANSWER in _tags(c) for c in cells), path.name
        total += len(written)
    if CHAPTERS:
        assert total >= 20, f"only {total} written exercises found"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_chapter_ends_with_exercises(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    section = exercise_section(nb)
    assert section, f"{path.name}: no '## Exercises' section"
    later_headings = [
        i for i in section[1:] if nb.cells[i].cell_type == "markdown" and re.match(r"^#{1,2} ", nb.cells[i].source)
    ]
    assert not later_headings, f"{path.name}: the exercises must end the chapter (heading in cell {later_headings[0]})"
    statements = sum(
        len(re.findall(r"^```\{exercise\}", nb.cells[i].source, re.M))
        for i in section
        if nb.cells[i].cell_type == "markdown"
    )
    assert 2 <= statements <= 4, f"{path.name}: {statements} exercise statements; a chapter ends with 2-4"
    coded = exercises(nb, path.name)
    assert coded, f"{path.name}: at least one exercise must be a coding exercise with an auto-check"
    assert all(e.solution in section for e in coded), f"{path.name}: coded exercises belong to the Exercises section"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_autochecks_pass_on_solution_and_fail_on_stub(path: Path, student_edition: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    expected = len(exercises(nb, path.name))
    assert _assert_instructor_passes(_instructor_run(nb), path.name) == expected
    student = nbformat.read(student_edition / "book" / path.name, as_version=4)
    assert _assert_student_fails_helpfully(_student_run(student), path.name) == expected


def test_the_student_edition_points_at_its_own_repository_and_branch() -> None:
    """The Colab cell and the Binder/Colab links of a student notebook open the student edition: the book's
    repository on its student branch by default, or the repository and branch given."""
    from tools import repository

    book = repository.read()
    nb = _instructor()
    nb.cells.insert(0, nbformat.v4.new_code_cell(repository.colab_cell(book)))
    nb.cells.insert(
        1,
        nbformat.v4.new_markdown_cell(
            f"[Binder]({book.binder('book/x.ipynb')}) or [Colab]({book.colab('book/x.ipynb')})"
        ),
    )
    default = student_notebook(nb)
    assert f"--branch {book.student_ref}" in default.cells[0].source and book.url in default.cells[0].source
    assert default.cells[1].source.count(f"{book.slug}/{book.student_ref}") == 1
    assert default.cells[1].source.count(f"{book.slug}/blob/{book.student_ref}/") == 1
    student = student_notebook(nb, repository="school/ml-course", ref="fall")
    moved, links = student.cells[0].source, student.cells[1].source
    assert "https://github.com/school/ml-course" in moved and "--branch fall" in moved and book.slug not in moved
    assert links.count("school/ml-course") == 2 and book.slug not in links and links.count("/fall") == 2
    with pytest.raises(ValueError, match="owner/name"):
        write_student_edition(Path("unused"), ROOT, repository="not-a-repo")
