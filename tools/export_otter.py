"""Export a chapter's exercises as an otter-grader assignment (``otter assign``; then Gradescope or ``otter run``).

Usage::

    python -m tools.export_otter book/03_main_results.ipynb --out otter/03/master.ipynb
    otter assign otter/03/master.ipynb otter/03/dist       # otter-grader's own command, in its environment

The master notebook is otter's *v1 format* (raw cells ``# ASSIGNMENT CONFIG``, ``# BEGIN QUESTION`` …): the chapter's
set-up cells (as the book's grader runs them, :func:`mmcl.grading.catalog.setup_cells`), then one question per
exercise, in the chapter's order:

* a coded exercise becomes an auto-graded question worth the exercise's points (all or nothing): its statement in
  plain Markdown, the book's stub as the **prompt**, the reference solution as the **solution**, and two tests, both
  the book's own check run with its output silenced — a public one on the check's visible inputs and a hidden one on
  inputs drawn when the test runs (:data:`mmcl.reader.exercises.GRADING_SEED`, as ``python -m mmcl grade`` does);
* a written exercise (or the written part of a coded one) becomes a manual question (``manual: true``, graded on
  Gradescope or by hand) with the model answer as its solution.

What otter does not do, and the book's grader does: detect an answer that calls the reference implementation in
``mmcl`` (an otter test sees only the answer's results). The instructor guide says how to use the two together.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from pathlib import Path

import nbformat
import yaml

from mmcl.grading.catalog import (
    AUTOCHECK,
    GRADING,
    SOLUTION,
    STUB,
    exercise_section,
    exercises,
    setup_cells,
    tags,
)
from mmcl.reader.exercises import GRADING_SEED
from tools.student_markdown import plain_markdown

__all__ = ["otter_master", "WRITTEN_POINTS", "main"]

WRITTEN_POINTS = 2
"""Points of a manual (written) question; the book leaves written exercises' points to the course."""
_STATEMENT = re.compile(r"^(`{3,}|:{3,})\{exercise\}\s+(?P<id>\d+\.\d+)\b", re.M)
_SOLUTION = re.compile(r"\{solution\}\s*ex-(?P<id>\d+)-(?P<k>\d+)")


