"""Grade one student's notebook for one chapter: the answer cells, run in a fresh kernel with the instructor's checks.

For each auto-checked exercise of the chapter (:mod:`mmcl.grading.catalog`), the submission's **answer cells** are
the code cells whose metadata says ``"grading": {"exercise": "<id>"}`` (as the student edition writes them; a cell
with the instructor stub's cell id stands in when the metadata was lost). Nothing else of the submission is used:
neither its other cells nor its check cells nor its outputs.

An exercise whose answer cells are all unchanged stubs scores 0 without running. The others run in one fresh
``python3`` kernel per notebook (nbclient), with the chapter's folder of the instructor book as working directory
(so ``../results`` resolves), CPU only and one thread: first the chapter's set-up cells, then, per exercise, the
answer cells and the instructor's check through :mod:`mmcl.grading.sandbox`, within a time limit per exercise. An
exercise that runs out of time, or kills the kernel, scores 0; the kernel is started again for the next one.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

import mmcl

from ..reader.exercises import GRADING_SEED
from .catalog import AUTOCHECK, GRADING, Chapter, GradedExercise, tags
from .sandbox import MIMETYPE

__all__ = ["Outcome", "KERNEL", "EXERCISE_TIMEOUT", "kernel_environment", "answer_sources", "grade_notebook"]

KERNEL = "python3"
EXERCISE_TIMEOUT = 300.0
"""Seconds an exercise may take by default: its answer cells and its check together."""
SETUP_TIMEOUT = 600
"""Seconds allowed for the chapter's set-up cells (the instructor's code)."""


@dataclass(frozen=True)
class Outcome:
    """The grade of one exercise in one submission."""

    exercise: str
    points: int
    max_points: int
    status: str
    """``correct``, ``incorrect``, ``not answered``, ``no answer cell``, ``reference used``, ``time limit``,
    ``not submitted`` or ``not graded`` (the grading itself failed: see the message)."""
    message: str


def kernel_environment() -> dict[str, str]:
    """The grading kernel's environment: CPU only, one thread, the ``mmcl`` that runs the grader first on the path,
    and a fresh :data:`~mmcl.reader.exercises.GRADING_SEED` (unless the instructor set one, to reproduce a grading),
    so that the checks also run on hidden inputs that no submission can have seen."""
    env = dict(os.environ)
    env.update(
        {
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "CUDA_VISIBLE_DEVICES": "",
            "TQDM_DISABLE": "1",
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        }
    )
    env.setdefault(GRADING_SEED, str(secrets.randbelow(2**31)))  # the hidden test inputs, drawn at grading time
    root = str(Path(mmcl.__file__).resolve().parent.parent)
    path = [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    env["PYTHONPATH"] = os.pathsep.join(path)
    return env


def answer_sources(nb: nbformat.NotebookNode, exercise: GradedExercise) -> list[str] | None:
    """The sources of a submission's answer cells for ``exercise``, in order; ``None`` when it has none."""
    code = [c for c in nb.cells if c.cell_type == "code" and AUTOCHECK not in tags(c)]
    tagged = [c for c in code if c.get("metadata", {}).get(GRADING, {}).get("exercise") == exercise.id]
    if not tagged and exercise.stub_cell_id:
        tagged = [c for c in code if c.get("id") == exercise.stub_cell_id]
    return [c.source for c in tagged] if tagged else None


def _unchanged(sources: list[str], stub: str) -> bool:
    return all(s.strip() == stub.strip() for s in sources)


class _SetupFailed(Exception):
    """The instructor's set-up did not run in the grading kernel."""


class _Kernel:
    """One grading kernel, with the chapter's set-up run and the traps installed."""

    def __init__(self, chapter: Chapter, pending: list[GradedExercise]) -> None:
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        self.client = NotebookClient(
            nbformat.v4.new_notebook(),
            kernel_name=KERNEL,
            resources={"metadata": {"path": str(chapter.path.parent)}},
            allow_errors=True,
            record_timing=False,
            shutdown_kernel="immediate",
            timeout=SETUP_TIMEOUT,
        )
        options: dict[str, Any] = {"env": kernel_environment()}
        if hasattr(KernelManager, "transport_encryption"):  # recent jupyter_client: encrypted, no warning
            options["transport_encryption"] = "auto"
        self._context = self.client.setup_kernel(**options)
        try:
            self._context.__enter__()
        except Exception as exc:  # no kernel at all: ipykernel missing, or the machine too busy to start one
            raise _SetupFailed(f"the {KERNEL} kernel did not start ({type(exc).__name__}: {exc})") from exc
        try:
            self._setup(chapter, pending)
        except (CellTimeoutError, DeadKernelError) as exc:
            self.close()
            raise _SetupFailed(f"the set-up did not complete ({type(exc).__name__}: {exc})") from exc
        except BaseException:
            self.close()
            raise

    def _setup(self, chapter: Chapter, pending: list[GradedExercise]) -> None:
        names = sorted({n for e in pending for n in e.names})
        references = sorted({r for e in pending for r in e.references})
        cells = ["import mmcl.grading.sandbox as _mmcl_grading", *chapter.setup]
        cells.append(f"_mmcl_grading.start({names!r}, {references!r})")
        for source in cells:
            error = _error(self.run(source, SETUP_TIMEOUT))
            if error:
                first = source.strip().splitlines()[0] if source.strip() else ""
                raise _SetupFailed(f"the set-up cell starting {first!r} raised {error}")

    def run(self, source: str, timeout: float) -> nbformat.NotebookNode:
        """Execute ``source`` as a new cell, within ``timeout`` seconds (nbclient's ``CellTimeoutError`` after)."""
        cell = nbformat.v4.new_code_cell(source)
        self.client.nb.cells.append(cell)
        self.client.timeout = max(1, math.ceil(timeout))
        self.client.execute_cell(cell, len(self.client.nb.cells) - 1)
        return cell

    def close(self) -> None:
        self._context.__exit__(None, None, None)


