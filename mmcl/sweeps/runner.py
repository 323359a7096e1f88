"""Running a sweep: the cells of a grid trained batched, their results appended to a results file, resumable.

Cells whose configurations share the shapes ``(n, d, d̃, m, n_test, epochs)`` are trained together in one
:func:`mmcl.train` call (up to ``batch_runs`` runs), so scalar parameters (``‖μ‖``, ``σ_ξ``, ``τ``, ``η``,
``label_agreement``, …) vary per run inside one tensor program. A batch whose training diverges is retried cell by
cell; a cell that diverges alone is recorded as ``diverged``.

:func:`run_sweep` appends one ``cell`` line per finished cell to the results file (:mod:`.results`) as soon as its
batch is done. Re-running the same command skips every cell already in the file (matched by :attr:`.grid.Cell.key`,
a hash of mode, configuration, seeds and dtype), so an interrupted sweep resumes without losing or duplicating work.
:func:`train_grid` trains a grid in memory, without a results file.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ..model.probe import probe_accuracy
from ..model.trainer import Run, TrainingDiverged, train
from ..storage.records import rounded
from .grid import Cell, Grid
from .results import FORMAT, ResultsFile, _row

__all__ = [
    "SweepSummary",
    "run_sweep",
    "train_grid",
    "cell_record",
]


# -- running a sweep ------------------------------------------------------------------------------------------------
def _in_distribution_accuracy(run: Run) -> np.ndarray:
    """The probe of :mod:`mmcl.model.probe` with the training signal as test signal (``ν = μ``): accuracy without
    shift."""
    data = dataclasses.replace(run.data, nu=run.data.mu)
    return probe_accuracy(run.w, data).cpu().numpy()


def cell_record(cell: Cell, run: Run, rows: slice, in_dist: np.ndarray, header: int, seconds: float) -> dict[str, Any]:
    """The ``cell`` line of one finished cell: its identity, its configuration and per-seed results."""
    h = run.history
    results = {
        "test_accuracy": rounded(run.test_accuracy[rows]),
        "id_accuracy": rounded(in_dist[rows]),
        "final_train_loss": rounded(h["train_loss"][rows, -1]),
        "signal_learning": rounded(h["signal_learning"][rows, -1]),
        "noise_memorization": rounded(h["noise_memorization"][rows, -1]),
    }
    if cell.mode == "multi":
        results["signal_learning_tilde"] = rounded(h["signal_learning_tilde"][rows, -1])
        results["noise_memorization_tilde"] = rounded(h["noise_memorization_tilde"][rows, -1])
    return {
        "kind": "cell",
        "key": cell.key,
        "mode": cell.mode,
        "seeds": list(cell.seeds),
        "dtype": cell.dtype,
        "point": dict(cell.point),
        "config": cell.config.to_dict(),
        "status": "ok",
        "results": results,
        "header": header,
        "device": run.device,
        "batch_runs": run.runs,
        "batch_seconds": round(seconds, 3),
    }


def _chunks(cells: Sequence[Cell], batch_runs: int) -> list[list[Cell]]:
    groups: dict[tuple, list[Cell]] = {}
    for cell in cells:
        groups.setdefault(cell.shape, []).append(cell)
    out: list[list[Cell]] = []
    for group in groups.values():
        current: list[Cell] = []
        for cell in group:
            if current and sum(len(c.seeds) for c in current) + len(cell.seeds) > batch_runs:
                out.append(current)
                current = []
            current.append(cell)
        out.append(current)
    return out


def _diverged_record(cell: Cell, error: str, header: int | None) -> dict[str, Any]:
    return {
        "kind": "cell",
        "key": cell.key,
        "mode": cell.mode,
        "seeds": list(cell.seeds),
        "dtype": cell.dtype,
        "point": dict(cell.point),
        "config": cell.config.to_dict(),
        "status": "diverged",
        "error": error,
        "results": None,
        "header": header,
    }


def _train_cells(
    cells: Sequence[Cell], device: str, dtype: str, batch_runs: int, bar: Any, header: int | None
) -> Iterator[tuple[Cell, dict[str, Any]]]:
    """Train ``cells`` in batches of equal shape and yield each cell's record as soon as its batch is done.

    A batch whose training diverges is retried cell by cell; a cell that diverges alone yields a ``diverged`` record.
    """
    queue = _chunks(cells, batch_runs)
    while queue:
        chunk = queue.pop(0)
        configs = [c.config for c in chunk for _ in c.seeds]
        seeds = [s for c in chunk for s in c.seeds]
        epochs = chunk[0].config.epochs
        tick = len(seeds) / (epochs + 1)
        t0, n0 = time.perf_counter(), bar.n
        try:
            run = train(
                configs,
                chunk[0].mode,
                seeds,
                device=device,
                dtype=dtype,
                eval_every=max(epochs, 1),
                on_epoch=lambda _: bar.update(tick),
            )
        except TrainingDiverged as exc:
            bar.n = n0
            if len(chunk) > 1:  # find the culprit(s): retry cell by cell
                queue[:0] = [[c] for c in chunk]
                continue
            bar.n = n0 + len(seeds)
            bar.refresh()
            yield chunk[0], _diverged_record(chunk[0], str(exc), header)
            continue
        in_dist = _in_distribution_accuracy(run)
        seconds = time.perf_counter() - t0
        bar.n = n0 + len(seeds)
        bar.refresh()
        row = 0
        for cell in chunk:
            rows = slice(row, row + len(cell.seeds))
            row += len(cell.seeds)
            yield cell, cell_record(cell, run, rows, in_dist, header, seconds)


def _progress(total: int, progress: bool) -> Any:
    return tqdm(
        total=total,
        desc="sweep",
        unit="run",
        disable=None if progress else True,
        file=sys.stderr,
        bar_format="{l_bar}{bar}| {n:.0f}/{total} runs [{elapsed}<{remaining}]",
    )


def train_grid(
    grid: Grid, *, device: str = "auto", batch_runs: int = 64, progress: bool = False
) -> list[dict[str, Any]]:
    """Train every cell of ``grid`` in memory (no results file) and return rows like :meth:`.SweepResults.table`."""
    if isinstance(batch_runs, bool) or not isinstance(batch_runs, int) or batch_runs < 1:
        raise ValueError(f"batch_runs must be an integer >= 1, got {batch_runs!r}")
    cells = grid.unique_cells()
    bar = _progress(sum(len(c.seeds) for c in cells), progress)
    try:
        records = {cell.key: record for cell, record in _train_cells(cells, device, grid.dtype, batch_runs, bar, None)}
    finally:
        bar.close()
    return [_row(cell, records[cell.key]) for cell in grid.cells()]


@dataclass
class SweepSummary:
    """What one call of :func:`run_sweep` did."""

    cells: int
    skipped: int
    trained: int
    diverged: int
    runs: int
    seconds: float
    repaired: bool


def run_sweep(
    grid: Grid,
    out: str | os.PathLike[str],
    *,
    device: str = "auto",
    batch_runs: int = 64,
    progress: bool = False,
    command: str | None = None,
    on_cell: Callable[[dict[str, Any]], None] | None = None,
) -> SweepSummary:
    """Train every cell of ``grid`` not yet in ``out`` and append one line per cell (see :mod:`.results`).

    ``batch_runs`` caps the runs per :func:`mmcl.train` call (a cell with more seeds is still trained whole).
    A batch whose training diverges is retried cell by cell; a cell that diverges alone is recorded with
    ``"status": "diverged"`` and the error, and counts as finished. ``on_cell`` is called after each line is on disk.
    """
    from ..storage.records import provenance

    if isinstance(batch_runs, bool) or not isinstance(batch_runs, int) or batch_runs < 1:
        raise ValueError(f"batch_runs must be an integer >= 1, got {batch_runs!r}")
    start = time.perf_counter()
    cells = grid.unique_cells()
    with ResultsFile(out) as results:
        done = results.finished
        pending = [c for c in cells if c.key not in done]
        summary = SweepSummary(len(cells), len(cells) - len(pending), 0, 0, 0, 0.0, results.repaired)
        if not pending:
            summary.seconds = time.perf_counter() - start
            return summary
        header = results.headers
        results.append(
            {
                "kind": "header",
                "format": FORMAT,
                "grid": grid.to_dict(),
                "provenance": provenance(command),
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "pending_cells": len(pending),
            }
        )
        bar = _progress(sum(len(c.seeds) for c in pending), progress)
        try:
            for cell, record in _train_cells(pending, device, grid.dtype, batch_runs, bar, header):
                results.append(record)
                if record["status"] == "ok":
                    summary.trained += 1
                    summary.runs += len(cell.seeds)
                else:
                    summary.diverged += 1
                if on_cell is not None:
                    on_cell(record)
        finally:
            bar.close()
    summary.seconds = time.perf_counter() - start
    return summary