def _raw(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_raw_cell(text)


def _name(exercise: str, suffix: str = "") -> str:
    return "q" + exercise.replace(".", "_") + suffix


def _written(solution: str) -> str:
    """The model answer of a ``{solution}`` block, without the directive's fences and options."""
    lines = [line for line in solution.splitlines() if not re.match(r"^(`{3,}|:{3,})|^:[\w-]+:", line)]
    return plain_markdown("\n".join(lines).strip())


def _tests(check: str) -> list[nbformat.NotebookNode]:
    """The public and the hidden test of a coded exercise: the book's check, silenced (a test passes when it runs
    without an exception and prints nothing)."""
    body = textwrap.indent(check.strip(), "    ")
    public = f"import contextlib, io\n\nwith contextlib.redirect_stdout(io.StringIO()):\n{body}\n"
    hidden = (
        '""" # BEGIN TEST CONFIG\nhidden: true\n""" # END TEST CONFIG\n'
        "import contextlib, io, os, secrets\n\n"
        f'os.environ["{GRADING_SEED}"] = str(secrets.randbelow(2**31))\n'
        "try:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        f"{textwrap.indent(check.strip(), '        ')}\n"
        "finally:\n"
        f'    del os.environ["{GRADING_SEED}"]\n'
    )
    return [nbformat.v4.new_code_cell(public), nbformat.v4.new_code_cell(hidden)]


def _question(name: str, points: int, manual: bool = False) -> nbformat.NotebookNode:
    config = {"name": name, "points": points, **({"manual": True} if manual else {"all_or_nothing": True})}
    return _raw("# BEGIN QUESTION\n" + yaml.safe_dump(config, sort_keys=False).strip())


def otter_master(path: Path) -> nbformat.NotebookNode:
    """The otter-grader master notebook of one instructor chapter (see the module's docstring); ``ValueError`` for
    a chapter without exercises."""
    nb = nbformat.read(path, as_version=4)
    found = {e.solution: e for e in exercises(nb, path.name)}
    section = exercise_section(nb)
    if not section:
        raise ValueError(f"{path.name}: no '## Exercises' section to export")
    config = {
        "name": path.stem,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": False,
        "generate": True,
    }
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    out.cells = [_raw("# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False).strip())]
    title = next((c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"), f"# {path.stem}")
    out.cells.append(nbformat.v4.new_markdown_cell(f"{title}: exercises"))
    out.cells += [nbformat.v4.new_code_cell(nb.cells[i].source) for i in setup_cells(nb)]
    questions = 0
    for index in section:
        cell = nb.cells[index]
        statement = _STATEMENT.search(cell.source) if cell.cell_type == "markdown" else None
        if statement is not None and SOLUTION not in tags(cell):
            ident = statement["id"]
            coded = index + 1 in found
            written = next(
                (
                    nb.cells[j].source
                    for j in section
                    if SOLUTION in tags(nb.cells[j])
                    and nb.cells[j].cell_type == "markdown"
                    and (m := _SOLUTION.search(nb.cells[j].source))
                    and f"{m['id']}.{m['k']}" == ident
                ),
                None,
            )
            text = plain_markdown(cell.source)
            if coded:
                exercise = found[index + 1]
                points = nb.cells[exercise.autocheck].metadata[GRADING]["points"]
                out.cells += [_question(_name(ident), points), nbformat.v4.new_markdown_cell(text)]
                prompt = nbformat.v4.new_code_cell(nb.cells[exercise.stub].source)
                if nb.cells[exercise.stub].get("id"):  # otter keeps it: `python -m mmcl grade` finds the answer by it
                    prompt.id = nb.cells[exercise.stub].id
                out.cells += [_raw("# BEGIN PROMPT"), prompt]
                out.cells += [_raw("# END PROMPT"), _raw("# BEGIN SOLUTION")]
                solution = f"# BEGIN SOLUTION NO PROMPT\n{nb.cells[exercise.solution].source.strip()}\n# END SOLUTION"
                out.cells += [nbformat.v4.new_code_cell(solution), _raw("# END SOLUTION")]
                out.cells += [_raw("# BEGIN TESTS"), *_tests(nb.cells[exercise.autocheck].source), _raw("# END TESTS")]
                out.cells.append(_raw("# END QUESTION"))
                questions += 1
            if written is not None or not coded:
                name = _name(ident, "_written" if coded else "")
                out.cells += [_question(name, WRITTEN_POINTS, manual=True)]
                if not coded:
                    out.cells.append(nbformat.v4.new_markdown_cell(text))
                else:
                    out.cells.append(nbformat.v4.new_markdown_cell(f"The written part of exercise {ident}, above."))
                if written is not None:
                    out.cells += [_raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(_written(written))]
                    out.cells.append(_raw("# END SOLUTION"))
                out.cells.append(_raw("# END QUESTION"))
                questions += 1
        elif tags(cell) & {SOLUTION, STUB, AUTOCHECK} or index in setup_cells(nb) or statement is not None:
            continue
        elif cell.cell_type == "markdown" and index != section[0]:
            out.cells.append(nbformat.v4.new_markdown_cell(plain_markdown(cell.source)))
    if not questions:
        raise ValueError(f"{path.name}: the exercises section has no exercise to export")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.export_otter", description=__doc__.splitlines()[0])
    parser.add_argument("chapter", type=Path, help="an instructor notebook of book/")
    parser.add_argument("--out", type=Path, required=True, help="the master notebook to write (.ipynb)")
    args = parser.parse_args(argv)
    if args.out.suffix != ".ipynb":
        parser.error(f"--out must name an .ipynb file, got {args.out}")
    master = otter_master(args.chapter)
    nbformat.validate(master)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(master, args.out)
    print(f"{args.out}: {sum(c.source.startswith('# BEGIN QUESTION') for c in master.cells)} question(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