def _error(cell: nbformat.NotebookNode) -> str:
    """``Name: value`` of the cell's error, or ``""``."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return ""


def _result(cell: nbformat.NotebookNode, token: str) -> dict[str, Any] | None:
    for output in cell.get("outputs", []):
        data = output.get("data", {}).get(MIMETYPE)
        if isinstance(data, dict) and data.get("token") == token:
            return data
    return None


def _grade_one(kernel: _Kernel, exercise: GradedExercise, sources: list[str], timeout: float) -> Outcome:
    """Run one exercise's answer cells and check; nbclient's timeout and dead-kernel errors propagate."""
    deadline = time.monotonic() + timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            from nbclient.exceptions import CellTimeoutError

            raise CellTimeoutError(f"exercise {exercise.id} ran out of time")
        return remaining

    kernel.run(f"_mmcl_grading.begin({exercise.id!r})", left())
    errors = [e for e in (_error(kernel.run(s, left())) for s in sources) if e]
    token = secrets.token_hex(16)
    cell = kernel.run(f"_mmcl_grading.finish({exercise.id!r}, {exercise.check_source!r}, {token!r})", left())
    result = _result(cell, token)
    if result is None:
        reason = _error(cell) or "it sent no result"
        return Outcome(exercise.id, 0, exercise.points, "incorrect", f"the check could not run: {reason}")
    if result["passed"]:
        return Outcome(exercise.id, exercise.points, exercise.points, "correct", result["message"])
    status = "reference used" if result["references_used"] else "incorrect"
    message = result["message"]
    if errors and not result["references_used"]:
        message += f"\n(Your answer cell raised {errors[0]}.)"
    return Outcome(exercise.id, 0, exercise.points, status, message)


def grade_notebook(chapter: Chapter, submission: Path | None, timeout: float = EXERCISE_TIMEOUT) -> list[Outcome]:
    """Grade one submitted notebook (``None``: not submitted) against ``chapter``; one outcome per exercise."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    if timeout <= 0:
        raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
    if submission is None:
        missing = "this chapter was not submitted"
        return [Outcome(e.id, 0, e.points, "not submitted", missing) for e in chapter.exercises]
    try:
        nb = nbformat.read(submission, as_version=4)
    except Exception as exc:  # a broken file is the student's, not the grader's, failure
        message = f"the notebook could not be read ({type(exc).__name__}: {exc})"
        return [Outcome(e.id, 0, e.points, "incorrect", message) for e in chapter.exercises]
    outcomes: dict[str, Outcome] = {}
    pending: list[tuple[GradedExercise, list[str]]] = []
    for exercise in chapter.exercises:
        sources = answer_sources(nb, exercise)
        if sources is None:
            outcomes[exercise.id] = Outcome(
                exercise.id,
                0,
                exercise.points,
                "no answer cell",
                f"no answer cell for exercise {exercise.id} (the cell tagged 'answer' under the exercise: keep it, "
                "and write the answer in it)",
            )
        elif _unchanged(sources, exercise.stub_source):
            outcomes[exercise.id] = Outcome(
                exercise.id,
                0,
                exercise.points,
                "not answered",
                f"Exercise {exercise.id}: the answer cell is unchanged; "
                "replace `raise NotImplementedError(...)` by your code",
            )
        else:
            pending.append((exercise, sources))
    kernel: _Kernel | None = None
    try:
        for exercise, sources in pending:
            try:
                if kernel is None:
                    kernel = _Kernel(chapter, [e for e, _ in pending])
                outcomes[exercise.id] = _grade_one(kernel, exercise, sources, timeout)
            except _SetupFailed as exc:
                message = f"not graded: {exc} (a problem of the grading environment, not of the answer)"
                for other, _ in pending:
                    outcomes.setdefault(other.id, Outcome(other.id, 0, other.points, "not graded", message))
                break
            except (CellTimeoutError, DeadKernelError) as exc:
                timed_out = isinstance(exc, CellTimeoutError)
                status = "time limit" if timed_out else "incorrect"
                message = (
                    f"the answer and its check did not finish within the time limit of {timeout:g} s"
                    if timed_out
                    else "the kernel died while running the answer (out of memory?)"
                )
                outcomes[exercise.id] = Outcome(exercise.id, 0, exercise.points, status, message)
                if kernel is not None:
                    kernel.close()
                kernel = None
    finally:
        if kernel is not None:
            kernel.close()
    return [outcomes[e.id] for e in chapter.exercises]
