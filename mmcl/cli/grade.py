"""The ``grade`` command (see :mod:`mmcl.cli` and :mod:`mmcl.grading`): grade a class's submitted notebooks.

:mod:`mmcl.grading` needs the ``book`` extra (nbformat, nbclient, ipykernel); it is imported only when the command
runs, so that the other commands work without it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import mmcl

__all__ = ["add_grade_arguments", "run_grade", "default_book"]


def default_book() -> Path:
    """The instructor notebooks next to this ``mmcl``: the ``book/`` folder of the repository it was installed from."""
    return Path(mmcl.__file__).resolve().parent.parent / "book"


def add_grade_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", type=Path, help="folder with one folder per student, holding their notebooks")
    parser.add_argument("--out", type=Path, required=True, help="the CSV to write (student, ex_N.k..., total)")
    parser.add_argument(
        "--feedback", type=Path, help="folder for the feedback files <student>.md (default: feedback/ next to --out)"
    )
    parser.add_argument(
        "--book", type=Path, help="folder of the instructor notebooks (default: book/ of the repository of mmcl)"
    )
    parser.add_argument("--chapters", nargs="+", metavar="N", help="grade only these chapters (numbers or file names)")
    parser.add_argument(
        "--timeout",
        type=float,
        help="seconds an exercise may take, answer and check together (default: 300, the grader's EXERCISE_TIMEOUT)",
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once, one kernel each (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run_grade(args: argparse.Namespace) -> None:
    try:
        from ..grading.report import grade_class, write_reports
        from ..grading.runner import EXERCISE_TIMEOUT
    except ImportError as exc:
        raise ValueError(f"grading needs the book extra (pip install 'mmcl[book]'): {exc}") from exc
    timeout = EXERCISE_TIMEOUT if args.timeout is None else args.timeout
    book = args.book if args.book is not None else default_book()
    if not book.is_dir():
        raise ValueError(f"no instructor notebooks at {book}: pass --book, the book/ folder of the repository")
    if timeout <= 0:
        raise ValueError(f"--timeout must be > 0 seconds, got {timeout:g}")
    feedback = args.feedback if args.feedback is not None else args.out.parent / "feedback"

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr, flush=True)

    chapters, grades = grade_class(
        args.submissions, book, chapters=args.chapters, timeout=timeout, jobs=args.jobs, progress=progress
    )
    write_reports(chapters, grades, args.out, feedback)
    possible = sum(c.max_points for c in chapters)
    if not args.quiet:
        print(f"{len(grades)} student(s), {possible} points possible: {args.out}; feedback in {feedback}/")
    failed = [(g.student, o.exercise) for g in grades for o in g.outcomes if o.status == "not graded"]
    if failed:
        shown = ", ".join(f"{s} {e}" for s, e in failed[:5]) + (" ..." if len(failed) > 5 else "")
        raise ValueError(
            f"{len(failed)} exercise(s) could not be graded, the grading environment failed ({shown}); the CSV "
            "counts them as 0 and the feedback files say why"
        )
